#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| stun_proto::fuzzing::client(data));
