/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/ice_core-0e69f46363fed968.d: /work/main/ice-core/src/lib.rs /work/main/ice-core/src/agent/mod.rs /work/main/ice-core/src/agent/checks.rs /work/main/ice-core/src/agent/config.rs /work/main/ice-core/src/agent/consent.rs /work/main/ice-core/src/agent/gather.rs /work/main/ice-core/src/agent/incoming.rs /work/main/ice-core/src/agent/nominate.rs /work/main/ice-core/src/agent/relay.rs /work/main/ice-core/src/candidate.rs /work/main/ice-core/src/event.rs /work/main/ice-core/src/fuzzing.rs /work/main/ice-core/src/pair.rs /work/main/ice-core/src/sdp.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libice_core-0e69f46363fed968.rlib: /work/main/ice-core/src/lib.rs /work/main/ice-core/src/agent/mod.rs /work/main/ice-core/src/agent/checks.rs /work/main/ice-core/src/agent/config.rs /work/main/ice-core/src/agent/consent.rs /work/main/ice-core/src/agent/gather.rs /work/main/ice-core/src/agent/incoming.rs /work/main/ice-core/src/agent/nominate.rs /work/main/ice-core/src/agent/relay.rs /work/main/ice-core/src/candidate.rs /work/main/ice-core/src/event.rs /work/main/ice-core/src/fuzzing.rs /work/main/ice-core/src/pair.rs /work/main/ice-core/src/sdp.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libice_core-0e69f46363fed968.rmeta: /work/main/ice-core/src/lib.rs /work/main/ice-core/src/agent/mod.rs /work/main/ice-core/src/agent/checks.rs /work/main/ice-core/src/agent/config.rs /work/main/ice-core/src/agent/consent.rs /work/main/ice-core/src/agent/gather.rs /work/main/ice-core/src/agent/incoming.rs /work/main/ice-core/src/agent/nominate.rs /work/main/ice-core/src/agent/relay.rs /work/main/ice-core/src/candidate.rs /work/main/ice-core/src/event.rs /work/main/ice-core/src/fuzzing.rs /work/main/ice-core/src/pair.rs /work/main/ice-core/src/sdp.rs

/work/main/ice-core/src/lib.rs:
/work/main/ice-core/src/agent/mod.rs:
/work/main/ice-core/src/agent/checks.rs:
/work/main/ice-core/src/agent/config.rs:
/work/main/ice-core/src/agent/consent.rs:
/work/main/ice-core/src/agent/gather.rs:
/work/main/ice-core/src/agent/incoming.rs:
/work/main/ice-core/src/agent/nominate.rs:
/work/main/ice-core/src/agent/relay.rs:
/work/main/ice-core/src/candidate.rs:
/work/main/ice-core/src/event.rs:
/work/main/ice-core/src/fuzzing.rs:
/work/main/ice-core/src/pair.rs:
/work/main/ice-core/src/sdp.rs:
