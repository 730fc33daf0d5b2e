/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/subtle-70aa4e460cdc6bca.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libsubtle-70aa4e460cdc6bca.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libsubtle-70aa4e460cdc6bca.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs:
