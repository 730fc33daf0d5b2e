//! Shared test helpers: two associations wired back to back in memory, or on netsim.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansio::{Instant, Path, SansIo, SeededEntropy};
use sctp_core::association::{Association, Config, DtlsRole, Event};
use std::collections::VecDeque;
use std::time::Duration;

pub type Assoc = Association<SeededEntropy, Box<[u8]>, 32, 2048>;

pub fn path() -> Path {
    Path::udp(
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:5000".parse().unwrap(),
    )
}

pub fn config(role: DtlsRole) -> Config {
    Config {
        role,
        ..Config::default()
    }
}

pub fn assoc(role: DtlsRole, seed: u64, buf: usize) -> Box<Assoc> {
    Assoc::with_capacity(config(role), SeededEntropy::new(seed), buf, buf)
}

/// Decides whether packet number `n` is lost.
pub type LossFn = Box<dyn FnMut(u64, &[u8]) -> bool>;

/// Two associations and the packets between them; `lose` decides losses by index.
pub struct Pair {
    pub a: Box<Assoc>,
    pub b: Box<Assoc>,
    pub now: Instant,
    pub ev_a: Vec<Event>,
    pub ev_b: Vec<Event>,
    pub sent: u64,
    pub lose: LossFn,
    /// Every packet put on the wire (direction a→b, bytes), lost or not.
    pub capture: Vec<(bool, Vec<u8>)>,
    wire: VecDeque<(bool, Vec<u8>)>,
}

impl Pair {
    pub fn new(a: Box<Assoc>, b: Box<Assoc>) -> Pair {
        Pair {
            a,
            b,
            now: Instant::ZERO,
            ev_a: vec![],
            ev_b: vec![],
            sent: 0,
            lose: Box::new(|_, _| false),
            capture: vec![],
            wire: VecDeque::new(),
        }
    }

    /// Move packets and fire timers until `done` or `limit` of virtual time passes.
    pub fn run(&mut self, limit: Duration, mut done: impl FnMut(&mut Pair) -> bool) -> bool {
        let end = self.now + limit;
        let mut buf = vec![0u8; 1500];
        loop {
            for to_b in [true, false] {
                let m = if to_b { &mut self.a } else { &mut self.b };
                while let Some(t) = m.poll_transmit(self.now, &mut buf) {
                    self.wire.push_back((to_b, buf[..t.len].to_vec()));
                    self.capture.push((to_b, buf[..t.len].to_vec()));
                }
            }
            while let Some(e) = self.a.poll_event() {
                self.ev_a.push(e);
            }
            while let Some(e) = self.b.poll_event() {
                self.ev_b.push(e);
            }
            if done(self) {
                return true;
            }
            if let Some((to_b, pkt)) = self.wire.pop_front() {
                self.sent += 1;
                if (self.lose)(self.sent, &pkt) {
                    continue;
                }
                let p = if to_b { path().reversed() } else { path() };
                let m = if to_b { &mut self.b } else { &mut self.a };
                let _ = m.handle_datagram(self.now, p, &pkt);
                continue;
            }
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.a.handle_timeout(self.now);
                    self.b.handle_timeout(self.now);
                }
                _ => return done(self),
            }
        }
    }

    pub fn connect(&mut self) {
        let now = self.now;
        self.a.connect(now, path());
        let ok = self.run(Duration::from_secs(600), |p| {
            p.ev_a.contains(&Event::AssociationUp) && p.ev_b.contains(&Event::AssociationUp)
        });
        assert!(ok, "handshake failed: {:?} {:?}", self.ev_a, self.ev_b);
    }
}

/// An association as a netsim machine (netsim runs any `SansIo`; the box keeps it off the
/// stack).
pub struct Node(pub Box<Assoc>);

impl SansIo for Node {
    type Event = Event;
    type Data<'a> = sansio::NoData;
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, sansio::Rejected> {
        self.0.handle_datagram(now, path, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.0.handle_timeout(now)
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<sansio::Transmit> {
        self.0.poll_transmit(now, out)
    }
    fn poll_event(&mut self) -> Option<Event> {
        self.0.poll_event()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.0.poll_timeout()
    }
}

pub fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A two-host netsim world: client at 198.51.100.1, server at 203.0.113.1, `link` on the
/// internet realm (both directions).
pub fn world(seed: u64, link: netsim::LinkConfig) -> (netsim::Sim, netsim::NodeId, netsim::NodeId) {
    let mut net = netsim::Network::new(seed);
    net.set_trace_capacity(0);
    let internet = net.internet();
    net.set_link(internet, link);
    let ha = net.add_host(internet, "198.51.100.1");
    let hb = net.add_host(internet, "203.0.113.1");
    let mut sim = netsim::Sim::new(net);
    let a = sim.add_machine(ha, Node(assoc(DtlsRole::Client, seed, 1 << 20)));
    let b = sim.add_machine(hb, Node(assoc(DtlsRole::Server, seed + 1, 1 << 20)));
    (sim, a, b)
}

pub fn sim_path() -> Path {
    Path::udp(
        "198.51.100.1:5000".parse().unwrap(),
        "203.0.113.1:5000".parse().unwrap(),
    )
}

pub fn up(sim: &netsim::Sim, id: netsim::NodeId) -> bool {
    sim.events::<Node>(id)
        .iter()
        .any(|(_, e)| *e == Event::AssociationUp)
}
