/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/firmware-e8e777698dc65716.d: src/main.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/firmware-e8e777698dc65716: src/main.rs

src/main.rs:
