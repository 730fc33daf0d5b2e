/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/vcell-1e5bcbb94261e29d.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/vcell-0.1.3/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libvcell-1e5bcbb94261e29d.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/vcell-0.1.3/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libvcell-1e5bcbb94261e29d.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/vcell-0.1.3/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/vcell-0.1.3/src/lib.rs:
