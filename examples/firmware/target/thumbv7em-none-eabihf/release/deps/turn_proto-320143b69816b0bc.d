/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/turn_proto-320143b69816b0bc.d: /work/main/turn-proto/src/lib.rs /work/main/turn-proto/src/client/mod.rs /work/main/turn-proto/src/client/event.rs /work/main/turn-proto/src/client/io.rs /work/main/turn-proto/src/client/outcome.rs /work/main/turn-proto/src/client/peers.rs /work/main/turn-proto/src/fuzzing.rs /work/main/turn-proto/src/rest.rs /work/main/turn-proto/src/server/mod.rs /work/main/turn-proto/src/server/allocation.rs /work/main/turn-proto/src/server/auth.rs /work/main/turn-proto/src/server/channels.rs /work/main/turn-proto/src/server/config.rs /work/main/turn-proto/src/server/event.rs /work/main/turn-proto/src/server/invariants.rs /work/main/turn-proto/src/server/peer_filter.rs /work/main/turn-proto/src/server/permissions.rs /work/main/turn-proto/src/server/quota.rs /work/main/turn-proto/src/server/relay.rs /work/main/turn-proto/src/server/reply.rs /work/main/turn-proto/src/server/requests.rs /work/main/turn-proto/src/server/tables.rs /work/main/turn-proto/src/server/tcp.rs /work/main/turn-proto/src/wire/mod.rs /work/main/turn-proto/src/wire/channel_data.rs /work/main/turn-proto/src/wire/framing.rs /work/main/turn-proto/src/wire/indication.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libturn_proto-320143b69816b0bc.rlib: /work/main/turn-proto/src/lib.rs /work/main/turn-proto/src/client/mod.rs /work/main/turn-proto/src/client/event.rs /work/main/turn-proto/src/client/io.rs /work/main/turn-proto/src/client/outcome.rs /work/main/turn-proto/src/client/peers.rs /work/main/turn-proto/src/fuzzing.rs /work/main/turn-proto/src/rest.rs /work/main/turn-proto/src/server/mod.rs /work/main/turn-proto/src/server/allocation.rs /work/main/turn-proto/src/server/auth.rs /work/main/turn-proto/src/server/channels.rs /work/main/turn-proto/src/server/config.rs /work/main/turn-proto/src/server/event.rs /work/main/turn-proto/src/server/invariants.rs /work/main/turn-proto/src/server/peer_filter.rs /work/main/turn-proto/src/server/permissions.rs /work/main/turn-proto/src/server/quota.rs /work/main/turn-proto/src/server/relay.rs /work/main/turn-proto/src/server/reply.rs /work/main/turn-proto/src/server/requests.rs /work/main/turn-proto/src/server/tables.rs /work/main/turn-proto/src/server/tcp.rs /work/main/turn-proto/src/wire/mod.rs /work/main/turn-proto/src/wire/channel_data.rs /work/main/turn-proto/src/wire/framing.rs /work/main/turn-proto/src/wire/indication.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libturn_proto-320143b69816b0bc.rmeta: /work/main/turn-proto/src/lib.rs /work/main/turn-proto/src/client/mod.rs /work/main/turn-proto/src/client/event.rs /work/main/turn-proto/src/client/io.rs /work/main/turn-proto/src/client/outcome.rs /work/main/turn-proto/src/client/peers.rs /work/main/turn-proto/src/fuzzing.rs /work/main/turn-proto/src/rest.rs /work/main/turn-proto/src/server/mod.rs /work/main/turn-proto/src/server/allocation.rs /work/main/turn-proto/src/server/auth.rs /work/main/turn-proto/src/server/channels.rs /work/main/turn-proto/src/server/config.rs /work/main/turn-proto/src/server/event.rs /work/main/turn-proto/src/server/invariants.rs /work/main/turn-proto/src/server/peer_filter.rs /work/main/turn-proto/src/server/permissions.rs /work/main/turn-proto/src/server/quota.rs /work/main/turn-proto/src/server/relay.rs /work/main/turn-proto/src/server/reply.rs /work/main/turn-proto/src/server/requests.rs /work/main/turn-proto/src/server/tables.rs /work/main/turn-proto/src/server/tcp.rs /work/main/turn-proto/src/wire/mod.rs /work/main/turn-proto/src/wire/channel_data.rs /work/main/turn-proto/src/wire/framing.rs /work/main/turn-proto/src/wire/indication.rs

/work/main/turn-proto/src/lib.rs:
/work/main/turn-proto/src/client/mod.rs:
/work/main/turn-proto/src/client/event.rs:
/work/main/turn-proto/src/client/io.rs:
/work/main/turn-proto/src/client/outcome.rs:
/work/main/turn-proto/src/client/peers.rs:
/work/main/turn-proto/src/fuzzing.rs:
/work/main/turn-proto/src/rest.rs:
/work/main/turn-proto/src/server/mod.rs:
/work/main/turn-proto/src/server/allocation.rs:
/work/main/turn-proto/src/server/auth.rs:
/work/main/turn-proto/src/server/channels.rs:
/work/main/turn-proto/src/server/config.rs:
/work/main/turn-proto/src/server/event.rs:
/work/main/turn-proto/src/server/invariants.rs:
/work/main/turn-proto/src/server/peer_filter.rs:
/work/main/turn-proto/src/server/permissions.rs:
/work/main/turn-proto/src/server/quota.rs:
/work/main/turn-proto/src/server/relay.rs:
/work/main/turn-proto/src/server/reply.rs:
/work/main/turn-proto/src/server/requests.rs:
/work/main/turn-proto/src/server/tables.rs:
/work/main/turn-proto/src/server/tcp.rs:
/work/main/turn-proto/src/wire/mod.rs:
/work/main/turn-proto/src/wire/channel_data.rs:
/work/main/turn-proto/src/wire/framing.rs:
/work/main/turn-proto/src/wire/indication.rs:
