//! The data path (RFC 8656 §11–§12): ChannelData and Send indications from clients to peers,
//! datagrams from peers to clients as ChannelData or Data indications.
//!
//! Each datagram costs one or two hash lookups, a scan of the allocation's (few) channels and
//! permissions, a token-bucket check and, towards clients, writing a 4- or 36/48-byte header.

use super::allocation::Allocation;
use super::channels;
use super::event::Output;
use super::permissions;
use super::tables::{Map, Tables};
use super::TurnServer;
use crate::wire::{
    emit_indication, emit_indication_in_place, Attribute, ChannelData, RelayProtocol,
};
use core::net::SocketAddr;
use sansio::{Entropy, Instant, Path, Rejected, Transmit};
use stun_proto::auth::KeyLookup;
use stun_proto::wire::attr::AttrType;
use stun_proto::wire::{Message, Method, TransactionId};

/// Headroom [`TurnServer::handle_peer_datagram_in_place`] needs before the payload (a Data
/// indication for an IPv6 peer: header 20, XOR-PEER-ADDRESS 24, DATA header 4).
pub const PEER_HEADROOM: usize = 48;
/// Room it needs after the payload (padding 3, FINGERPRINT 8, rounded).
pub const PEER_TAILROOM: usize = 12;

/// How a peer's datagram goes to the client.
#[derive(Clone, Copy, Debug)]
enum Framing {
    Channel {
        number: u16,
        pad: bool,
    },
    Indication {
        tid: TransactionId,
        fingerprint: bool,
    },
}

impl<L: KeyLookup, E: Entropy, T: Tables> TurnServer<L, E, T> {
    /// ChannelData from a client: relay the payload to the channel's peer.
    pub(super) fn channel_data<'a>(
        &mut self,
        now: Instant,
        client: &Path,
        data: &'a [u8],
    ) -> Result<Output<'a>, Rejected> {
        let Ok(cd) = ChannelData::new_checked(data) else {
            self.stats.dropped_malformed += 1;
            return Err(Rejected::Malformed);
        };
        let payload = cd.payload();
        let bandwidth = self.config.bandwidth;
        let Some(alloc) = self.allocations.get_mut(client) else {
            self.stats.dropped_no_route += 1;
            return Ok(Output::None);
        };
        let peer = channels::peer_of(&alloc.channels, cd.channel(), now)
            .filter(|p| permissions::permitted(&alloc.permissions, p.ip(), now));
        let Some(peer) = peer else {
            self.stats.dropped_no_route += 1;
            return Ok(Output::None);
        };
        if !alloc.bucket.take(now, payload.len(), bandwidth) {
            self.stats.dropped_bandwidth += 1;
            return Ok(Output::None);
        }
        self.stats.packets_to_peers += 1;
        self.stats.bytes_to_peers += payload.len() as u64;
        alloc.usage.packets_to_peers += 1;
        alloc.usage.bytes_to_peers += payload.len() as u64;
        Ok(Output::Relay {
            relay: alloc.relay,
            peer,
            payload,
            dont_fragment: alloc.dont_fragment,
        })
    }

    /// A Send indication from a client (RFC 8656 §11.2).
    pub(super) fn send_indication<'a>(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'a>,
    ) -> Result<Output<'a>, Rejected> {
        let peer = msg.peer_addresses().next();
        let data = msg.decode(AttrType::DATA);
        let (Some(Ok(peer)), Some(Ok(Attribute::Data(payload)))) = (peer, data) else {
            self.stats.dropped_malformed += 1;
            return Ok(Output::None);
        };
        // A permission is for an IP; on the server's own IP the port matters too (a relay
        // port of another allocation, never a listening port), so each indication's peer
        // is checked. ChannelData needs no such check: its peer was checked at the bind.
        let relay = self.allocations.get(client).map(|a| a.relay);
        if relay.is_some_and(|r| !self.peer_allowed(client, r, peer, true)) {
            self.stats.peers_denied += 1;
            return Ok(Output::None);
        }
        let bandwidth = self.config.bandwidth;
        let udp = |a: &&mut Allocation<T>| a.is_active() && a.protocol == RelayProtocol::Udp;
        let Some(alloc) = self.allocations.get_mut(client).filter(udp) else {
            self.stats.dropped_no_route += 1;
            return Ok(Output::None);
        };
        if !permissions::permitted(&alloc.permissions, peer.ip(), now) {
            self.stats.dropped_no_route += 1;
            return Ok(Output::None);
        }
        if !alloc.bucket.take(now, payload.len(), bandwidth) {
            self.stats.dropped_bandwidth += 1;
            return Ok(Output::None);
        }
        self.stats.packets_to_peers += 1;
        self.stats.bytes_to_peers += payload.len() as u64;
        alloc.usage.packets_to_peers += 1;
        alloc.usage.bytes_to_peers += payload.len() as u64;
        let dont_fragment = alloc.dont_fragment || msg.get(AttrType::DONT_FRAGMENT).is_some();
        Ok(Output::Relay {
            relay: alloc.relay,
            peer,
            payload,
            dont_fragment,
        })
    }

    /// Where and how a peer's datagram of `len` bytes goes, or `None` to drop it (no
    /// allocation, no permission, over the bandwidth cap).
    fn route_to_client(
        &mut self,
        now: Instant,
        relay: SocketAddr,
        peer: SocketAddr,
        len: usize,
    ) -> Option<(Path, Framing)> {
        let Some(client) = self.relays.get(&relay).copied() else {
            self.stats.dropped_no_route += 1;
            return None;
        };
        let bandwidth = self.config.bandwidth;
        let alloc = self.allocations.get_mut(&client)?;
        if !permissions::permitted(&alloc.permissions, peer.ip(), now) {
            self.stats.dropped_no_route += 1;
            return None;
        }
        if !alloc.bucket.take(now, len, bandwidth) {
            self.stats.dropped_bandwidth += 1;
            return None;
        }
        alloc.usage.packets_to_clients += 1;
        alloc.usage.bytes_to_clients += len as u64;
        let framing = match channels::number_of(&alloc.channels, peer, now) {
            Some(number) => Framing::Channel {
                number,
                pad: client.transport.is_reliable(),
            },
            None => {
                let fingerprint = alloc.fingerprint;
                Framing::Indication {
                    tid: self.next_indication_tid(),
                    fingerprint,
                }
            }
        };
        self.stats.packets_to_clients += 1;
        self.stats.bytes_to_clients += len as u64;
        Some((client, framing))
    }

    fn next_indication_tid(&mut self) -> TransactionId {
        self.indications = self.indications.wrapping_add(1);
        let mut tid = [0u8; 12];
        let (base, count) = tid.split_at_mut(4);
        base.copy_from_slice(&self.indication_base);
        count.copy_from_slice(&self.indications.to_be_bytes());
        TransactionId(tid)
    }

    /// A datagram `data` arrived from `peer` on the relay socket `relay`: writes the
    /// ChannelData or Data indication for the client into `out` and returns where to send
    /// it. `None`: drop it (unknown relay, no permission, bandwidth cap, `out` too small).
    pub fn handle_peer_datagram(
        &mut self,
        now: Instant,
        relay: SocketAddr,
        peer: SocketAddr,
        data: &[u8],
        out: &mut [u8],
    ) -> Option<Transmit> {
        let (client, framing) = self.route_to_client(now, relay, peer, data.len())?;
        let len = match framing {
            Framing::Channel { number, pad } => ChannelData::emit(number, data, pad, out).ok()?,
            Framing::Indication { tid, fingerprint } => {
                emit_indication(Method::DATA, tid, peer, data, fingerprint, out).ok()?
            }
        };
        Some(Transmit { path: client, len })
    }

    /// [`handle_peer_datagram`](Self::handle_peer_datagram) without copying the payload: it
    /// sits at `buf[payload_at..payload_at + payload_len]`, with at least [`PEER_HEADROOM`]
    /// bytes before it and [`PEER_TAILROOM`] after. Returns the offset where the message to
    /// send starts; its length is in the `Transmit`.
    pub fn handle_peer_datagram_in_place(
        &mut self,
        now: Instant,
        relay: SocketAddr,
        peer: SocketAddr,
        buf: &mut [u8],
        payload_at: usize,
        payload_len: usize,
    ) -> Option<(usize, Transmit)> {
        let (client, framing) = self.route_to_client(now, relay, peer, payload_len)?;
        let (start, len) = match framing {
            Framing::Channel { number, pad } => {
                let start = payload_at.checked_sub(crate::wire::CHANNEL_DATA_HEADER)?;
                let len =
                    ChannelData::emit_in_place(number, payload_len, pad, buf.get_mut(start..)?)
                        .ok()?;
                (start, len)
            }
            Framing::Indication { tid, fingerprint } => emit_indication_in_place(
                Method::DATA,
                tid,
                peer,
                buf,
                payload_at,
                payload_len,
                fingerprint,
            )
            .ok()?,
        };
        Some((start, Transmit { path: client, len }))
    }
}
