#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ice_core::fuzzing::agent(data));
