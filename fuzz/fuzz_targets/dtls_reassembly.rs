#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dtls_core::fuzzing::reassembly(data));
