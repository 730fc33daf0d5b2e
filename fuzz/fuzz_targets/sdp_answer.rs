#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sdp_core::fuzzing::sdp_answer(data));
