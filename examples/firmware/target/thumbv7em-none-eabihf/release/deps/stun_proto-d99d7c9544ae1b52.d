/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/stun_proto-d99d7c9544ae1b52.d: /work/main/stun-proto/src/lib.rs /work/main/stun-proto/src/auth/mod.rs /work/main/stun-proto/src/auth/hmac_sha1.rs /work/main/stun-proto/src/auth/nonce.rs /work/main/stun-proto/src/auth/users.rs /work/main/stun-proto/src/client/mod.rs /work/main/stun-proto/src/client/credentials.rs /work/main/stun-proto/src/client/event.rs /work/main/stun-proto/src/client/rto.rs /work/main/stun-proto/src/client/transaction.rs /work/main/stun-proto/src/fuzzing.rs /work/main/stun-proto/src/server/mod.rs /work/main/stun-proto/src/server/rfc5780.rs /work/main/stun-proto/src/wire/mod.rs /work/main/stun-proto/src/wire/attr/mod.rs /work/main/stun-proto/src/wire/attr/address.rs /work/main/stun-proto/src/wire/attr/algorithms.rs /work/main/stun-proto/src/wire/attr/error_code.rs /work/main/stun-proto/src/wire/attr/kind.rs /work/main/stun-proto/src/wire/attr/turn.rs /work/main/stun-proto/src/wire/attr/typed.rs /work/main/stun-proto/src/wire/builder.rs /work/main/stun-proto/src/wire/error.rs /work/main/stun-proto/src/wire/getters.rs /work/main/stun-proto/src/wire/header.rs /work/main/stun-proto/src/wire/message.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libstun_proto-d99d7c9544ae1b52.rlib: /work/main/stun-proto/src/lib.rs /work/main/stun-proto/src/auth/mod.rs /work/main/stun-proto/src/auth/hmac_sha1.rs /work/main/stun-proto/src/auth/nonce.rs /work/main/stun-proto/src/auth/users.rs /work/main/stun-proto/src/client/mod.rs /work/main/stun-proto/src/client/credentials.rs /work/main/stun-proto/src/client/event.rs /work/main/stun-proto/src/client/rto.rs /work/main/stun-proto/src/client/transaction.rs /work/main/stun-proto/src/fuzzing.rs /work/main/stun-proto/src/server/mod.rs /work/main/stun-proto/src/server/rfc5780.rs /work/main/stun-proto/src/wire/mod.rs /work/main/stun-proto/src/wire/attr/mod.rs /work/main/stun-proto/src/wire/attr/address.rs /work/main/stun-proto/src/wire/attr/algorithms.rs /work/main/stun-proto/src/wire/attr/error_code.rs /work/main/stun-proto/src/wire/attr/kind.rs /work/main/stun-proto/src/wire/attr/turn.rs /work/main/stun-proto/src/wire/attr/typed.rs /work/main/stun-proto/src/wire/builder.rs /work/main/stun-proto/src/wire/error.rs /work/main/stun-proto/src/wire/getters.rs /work/main/stun-proto/src/wire/header.rs /work/main/stun-proto/src/wire/message.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libstun_proto-d99d7c9544ae1b52.rmeta: /work/main/stun-proto/src/lib.rs /work/main/stun-proto/src/auth/mod.rs /work/main/stun-proto/src/auth/hmac_sha1.rs /work/main/stun-proto/src/auth/nonce.rs /work/main/stun-proto/src/auth/users.rs /work/main/stun-proto/src/client/mod.rs /work/main/stun-proto/src/client/credentials.rs /work/main/stun-proto/src/client/event.rs /work/main/stun-proto/src/client/rto.rs /work/main/stun-proto/src/client/transaction.rs /work/main/stun-proto/src/fuzzing.rs /work/main/stun-proto/src/server/mod.rs /work/main/stun-proto/src/server/rfc5780.rs /work/main/stun-proto/src/wire/mod.rs /work/main/stun-proto/src/wire/attr/mod.rs /work/main/stun-proto/src/wire/attr/address.rs /work/main/stun-proto/src/wire/attr/algorithms.rs /work/main/stun-proto/src/wire/attr/error_code.rs /work/main/stun-proto/src/wire/attr/kind.rs /work/main/stun-proto/src/wire/attr/turn.rs /work/main/stun-proto/src/wire/attr/typed.rs /work/main/stun-proto/src/wire/builder.rs /work/main/stun-proto/src/wire/error.rs /work/main/stun-proto/src/wire/getters.rs /work/main/stun-proto/src/wire/header.rs /work/main/stun-proto/src/wire/message.rs

/work/main/stun-proto/src/lib.rs:
/work/main/stun-proto/src/auth/mod.rs:
/work/main/stun-proto/src/auth/hmac_sha1.rs:
/work/main/stun-proto/src/auth/nonce.rs:
/work/main/stun-proto/src/auth/users.rs:
/work/main/stun-proto/src/client/mod.rs:
/work/main/stun-proto/src/client/credentials.rs:
/work/main/stun-proto/src/client/event.rs:
/work/main/stun-proto/src/client/rto.rs:
/work/main/stun-proto/src/client/transaction.rs:
/work/main/stun-proto/src/fuzzing.rs:
/work/main/stun-proto/src/server/mod.rs:
/work/main/stun-proto/src/server/rfc5780.rs:
/work/main/stun-proto/src/wire/mod.rs:
/work/main/stun-proto/src/wire/attr/mod.rs:
/work/main/stun-proto/src/wire/attr/address.rs:
/work/main/stun-proto/src/wire/attr/algorithms.rs:
/work/main/stun-proto/src/wire/attr/error_code.rs:
/work/main/stun-proto/src/wire/attr/kind.rs:
/work/main/stun-proto/src/wire/attr/turn.rs:
/work/main/stun-proto/src/wire/attr/typed.rs:
/work/main/stun-proto/src/wire/builder.rs:
/work/main/stun-proto/src/wire/error.rs:
/work/main/stun-proto/src/wire/getters.rs:
/work/main/stun-proto/src/wire/header.rs:
/work/main/stun-proto/src/wire/message.rs:
