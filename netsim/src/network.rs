//! The network: topology construction and inspection.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use sansio::Instant;

use crate::link::LinkConfig;
use crate::nat::{MappingInfo, NatConfig, NatTable};
use crate::rng::Rng;
use crate::route::Hop;
use crate::stats::Counters;
use crate::topology::{Host, HostId, IntoIp, IntoSubnet, Owner, Realm, RealmId};
use crate::trace::Trace;
use crate::Delivery;

/// Random stream kinds, so each realm, host and NAT draws from its own stream.
pub(crate) mod stream {
    pub(crate) const REALM_LINK: u64 = 1;
    pub(crate) const HOST_LINK: u64 = 2;
    pub(crate) const NAT_PORTS: u64 = 3;
}

/// A deterministic, seeded, virtual-time network of hosts, links and NATs.
///
/// Topology: the public [`internet`](Network::internet) realm is the root; [`add_nat`]
/// creates a private realm (a LAN) behind a NAT whose public address lives in the parent realm
/// (the internet, or another LAN for NAT behind NAT); [`add_host`] puts a host in a realm.
///
/// Traffic, in the sans-IO style: [`send`] a datagram at [`now`], ask [`poll_timeout`] when
/// something next happens, [`advance_to`] that time, and drain [`poll_delivery`]. Nothing
/// happens inside `send`: even a zero-delay datagram is delivered by the next `advance_to`.
///
/// The same seed and the same sequence of calls give the same deliveries and the same trace.
///
/// Misuse of the topology calls (an id from another network, a duplicate or out-of-subnet
/// address) panics with a message: this is a test tool, and a wrong topology is a test bug.
///
/// [`add_nat`]: Network::add_nat
/// [`add_host`]: Network::add_host
/// [`send`]: Network::send
/// [`now`]: Network::now
/// [`poll_timeout`]: Network::poll_timeout
/// [`advance_to`]: Network::advance_to
/// [`poll_delivery`]: Network::poll_delivery
#[derive(Debug)]
pub struct Network {
    pub(crate) seed: u64,
    pub(crate) now: Instant,
    pub(crate) realms: Vec<Realm>,
    pub(crate) hosts: Vec<Host>,
    pub(crate) queue: BTreeMap<(Instant, u64), Hop>,
    pub(crate) seq: u64,
    pub(crate) packets: u64,
    pub(crate) ready: VecDeque<Delivery>,
    pub(crate) stats: Counters,
    pub(crate) trace: Trace,
}

/// Default number of trace entries kept.
const TRACE_CAPACITY: usize = 10_000;

impl Network {
    /// An empty network (just the internet, with an ideal link) at virtual time zero.
    pub fn new(seed: u64) -> Self {
        let internet = Realm {
            subnet: None,
            parent: None,
            nat: None,
            link: LinkConfig::IDEAL,
            rng: Rng::stream(seed, stream::REALM_LINK, 0),
            owners: BTreeMap::new(),
        };
        Network {
            seed,
            now: Instant::ZERO,
            realms: vec![internet],
            hosts: Vec::new(),
            queue: BTreeMap::new(),
            seq: 0,
            packets: 0,
            ready: VecDeque::new(),
            stats: Counters::default(),
            trace: Trace::new(TRACE_CAPACITY),
        }
    }

    /// The seed this network was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The public internet: the root realm, where servers and NAT public addresses live.
    pub fn internet(&self) -> RealmId {
        RealmId::INTERNET
    }

    /// Adds a private realm with prefix `lan` behind a NAT with public address `public_ip` in
    /// `parent`; the returned id names both the LAN and its NAT. The LAN's link is ideal.
    ///
    /// # Panics
    /// When `parent` is unknown, `public_ip` is taken or outside `parent`'s prefix, or
    /// `public_ip` and `lan` are of different address families.
    #[track_caller]
    pub fn add_nat(
        &mut self,
        parent: RealmId,
        public_ip: impl IntoIp,
        lan: impl IntoSubnet,
        config: NatConfig,
    ) -> RealmId {
        let (public_ip, lan) = (public_ip.into_ip(), lan.into_subnet());
        check(
            public_ip.is_ipv4() == lan.addr().is_ipv4(),
            "NAT public address and LAN prefix must be the same address family",
        );
        self.claim(parent, public_ip);
        let id = RealmId(u32::try_from(self.realms.len()).unwrap_or(u32::MAX));
        let nat_rng = Rng::stream(self.seed, stream::NAT_PORTS, u64::from(id.0));
        self.realms.push(Realm {
            subnet: Some(lan),
            parent: Some(parent),
            nat: Some(NatTable::new(config, public_ip, nat_rng)),
            link: LinkConfig::IDEAL,
            rng: Rng::stream(self.seed, stream::REALM_LINK, u64::from(id.0)),
            owners: BTreeMap::new(),
        });
        self.realm_mut(parent)
            .owners
            .insert(public_ip, Owner::Nat(id));
        id
    }

    /// Adds a host with one interface, address `ip`, in `realm`. Its host link is ideal.
    ///
    /// # Panics
    /// When `realm` is unknown, or `ip` is taken or outside the realm's prefix.
    #[track_caller]
    pub fn add_host(&mut self, realm: RealmId, ip: impl IntoIp) -> HostId {
        let id = HostId(u32::try_from(self.hosts.len()).unwrap_or(u32::MAX));
        self.hosts.push(Host {
            ifaces: Vec::new(),
            link: LinkConfig::IDEAL,
            rng: Rng::stream(self.seed, stream::HOST_LINK, u64::from(id.0)),
            stats: Counters::default(),
        });
        self.add_interface(id, realm, ip);
        id
    }

    /// Gives `host` another interface, address `ip` in `realm` (multi-homing, dual stack).
    ///
    /// # Panics
    /// As [`add_host`](Network::add_host), or when `host` is unknown.
    #[track_caller]
    pub fn add_interface(&mut self, host: HostId, realm: RealmId, ip: impl IntoIp) {
        let ip = ip.into_ip();
        self.host(host);
        self.claim(realm, ip);
        self.realm_mut(realm).owners.insert(ip, Owner::Host(host));
        self.host_mut(host).ifaces.push((realm, ip));
    }

    /// Checks that `ip` can be added to `realm`.
    #[track_caller]
    fn claim(&self, realm: RealmId, ip: IpAddr) {
        let r = self.realm(realm);
        check(
            !r.owners.contains_key(&ip),
            "address already in use in this realm",
        );
        check(
            r.subnet.is_none_or(|s| s.contains(ip)),
            "address outside the realm's prefix",
        );
    }

    /// Sets the link every datagram crossing `realm` goes through.
    #[track_caller]
    pub fn set_link(&mut self, realm: RealmId, link: LinkConfig) {
        self.realm_mut(realm).link = link;
    }

    /// Sets `host`'s own access link, crossed by everything it sends and receives.
    #[track_caller]
    pub fn set_host_link(&mut self, host: HostId, link: LinkConfig) {
        self.host_mut(host).link = link;
    }

    /// The link of `realm`.
    #[track_caller]
    pub fn link(&self, realm: RealmId) -> LinkConfig {
        self.realm(realm).link
    }

    /// The access link of `host`.
    #[track_caller]
    pub fn host_link(&self, host: HostId) -> LinkConfig {
        self.host(host).link
    }

    /// Every host, in creation order.
    pub fn hosts(&self) -> impl Iterator<Item = HostId> {
        (0..u32::try_from(self.hosts.len()).unwrap_or(u32::MAX)).map(HostId)
    }

    /// The address of `host`'s first interface.
    #[track_caller]
    pub fn host_ip(&self, host: HostId) -> IpAddr {
        self.host(host)
            .ifaces
            .first()
            .map_or_else(|| fail("host without interface"), |i| i.1)
    }

    /// Every interface of `host`: its realm and address.
    #[track_caller]
    pub fn host_interfaces(&self, host: HostId) -> &[(RealmId, IpAddr)] {
        &self.host(host).ifaces
    }

    /// The realm a LAN sits in (`None` for the internet).
    #[track_caller]
    pub fn parent(&self, realm: RealmId) -> Option<RealmId> {
        self.realm(realm).parent
    }

    /// The public address of the NAT in front of `lan`.
    #[track_caller]
    pub fn nat_public_ip(&self, lan: RealmId) -> IpAddr {
        self.nat(lan).public_ip
    }

    /// The configuration of the NAT in front of `lan`.
    #[track_caller]
    pub fn nat_config(&self, lan: RealmId) -> NatConfig {
        self.nat(lan).config
    }

    /// Reconfigures the NAT in front of `lan`; existing mappings stay.
    #[track_caller]
    pub fn set_nat_config(&mut self, lan: RealmId, config: NatConfig) {
        self.nat_mut(lan).config = config;
    }

    /// The live mappings of the NAT in front of `lan`, by transport and external port.
    #[track_caller]
    pub fn mappings(&self, lan: RealmId) -> Vec<MappingInfo> {
        self.nat(lan).mappings(self.now)
    }

    /// Removes every mapping of the NAT in front of `lan`, as a NAT reboot would.
    #[track_caller]
    pub fn flush_nat(&mut self, lan: RealmId) {
        self.nat_mut(lan).flush();
    }

    /// Counters for the whole network.
    pub fn stats(&self) -> &Counters {
        &self.stats
    }

    /// Counters for one host: what it sent (and what became of it) and what it received.
    #[track_caller]
    pub fn host_stats(&self, host: HostId) -> &Counters {
        &self.host(host).stats
    }

    /// The trace of recent events.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Keeps at most `capacity` trace entries (default 10 000; 0 disables tracing).
    pub fn set_trace_capacity(&mut self, capacity: usize) {
        self.trace.set_capacity(capacity);
    }

    #[track_caller]
    fn realm(&self, id: RealmId) -> &Realm {
        self.realms
            .get(id.index())
            .unwrap_or_else(|| fail("unknown realm"))
    }

    #[track_caller]
    fn realm_mut(&mut self, id: RealmId) -> &mut Realm {
        self.realms
            .get_mut(id.index())
            .unwrap_or_else(|| fail("unknown realm"))
    }

    #[track_caller]
    pub(crate) fn host(&self, id: HostId) -> &Host {
        self.hosts
            .get(id.index())
            .unwrap_or_else(|| fail("unknown host"))
    }

    #[track_caller]
    fn host_mut(&mut self, id: HostId) -> &mut Host {
        self.hosts
            .get_mut(id.index())
            .unwrap_or_else(|| fail("unknown host"))
    }

    #[track_caller]
    fn nat(&self, lan: RealmId) -> &NatTable {
        self.realm(lan)
            .nat
            .as_ref()
            .unwrap_or_else(|| fail("the internet has no NAT"))
    }

    #[track_caller]
    fn nat_mut(&mut self, lan: RealmId) -> &mut NatTable {
        self.realm_mut(lan)
            .nat
            .as_mut()
            .unwrap_or_else(|| fail("the internet has no NAT"))
    }
}

#[track_caller]
#[allow(clippy::panic, reason = "test-tool topology misuse is a test bug")]
fn fail(what: &str) -> ! {
    panic!("netsim: {what}")
}

#[track_caller]
fn check(ok: bool, what: &str) {
    if !ok {
        fail(what)
    }
}
