//! Toy sans-IO machines for driving the simulator: an echo server, a pinger, and a
//! rendezvous server with peers that hole-punch like a (very) small ICE.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use sansio::{Instant, Path, Rejected, SansIo, Transmit};

/// Writes `data` to `out` and describes it.
fn emit(out: &mut [u8], path: Path, data: &[u8]) -> Option<Transmit> {
    out.get_mut(..data.len())?.copy_from_slice(data);
    Some(Transmit {
        path,
        len: data.len(),
    })
}

/// Echoes every datagram back to where it came from; reports each source.
#[derive(Debug, Default)]
pub struct Echo {
    out: VecDeque<(Path, Vec<u8>)>,
    seen: VecDeque<SocketAddr>,
}

impl SansIo for Echo {
    type Event = SocketAddr;
    type Data<'a> = sansio::NoData;
    fn handle_datagram(
        &mut self,
        _now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        self.out.push_back((path, data.to_vec()));
        self.seen.push_back(path.remote);
        Ok(None)
    }
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let (path, data) = self.out.pop_front()?;
        emit(out, path, &data)
    }
    fn poll_event(&mut self) -> Option<SocketAddr> {
        self.seen.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

/// Sends `count` numbered pings, one per `interval`, and reports each reply's round trip.
#[derive(Debug)]
pub struct Pinger {
    pub path: Path,
    pub interval: Duration,
    pub count: u32,
    next_seq: u32,
    next_at: Option<Instant>,
    sent_at: Vec<Instant>,
    due: bool,
    pongs: VecDeque<(u32, Duration)>,
}

impl Pinger {
    pub fn new(path: Path, interval: Duration, count: u32) -> Self {
        Pinger {
            path,
            interval,
            count,
            next_seq: 0,
            next_at: None,
            sent_at: Vec::new(),
            due: false,
            pongs: VecDeque::new(),
        }
    }

    /// Command: start pinging at `now`.
    pub fn start(&mut self, now: Instant) {
        self.next_at = Some(now);
        self.handle_timeout(now);
    }
}

impl SansIo for Pinger {
    type Event = (u32, Duration);
    type Data<'a> = sansio::NoData;
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        if path.remote != self.path.remote || path.local != self.path.local {
            return Err(Rejected::NotForUs);
        }
        let seq = u32::from_be_bytes(data.try_into().map_err(|_| Rejected::Malformed)?);
        let sent = *self.sent_at.get(seq as usize).ok_or(Rejected::Malformed)?;
        self.pongs.push_back((seq, now - sent));
        Ok(None)
    }
    fn handle_timeout(&mut self, now: Instant) {
        if self.next_at.is_some_and(|t| t <= now) {
            self.due = true;
            self.sent_at.push(now);
            self.next_at = (self.sent_at.len() < self.count as usize).then(|| now + self.interval);
        }
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        if !std::mem::take(&mut self.due) {
            return None;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        emit(out, self.path, &seq.to_be_bytes())
    }
    fn poll_event(&mut self) -> Option<(u32, Duration)> {
        self.pongs.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next_at
    }
}

/// Learns the mapped address of each registering peer and, once two have registered, tells
/// each the other's (like a signalling server exchanging server-reflexive candidates).
#[derive(Debug, Default)]
pub struct Rendezvous {
    peers: Vec<(Path, SocketAddr)>,
    out: VecDeque<(Path, Vec<u8>)>,
}

impl SansIo for Rendezvous {
    type Event = ();
    type Data<'a> = sansio::NoData;
    fn handle_datagram(
        &mut self,
        _now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        if data != b"REG" {
            return Err(Rejected::Malformed);
        }
        if !self.peers.iter().any(|(p, _)| *p == path) {
            self.peers.push((path, path.remote));
        }
        if let [(pa, a), (pb, b)] = self.peers[..] {
            self.out.push_back((pa, format!("PEER {b}").into_bytes()));
            self.out.push_back((pb, format!("PEER {a}").into_bytes()));
        }
        Ok(None)
    }
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let (path, data) = self.out.pop_front()?;
        emit(out, path, &data)
    }
    fn poll_event(&mut self) -> Option<()> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

/// Registers with a [`Rendezvous`] server, then punches towards the peer's mapped address
/// every 50 ms (up to 40 times), answering every punch to its apparent source (a
/// peer-reflexive address, as ICE does). Reports `Connected(addr)` on the first answer.
#[derive(Debug)]
pub struct Peer {
    local: SocketAddr,
    server: SocketAddr,
    target: Option<SocketAddr>,
    next_punch: Option<Instant>,
    punches_left: u32,
    out: VecDeque<(Path, &'static [u8])>,
    events: VecDeque<SocketAddr>,
    pub connected: Option<SocketAddr>,
}

impl Peer {
    pub fn new(local: SocketAddr, server: SocketAddr) -> Self {
        Peer {
            local,
            server,
            target: None,
            next_punch: None,
            punches_left: 40,
            out: VecDeque::from([(Path::udp(local, server), &b"REG"[..])]),
            events: VecDeque::new(),
            connected: None,
        }
    }
}

impl SansIo for Peer {
    type Event = SocketAddr;
    type Data<'a> = sansio::NoData;
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        if path.local != self.local {
            return Err(Rejected::NotForUs);
        }
        if path.remote == self.server {
            let text = std::str::from_utf8(data).map_err(|_| Rejected::Malformed)?;
            let addr = text.strip_prefix("PEER ").ok_or(Rejected::Malformed)?;
            self.target = Some(addr.parse().map_err(|_| Rejected::Malformed)?);
            self.next_punch = Some(now);
            self.handle_timeout(now);
            return Ok(None);
        }
        match data {
            b"PUNCH" => self.out.push_back((path, b"ACK")),
            b"ACK" => {}
            _ => return Err(Rejected::Malformed),
        }
        if self.connected.is_none() {
            self.connected = Some(path.remote);
            self.events.push_back(path.remote);
            self.next_punch = None;
        }
        Ok(None)
    }
    fn handle_timeout(&mut self, now: Instant) {
        let (Some(at), Some(target)) = (self.next_punch, self.target) else {
            return;
        };
        if at > now {
            return;
        }
        self.out
            .push_back((Path::udp(self.local, target), b"PUNCH"));
        self.punches_left -= 1;
        self.next_punch = (self.punches_left > 0).then(|| now + Duration::from_millis(50));
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let (path, data) = self.out.pop_front()?;
        emit(out, path, data)
    }
    fn poll_event(&mut self) -> Option<SocketAddr> {
        self.events.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next_punch
    }
}
