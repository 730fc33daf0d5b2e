//! Two ICE agents on two smoltcp hosts: checks, nomination, then application data over the
//! selected pair, every datagram through the smoltcp stacks and the in-memory Ethernet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use common::{run, sooner, Host};
use ice_core::{IceAgent, IceConfig, IceEvent, IceRole};
use sansio::{Carrier, SeededEntropy};

type Agent = IceAgent<SeededEntropy, 4, 8, 4, 0>;

#[test]
fn two_ice_agents_connect_over_smoltcp_and_carry_data() {
    let (mut ha, mut hb) = (Host::new(1, 5000), Host::new(2, 6000));
    let t0 = sansio::Instant::ZERO;
    let mut a: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(1),
    );
    let mut b: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlled,
        SeededEntropy::new(2),
    );
    a.add_host(t0, ha.addr(), 65535).unwrap();
    b.add_host(t0, hb.addr(), 65535).unwrap();
    a.set_remote_credentials(t0, b.local_credentials().clone(), false);
    b.set_remote_credentials(t0, a.local_credentials().clone(), false);
    let (ca, cb) = (
        a.local_candidates()[0].clone(),
        b.local_candidates()[0].clone(),
    );
    a.add_remote_candidate(t0, cb).unwrap();
    b.add_remote_candidate(t0, ca).unwrap();

    let mut now = Instant::ZERO;
    let (mut sel_a, mut sel_b) = (false, false);
    let up = run(
        &mut ha,
        &mut hb,
        &mut now,
        Duration::from_secs(10),
        |now, ha, hb| {
            let wa = ha.turn(
                now,
                &mut a,
                |_| {},
                |e| sel_a |= matches!(e, IceEvent::Selected(_)),
            );
            let wb = hb.turn(
                now,
                &mut b,
                |_| {},
                |e| sel_b |= matches!(e, IceEvent::Selected(_)),
            );
            (sooner(wa, wb), sel_a && sel_b)
        },
    );
    assert!(
        up,
        "ICE did not connect: {:?} / {:?}",
        ha.driver.stats(),
        hb.driver.stats()
    );
    assert_eq!(
        a.selected_path().map(|p| (p.local, p.remote)),
        Some((ha.addr(), hb.addr()))
    );

    // Application data over the selected pair, through both stacks.
    let mut out = [0u8; 128];
    let t = a
        .send(adapters_smoltcp::from_smoltcp(now), (), b"23.5 C", &mut out)
        .unwrap();
    assert!(ha.driver.send(&mut ha.sockets, t, &out));
    let mut got = Vec::new();
    let arrived = run(
        &mut ha,
        &mut hb,
        &mut now,
        Duration::from_secs(1),
        |now, ha, hb| {
            let wa = ha.turn(now, &mut a, |_| {}, |_| {});
            let wb = hb.turn(now, &mut b, |d| got.push(d.to_vec()), |_| {});
            (sooner(wa, wb), !got.is_empty())
        },
    );
    assert!(arrived);
    assert_eq!(got, [b"23.5 C".to_vec()]);
    assert_eq!(ha.driver.stats().misrouted, 0);
    assert_eq!(ha.driver.stats().send_dropped, 0);
}
