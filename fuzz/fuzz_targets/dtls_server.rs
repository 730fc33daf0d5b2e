#![no_main]
// First byte even: a listening server fed framed datagrams (cookies accepted unchecked under
// cfg(fuzzing)); odd: a real client/server handshake perturbed by the input.
libfuzzer_sys::fuzz_target!(|data: &[u8]| match data.split_first() {
    Some((mode, rest)) if mode % 2 == 1 => dtls_core::fuzzing::handshake_mutations(rest),
    Some((_, rest)) => dtls_core::fuzzing::server_datagrams(rest),
    None => {}
});
