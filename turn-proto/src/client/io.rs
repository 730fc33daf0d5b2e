//! The client's data path, timers and polling.

use super::{CommandError, PeerData};
use super::{Op, State, TurnClient, TurnEvent};
use crate::wire::{emit_indication, emit_indication_in_place, Attribute, ChannelData};
use core::net::SocketAddr;
use sansio::{Carrier, Entropy, Instant, Path, Rejected, SansIo, SendError, Transmit};
use stun_proto::wire::attr::AttrType;
use stun_proto::wire::{Class, Message, Method, TransactionId};

impl<E: Entropy, const P: usize> TurnClient<E, P> {
    fn receive<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<PeerData<'a>>, Rejected> {
        if path.remote != self.config.server.remote
            || path.transport != self.config.server.transport && !self.is_data_path(&path)
        {
            return Err(Rejected::NotForUs);
        }
        match data.first().map(|b| b >> 6) {
            Some(1) => self.on_channel_data(now, data).map(Some),
            Some(0) => self.on_stun(now, path, data),
            _ => Err(Rejected::NotForUs),
        }
    }

    /// ConnectionBind responses come on another TCP connection to the same server.
    fn is_data_path(&self, path: &Path) -> bool {
        path.transport.is_reliable()
            && self
                .ops
                .iter()
                .any(|(_, op)| matches!(op, Op::ConnectionBind(_)))
    }

    fn on_channel_data<'a>(
        &mut self,
        now: Instant,
        data: &'a [u8],
    ) -> Result<PeerData<'a>, Rejected> {
        let cd = ChannelData::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        let chan = self
            .chans
            .iter()
            .find(|c| {
                c.number == cd.channel()
                    && c.bound
                    && now < c.expires + super::peers::REFRESH_MARGIN
            })
            .ok_or(Rejected::Malformed)?;
        Ok(PeerData {
            peer: chan.peer,
            data: cd.payload(),
            channel: Some(chan.number),
        })
    }

    fn on_stun<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<PeerData<'a>>, Rejected> {
        let msg = Message::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        match msg.class() {
            Class::Indication => self.on_indication(&msg),
            Class::Request => Err(Rejected::NotForUs),
            Class::Success | Class::Error => {
                if let Some(r) = self.stun.handle_message(now, path, &msg)? {
                    self.on_response(now, &r);
                }
                self.drain_stun(now);
                Ok(None)
            }
        }
    }

    fn on_indication<'a>(&mut self, msg: &Message<'a>) -> Result<Option<PeerData<'a>>, Rejected> {
        if msg.fingerprint_offset().is_some() && !msg.fingerprint_ok() {
            return Err(Rejected::Malformed);
        }
        let peer = match msg.peer_addresses().next() {
            Some(Ok(p)) => p,
            _ => return Err(Rejected::Malformed),
        };
        match msg.method() {
            Method::DATA => match msg.decode(AttrType::DATA) {
                Some(Ok(Attribute::Data(data))) => Ok(Some(PeerData {
                    peer,
                    data,
                    channel: None,
                })),
                _ => Err(Rejected::Malformed),
            },
            Method::CONNECTION_ATTEMPT => match msg.decode(AttrType::CONNECTION_ID) {
                Some(Ok(Attribute::ConnectionId(connection))) => {
                    self.emit_critical(TurnEvent::ConnectionAttempt { peer, connection });
                    Ok(None)
                }
                _ => Err(Rejected::Malformed),
            },
            _ => Err(Rejected::NotForUs),
        }
    }

    /// Write the datagram carrying `data` to `peer` into `out`: ChannelData when a channel is
    /// bound, else a Send indication (a permission must exist or be pending).
    pub fn send_to(
        &mut self,
        now: Instant,
        peer: SocketAddr,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, CommandError> {
        let path = self.data_path()?;
        let len = match self.channel_of(peer, now) {
            Some(number) => {
                let pad = path.transport.is_reliable();
                ChannelData::emit(number, data, pad, out).map_err(|_| CommandError::TooLarge)?
            }
            None => {
                let (tid, fp) = self.indication_params(peer)?;
                emit_indication(Method::SEND, tid, peer, data, fp, out)
                    .map_err(|_| CommandError::TooLarge)?
            }
        };
        Ok(Transmit { path, len })
    }

    /// [`send_to`](Self::send_to) without copying: the payload sits at
    /// `buf[payload_at..payload_at + payload_len]` with at least
    /// [`CLIENT_HEADROOM`](super::CLIENT_HEADROOM) bytes before it and
    /// [`CLIENT_TAILROOM`](super::CLIENT_TAILROOM) after. Returns where the datagram starts.
    pub fn send_to_in_place(
        &mut self,
        now: Instant,
        peer: SocketAddr,
        buf: &mut [u8],
        payload_at: usize,
        payload_len: usize,
    ) -> Result<(usize, Transmit), CommandError> {
        let path = self.data_path()?;
        let (start, len) = match self.channel_of(peer, now) {
            Some(number) => {
                let pad = path.transport.is_reliable();
                let start = payload_at
                    .checked_sub(crate::wire::CHANNEL_DATA_HEADER)
                    .ok_or(CommandError::TooLarge)?;
                let frame = buf.get_mut(start..).ok_or(CommandError::TooLarge)?;
                let len = ChannelData::emit_in_place(number, payload_len, pad, frame)
                    .map_err(|_| CommandError::TooLarge)?;
                (start, len)
            }
            None => {
                let (tid, fp) = self.indication_params(peer)?;
                emit_indication_in_place(Method::SEND, tid, peer, buf, payload_at, payload_len, fp)
                    .map_err(|_| CommandError::TooLarge)?
            }
        };
        Ok((start, Transmit { path, len }))
    }

    fn data_path(&self) -> Result<Path, CommandError> {
        match self.state {
            State::Allocated | State::Deleting => Ok(self.config.server),
            _ => Err(CommandError::NotAllocated),
        }
    }

    fn indication_params(
        &mut self,
        peer: SocketAddr,
    ) -> Result<(TransactionId, bool), CommandError> {
        if !self.perms.iter().any(|p| p.ip == peer.ip()) {
            return Err(CommandError::NoPermission);
        }
        self.indications = self.indications.wrapping_add(1);
        let mut tid = [0u8; 12];
        if let Some(t) = tid.get_mut(4..) {
            t.copy_from_slice(&self.indications.to_be_bytes());
        }
        Ok((TransactionId(tid), self.config.stun.fingerprint))
    }

    fn fire(&mut self, now: Instant) {
        self.stun.handle_timeout(now);
        self.drain_stun(now);
        if self.state != State::Allocated {
            return;
        }
        if now >= self.expires {
            self.lost(TurnEvent::Expired);
            return;
        }
        if now >= self.refresh_at {
            let _ = self.send_refresh(now, self.config.lifetime, false);
        }
        let due: heapless::Vec<_, P> = self
            .perms
            .iter()
            .filter(|p| p.due(now))
            .map(|p| p.ip)
            .collect();
        for ip in due {
            let _ = self.send_permission(now, ip);
        }
        let due: heapless::Vec<_, P> = self
            .chans
            .iter()
            .filter(|c| c.due(now))
            .map(|c| (c.number, c.peer))
            .collect();
        for (number, peer) in due {
            let _ = self.send_channel_bind(now, number, peer);
        }
    }

    /// The allocation is gone: forget everything tied to it.
    pub(super) fn lost(&mut self, event: TurnEvent) {
        self.state = State::Closed;
        self.relayed = None;
        self.refresh_at = Instant::MAX;
        self.perms.clear();
        self.chans.clear();
        self.emit_critical(event);
    }

    /// Queue an ordinary event (dropped and counted when the owner does not drain).
    pub(super) fn emit(&mut self, event: TurnEvent) {
        self.events.push(event);
    }

    /// Queue an event that ends or asks for a resource: never dropped while a slot holds an
    /// ordinary event; with all 32 slots critical it is counted in `events_lost`.
    pub(super) fn emit_critical(&mut self, event: TurnEvent) {
        if self.events.push_critical(event).is_err() {
            self.events_lost = self.events_lost.saturating_add(1);
        }
    }
}

/// The one contract (see the [`sansio`] crate page). Data a peer sent through the relay is
/// handed up as [`PeerData`], borrowing the datagram.
impl<E: Entropy, const P: usize> SansIo for TurnClient<E, P> {
    type Event = TurnEvent;
    type Data<'a> = PeerData<'a>;

    /// A datagram received on `path` (or a frame cut from the TCP/TLS stream): data from a
    /// peer is handed up; responses update the client and produce events. `Err(NotForUs)`:
    /// not from our server, or not TURN (offer it to the next machine).
    fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<PeerData<'a>>, Rejected> {
        self.receive(now, path, data)
    }

    /// Fire retransmissions and refreshes. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant) {
        self.fire(now)
    }

    /// The next request (re)transmission, written to `out`.
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.stun.poll_transmit(now, out)
    }

    fn poll_event(&mut self) -> Option<TurnEvent> {
        self.events.pop()
    }

    /// The next deadline: a retransmission, a refresh, or the allocation's expiry.
    fn poll_timeout(&self) -> Option<Instant> {
        let mut t = self.stun.poll_timeout();
        let mut fold = |x: Instant| t = Some(t.map_or(x, |t| t.min(x)));
        if self.state == State::Allocated {
            fold(self.refresh_at.min(self.expires));
            self.perms
                .iter()
                .filter(|p| p.installed && !p.in_flight)
                .for_each(|p| fold(p.refresh_at));
            self.chans
                .iter()
                .filter(|c| c.bound && !c.in_flight)
                .for_each(|c| fold(c.refresh_at));
        }
        t.filter(|t| *t != Instant::MAX)
    }
}

/// Data to a peer: ChannelData when a channel is bound, else a Send indication.
impl<E: Entropy, const P: usize> Carrier for TurnClient<E, P> {
    type To = SocketAddr;

    fn send(
        &mut self,
        now: Instant,
        to: SocketAddr,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError> {
        self.send_to(now, to, data, out).map_err(|e| match e {
            CommandError::NoPermission => SendError::NotPermitted,
            CommandError::TooLarge => SendError::TooLarge,
            _ => SendError::NotConnected,
        })
    }
}
