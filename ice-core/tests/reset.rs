//! `IceAgent::reset` starts an agent over in place: afterwards it is the agent `new` makes
//! with the same arguments, whatever it did before (candidates, pairs, checks in flight,
//! events, TURN allocations under way).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use ice_core::{IceAgent, IceConfig, IceCredentials, IceRole, IceState, TurnServerConfig};
use sansio::{Instant, SansIo, SeededEntropy};

type Agent = IceAgent<SeededEntropy, 4, 8, 4, 1>;

fn config() -> IceConfig {
    let mut c = IceConfig::default();
    c.stun_servers
        .push("198.18.0.9:3478".parse().unwrap())
        .unwrap();
    c.turn_servers
        .push(TurnServerConfig::new("198.18.0.9:3478".parse().unwrap(), "u", "p").unwrap())
        .unwrap();
    c
}

/// An agent that has gathered, paired and started checks (so every part holds something).
fn busy_agent() -> Agent {
    let mut a: Agent = IceAgent::new(config(), IceRole::Controlling, SeededEntropy::new(7));
    let now = Instant::ZERO;
    a.add_host(now, "198.18.0.1:5000".parse().unwrap(), 65535)
        .unwrap();
    a.hosts_done(now);
    a.set_remote_credentials(
        now,
        IceCredentials::new("abcd", "0123456789abcdefghijkl").unwrap(),
        false,
    );
    a.add_remote_candidate_line(now, "candidate:1 1 udp 2122260223 198.18.0.2 6000 typ host")
        .unwrap();
    let later = now + core::time::Duration::from_millis(100);
    a.handle_timeout(later);
    let mut out = [0u8; 1500];
    while a.poll_transmit(later, &mut out).is_some() {}
    assert!(!a.pairs().is_empty() && !a.local_candidates().is_empty());
    a
}

#[test]
fn a_reset_agent_is_the_agent_new_makes() {
    let mut a = busy_agent();
    let before = format!("{a:?}");
    a.reset(config(), IceRole::Controlled, SeededEntropy::new(99));
    let fresh: Agent = IceAgent::new(config(), IceRole::Controlled, SeededEntropy::new(99));
    let after = format!("{a:?}");
    assert_ne!(before, after);
    assert_eq!(after, format!("{fresh:?}"));
    assert_eq!(a.state(), IceState::New);
    assert!(a.pairs().is_empty() && a.local_candidates().is_empty());
    assert!(a.remote_candidates().is_empty() && a.remote_credentials().is_none());
    assert_eq!(a.local_credentials(), fresh.local_credentials());
}

/// Hand everything `from` has to send at `t` to `to`.
fn carry(from: &mut Agent, to: &mut Agent, t: Instant) {
    let mut out = [0u8; 1500];
    from.handle_timeout(t);
    while let Some(tx) = from.poll_transmit(t, &mut out) {
        let _ = to.handle_datagram(t, tx.path.reversed(), &out[..tx.len]);
    }
}

#[test]
fn a_reset_agent_connects_again() {
    // Reset two busy agents and connect them to each other, in memory.
    let mut a = busy_agent();
    let mut b = busy_agent();
    a.reset(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(1),
    );
    b.reset(
        IceConfig::default(),
        IceRole::Controlled,
        SeededEntropy::new(2),
    );
    let now = Instant::ZERO;
    a.add_host(now, "198.18.0.1:5000".parse().unwrap(), 65535)
        .unwrap();
    b.add_host(now, "198.18.0.2:6000".parse().unwrap(), 65535)
        .unwrap();
    a.hosts_done(now);
    b.hosts_done(now);
    let (ca, cb) = (a.local_credentials().clone(), b.local_credentials().clone());
    a.set_remote_credentials(now, cb, false);
    b.set_remote_credentials(now, ca, false);
    a.add_remote_candidate_line(now, "candidate:1 1 udp 2122260223 198.18.0.2 6000 typ host")
        .unwrap();
    b.add_remote_candidate_line(now, "candidate:1 1 udp 2122260223 198.18.0.1 5000 typ host")
        .unwrap();
    let mut t = now;
    for _ in 0..2000 {
        t += core::time::Duration::from_millis(5);
        carry(&mut a, &mut b, t);
        carry(&mut b, &mut a, t);
        if a.state() == IceState::Connected && b.state() == IceState::Connected {
            break;
        }
    }
    assert_eq!(
        (a.state(), b.state()),
        (IceState::Connected, IceState::Connected)
    );
    assert_eq!(
        a.selected_pair().map(|p| p.remote),
        b.selected_pair().map(|p| p.local)
    );
}
