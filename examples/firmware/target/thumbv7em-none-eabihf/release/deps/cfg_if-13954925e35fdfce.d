/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/cfg_if-13954925e35fdfce.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libcfg_if-13954925e35fdfce.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libcfg_if-13954925e35fdfce.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
