#![no_main]
//! See `stun_proto::fuzzing::server_long_term`: a Binding server with long-term credentials
//! in RFC 5780 mode, fed raw datagrams and requests the body signs with the server's nonce.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = stun_proto::fuzzing::server_long_term(data);
});
