#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rtp_core::fuzzing::rtcp_parse(data));
