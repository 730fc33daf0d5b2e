/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/bare_metal-0b35ae562cbd8d10.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/bare-metal-0.2.5/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libbare_metal-0b35ae562cbd8d10.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/bare-metal-0.2.5/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libbare_metal-0b35ae562cbd8d10.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/bare-metal-0.2.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/bare-metal-0.2.5/src/lib.rs:
