//! Arbitrary and mutated bytes never panic any parser or machine: the fuzz bodies of
//! `dtls_core::fuzzing`, run here on random inputs and on mutations of real datagrams.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dtls_core::fuzzing;
use proptest::collection::vec;
use proptest::prelude::*;

const PQC: &str = include_str!("fixtures/chromium148_pqc_handshake.txt");

fn captured() -> Vec<Vec<u8>> {
    PQC.lines()
        .map(|l| {
            let hex = l.split_once(' ').unwrap().1;
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_parse_without_panic(data in vec(any::<u8>(), 0..600)) {
        fuzzing::record_parse(&data);
        fuzzing::reassembly(&data);
    }

    #[test]
    fn mutated_real_datagrams_parse_without_panic(i in 0usize..12, flips in vec((any::<u16>(), any::<u8>()), 0..8)) {
        let all = captured();
        let mut d = all[i % all.len()].clone();
        for (at, x) in flips {
            let n = d.len();
            d[usize::from(at) % n] ^= x;
        }
        fuzzing::record_parse(&d);
        let mut framed = (d.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&d);
        fuzzing::server_datagrams(&framed);
    }

    #[test]
    fn server_fed_random_datagrams(data in vec(any::<u8>(), 0..800)) {
        fuzzing::server_datagrams(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn perturbed_handshakes_agree_on_keys_or_fail(ops in vec(any::<u8>(), 0..64)) {
        fuzzing::handshake_mutations(&ops);
    }
}

#[test]
fn fragmented_real_fragments_reassemble_in_any_order() {
    // The two fragments of Chromium's ClientHello, reversed, through the fuzz body's model.
    let all = captured();
    let mut payload = vec![];
    for d in [&all[2], &all[0]] {
        payload.extend_from_slice(&d[13..]);
    }
    fuzzing::reassembly(&payload);
}
