#![no_main]
//! See `turn_proto::fuzzing::channel_data`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| turn_proto::fuzzing::channel_data(data));
