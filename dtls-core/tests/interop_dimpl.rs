//! In-process interop with `dimpl` (str0m's DTLS), both roles, under the `netsim` network at
//! 0 / 10 / 30 % loss: the handshake completes (retransmission recovers every loss), both ends
//! export the same SRTP keys, and application data flows both ways. dimpl runs both as a
//! DTLS 1.2 engine and in auto mode, where its client offers DTLS 1.3 (supported_versions,
//! key_share) and our server answers with 1.2.
#![cfg(feature = "dimpl")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use dtls_core::{AppData, Config, DimplDtls, DimplVersion, Dtls, DtlsRole, Endpoint, Event};
use netsim::{DropReason, LinkConfig, Network, Node, Sim};
use sansio::{Instant, Path, Rejected, SeededEntropy, Transmit};

/// A [`Dtls`] as a netsim node, collecting its events and the data it hands up.
struct DtlsNode<D> {
    dtls: D,
    events: Vec<Event>,
    data: Vec<Vec<u8>>,
}

impl<D: Dtls> Node for DtlsNode<D> {
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected> {
        if self.dtls.handle_datagram(now, path, data)?.is_some() {
            let up: AppData<'_> = self.dtls.received();
            self.data.extend(up.iter().map(<[u8]>::to_vec));
        }
        Ok(())
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.dtls.handle_timeout(now)
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.dtls.poll_transmit(now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.dtls.poll_timeout()
    }
    fn drain_events(&mut self, _now: Instant) {
        while let Some(e) = self.dtls.poll_event() {
            self.events.push(e);
        }
    }
}

fn dimpl_config() -> Arc<dimpl::Config> {
    Arc::new(
        dimpl::Config::builder()
            .flight_start_rto(Duration::from_millis(200))
            .flight_retries(12)
            .handshake_timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
    )
}

fn our_config() -> Config {
    Config {
        initial_retransmit: Duration::from_millis(200),
        max_retransmit: Duration::from_secs(4),
        handshake_timeout: Duration::from_secs(120),
        ..Config::default()
    }
}

const OURS: &str = "198.51.100.1:5000";
const THEIRS: &str = "198.51.100.2:6000";

struct Outcome {
    /// Datagrams the network lost before both ends were connected.
    lost_in_handshake: u64,
    our_retransmissions: u64,
}

/// One handshake and data exchange: dtls-core in `our_role`, dimpl in the other.
fn run(seed: u64, loss: f64, our_role: DtlsRole, version: DimplVersion) -> Outcome {
    let mut net = Network::new(seed);
    let internet = net.internet();
    net.set_link(
        internet,
        LinkConfig {
            loss,
            ..LinkConfig::with_delay(Duration::from_millis(15))
        },
    );
    let our_host = net.add_host(internet, "198.51.100.1");
    let their_host = net.add_host(internet, "198.51.100.2");
    let (our_cert, their_cert) = (support::cert(seed), support::cert(seed + 1));
    let mut ours = Endpoint::new(
        our_role,
        our_config(),
        our_cert.clone(),
        SeededEntropy::new(seed),
    );
    let their_role = match our_role {
        DtlsRole::Client => DtlsRole::Server,
        DtlsRole::Server => DtlsRole::Client,
    };
    let mut theirs = DimplDtls::new(their_role, &their_cert, dimpl_config(), version);
    ours.set_remote_fingerprint(their_cert.fingerprint());
    theirs.set_remote_fingerprint(our_cert.fingerprint());
    let our_path = Path::udp(OURS.parse().unwrap(), THEIRS.parse().unwrap());
    // Servers first, so the ClientHello finds a listener.
    if our_role == DtlsRole::Server {
        ours.start(Instant::ZERO, our_path);
        theirs.start(Instant::ZERO, our_path.reversed());
    } else {
        theirs.start(Instant::ZERO, our_path.reversed());
        ours.start(Instant::ZERO, our_path);
    }
    let mut sim = Sim::new(net);
    let a = sim.add_node(
        our_host,
        DtlsNode {
            dtls: ours,
            events: vec![],
            data: vec![],
        },
    );
    let b = sim.add_node(
        their_host,
        DtlsNode {
            dtls: theirs,
            events: vec![],
            data: vec![],
        },
    );
    type Ours = DtlsNode<Endpoint<SeededEntropy>>;
    type Theirs = DtlsNode<DimplDtls>;
    let connected = sim.run_until(Instant::from_secs(200), |s| {
        s.node::<Ours>(a).dtls.is_connected() && s.node::<Theirs>(b).dtls.is_connected()
    });
    assert!(
        connected,
        "seed {seed} loss {loss} ours {our_role:?}: ours {:?} {:?} / dimpl {:?}",
        sim.node::<Ours>(a).dtls.state(),
        sim.node::<Ours>(a).events,
        sim.node::<Theirs>(b).events,
    );
    let lost_in_handshake = sim.net().stats().dropped(DropReason::Loss);
    let our_retransmissions = sim.node::<Ours>(a).dtls.stats().retransmissions;
    let k1 = sim.node::<Ours>(a).dtls.srtp_keys().unwrap();
    let k2 = sim.node::<Theirs>(b).dtls.srtp_keys().unwrap();
    assert_eq!(k1.profile(), k2.profile());
    assert_eq!(k1.as_bytes(), k2.as_bytes());
    assert_eq!(k1.local(), k2.remote());

    // Data both ways: 20 messages each; under loss some vanish, none is altered.
    for i in 0..20u8 {
        let msg_a = [i; 100];
        let msg_b = [i + 100; 300];
        let now = sim.now();
        let mut out = [0u8; 1500];
        let t = sansio::Carrier::send(&mut sim.node_mut::<Ours>(a).dtls, now, (), &msg_a, &mut out)
            .unwrap();
        sim.net_mut().send(our_host, t.path, &out[..t.len]);
        let t = sansio::Carrier::send(
            &mut sim.node_mut::<Theirs>(b).dtls,
            now,
            (),
            &msg_b,
            &mut out,
        )
        .unwrap();
        sim.net_mut().send(their_host, t.path, &out[..t.len]);
        sim.run_for(Duration::from_millis(20));
    }
    sim.run_for(Duration::from_millis(500));
    let (got_a, got_b) = (&sim.node::<Ours>(a).data, &sim.node::<Theirs>(b).data);
    for d in got_b {
        assert!(
            d.len() == 100 && d.iter().all(|x| *x == d[0]),
            "dimpl received {d:?}"
        );
    }
    for d in got_a {
        assert!(d.len() == 300 && d.iter().all(|x| *x == d[0]) && d[0] >= 100);
    }
    if loss == 0.0 {
        assert_eq!((got_a.len(), got_b.len()), (20, 20));
    } else {
        assert!(!got_a.is_empty() && !got_b.is_empty());
    }
    Outcome {
        lost_in_handshake,
        our_retransmissions,
    }
}

fn matrix(our_role: DtlsRole, version: DimplVersion) {
    for loss in [0.0, 0.1, 0.3] {
        let (mut lost, mut retx) = (0, 0);
        for seed in 0..8u64 {
            let o = run(
                1000 * (loss * 10.0) as u64 + seed * 7 + 1,
                loss,
                our_role,
                version,
            );
            lost += o.lost_in_handshake;
            retx += o.our_retransmissions;
        }
        // Every handshake completed although datagrams of the handshake were lost: only
        // retransmission (ours of our flights, dimpl's of its own) can have recovered them.
        eprintln!("{our_role:?} {version:?} loss {loss}: {lost} handshake datagrams lost, we retransmitted {retx} times");
        if loss >= 0.3 {
            assert!(
                lost > 0 && retx > 0,
                "loss {loss}: {lost} lost, {retx} retransmissions"
            );
        } else if loss > 0.0 {
            assert!(lost > 0, "loss {loss}: nothing lost in 8 handshakes");
        } else {
            assert_eq!((lost, retx), (0, 0));
        }
    }
}

#[test]
fn our_client_with_dimpl_server_12() {
    matrix(DtlsRole::Client, DimplVersion::Dtls12);
}

#[test]
fn dimpl_client_with_our_server_12() {
    matrix(DtlsRole::Server, DimplVersion::Dtls12);
}

#[test]
fn our_client_with_dimpl_auto_server() {
    matrix(DtlsRole::Client, DimplVersion::Auto);
}

#[test]
fn dimpl_auto_client_offering_dtls13_with_our_server() {
    matrix(DtlsRole::Server, DimplVersion::Auto);
}
