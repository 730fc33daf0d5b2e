//! The fuzz bodies' own checks can fail: inputs chosen to reach each assertion.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use rtp_core::fuzzing;

/// An H.264 STAP-A whose second unit claims more bytes than the packet holds: the first unit
/// was already written when the second fails, so the depacketizer must take it back (the
/// `Depacketizer` contract: a refused payload leaves the frame as it was). The fuzz body
/// asserts that; this input reaches the assertion on every run.
#[test]
fn depacketize_body_checks_that_a_refused_stap_a_leaves_the_frame_alone() {
    // 0 = H.264; then one length-prefixed payload: STAP-A (0x18), unit 1 = [0x65] (1 byte),
    // unit 2 claims 5 bytes and has 1.
    let stap = [0x18, 0, 1, 0x65, 0, 5, 0x41];
    let mut data = vec![0u8, stap.len() as u8];
    data.extend_from_slice(&stap);
    // A good single NAL first, so the frame is not empty when the STAP-A fails.
    let mut input = vec![0u8, 3, 0x41, 0xAA, 0xBB];
    input.extend_from_slice(&data[1..]);
    fuzzing::depacketize(&input);
}

/// A valid FU-A run and single NAL units: the growth bound of the body holds for the
/// payloads that expand most (start codes).
#[test]
fn depacketize_body_accepts_well_formed_h264() {
    let payloads: [&[u8]; 4] = [
        &[0x18, 0, 1, 0x09, 0, 1, 0x09, 0, 1, 0x09], // STAP-A of 1-byte units
        &[0x7C, 0x85, 1, 2, 3],                      // FU-A start
        &[0x7C, 0x45, 4, 5],                         // FU-A end
        &[0x65, 9, 9, 9],                            // single NAL
    ];
    let mut input = vec![0u8];
    for p in payloads {
        input.push(p.len() as u8);
        input.extend_from_slice(p);
    }
    fuzzing::depacketize(&input);
}
