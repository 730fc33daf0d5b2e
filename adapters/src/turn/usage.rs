//! Usage per user for the fleet: what each allocation relayed, both ways, published to
//! Redis at every sync.
//!
//! The relay path keeps the counters in the allocation it already holds (turn-proto's
//! `AllocationUsage`, one plain add per datagram, no lock, no lookup); each relay thread has
//! its own allocations, so the threads' counters meet only in Redis. A sync reads them with
//! `TurnServer::for_each_usage` and writes:
//! * `turn/realm/<realm>/user/<user>/allocation/<id>/traffic`: a hash of the allocation's
//!   totals, coturn's names and layout (`rcvp`/`rcvb`: datagrams and payload bytes received
//!   from the client and relayed to peers; `sentp`/`sentb`: relayed from peers to the
//!   client), rewritten every sync while the allocation lives and once more after it ends,
//!   then expiring 30 s later; `<id>` is 18 digits, unique per allocation;
//! * `p2p/turn/user-usage/<realm>/<user>`: a hash of the user's totals across the fleet
//!   (`packets_to_peers`, `bytes_to_peers`, `packets_to_clients`, `bytes_to_clients`), each
//!   server adding what its allocations relayed since its last sync (`HINCRBY`), kept without
//!   expiry.
//!
//! A sync that fails publishes nothing and moves no baseline, so the next one adds the same
//! amounts; ended allocations wait for a sync that works, at most [`MAX_CLOSED`] of them
//! (beyond, the oldest are dropped and counted).

use std::collections::HashMap;
use std::net::SocketAddr;
use turn_proto::server::AllocationUsage;

/// Ended allocations kept for the next sync that works.
pub const MAX_CLOSED: usize = 10_000;
/// Seconds an allocation's traffic key lives after its last write.
const TRAFFIC_TTL: u64 = 30;

#[derive(Debug)]
struct Tracked {
    user: String,
    id: u64,
    published: AllocationUsage,
}

#[derive(Debug)]
struct Closed {
    user: String,
    id: u64,
    total: AllocationUsage,
    published: AllocationUsage,
}

/// Allocations' usage and what was published of it.
#[derive(Debug)]
pub struct UsageBook {
    tracked: HashMap<SocketAddr, Tracked>,
    closed: Vec<Closed>,
    next_id: u64,
    /// Ended allocations dropped before a sync could publish them (Redis down too long).
    pub dropped: u64,
}

/// One allocation's totals for its traffic key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traffic {
    /// Its user.
    pub user: String,
    /// Its id in the key.
    pub id: u64,
    /// What it relayed so far.
    pub total: AllocationUsage,
    /// Its relay while it lives (`None`: ended).
    relay: Option<SocketAddr>,
}

/// What one sync publishes.
#[derive(Debug, Default)]
pub struct Report {
    /// Every allocation's totals (live ones, then ended ones).
    pub traffic: Vec<Traffic>,
    /// What each user relayed since the last published report.
    pub per_user: Vec<(String, AllocationUsage)>,
    closed_taken: usize,
}

fn add(a: &mut AllocationUsage, b: &AllocationUsage) {
    a.packets_to_peers += b.packets_to_peers;
    a.bytes_to_peers += b.bytes_to_peers;
    a.packets_to_clients += b.packets_to_clients;
    a.bytes_to_clients += b.bytes_to_clients;
}

impl UsageBook {
    /// An empty book; allocation ids start at `seed` (random, so servers' ids do not meet).
    pub fn new(seed: u64) -> Self {
        UsageBook {
            tracked: HashMap::new(),
            closed: Vec::new(),
            next_id: seed % 1_000_000_000_000_000_000,
            dropped: 0,
        }
    }

    /// An allocation of `user` at `relay` was created.
    pub fn created(&mut self, relay: SocketAddr, user: &str) {
        let id = self.next_id;
        self.next_id = (self.next_id + 1) % 1_000_000_000_000_000_000;
        let t = Tracked {
            user: user.to_string(),
            id,
            published: AllocationUsage::default(),
        };
        self.tracked.insert(relay, t);
    }

    /// The allocation at `relay` ended having relayed `total`.
    pub fn closed(&mut self, relay: SocketAddr, total: AllocationUsage) {
        let Some(t) = self.tracked.remove(&relay) else {
            return;
        };
        if self.closed.len() >= MAX_CLOSED {
            self.closed.remove(0);
            self.dropped += 1;
        }
        self.closed.push(Closed {
            user: t.user,
            id: t.id,
            total,
            published: t.published,
        });
    }

    /// What to publish now, from the live allocations' `(relay, usage)`.
    pub fn report(&self, live: impl IntoIterator<Item = (SocketAddr, AllocationUsage)>) -> Report {
        let mut per_user: HashMap<&str, AllocationUsage> = HashMap::new();
        let mut traffic = Vec::new();
        for (relay, total) in live {
            let Some(t) = self.tracked.get(&relay) else {
                continue;
            };
            add(
                per_user.entry(&t.user).or_default(),
                &total.since(&t.published),
            );
            traffic.push(Traffic {
                user: t.user.clone(),
                id: t.id,
                total,
                relay: Some(relay),
            });
        }
        for c in &self.closed {
            add(
                per_user.entry(&c.user).or_default(),
                &c.total.since(&c.published),
            );
            traffic.push(Traffic {
                user: c.user.clone(),
                id: c.id,
                total: c.total,
                relay: None,
            });
        }
        let per_user = per_user
            .into_iter()
            .filter(|(_, u)| *u != AllocationUsage::default())
            .map(|(n, u)| (n.to_string(), u))
            .collect();
        Report {
            traffic,
            per_user,
            closed_taken: self.closed.len(),
        }
    }

    /// Redis took `r`: its totals are the new baselines, its ended allocations are done.
    pub fn published(&mut self, r: &Report) {
        for t in &r.traffic {
            if let Some(tracked) = t.relay.and_then(|relay| self.tracked.get_mut(&relay)) {
                tracked.published = t.total;
            }
        }
        // Ones dropped for room meanwhile shifted the list: never drain past it.
        let n = r.closed_taken.min(self.closed.len());
        self.closed.drain(..n);
    }
}

/// Add the writes of `r` in `realm` to the pipeline `p`.
pub fn write(p: &mut redis::Pipeline, realm: &str, r: &Report) {
    for t in &r.traffic {
        let key = format!(
            "turn/realm/{realm}/user/{}/allocation/{:018}/traffic",
            t.user, t.id
        );
        p.cmd("HSET")
            .arg(&key)
            .arg("rcvp")
            .arg(t.total.packets_to_peers)
            .arg("rcvb")
            .arg(t.total.bytes_to_peers)
            .arg("sentp")
            .arg(t.total.packets_to_clients)
            .arg("sentb")
            .arg(t.total.bytes_to_clients)
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(TRAFFIC_TTL).ignore();
    }
    for (user, d) in &r.per_user {
        let key = format!("p2p/turn/user-usage/{realm}/{user}");
        for (field, v) in [
            ("packets_to_peers", d.packets_to_peers),
            ("bytes_to_peers", d.bytes_to_peers),
            ("packets_to_clients", d.packets_to_clients),
            ("bytes_to_clients", d.bytes_to_clients),
        ] {
            if v > 0 {
                p.cmd("HINCRBY").arg(&key).arg(field).arg(v).ignore();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn u(to_peers: u64, to_clients: u64) -> AllocationUsage {
        AllocationUsage {
            packets_to_peers: to_peers / 100,
            bytes_to_peers: to_peers,
            packets_to_clients: to_clients / 100,
            bytes_to_clients: to_clients,
        }
    }

    fn relay(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn deltas_per_user_move_only_when_published_and_ended_allocations_are_reported_once() {
        let mut b = UsageBook::new(7);
        b.created(relay(1), "alice");
        b.created(relay(2), "alice");
        b.created(relay(3), "bob");
        let live = [
            (relay(1), u(100, 200)),
            (relay(2), u(300, 0)),
            (relay(3), u(0, 0)),
        ];
        let r = b.report(live);
        assert_eq!(r.per_user, [("alice".to_string(), u(400, 200))]);
        assert_eq!(r.traffic.len(), 3);
        assert_eq!(r.traffic[0].id, 7);
        // Not published (Redis down): the next report adds the same amounts again.
        let r = b.report([(relay(1), u(150, 200))]);
        assert_eq!(r.per_user, [("alice".to_string(), u(150, 200))]);
        b.published(&r);
        let r = b.report([(relay(1), u(160, 200))]);
        assert_eq!(r.per_user, [("alice".to_string(), u(10, 0))]);
        // Ended: its last delta once, then gone.
        b.closed(relay(1), u(170, 250));
        let r = b.report([]);
        assert_eq!(r.per_user, [("alice".to_string(), u(20, 50))]);
        assert_eq!(r.traffic.len(), 1);
        assert_eq!(r.traffic[0].total, u(170, 250));
        b.published(&r);
        assert!(b.report([]).traffic.is_empty());
    }

    #[test]
    fn ended_allocations_waiting_for_redis_are_bounded() {
        let mut b = UsageBook::new(0);
        for _ in 0..(MAX_CLOSED + 5) {
            b.created(relay(1), "x");
            b.closed(relay(1), u(1, 1));
        }
        assert_eq!(b.dropped, 5);
        assert_eq!(b.report([]).traffic.len(), MAX_CLOSED);
    }

    #[test]
    fn keys_follow_coturns_layout() {
        let mut b = UsageBook::new(42);
        b.created(relay(9), "alice");
        let r = b.report([(relay(9), u(500, 700))]);
        let mut p = redis::pipe();
        write(&mut p, "r", &r);
        let text = String::from_utf8_lossy(&p.get_packed_pipeline()).to_string();
        assert!(text.contains("turn/realm/r/user/alice/allocation/000000000000000042/traffic"));
        assert!(text.contains("p2p/turn/user-usage/r/alice"));
        assert!(text.contains("sentb") && text.contains("700"));
    }
}
