/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/nb-3522fcde3bd04e2e.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nb-1.1.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libnb-3522fcde3bd04e2e.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nb-1.1.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libnb-3522fcde3bd04e2e.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nb-1.1.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nb-1.1.0/src/lib.rs:
