/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/stable_deref_trait-194310d3600647ca.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libstable_deref_trait-194310d3600647ca.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libstable_deref_trait-194310d3600647ca.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs:
