//! The fuzz target bodies over seeded random inputs, so normal CI runs them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use turn_proto::fuzzing;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn turn_message_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        fuzzing::turn_message(&data);
    }

    #[test]
    fn stun_shaped_messages_round_trip(attrs in proptest::collection::vec((0u16..0x30, proptest::collection::vec(any::<u8>(), 0..24)), 0..6)) {
        // A valid header with random TURN-range attributes: decoding must never panic and
        // every decodable attribute must round-trip.
        let mut msg = vec![0x00, 0x16, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        msg.extend_from_slice(&[7; 12]);
        for (t, v) in &attrs {
            msg.extend_from_slice(&t.to_be_bytes());
            msg.extend_from_slice(&(v.len() as u16).to_be_bytes());
            msg.extend_from_slice(v);
            while msg.len() % 4 != 0 { msg.push(0); }
        }
        let len = (msg.len() - 20) as u16;
        msg[2..4].copy_from_slice(&len.to_be_bytes());
        fuzzing::turn_message(&msg);
    }

    #[test]
    fn channel_data_never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
        fuzzing::channel_data(&data);
    }

    #[test]
    fn server_session_keeps_invariants(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzzing::server_session(&data);
    }
}

#[test]
fn server_session_script_reaches_the_data_path() {
    // op 2: peer datagram; op 5: ChannelData; op 4: a long wait; then again.
    let script = [2u8, 3, 1, 2, 3, 5, 2, 9, 9, 4, 1, 255, 2, 1, 0, 0, 0];
    fuzzing::server_session(&script);
}
