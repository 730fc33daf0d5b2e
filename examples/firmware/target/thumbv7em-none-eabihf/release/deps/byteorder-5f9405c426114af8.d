/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/byteorder-5f9405c426114af8.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libbyteorder-5f9405c426114af8.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libbyteorder-5f9405c426114af8.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs:
