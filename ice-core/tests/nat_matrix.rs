//! Every pairing of the nine RFC 4787 NAT behaviours (three mappings × three filterings,
//! 81 cells), with a STUN/TURN server on the simulated internet: both peers connect over
//! the shortest route that can work — direct where an ideal hole-punching peer gets through
//! the two NATs, through the relay only where it cannot — agree on the route, carry data
//! both ways on it, and connect within the README's time bounds.
//! `cargo test -p ice-core --test nat_matrix -- --nocapture` prints the matrix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ms, Harness, Options, Side};
use ice_core::CandidateKind;
use netsim::scenario::{peer_pair, Site};
use netsim::{Filtering, Mapping, NatConfig};
use sansio::Path;
use std::net::SocketAddr;

/// The README's bounds on virtual time to connected (ideal links, 20 ms signaling): a
/// direct route within 1 s (the 500 ms nomination wait plus checks), a relayed one within
/// 2.5 s (the 2 s relay nomination wait plus allocation and checks).
const DIRECT_BOUND_MS: u64 = 1_000;
const RELAYED_BOUND_MS: u64 = 2_500;

fn nats() -> Vec<(String, NatConfig)> {
    let short = |m: Mapping| match m {
        Mapping::EndpointIndependent => "EIM",
        Mapping::AddressDependent => "ADM",
        Mapping::AddressAndPortDependent => "APDM",
    };
    let shortf = |f: Filtering| match f {
        Filtering::EndpointIndependent => "EIF",
        Filtering::AddressDependent => "ADF",
        Filtering::AddressAndPortDependent => "APDF",
    };
    let mut v = Vec::new();
    for m in [
        Mapping::EndpointIndependent,
        Mapping::AddressDependent,
        Mapping::AddressAndPortDependent,
    ] {
        for f in [
            Filtering::EndpointIndependent,
            Filtering::AddressDependent,
            Filtering::AddressAndPortDependent,
        ] {
            v.push((format!("{}/{}", short(m), shortf(f)), NatConfig::new(m, f)));
        }
    }
    v
}

/// The oracle, independent of the ICE agent: on the same simulated topology, an ideal peer
/// pair learns its server-reflexive addresses from the server, then for a few rounds each
/// side probes every address it knows for the other (starting with the server-reflexive
/// one), answers every probe to the address it came from, and adds that address to what it
/// knows (peer-reflexive learning). A side has a working route when a probe it sent to `T`
/// was answered *from* `T` (ICE's symmetric-response rule). Direct is possible when both
/// sides have one.
fn direct_possible(seed: u64, a: NatConfig, b: NatConfig) -> bool {
    let p = peer_pair(seed, Site::BehindNat(a), Site::BehindNat(b));
    let (ha, hb) = (p.a, p.b);
    let base = [
        SocketAddr::new(p.a_ip(), 5000),
        SocketAddr::new(p.b_ip(), 6000),
    ];
    let server = SocketAddr::new(p.server_ip(), 3478);
    let mut net = p.net;
    let mut reflexive = [base[0]; 2];
    for (i, h) in [ha, hb].into_iter().enumerate() {
        net.send(h, Path::udp(base[i], server), b"binding");
        reflexive[i] = net.run_until_idle()[0].path.remote;
    }
    // known[i]: the addresses side i sends to; works[i]: one of them answered symmetrically.
    let mut known = [vec![reflexive[1]], vec![reflexive[0]]];
    let mut works = [false; 2];
    let hosts = [ha, hb];
    for _round in 0..3 {
        for i in 0..2 {
            let j = 1 - i;
            for target in known[i].clone() {
                net.send(hosts[i], Path::udp(base[i], target), b"probe");
                let got = net.run_until_idle();
                let Some(seen) = got.iter().find(|d| d.host == hosts[j]) else {
                    continue;
                };
                let from = seen.path.remote;
                if !known[j].contains(&from) {
                    known[j].push(from);
                }
                net.send(hosts[j], Path::udp(base[j], from), b"answer");
                let back = net.run_until_idle();
                works[i] |= back
                    .iter()
                    .any(|d| d.host == hosts[i] && d.path.remote == target);
            }
        }
    }
    works[0] && works[1]
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

/// Run one cell; `Err` describes what is wrong with it, `Ok` is its line of the table.
fn cell(seed: u64, ca: NatConfig, cb: NatConfig) -> Result<String, String> {
    let mut h = Harness::new(
        seed,
        Site::BehindNat(ca),
        Site::BehindNat(cb),
        Options::default(),
    );
    h.add_hosts();
    if !h.connect(ms(15_000)) {
        return Err(format!("did not connect\n{}", h.dump()));
    }
    let (sa, sb) = (h.a.selected.unwrap(), h.b.selected.unwrap());
    let t = h.a.connected_at.unwrap().max(h.b.connected_at.unwrap());
    let relayed = |s: &ice_core::SelectedPair| {
        s.local_kind == CandidateKind::Relayed || s.remote_kind == CandidateKind::Relayed
    };
    let line = format!(
        "{:<28} {:>5} ms (pacing bound {:>4} ms), {} datagrams",
        format!("{:?}->{:?}", sa.local_kind, sa.remote_kind),
        t.as_millis(),
        pacing_bound_ms(&h),
        h.transmitted()
    );
    let mut wrong = Vec::new();
    // The route: direct exactly when the oracle says so, one relay at most.
    let direct = direct_possible(seed, ca, cb);
    if relayed(&sa) == direct {
        wrong.push(format!("direct possible = {direct}, but A selected {line}"));
    }
    if sa.local_kind == CandidateKind::Relayed && sa.remote_kind == CandidateKind::Relayed {
        wrong.push("two relays where one suffices".into());
    }
    // Both sides agree: a relayed end is the same relay address on both sides, and data
    // sent each way arrives on the receiver's selected pair.
    for (me, other, name) in [(sa, sb, "A"), (sb, sa, "B")] {
        if me.local_kind == CandidateKind::Relayed && other.remote != me.local_addr {
            wrong.push(format!(
                "{name} sends from relay {} but its peer sends to {}",
                me.local_addr, other.remote
            ));
        }
    }
    if !h.exchange("matrix", ms(1_000)) {
        wrong.push(format!(
            "no data both ways on the selected pair\n{}",
            h.dump()
        ));
    }
    for (side, s) in [(Side::A, sa), (Side::B, sb)] {
        let node = match side {
            Side::A => h.a.node.unwrap(),
            Side::B => h.b.node.unwrap(),
        };
        // Data for a relayed candidate arrives from the TURN server, wrapped, on the
        // host socket the allocation was made from.
        let (from, to) = if s.local_kind == CandidateKind::Relayed {
            let host = match side {
                Side::A => h.a.addr.unwrap(),
                Side::B => h.b.addr.unwrap(),
            };
            (h.stun, host)
        } else {
            (s.remote, s.local)
        };
        for (_, path, _) in h.sim.data::<common::Agent>(node) {
            if path.remote != from || path.local != to {
                wrong.push(format!(
                    "{side:?} got data on {path:?}, not from {from} to {to}"
                ));
            }
        }
    }
    // Time: never faster than RFC 8445 pacing allows, never slower than the README says.
    let (elapsed, bound) = (t.as_millis(), pacing_bound_ms(&h));
    let limit = if relayed(&sa) {
        RELAYED_BOUND_MS
    } else {
        DIRECT_BOUND_MS
    };
    if elapsed < bound || elapsed > limit {
        wrong.push(format!(
            "connected after {elapsed} ms, outside [{bound}, {limit}] ms"
        ));
    }
    if wrong.is_empty() {
        Ok(line)
    } else {
        Err(format!("{line}\n  {}", wrong.join("\n  ")))
    }
}

#[test]
fn nat_matrix_direct_where_possible_relayed_only_where_needed() {
    let mut table = String::new();
    let mut failures = Vec::new();
    let all = nats();
    for (i, (na, ca)) in all.iter().enumerate() {
        for (j, (nb, cb)) in all.iter().enumerate() {
            let seed = 100 + (i * all.len() + j) as u64;
            let (text, ok) = match cell(seed, *ca, *cb) {
                Ok(line) => (line, true),
                Err(why) => (why, false),
            };
            let row = format!("{na:>9} x {nb:<9} {text}\n");
            if !ok {
                failures.push(row.clone());
            }
            table.push_str(&row);
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}", failures.join(""));
}

/// The oracle itself tells the textbook cases apart (so a broken oracle cannot make every
/// cell "direct" or every cell "relayed").
#[test]
fn the_oracle_knows_the_textbook_cases() {
    let (full, port, sym) = (
        NatConfig::full_cone(),
        NatConfig::port_restricted(),
        NatConfig::symmetric(),
    );
    assert!(direct_possible(1, full, full));
    assert!(direct_possible(2, port, port));
    assert!(direct_possible(3, full, sym));
    assert!(!direct_possible(4, port, sym));
    assert!(!direct_possible(5, sym, sym));
}
