#![no_main]
//! See `ice_core::fuzzing::agent`: candidate lines, raw datagrams, restarts and time, plus
//! checks and answers the body signs (so pairs validate, get nominated, and consent runs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ice_core::fuzzing::agent(data);
});
