//! Gathering server-reflexive candidates from STUN servers (RFC 8445 §5.1.1.2).

use super::{IceAgent, IceConfig, GATHER_MSG};
use crate::candidate::Candidate;
use crate::event::IceEvent;
use core::net::SocketAddr;
use sansio::{Entropy, Instant, Path, Rejected, SansIo, Transmit};
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::wire::{Message, Method, TransactionId};

/// STUN Binding requests in flight at once.
const IN_FLIGHT: usize = 4;

/// A mapping a STUN server reported for one of our host candidates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mapping {
    /// The host candidate the request left from.
    pub(crate) base: SocketAddr,
    /// The STUN server that answered.
    pub(crate) server: SocketAddr,
    /// The address it saw (`None` when it answered with an error).
    pub(crate) mapped: Option<SocketAddr>,
}

/// The gathering part of the agent: its STUN client (`S` = 1; none when `S` = 0), the
/// requests in flight, and whether completion was reached and reported.
#[derive(Debug)]
pub(crate) struct Gatherer<E, const S: usize> {
    client: heapless::Vec<StunClient<E, IN_FLIGHT, GATHER_MSG, 0>, S>,
    /// (transaction, host base, server) of every request in flight.
    pending: heapless::Vec<(TransactionId, SocketAddr, SocketAddr), IN_FLIGHT>,
    /// The application added its last host address.
    hosts_done: bool,
    /// `GatheringComplete` was emitted.
    reported: bool,
}

impl<E: Entropy, const S: usize> Gatherer<E, S> {
    /// A gatherer asking STUN servers with the agent's SOFTWARE (one that asks none when
    /// `S` = 0).
    pub(crate) fn new<const TS: usize>(config: &IceConfig<TS>, entropy: E) -> Self {
        const { assert!(S <= 1, "S is 0 (no STUN-server gathering) or 1") };
        let mut client = heapless::Vec::new();
        if S > 0 {
            let cfg = ClientConfig {
                software: config.software,
                ..ClientConfig::default()
            };
            match StunClient::new(cfg, Credentials::None, entropy) {
                Ok(c) => {
                    let _ = client.push(c);
                }
                // Credentials::None has nothing that can be too long.
                Err(_) => unreachable_client(),
            }
        }
        Gatherer {
            client,
            pending: heapless::Vec::new(),
            hosts_done: false,
            reported: false,
        }
    }

    /// Ask every server of `base`'s address family for its mapping.
    fn ask(&mut self, now: Instant, base: SocketAddr, servers: &[SocketAddr]) {
        let Some(client) = self.client.first_mut() else {
            return;
        };
        for server in servers.iter().filter(|s| s.is_ipv4() == base.is_ipv4()) {
            let path = Path::udp(base, *server);
            if let Ok(id) = client.start_request(now, path, Method::BINDING, &[]) {
                let _ = self.pending.push((id, base, *server));
            }
        }
    }

    /// A STUN response (parsed once by the agent): the mapping it reports if it answers one
    /// of our requests; `NotForUs` when it is not ours.
    pub(crate) fn handle_message(
        &mut self,
        now: Instant,
        path: Path,
        msg: &Message<'_>,
    ) -> Result<Option<Mapping>, Rejected> {
        let Some(client) = self.client.first_mut() else {
            return Err(Rejected::NotForUs);
        };
        let Some(r) = client.handle_message(now, path, msg)? else {
            return Ok(None);
        };
        let Some(i) = self.pending.iter().position(|g| g.0 == r.id) else {
            return Ok(None);
        };
        let (_, base, server) = self.pending.swap_remove(i);
        let mapped = if r.is_success() {
            r.mapped_address()
        } else {
            None
        };
        Ok(Some(Mapping {
            base,
            server,
            mapped,
        }))
    }

    /// Forget requests that ended without a response.
    fn drain_failures(&mut self) {
        while let Some(ev) = self.client.first_mut().and_then(|c| c.poll_event()) {
            let id = ev.id();
            if let Some(i) = self.pending.iter().position(|g| g.0 == id) {
                self.pending.swap_remove(i);
            }
        }
    }

    /// The application will add no more host addresses.
    pub(crate) fn set_hosts_done(&mut self) {
        self.hosts_done = true;
    }

    /// Whether completion was reached (and reported).
    pub(crate) fn is_complete(&self) -> bool {
        self.reported
    }

    /// True exactly once: when hosts are done, nothing is in flight and the relays settled.
    fn take_completion(&mut self, relays_settled: bool) -> bool {
        let done = self.hosts_done && self.pending.is_empty() && relays_settled;
        let first = done && !self.reported;
        self.reported |= done;
        first
    }

    /// Let the client's retransmission timers fire.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if let Some(c) = self.client.first_mut() {
            c.handle_timeout(now);
        }
    }

    /// The next request (or retransmission) to send.
    pub(crate) fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.client.first_mut()?.poll_transmit(now, out)
    }

    /// When a retransmission or timeout is due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.client.first()?.poll_timeout()
    }
}

#[cold]
fn unreachable_client<T>() -> T {
    #[allow(clippy::panic)]
    {
        panic!("a STUN client without credentials was refused")
    }
}

impl<
        E: Entropy + Clone,
        const C: usize,
        const P: usize,
        const T: usize,
        const R: usize,
        const S: usize,
        const EV: usize,
    > IceAgent<E, C, P, T, R, S, EV>
{
    /// Ask every STUN server of the host candidate's family for its mapping.
    pub(crate) fn gather_from(&mut self, now: Instant, local: usize) {
        let Some(base) = self.cands.local().get(local).map(|c| c.base) else {
            return;
        };
        self.gatherer.ask(now, base, &self.config.stun_servers);
    }

    /// A mapping reported by a STUN server: a server-reflexive candidate.
    pub(crate) fn on_mapping(&mut self, m: Mapping) {
        if let Some(mapped) = m.mapped {
            let pref = self.cands.preference_of(m.base);
            // Behind no NAT the mapped address is the host address: nothing new to offer.
            if mapped != m.base {
                let c = Candidate::server_reflexive(mapped, m.base, m.server.ip(), pref);
                let _ = self.push_local(c);
            }
        }
        self.check_gathering_complete();
    }

    /// Gathering requests that ended without a response.
    pub(crate) fn drain_gather_events(&mut self, _now: Instant) {
        self.gatherer.drain_failures();
        self.check_gathering_complete();
    }

    /// Report completion once hosts are done and no STUN request is outstanding.
    pub(crate) fn check_gathering_complete(&mut self) {
        let settled = self.relays_settled();
        if self.gatherer.take_completion(settled) {
            self.emit(IceEvent::GatheringComplete);
            self.update_state();
        }
    }
}
