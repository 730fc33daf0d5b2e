//! A two-peer ICE harness on netsim: agents, a STUN server, signaling with a delay.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod turn_node;

use ice_core::{
    IceAgent, IceConfig, IceCredentials, IceEvent, IceRole, IceState, SelectedPair,
    TurnServerConfig,
};
use netsim::scenario::{peer_pair, Site};
use netsim::{HostId, NodeId, Sim};
use sansio::{Instant, SeededEntropy};
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::server::{ServerAuth, ServerConfig, StunServer};

/// The agent type the tests use.
pub type Agent = IceAgent<SeededEntropy, 16, 64, 16>;

/// What one peer saw.
#[derive(Debug, Default)]
pub struct Peer {
    pub node: Option<NodeId>,
    pub host: Option<HostId>,
    pub addr: Option<SocketAddr>,
    pub selected: Option<SelectedPair>,
    pub connected_at: Option<Instant>,
    pub states: Vec<IceState>,
    pub consent_lost: u32,
    /// `Selected` events seen.
    pub selections: u32,
    pub roles: Vec<IceRole>,
    /// Candidates waiting to be delivered to the other side, with their delivery time.
    outbox: Vec<(Instant, Signal)>,
}

#[derive(Debug, Clone)]
enum Signal {
    Candidate(String),
    EndOfCandidates,
}

/// Two agents on a simulated network.
pub struct Harness {
    pub sim: Sim,
    /// The TURN server's node, when there is one.
    pub turn: Option<netsim::NodeId>,
    pub a: Peer,
    pub b: Peer,
    pub stun: SocketAddr,
    /// Signaling latency (candidates arrive this long after they were emitted).
    pub signal_delay: Duration,
    /// Hold B's candidates back until then (to test peer-reflexive learning).
    pub hold_candidates_until: Instant,
}

/// Options for [`Harness::new`].
#[derive(Clone, Debug)]
pub struct Options {
    pub stun: bool,
    pub a_role: IceRole,
    pub b_role: IceRole,
    pub a_lite: bool,
    pub b_lite: bool,
    pub signal_delay: Duration,
    /// A TURN server on 198.51.100.1:3478 (user/pass) given to both agents.
    pub turn: bool,
    /// Agent A uses relayed candidates only (B gathers and shows everything).
    pub relay_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stun: true,
            a_role: IceRole::Controlling,
            b_role: IceRole::Controlled,
            a_lite: false,
            b_lite: false,
            signal_delay: Duration::from_millis(20),
            turn: true,
            relay_only: false,
        }
    }
}

impl Harness {
    /// Build the network, a STUN server on 198.51.100.1:3478 and two agents, and start them
    /// (host candidates, credentials exchanged).
    pub fn new(seed: u64, a: Site, b: Site, opts: Options) -> Self {
        let p = peer_pair(seed, a, b);
        let stun: SocketAddr = SocketAddr::new(p.server_ip(), 3478);
        let (a_ip, b_ip) = (p.a_ip(), p.b_ip());
        let (ha, hb, hs) = (p.a, p.b, p.server);
        let mut sim = Sim::new(p.net);
        let mut turn = None;
        if opts.turn {
            // The TURN server answers Binding requests too, as RFC 8656 servers do.
            turn = Some(sim.add_node(hs, turn_node::TurnNode::new(stun, seed)));
        } else {
            let server: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
            sim.add_machine(hs, server);
        }
        let config = |lite| {
            let mut c = IceConfig {
                lite,
                ..IceConfig::default()
            };
            if opts.stun && !lite {
                c.stun_servers.push(stun).unwrap();
            }
            if opts.turn && !lite {
                c.turn_servers
                    .push(TurnServerConfig::new(stun, "user", "pass").unwrap())
                    .unwrap();
            }
            c
        };
        let mut config_a = config(opts.a_lite);
        config_a.relay_only = opts.relay_only;
        let agent_a: Agent = IceAgent::new(config_a, opts.a_role, SeededEntropy::new(seed * 2 + 1));
        let agent_b: Agent = IceAgent::new(
            config(opts.b_lite),
            opts.b_role,
            SeededEntropy::new(seed * 2 + 2),
        );
        let na = sim.add_machine(ha, agent_a);
        let nb = sim.add_machine(hb, agent_b);
        let mut h = Harness {
            sim,
            turn,
            a: Peer {
                node: Some(na),
                host: Some(ha),
                addr: Some(SocketAddr::new(a_ip, 5000)),
                ..Peer::default()
            },
            b: Peer {
                node: Some(nb),
                host: Some(hb),
                addr: Some(SocketAddr::new(b_ip, 6000)),
                ..Peer::default()
            },
            stun,
            signal_delay: opts.signal_delay,
            hold_candidates_until: Instant::ZERO,
        };
        let (ca, cb) = (h.creds(na), h.creds(nb));
        let (a_lite, b_lite) = (opts.a_lite, opts.b_lite);
        h.sim
            .with::<Agent, _>(na, |ag, now| ag.set_remote_credentials(now, cb, b_lite));
        h.sim
            .with::<Agent, _>(nb, |ag, now| ag.set_remote_credentials(now, ca, a_lite));
        h
    }

    fn creds(&self, n: NodeId) -> IceCredentials {
        self.sim.machine::<Agent>(n).local_credentials().clone()
    }

    /// Report host candidates (both peers).
    pub fn add_hosts(&mut self) {
        for peer in [&self.a, &self.b] {
            let (n, addr) = (peer.node.unwrap(), peer.addr.unwrap());
            self.sim.with::<Agent, _>(n, |ag, now| {
                ag.add_host(now, addr, 65535).unwrap();
                ag.hosts_done(now);
            });
        }
    }

    /// Move events: record states, queue candidates for delivery, deliver due ones.
    pub fn pump(&mut self) {
        let now = self.sim.now();
        for side in 0..2 {
            let node = if side == 0 {
                self.a.node.unwrap()
            } else {
                self.b.node.unwrap()
            };
            while let Some((at, ev)) = self.sim.poll_event::<Agent>(node) {
                let peer = if side == 0 { &mut self.a } else { &mut self.b };
                match ev {
                    IceEvent::LocalCandidate(c) => peer
                        .outbox
                        .push((at + self.signal_delay, Signal::Candidate(c.to_string()))),
                    IceEvent::GatheringComplete => peer
                        .outbox
                        .push((at + self.signal_delay, Signal::EndOfCandidates)),
                    IceEvent::StateChanged(s) => peer.states.push(s),
                    IceEvent::Selected(s) => {
                        peer.selections += 1;
                        peer.selected = Some(s);
                        peer.connected_at.get_or_insert(at);
                    }
                    IceEvent::ConsentLost(_) => peer.consent_lost += 1,
                    IceEvent::RoleChanged(r) => peer.roles.push(r),
                    _ => {}
                }
            }
        }
        for side in 0..2 {
            let (from, to) = if side == 0 {
                (&mut self.a, self.b.node.unwrap())
            } else {
                (&mut self.b, self.a.node.unwrap())
            };
            let hold = if side == 1 {
                self.hold_candidates_until
            } else {
                Instant::ZERO
            };
            let due: Vec<Signal> = {
                let (ready, later): (Vec<_>, Vec<_>) = from
                    .outbox
                    .drain(..)
                    .partition(|(t, _)| *t <= now && now >= hold);
                from.outbox = later;
                ready.into_iter().map(|(_, s)| s).collect()
            };
            for s in due {
                self.sim.with::<Agent, _>(to, |ag, now| match s {
                    Signal::Candidate(line) => ag.add_remote_candidate_line(now, &line).unwrap(),
                    Signal::EndOfCandidates => ag.end_of_remote_candidates(now),
                });
            }
        }
    }

    /// Run until `done`, pumping signaling between steps; false on reaching `limit`.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Harness) -> bool) -> bool {
        let deadline = self.sim.now() + limit;
        loop {
            self.pump();
            if done(self) {
                return true;
            }
            // Wake up for pending signals too.
            let hold = self.hold_candidates_until;
            let a_next = self.a.outbox.iter().map(|(t, _)| *t);
            let b_next = self.b.outbox.iter().map(|(t, _)| (*t).max(hold));
            let next_signal = a_next.chain(b_next).min();
            let step_to = match (self.sim.poll_timeout(), next_signal) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).unwrap_or(deadline),
            };
            if step_to > deadline {
                return false;
            }
            if !self.sim.step(step_to) {
                // Nothing happened in the sim at step_to (a signal is due): move time.
                self.sim.net_mut().advance_to(step_to);
            }
        }
    }

    /// Run until both peers selected a pair.
    pub fn connect(&mut self, limit: Duration) -> bool {
        self.run_until(limit, |h| h.a.selected.is_some() && h.b.selected.is_some())
    }

    /// Both agents' candidates and pairs, for failure messages.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for (name, ag) in [("A", self.agent_a()), ("B", self.agent_b())] {
            out += &format!("{name}: {:?} {:?}\n", ag.state(), ag.role());
            for c in ag.local_candidates() {
                out += &format!("  local  {c}\n");
            }
            for c in ag.remote_candidates() {
                out += &format!("  remote {c}\n");
            }
            for p in ag.pairs() {
                out += &format!(
                    "  pair {}->{} {:?} nominated={} prio={}\n",
                    p.local, p.remote, p.state, p.nominated, p.priority
                );
            }
        }
        out
    }

    pub fn agent_a(&self) -> &Agent {
        self.sim.machine::<Agent>(self.a.node.unwrap())
    }

    pub fn agent_b(&self) -> &Agent {
        self.sim.machine::<Agent>(self.b.node.unwrap())
    }

    /// Checks (STUN requests from the agents, retransmissions included) sent so far.
    pub fn transmitted(&self) -> u64 {
        self.sim.node_stats(self.a.node.unwrap()).transmitted
            + self.sim.node_stats(self.b.node.unwrap()).transmitted
    }
}

/// One side of the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Harness {
    fn node_of(&self, side: Side) -> NodeId {
        match side {
            Side::A => self.a.node.unwrap(),
            Side::B => self.b.node.unwrap(),
        }
    }

    /// Send `payload` from `side` over its selected pair (through `sansio::Carrier`, TURN
    /// framing included when the pair is relayed); false when the agent has no pair.
    pub fn send_data(&mut self, side: Side, payload: &[u8]) -> bool {
        use sansio::Carrier as _;
        let node = self.node_of(side);
        let mut out = vec![0u8; payload.len() + 64];
        let sent = self
            .sim
            .with::<Agent, _>(node, |ag, now| ag.send(now, (), payload, &mut out));
        let Ok(t) = sent else { return false };
        let host = self.sim.host_of(node);
        self.sim.net_mut().send(host, t.path, &out[..t.len]);
        true
    }

    /// Let `d` of virtual time pass (`run_until` stops before the first event past its
    /// limit; this moves the clock to the limit itself).
    pub fn advance(&mut self, d: Duration) {
        let deadline = self.sim.now() + d;
        self.run_until(d, |_| false);
        if self.sim.now() < deadline {
            self.sim.net_mut().advance_to(deadline);
        }
    }

    /// Application data `side`'s agent handed up so far, in order.
    pub fn received(&self, side: Side) -> Vec<Vec<u8>> {
        let node = self.node_of(side);
        self.sim
            .data::<Agent>(node)
            .iter()
            .map(|(_, _, d)| d.clone())
            .collect()
    }

    /// Send one datagram each way on the selected pair and run until both arrived (or
    /// `limit` passes); true when both got exactly their peer's payload.
    pub fn exchange(&mut self, tag: &str, limit: Duration) -> bool {
        let (to_b, to_a) = (format!("{tag} a->b"), format!("{tag} b->a"));
        if !self.send_data(Side::A, to_b.as_bytes()) || !self.send_data(Side::B, to_a.as_bytes()) {
            return false;
        }
        let arrived = |h: &Harness, side: Side, want: &str| {
            h.received(side).iter().any(|d| d == want.as_bytes())
        };
        self.run_until(limit, |h| {
            arrived(h, Side::B, &to_b) && arrived(h, Side::A, &to_a)
        })
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
