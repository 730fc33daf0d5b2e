#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    srtp_core::fuzzing::srtp_unprotect(data);
});
