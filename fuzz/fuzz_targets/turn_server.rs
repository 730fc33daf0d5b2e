#![no_main]
//! See `turn_proto::fuzzing::server_session`: an allocation set up, then client, peer and
//! timer inputs plus authenticated requests the body signs with the server's nonce.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = turn_proto::fuzzing::server_session(data);
});
