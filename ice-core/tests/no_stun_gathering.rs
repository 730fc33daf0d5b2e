//! `S = 0` (no STUN-server gathering) leaves the gatherer's STUN client out: a configured
//! STUN server is not asked and gathering completes with the host candidate, where `S = 1`
//! sends it a Binding request and waits for the answer.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ice_core::{IceAgent, IceConfig, IceEvent, IceRole};
use sansio::{Instant, SansIo, SeededEntropy};

/// What the agent sends after its host is added, and whether gathering completed.
fn gather<const S: usize>() -> (Vec<u16>, bool, usize) {
    let mut c = IceConfig::default();
    c.stun_servers
        .push("198.18.0.9:3478".parse().unwrap())
        .unwrap();
    let mut a: IceAgent<SeededEntropy, 4, 8, 4, 0, S> =
        IceAgent::new(c, IceRole::Controlled, SeededEntropy::new(3));
    let now = Instant::ZERO;
    a.add_host(now, "198.18.0.1:5000".parse().unwrap(), 65535)
        .unwrap();
    a.hosts_done(now);
    let mut out = [0u8; 1500];
    let mut types = Vec::new();
    while let Some(t) = a.poll_transmit(now, &mut out) {
        assert_eq!(t.path.remote, "198.18.0.9:3478".parse().unwrap());
        types.push(u16::from_be_bytes([out[0], out[1]]));
    }
    let mut completions = 0;
    while let Some(e) = a.poll_event() {
        completions += usize::from(matches!(e, IceEvent::GatheringComplete));
    }
    (types, a.gathering_complete(), completions)
}

#[test]
fn without_stun_gathering_a_stun_server_is_not_asked_and_gathering_completes() {
    assert_eq!(gather::<0>(), (vec![], true, 1));
    let (asked, done, completions) = gather::<1>();
    assert_eq!(asked, vec![0x0001], "a Binding request"); // RFC 8489
    assert!(!done && completions == 0, "gathering waits for the answer");
}

#[test]
fn leaving_stun_gathering_out_saves_its_client() {
    let with = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4, 0, 1>>();
    let without = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4, 0, 0>>();
    println!("IceAgent<_, 4, 8, 4, 0, S>: S = 1 {with} bytes, S = 0 {without} bytes");
    // The client and its request slots: about 3 KB.
    assert!(with - without > 2 * 1024 + 512, "{with} - {without}");
}
