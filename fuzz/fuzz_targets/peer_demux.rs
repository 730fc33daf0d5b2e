#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| peer_core::fuzzing::peer_demux(data));
