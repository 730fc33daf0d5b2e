/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/volatile_register-96dd35770f8767d7.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/volatile-register-0.2.2/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libvolatile_register-96dd35770f8767d7.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/volatile-register-0.2.2/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libvolatile_register-96dd35770f8767d7.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/volatile-register-0.2.2/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/volatile-register-0.2.2/src/lib.rs:
