//! Connecting and staying connected when things go wrong: loss, late trickle, role
//! conflicts, restart, a cut path, NAT mappings that go away.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ms, Agent, Harness, Options};
use ice_core::{CandidateKind, IceRole, IceState};
use netsim::scenario::Site;
use netsim::{LinkConfig, NatConfig};
use std::time::Duration;

fn nat(c: NatConfig) -> Site {
    Site::BehindNat(c)
}

#[test]
fn connects_through_10_to_30_percent_loss() {
    for (seed, loss) in [(11u64, 0.1), (12, 0.2), (13, 0.3), (14, 0.3), (15, 0.2)] {
        let mut h = Harness::new(
            seed,
            nat(NatConfig::port_restricted()),
            nat(NatConfig::restricted()),
            Options::default(),
        );
        let inet = h.sim.net().internet();
        h.sim.net_mut().set_link(
            inet,
            LinkConfig {
                loss,
                ..LinkConfig::with_delay(ms(15))
            },
        );
        h.add_hosts();
        assert!(
            h.connect(ms(30_000)),
            "loss {loss} seed {seed}: {}",
            h.dump()
        );
        // Up to 20 % loss the direct route validates within the relay nomination delay; at
        // 30 % a relay may win the race, which is the documented trade-off.
        let s = h.a.selected.unwrap();
        let relayed =
            s.remote_kind == CandidateKind::Relayed || s.local_kind == CandidateKind::Relayed;
        assert!(
            loss > 0.25 || !relayed,
            "loss {loss} seed {seed}: relayed although direct works: {s:?}\n{}",
            h.dump()
        );
        assert!(
            h.sim.net().stats().dropped(netsim::DropReason::Loss) > 0,
            "loss was configured"
        );
    }
}

#[test]
fn late_trickle_connects_through_peer_reflexive_candidates() {
    // B's candidates reach A only after 5 s; A (full cone) learns B as peer-reflexive from
    // B's checks and connects long before.
    let mut h = Harness::new(
        21,
        nat(NatConfig::full_cone()),
        nat(NatConfig::port_restricted()),
        Options::default(),
    );
    h.hold_candidates_until = sansio::Instant::from_secs(5);
    h.add_hosts();
    assert!(h.connect(ms(4_900)), "{:?} {:?}", h.a.states, h.b.states);
    assert_eq!(
        h.a.selected.unwrap().remote_kind,
        CandidateKind::PeerReflexive
    );
    // And nothing breaks when the late candidates arrive.
    h.run_until(ms(6_000), |_| false);
    assert_eq!(h.agent_a().state(), IceState::Connected);
    assert_eq!(h.agent_b().state(), IceState::Connected);
}

#[test]
fn role_conflict_is_resolved_both_controlling_and_both_controlled() {
    for role in [IceRole::Controlling, IceRole::Controlled] {
        let opts = Options {
            a_role: role,
            b_role: role,
            ..Options::default()
        };
        let mut h = Harness::new(31, Site::Public, Site::Public, opts);
        h.add_hosts();
        assert!(h.connect(ms(10_000)), "{role:?}");
        assert_ne!(
            h.agent_a().role(),
            h.agent_b().role(),
            "{role:?}: roles must end up different"
        );
        assert!(
            !h.a.roles.is_empty() || !h.b.roles.is_empty(),
            "someone switched"
        );
        assert_eq!(h.a.selected.unwrap().remote, h.b.selected.unwrap().local);
    }
}

#[test]
fn ice_lite_peer() {
    // A full agent against a lite one on a public address (the usual server set-up).
    let opts = Options {
        b_lite: true,
        a_role: IceRole::Controlled,
        ..Options::default()
    };
    let mut h = Harness::new(41, nat(NatConfig::port_restricted()), Site::Public, opts);
    h.add_hosts();
    assert!(h.connect(ms(10_000)), "{:?} {:?}", h.a.states, h.b.states);
    assert_eq!(
        h.agent_a().role(),
        IceRole::Controlling,
        "the full agent controls a lite one"
    );
    assert_eq!(h.agent_b().role(), IceRole::Controlled);
    assert_eq!(h.a.selected.unwrap().remote_kind, CandidateKind::Host);
}

#[test]
fn restart_keeps_the_old_pair_until_a_new_one_works() {
    let mut h = Harness::new(
        51,
        nat(NatConfig::full_cone()),
        nat(NatConfig::restricted()),
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)));
    assert!(h.exchange("before", ms(1_000)), "{}", h.dump());
    let before = h.agent_a().local_credentials().clone();
    let (old_a, old_b) = (
        h.agent_a().selected_path().unwrap(),
        h.agent_b().selected_path().unwrap(),
    );
    let (na, nb) = (h.a.node.unwrap(), h.b.node.unwrap());
    let selections = (h.a.selections, h.b.selections);
    h.a.selected = None;
    h.b.selected = None;
    h.sim.with::<Agent, _>(na, |ag, now| ag.restart(now));
    h.sim.with::<Agent, _>(nb, |ag, now| ag.restart(now));
    let (ca, cb) = (
        h.agent_a().local_credentials().clone(),
        h.agent_b().local_credentials().clone(),
    );
    assert_ne!(ca, before);
    // The offer/answer with the new credentials takes a second: data keeps flowing both
    // ways on the old pair all along.
    let mut step = 0;
    let mut old_pair_carried_data = |h: &mut Harness, phase: &str| {
        step += 1;
        assert_eq!(h.agent_a().selected_path(), Some(old_a), "{phase} {step}");
        assert_eq!(h.agent_b().selected_path(), Some(old_b), "{phase} {step}");
        assert!(
            h.exchange(&format!("{phase} {step}"), ms(100)),
            "{phase} {step}: no data on the old pair\n{}",
            h.dump()
        );
        h.advance(ms(50));
    };
    for _ in 0..10 {
        old_pair_carried_data(&mut h, "signaling");
    }
    h.sim
        .with::<Agent, _>(na, |ag, now| ag.set_remote_credentials(now, cb, false));
    h.sim
        .with::<Agent, _>(nb, |ag, now| ag.set_remote_credentials(now, ca, false));
    // Checks run on the new check list; until a new pair is selected on a side, that side
    // still sends and receives on the old one.
    let start = h.sim.now();
    while h.a.selected.is_none() || h.b.selected.is_none() {
        assert!(
            h.sim.now() - start < ms(10_000),
            "no new pair: {:?} {:?}",
            h.a.states,
            h.b.states
        );
        if h.a.selected.is_none() && h.b.selected.is_none() {
            old_pair_carried_data(&mut h, "checking");
        } else {
            h.advance(ms(50));
        }
    }
    assert_eq!(
        (h.a.selections, h.b.selections),
        (selections.0 + 1, selections.1 + 1),
        "each side selected a pair of the new check list"
    );
    assert_eq!(h.agent_a().state(), IceState::Connected);
    assert!(h.exchange("after", ms(1_000)), "{}", h.dump());
}

#[test]
fn consent_is_lost_when_the_path_is_cut() {
    let mut h = Harness::new(
        61,
        nat(NatConfig::full_cone()),
        nat(NatConfig::full_cone()),
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)));
    // 20 s of normal running: consent checks keep it alive.
    h.run_until(Duration::from_secs(20), |_| false);
    assert_eq!(h.a.consent_lost, 0);
    assert_eq!(h.agent_a().state(), IceState::Connected);
    let cut_at = h.sim.now();
    let inet = h.sim.net().internet();
    h.sim.net_mut().set_link(
        inet,
        LinkConfig {
            loss: 1.0,
            ..LinkConfig::IDEAL
        },
    );
    assert!(
        h.run_until(Duration::from_secs(40), |h| h.a.consent_lost > 0
            && h.b.consent_lost > 0)
    );
    let lost_after = h.sim.now() - cut_at;
    assert!(
        lost_after >= Duration::from_secs(25) && lost_after <= Duration::from_secs(31),
        "{lost_after:?}"
    );
    assert_eq!(h.agent_a().state(), IceState::Disconnected);
    assert!(
        h.agent_a().selected_path().is_none(),
        "no data after consent is lost"
    );
}

#[test]
fn recovers_when_the_nat_forgets_its_mappings() {
    let mut h = Harness::new(
        71,
        nat(NatConfig::full_cone()),
        nat(NatConfig::full_cone()),
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)));
    let old_remote_of_b = h.b.selected.unwrap().remote;
    let lan_a = h.sim.net().host_interfaces(h.a.host.unwrap())[0].0;
    // A's NAT reboots: A's next packets get a new public port. A keeps hearing B (full cone),
    // B's packets to the old port are dropped, so B loses consent and must follow A.
    h.sim.net_mut().flush_nat(lan_a);
    h.b.selected = None;
    let recovered = h.run_until(Duration::from_secs(60), |h| h.b.selected.is_some());
    assert!(recovered, "{}", h.dump());
    assert_eq!(h.b.consent_lost, 1, "B noticed the dead pair");
    let new_remote_of_b = h.b.selected.unwrap().remote;
    assert_ne!(
        new_remote_of_b, old_remote_of_b,
        "B now sends to A's new mapping"
    );
    assert_eq!(
        new_remote_of_b,
        h.a.selected
            .map(|_| h.sim.net().mappings(lan_a)[0].external)
            .unwrap()
    );
    assert_eq!(h.agent_a().state(), IceState::Connected);
    assert_eq!(h.agent_b().state(), IceState::Connected);
}

#[test]
fn survives_nat_mappings_that_expire_between_consent_checks() {
    // A's NAT forgets idle mappings after 3 s, shorter than the ~5 s consent interval: every
    // consent check from A leaves on a fresh mapping with a new port.
    let cfg = NatConfig {
        mapping_timeout: Duration::from_secs(3),
        ..NatConfig::full_cone()
    };
    let mut h = Harness::new(
        81,
        nat(cfg),
        nat(NatConfig::full_cone()),
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)), "{}", h.dump());
    let lan_a = h.sim.net().host_interfaces(h.a.host.unwrap())[0].0;
    let first_mapping = h.sim.net().mappings(lan_a).first().map(|m| m.external);
    // Over three minutes the mapping expires again and again. A never notices (its checks
    // always leave on a fresh mapping and are answered); B's pair goes stale each time, B
    // loses consent and follows A's current mapping, again and again: the agent neither
    // wedges nor fills its candidate table with dead peer-reflexive addresses.
    let first_selections = h.b.selections;
    h.run_until(Duration::from_secs(180), |_| false);
    assert_eq!(h.a.consent_lost, 0, "A's consent checks keep succeeding");
    assert!(
        h.b.consent_lost >= 3,
        "B's pair went stale repeatedly: {}",
        h.b.consent_lost
    );
    assert!(
        h.b.selections >= first_selections + 3,
        "B followed A each time: {}",
        h.dump()
    );
    assert_eq!(h.agent_a().state(), IceState::Connected, "{}", h.dump());
    // At B's next re-selection, B sends to the mapping A's NAT holds right then — a new one
    // (the NAT really re-mapped A) — and data flows both ways on it.
    let seen = h.b.selections;
    assert!(
        h.run_until(Duration::from_secs(60), |h| h.b.selections > seen),
        "{}",
        h.dump()
    );
    let current = h.b.selected.unwrap().remote;
    assert_ne!(Some(current), first_mapping, "A's mapping never changed");
    assert!(
        h.sim
            .net()
            .mappings(lan_a)
            .iter()
            .any(|m| m.external == current),
        "B follows a mapping A's NAT does not have: {current}"
    );
    assert!(h.exchange("after", ms(100)), "{}", h.dump());
}
