/work/main/examples/firmware/target/release/deps/rustc_version-704f0777e07a04eb.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/errors.rs

/work/main/examples/firmware/target/release/deps/librustc_version-704f0777e07a04eb.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/errors.rs

/work/main/examples/firmware/target/release/deps/librustc_version-704f0777e07a04eb.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/errors.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_version-0.2.3/src/errors.rs:
