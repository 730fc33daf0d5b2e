#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::sctp_parse(data));
