//! Every pairing of RFC 4787 NAT types, with a STUN/TURN server on the simulated internet:
//! both peers connect, over the shortest route that can work (server-reflexive where the NATs
//! allow it, through the relay only where they do not). `cargo test -p ice-core --test nat_matrix -- --nocapture` prints the matrix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ms, Harness, Options};
use ice_core::CandidateKind;
use netsim::scenario::Site;
use netsim::{Filtering, Mapping, NatConfig};

fn nats() -> [(&'static str, NatConfig); 4] {
    [
        ("full-cone", NatConfig::full_cone()),
        ("restricted", NatConfig::restricted()),
        ("port-restr", NatConfig::port_restricted()),
        ("symmetric", NatConfig::symmetric()),
    ]
}

/// Whether a direct (server-reflexive) route can work between two NATs: it fails only when
/// one side maps per destination and the other filters by port (or both are symmetric),
/// because the port the first NAT uses towards the peer is not the one STUN saw.
fn direct_possible(a: &NatConfig, b: &NatConfig) -> bool {
    let dependent = |n: &NatConfig| n.mapping != Mapping::EndpointIndependent;
    let port_filter = |n: &NatConfig| n.filtering == Filtering::AddressAndPortDependent;
    !((dependent(a) && (port_filter(b) || dependent(b))) || (dependent(b) && port_filter(a)))
}

/// The RFC 8445 pacing lower bound on time to connected for this run: candidates arrive
/// after the signaling delay, one new check leaves every Ta in pair-priority order, so the
/// selected pair's first check cannot leave before `delay + (rank − 1) × Ta` (links here
/// add no delay).
fn pacing_bound_ms(h: &Harness) -> u64 {
    let a = h.agent_a();
    let sel = h.a.selected.unwrap();
    let mut prios: Vec<u64> = a.pairs().iter().map(|p| p.priority).collect();
    prios.sort_unstable_by(|x, y| y.cmp(x));
    let selected = a.pairs().iter().find(|p| {
        let l = &a.local_candidates()[usize::from(p.local)];
        let r = &a.remote_candidates()[usize::from(p.remote)];
        l.base == sel.local && r.addr == sel.remote
    });
    let rank = selected
        .and_then(|p| prios.iter().position(|x| *x == p.priority))
        .unwrap_or(0) as u64;
    h.signal_delay.as_millis() as u64 + rank * 50
}

#[test]
fn nat_matrix_direct_where_possible_relayed_only_where_needed() {
    let mut table = String::new();
    let mut failures = Vec::new();
    for (i, (na, ca)) in nats().iter().enumerate() {
        for (j, (nb, cb)) in nats().iter().enumerate() {
            let seed = 100 + (i * 4 + j) as u64;
            let mut h = Harness::new(
                seed,
                Site::BehindNat(*ca),
                Site::BehindNat(*cb),
                Options::default(),
            );
            h.add_hosts();
            let ok = h.connect(ms(15_000));
            let cell = if ok {
                let s = h.a.selected.unwrap();
                let t = h.a.connected_at.unwrap().max(h.b.connected_at.unwrap());
                format!(
                    "{:<28} {:>5} ms (pacing bound {:>4} ms), {} datagrams",
                    format!("{:?}->{:?}", s.local_kind, s.remote_kind),
                    t.as_millis(),
                    pacing_bound_ms(&h),
                    h.transmitted()
                )
            } else {
                "no route".to_string()
            };
            table.push_str(&format!("{na:>11} x {nb:<11} {cell}\n"));
            let direct = direct_possible(ca, cb);
            if !ok {
                failures.push(format!("{na} x {nb}: did not connect"));
                continue;
            }
            let s = h.a.selected.unwrap();
            let relayed =
                s.local_kind == CandidateKind::Relayed || s.remote_kind == CandidateKind::Relayed;
            if relayed == direct {
                failures.push(format!(
                    "{na} x {nb}: direct possible = {direct} but selected {cell}"
                ));
            }
            if s.local_kind == CandidateKind::Relayed && s.remote_kind == CandidateKind::Relayed {
                failures.push(format!("{na} x {nb}: two relays where one suffices"));
            }
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "{failures:#?}\n{table}");
}
