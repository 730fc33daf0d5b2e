//! Relayed candidates through TURN (RFC 8445 §5.1.1.2, RFC 8656): allocation, permissions for
//! every remote candidate, and wrapping checks and data sent from a relayed candidate.

use super::IceAgent;
use crate::candidate::{Candidate, CandidateKind};
use crate::event::SelectedPair;
use core::net::SocketAddr;
use sansio::SansIo as _;
use sansio::{Entropy, Forked, Instant, Path, Rejected, Transmit};
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};

/// Permissions and channels one TURN client keeps (one per remote candidate IP).
pub(crate) const TURN_PEERS: usize = 8;

/// One TURN server's client.
#[derive(Debug)]
pub(crate) struct Relay<E> {
    pub(crate) client: TurnClient<Forked<E>, TURN_PEERS>,
    /// The host candidate address the client talks to the server from.
    pub(crate) base: SocketAddr,
    /// The allocation succeeded or failed (gathering waits for it).
    pub(crate) settled: bool,
}

/// The relay whose relayed address is `addr`.
fn relay_of<E: Entropy>(relays: &mut [Relay<E>], addr: SocketAddr) -> Option<&mut Relay<E>> {
    relays
        .iter_mut()
        .find(|r| r.client.relayed_address() == Some(addr))
}

/// Put `payload` (a check, a response or data whose logical path starts at a relayed
/// candidate) into the datagram for the TURN server. Other paths are copied as they are.
pub(crate) fn wrap<E: Entropy>(
    relays: &mut [Relay<E>],
    now: Instant,
    path: Path,
    payload: &[u8],
    out: &mut [u8],
) -> Option<Transmit> {
    match relay_of(relays, path.local) {
        Some(r) => r.client.send_to(now, path.remote, payload, out).ok(),
        None => {
            out.get_mut(..payload.len())?.copy_from_slice(payload);
            Some(Transmit {
                path,
                len: payload.len(),
            })
        }
    }
}

/// A datagram from one of our TURN servers: `Ok(Some((logical path, inner)))` for peer data
/// (to be processed as if it arrived on the relayed candidate), `Ok(None)` when the TURN
/// client consumed it, `NotForUs` when it is not TURN traffic.
pub(crate) fn unwrap<'a, E: Entropy>(
    relays: &mut [Relay<E>],
    now: Instant,
    path: Path,
    data: &'a [u8],
) -> Result<Option<(Path, &'a [u8])>, Rejected> {
    for r in relays
        .iter_mut()
        .filter(|r| r.client.server().remote == path.remote && r.base == path.local)
    {
        match r.client.handle_datagram(now, path, data) {
            Ok(Some(pd)) => {
                let relayed = r.client.relayed_address().ok_or(Rejected::NotForUs)?;
                return Ok(Some((Path::udp(relayed, pd.peer), pd.data)));
            }
            Ok(None) => return Ok(None),
            Err(Rejected::NotForUs) => {}
            Err(e) => return Err(e),
        }
    }
    Err(Rejected::NotForUs)
}

/// A relayed pair was selected: bind a channel so data goes as 4-byte ChannelData headers.
pub(crate) fn on_selected<E: Entropy>(relays: &mut [Relay<E>], now: Instant, s: &SelectedPair) {
    if s.local_kind == CandidateKind::Relayed {
        if let Some(r) = relay_of(relays, s.local_addr) {
            let _ = r.client.bind_channel(now, s.remote);
        }
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
    /// The TURN clients. With `R = 0` always none, whatever the field holds, so that the
    /// compiler sees every TURN path is dead and leaves TURN's code out of the image too
    /// (a node without a TURN server saves its flash as well as its memory).
    pub(crate) fn relays(&self) -> &[Relay<E>] {
        if R == 0 {
            &[]
        } else {
            &self.relays
        }
    }

    /// The TURN clients, to drive (none with `R = 0`, see [`relays`](Self::relays)).
    pub(crate) fn relays_mut(&mut self) -> &mut [Relay<E>] {
        if R == 0 {
            &mut []
        } else {
            &mut self.relays
        }
    }

    /// Start an allocation on every configured TURN server of `base`'s family that has none yet.
    pub(crate) fn start_relays(&mut self, now: Instant, base: SocketAddr) {
        if R == 0 {
            return;
        }
        let servers = self.config.turn_servers.clone();
        for (i, s) in servers.iter().enumerate() {
            let taken = self
                .relays
                .iter()
                .any(|r| r.client.server().remote == s.server);
            if taken || s.server.is_ipv4() != base.is_ipv4() || self.relays.is_full() {
                continue;
            }
            let mut cfg = TurnClientConfig::new(Path::udp(base, s.server));
            cfg.stun.software = self.config.software;
            let entropy = Forked::new(self.entropy.clone(), 100 + i as u64);
            let Ok(mut client) = TurnClient::new(cfg, &s.username, &s.password, entropy) else {
                continue;
            };
            if client.allocate(now).is_ok() {
                let _ = self.relays.push(Relay {
                    client,
                    base,
                    settled: false,
                });
            }
        }
    }

    /// Whether every allocation has an outcome.
    pub(crate) fn relays_settled(&self) -> bool {
        self.relays().iter().all(|r| r.settled)
    }

    /// Turn TURN client events into candidates.
    pub(crate) fn drain_relay_events(&mut self, now: Instant) {
        for i in 0..self.relays().len() {
            while let Some(r) = self.relays_mut().get_mut(i) {
                let Some(ev) = r.client.poll_event() else {
                    break;
                };
                let (base, server) = (r.base, r.client.server().remote);
                match ev {
                    TurnEvent::Allocated {
                        relayed, mapped, ..
                    } => {
                        r.settled = true;
                        self.on_relay_allocated(now, base, server, relayed, mapped);
                    }
                    TurnEvent::AllocationFailed { .. } | TurnEvent::Expired => r.settled = true,
                    _ => {}
                }
            }
        }
    }

    fn on_relay_allocated(
        &mut self,
        now: Instant,
        base: SocketAddr,
        server: SocketAddr,
        relayed: SocketAddr,
        mapped: Option<SocketAddr>,
    ) {
        let pref = self.cands.preference_of(base);
        if let Some(m) = mapped.filter(|m| *m != base) {
            if !self.cands.has_local(m) {
                let _ = self.push_local(Candidate::server_reflexive(m, base, server.ip(), pref));
            }
        }
        if let Ok(idx) =
            self.push_local(Candidate::relayed(relayed, base, mapped, server.ip(), pref))
        {
            self.pair_local(idx);
            self.permit_all(now);
        }
    }

    /// Ask every relay for a permission towards every remote candidate (idempotent).
    pub(crate) fn permit_all(&mut self, now: Instant) {
        if R == 0 {
            return;
        }
        let IceAgent { relays, cands, .. } = self;
        for r in relays.iter_mut() {
            if r.client.relayed_address().is_none() {
                continue;
            }
            for c in cands
                .remote()
                .iter()
                .filter(|c| c.addr.is_ipv4() == r.base.is_ipv4())
            {
                let _ = r.client.create_permission(now, c.addr.ip());
            }
        }
    }
}
