//! Moving datagrams: sending, routing through realms and NATs, links, delivery.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use sansio::{Instant, Path, Transport};

use crate::link::Draw;
use crate::network::Network;
use crate::stats::DropReason;
use crate::topology::{HostId, Owner, RealmId};
use crate::trace::{TraceEntry, TraceEvent};

/// A datagram the network received from a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// When it arrived.
    pub at: Instant,
    /// The receiving host.
    pub host: HostId,
    /// As the receiver sees it: `local` is its own address, `remote` the apparent source
    /// after every NAT on the way.
    pub path: Path,
    /// The payload.
    pub data: Vec<u8>,
}

/// A datagram in flight.
#[derive(Clone, Debug)]
pub(crate) struct Packet {
    id: u64,
    origin: HostId,
    transport: Transport,
    src: SocketAddr,
    dst: SocketAddr,
    data: Arc<[u8]>,
}

impl Packet {
    /// Size as an IP packet, for MTU checks.
    fn ip_len(&self) -> usize {
        let headers = if self.src.is_ipv4() { 28 } else { 48 };
        self.data.len().saturating_add(headers)
    }
}

/// Where a datagram arrives at the end of a hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    /// A host interface.
    Host(HostId),
    /// The inside of the NAT in front of this LAN (outbound traffic).
    NatInside(RealmId),
    /// The public side of the NAT in front of this LAN (inbound traffic).
    NatOutside(RealmId),
}

/// A scheduled arrival.
#[derive(Clone, Debug)]
pub(crate) struct Hop {
    to: Point,
    packet: Packet,
}

/// One link a hop crosses.
#[derive(Clone, Copy)]
enum LinkRef {
    Host(HostId),
    Realm(RealmId),
}

impl Network {
    /// Hands the network a datagram from `from` at [`now`](Network::now).
    ///
    /// `path.local` is the source: one of the host's addresses, or an unspecified address to
    /// use the first interface of the destination's family. A source that is not the
    /// host's is dropped as [`DropReason::BadSource`].
    ///
    /// # Panics
    /// When `from` is not a host of this network.
    #[track_caller]
    pub fn send(&mut self, from: HostId, path: Path, data: &[u8]) {
        self.host(from);
        self.packets += 1;
        self.stats.sent += 1;
        let resolved = self.source_realm(from, path.local, path.remote.ip());
        let Some(host) = self.hosts.get_mut(from.index()) else {
            return;
        };
        host.stats.sent += 1;
        let src = resolved.map_or(path.local, |(_, ip)| SocketAddr::new(ip, path.local.port()));
        let packet = Packet {
            id: self.packets,
            origin: from,
            transport: path.transport,
            src,
            dst: path.remote,
            data: Arc::from(data),
        };
        self.record(
            Some(packet.id),
            TraceEvent::Sent {
                host: from,
                src,
                dst: path.remote,
                len: data.len(),
            },
        );
        match resolved {
            Some((realm, _)) => self.forward(realm, Some(from), packet),
            None => self.drop_packet(&packet, DropReason::BadSource),
        }
    }

    /// The interface `host` sends from, given the requested local address.
    fn source_realm(
        &self,
        host: HostId,
        local: SocketAddr,
        dst: IpAddr,
    ) -> Option<(RealmId, IpAddr)> {
        let ifaces = &self.hosts.get(host.index())?.ifaces;
        if local.ip().is_unspecified() {
            ifaces
                .iter()
                .find(|(_, ip)| ip.is_ipv4() == dst.is_ipv4())
                .copied()
        } else {
            ifaces.iter().find(|(_, ip)| *ip == local.ip()).copied()
        }
    }

    /// When the next hop or delivery happens; `None` when nothing is in flight.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.queue.first_key_value().map(|((at, _), _)| *at)
    }

    /// Moves virtual time to `t` (never backwards), processing every hop due until then in
    /// order; arrivals at hosts become [`poll_delivery`](Network::poll_delivery) results.
    pub fn advance_to(&mut self, t: Instant) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > t {
                break;
            }
            let ((at, _), hop) = entry.remove_entry();
            self.now = self.now.max(at);
            self.arrive(hop);
        }
        self.now = self.now.max(t);
    }

    /// The next datagram delivered to a host, in arrival order.
    pub fn poll_delivery(&mut self) -> Option<Delivery> {
        self.ready.pop_front()
    }

    /// Advances until nothing is in flight and returns every delivery (for tests without
    /// nodes that answer).
    pub fn run_until_idle(&mut self) -> Vec<Delivery> {
        while let Some(t) = self.poll_timeout() {
            self.advance_to(t);
        }
        self.ready.drain(..).collect()
    }

    /// The next point for a datagram to `dst` inside `realm`, or `None` (no route).
    fn next_point(&self, realm: RealmId, dst: IpAddr) -> Option<Point> {
        let r = self.realms.get(realm.index())?;
        match r.owners.get(&dst) {
            Some(Owner::Host(h)) => Some(Point::Host(*h)),
            Some(Owner::Nat(lan)) => Some(Point::NatOutside(*lan)),
            None if r.subnet.is_some_and(|s| s.contains(dst)) => None,
            None => r.parent.map(|_| Point::NatInside(realm)),
        }
    }

    /// Sends `packet` across `realm` (from a host, or from a NAT when `from` is `None`).
    fn forward(&mut self, realm: RealmId, from: Option<HostId>, packet: Packet) {
        let Some(to) = self.next_point(realm, packet.dst.ip()) else {
            return self.drop_packet(&packet, DropReason::NoRoute);
        };
        let mut chain = Vec::with_capacity(3);
        chain.extend(from.map(LinkRef::Host));
        chain.push(LinkRef::Realm(realm));
        if let Point::Host(h) = to {
            chain.push(LinkRef::Host(h));
        }
        let draw = self.draw(&chain, packet.ip_len(), packet.transport.is_reliable());
        self.count_impairments(&packet, &draw);
        for reason in draw.dropped {
            self.drop_packet(&packet, reason);
        }
        for delay in draw.copies {
            let at = self.now + delay;
            self.seq += 1;
            let hop = Hop {
                to,
                packet: packet.clone(),
            };
            self.queue.insert((at, self.seq), hop);
        }
    }

    /// Applies each link of `chain` in order, each with its own random stream.
    fn draw(&mut self, chain: &[LinkRef], ip_len: usize, reliable: bool) -> Draw {
        let mut draw = Draw::one();
        for link in chain {
            let (config, rng) = match *link {
                LinkRef::Host(h) => match self.hosts.get_mut(h.index()) {
                    Some(h) => (h.link, &mut h.rng),
                    None => continue,
                },
                LinkRef::Realm(r) => match self.realms.get_mut(r.index()) {
                    Some(r) => (r.link, &mut r.rng),
                    None => continue,
                },
            };
            config.apply(rng, ip_len, reliable, &mut draw);
        }
        draw
    }

    fn count_impairments(&mut self, packet: &Packet, draw: &Draw) {
        self.stats.duplicated += draw.duplicated;
        self.stats.reordered += draw.reordered;
        if let Some(h) = self.hosts.get_mut(packet.origin.index()) {
            h.stats.duplicated += draw.duplicated;
            h.stats.reordered += draw.reordered;
        }
        for _ in 0..draw.duplicated {
            self.record(Some(packet.id), TraceEvent::Duplicated);
        }
        for _ in 0..draw.reordered {
            self.record(Some(packet.id), TraceEvent::Reordered);
        }
    }

    fn arrive(&mut self, hop: Hop) {
        match hop.to {
            Point::Host(h) => self.deliver(h, hop.packet),
            Point::NatInside(lan) => self.nat_outbound(lan, hop.packet),
            Point::NatOutside(lan) => self.nat_inbound(lan, hop.packet),
        }
    }

    fn deliver(&mut self, host: HostId, packet: Packet) {
        self.stats.delivered += 1;
        if let Some(h) = self.hosts.get_mut(host.index()) {
            h.stats.delivered += 1;
        }
        let event = TraceEvent::Delivered {
            host,
            src: packet.src,
            dst: packet.dst,
            len: packet.data.len(),
        };
        self.record(Some(packet.id), event);
        self.ready.push_back(Delivery {
            at: self.now,
            host,
            path: Path {
                transport: packet.transport,
                local: packet.dst,
                remote: packet.src,
            },
            data: packet.data.to_vec(),
        });
    }

    /// A datagram from inside `lan` reaches its NAT.
    fn nat_outbound(&mut self, lan: RealmId, mut packet: Packet) {
        let now = self.now;
        let Some(realm) = self.realms.get_mut(lan.index()) else {
            return;
        };
        let parent = realm.parent;
        let Some(nat) = realm.nat.as_mut() else {
            return;
        };
        let expired = nat.expire(now);
        let (public_ip, hairpinning) = (nat.public_ip, nat.config.hairpinning);
        let family_ok = packet.dst.is_ipv4() == public_ip.is_ipv4()
            && packet.src.is_ipv4() == public_ip.is_ipv4();
        let result = if family_ok {
            nat.outbound(now, packet.transport, packet.src, packet.dst)
        } else {
            Err(DropReason::NoRoute)
        };
        self.record_expired(lan, expired);
        let out = match result {
            Ok(out) => out,
            Err(reason) => return self.drop_packet(&packet, reason),
        };
        if out.created {
            let event = TraceEvent::MappingCreated {
                nat: lan,
                internal: packet.src,
                external: out.external,
            };
            self.record(Some(packet.id), event);
        }
        packet.src = out.external;
        self.record_translation(lan, &packet);
        if packet.dst.ip() == public_ip {
            if !hairpinning {
                return self.drop_packet(&packet, DropReason::Hairpin);
            }
            self.record(Some(packet.id), TraceEvent::Hairpinned { nat: lan });
            return self.nat_inbound(lan, packet);
        }
        match parent {
            Some(parent) => self.forward(parent, None, packet),
            None => self.drop_packet(&packet, DropReason::NoRoute),
        }
    }

    /// A datagram reaches the public address of the NAT in front of `lan`.
    fn nat_inbound(&mut self, lan: RealmId, mut packet: Packet) {
        let now = self.now;
        let Some(nat) = self
            .realms
            .get_mut(lan.index())
            .and_then(|r| r.nat.as_mut())
        else {
            return;
        };
        let expired = nat.expire(now);
        let result = nat.inbound(now, packet.transport, packet.src, packet.dst.port());
        self.record_expired(lan, expired);
        match result {
            Ok(internal) => packet.dst = internal,
            Err(reason) => return self.drop_packet(&packet, reason),
        }
        self.record_translation(lan, &packet);
        self.forward(lan, None, packet);
    }

    fn drop_packet(&mut self, packet: &Packet, reason: DropReason) {
        self.stats.count_drop(reason);
        if let Some(h) = self.hosts.get_mut(packet.origin.index()) {
            h.stats.count_drop(reason);
        }
        self.record(Some(packet.id), TraceEvent::Dropped { reason });
    }

    fn record_translation(&mut self, nat: RealmId, packet: &Packet) {
        let event = TraceEvent::Translated {
            nat,
            src: packet.src,
            dst: packet.dst,
        };
        self.record(Some(packet.id), event);
    }

    fn record_expired(&mut self, nat: RealmId, expired: Vec<(SocketAddr, SocketAddr)>) {
        for (internal, external) in expired {
            let event = TraceEvent::MappingExpired {
                nat,
                internal,
                external,
            };
            self.record(None, event);
        }
    }

    fn record(&mut self, packet: Option<u64>, event: TraceEvent) {
        self.trace.push(TraceEntry {
            at: self.now,
            packet,
            event,
        });
    }
}
