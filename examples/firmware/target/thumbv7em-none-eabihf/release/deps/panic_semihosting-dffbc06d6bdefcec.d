/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/panic_semihosting-dffbc06d6bdefcec.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/panic-semihosting-0.7.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libpanic_semihosting-dffbc06d6bdefcec.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/panic-semihosting-0.7.0/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libpanic_semihosting-dffbc06d6bdefcec.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/panic-semihosting-0.7.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/panic-semihosting-0.7.0/src/lib.rs:
