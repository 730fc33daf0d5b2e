/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/cortex_m_rt-8223dd11ebf28853.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cortex-m-rt-0.7.7/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libcortex_m_rt-8223dd11ebf28853.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cortex-m-rt-0.7.7/src/lib.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libcortex_m_rt-8223dd11ebf28853.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cortex-m-rt-0.7.7/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cortex-m-rt-0.7.7/src/lib.rs:
