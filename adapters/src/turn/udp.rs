//! The UDP data path: listening sockets (client → server) and relay sockets (peer → server).
//!
//! Each socket has a task that, when the socket turns readable, receives up to 32 datagrams
//! with one `recvmmsg`, runs them through the server, and sends what comes out in batches:
//! one `sendmmsg` per relay socket for consecutive datagrams to peers; towards clients, the
//! datagrams of every relay socket woken in the same reactor turn are queued and leave in one
//! `sendmmsg`, equal-sized ones to the same client as a single UDP GSO train. Towards peers,
//! equal-sized datagrams of one client to the same peer likewise leave as one GSO train.
//! Peer datagrams are received `PEER_HEADROOM` bytes into their buffer so the ChannelData or
//! Data header is written in place (then copied once into the send queue).
//! Nothing is allocated per datagram.

use super::state::{Core, Shared};
use super::tcp;
use crate::mmsg::{self, RecvMeta, SendMsg, BATCH};
use sansio::{Path, Transport};
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::rc::Rc;
use tokio::net::UdpSocket;
use turn_proto::server::{Output, PEER_HEADROOM, PEER_TAILROOM};

/// Largest UDP payload received (anything longer is counted and dropped).
const MAX_PAYLOAD: usize = 65_536;
/// One receive slot: headroom for in-place framing, the payload, tailroom.
const SLOT: usize = PEER_HEADROOM + MAX_PAYLOAD + PEER_TAILROOM;
/// Batches handled per wake-up before yielding to other sockets.
const BUDGET: usize = 8;
/// Most datagrams in one GSO train (the kernel's UDP_MAX_SEGMENTS is 64 or more).
const MAX_SEGMENTS: usize = 64;
/// Most bytes in one GSO train.
const MAX_TRAIN: usize = 65_000;

/// Receive buffers shared by every socket task (one runs at a time): `BATCH` slots.
#[derive(Debug)]
pub struct RxBuffers {
    data: Vec<u8>,
    meta: [RecvMeta; BATCH],
}

impl RxBuffers {
    /// `BATCH` slots of `SLOT` bytes (about 2 MiB, touched only as far as datagrams reach).
    pub fn new() -> Self {
        RxBuffers {
            data: vec![0; BATCH * SLOT],
            meta: [RecvMeta::default(); BATCH],
        }
    }

    /// Receive a batch from `socket`, each datagram at `headroom` in its slot. Returns how
    /// many arrived and whether the socket is now drained: a short batch means the kernel
    /// queue was empty, so tokio's readiness is cleared without another (EAGAIN) syscall.
    fn recv(&mut self, socket: &UdpSocket, headroom: usize) -> io::Result<(usize, bool)> {
        let mut iov: heapless::Vec<IoSliceMut<'_>, BATCH> = self
            .data
            .chunks_mut(SLOT)
            .map(|s| IoSliceMut::new(s.get_mut(headroom..SLOT - PEER_TAILROOM).unwrap_or(&mut [])))
            .collect();
        mmsg::try_recv_batch(socket, &mut iov, &mut self.meta)
    }

    fn slot(&self, i: usize) -> &[u8] {
        self.data.get(i * SLOT..(i + 1) * SLOT).unwrap_or(&[])
    }
}

impl Default for RxBuffers {
    fn default() -> Self {
        Self::new()
    }
}

/// Serve one listening socket until it fails.
pub async fn listener_loop(shared: Shared, socket: Rc<UdpSocket>, local: SocketAddr) {
    loop {
        if let Err(e) = socket.readable().await {
            tracing::error!(%local, "UDP listener failed: {e}");
            return;
        }
        let busy = {
            let mut core = shared.borrow_mut();
            let mut busy = true;
            for _ in 0..BUDGET {
                let r = client_batch(&mut core, &socket, local);
                core.drain_events(&shared);
                match r {
                    Ok(false) => {}
                    Ok(true) => {
                        busy = false;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        busy = false;
                        break;
                    }
                    Err(e) => tracing::debug!(%local, "UDP receive: {e}"),
                }
            }
            core.drain_events(&shared);
            busy
        };
        if busy {
            tokio::task::yield_now().await;
        }
    }
}

/// One batch of client datagrams: requests answered, data relayed to peers. `Ok(true)`: the
/// socket is drained.
fn client_batch(core: &mut Core, socket: &UdpSocket, local: SocketAddr) -> io::Result<bool> {
    let (n, drained) = core.rx.recv(socket, 0)?;
    let now = core.clock.now();
    let Core {
        server,
        rx,
        relays,
        io,
        out,
        gso,
        ..
    } = core;
    // (relay, peer, payload) for every datagram to relay, in arrival order.
    let mut sends: heapless::Vec<(SocketAddr, SocketAddr, &[u8]), BATCH> = heapless::Vec::new();
    for (i, m) in rx.meta.iter().enumerate().take(n) {
        if m.truncated {
            io.truncated += 1;
            continue;
        }
        let data = rx.slot(i).get(..m.len).unwrap_or(&[]);
        let path = Path::udp(local, m.from);
        match server.handle_client_datagram(now, path, data, &mut out[..]) {
            Ok(Output::Relay {
                relay,
                peer,
                payload,
                ..
            }) => {
                let _ = sends.push((relay, peer, payload));
            }
            Ok(Output::Reply(t)) => {
                let reply = out.get(..t.len).unwrap_or(&[]);
                if mmsg::send_one(socket, reply, t.path.remote).is_err() {
                    io.send_errors += 1;
                }
            }
            _ => {}
        }
    }
    // Consecutive datagrams through the same relay socket leave in one sendmmsg; runs of
    // equal-sized ones to the same peer as one GSO train.
    let mut rest = sends.as_slice();
    while let Some(&(relay, _, _)) = rest.first() {
        let run = rest.iter().take_while(|s| s.0 == relay).count();
        let (group, tail) = rest.split_at(run);
        rest = tail;
        let Some(r) = relays.get(&relay) else {
            continue;
        };
        let parts: heapless::Vec<IoSlice<'_>, BATCH> =
            group.iter().map(|s| IoSlice::new(s.2)).collect();
        let msgs = peer_trains(group, &parts, *gso);
        io.send_errors += send_all(&r.socket, &msgs);
    }
    Ok(drained)
}

/// Largest datagram sent as part of a GSO train towards peers: a train the route's MTU
/// cannot carry is refused whole (`send_all` then sends its datagrams one by one), so trains
/// are kept to sizes every usual path carries.
const PEER_TRAIN_MAX_SEGMENT: usize = 1400;

/// Messages for one relay socket's datagrams (`(relay, peer, payload)`, in order):
/// consecutive ones to the same peer of one size become a GSO train when `gso`.
fn peer_trains<'a>(
    group: &[(SocketAddr, SocketAddr, &[u8])],
    parts: &'a [IoSlice<'a>],
    gso: bool,
) -> heapless::Vec<SendMsg<'a>, BATCH> {
    let mut msgs = heapless::Vec::new();
    let mut i = 0;
    while let Some(&(_, peer, first)) = group.get(i) {
        let len = first.len();
        let mut j = i + 1;
        if gso && len <= PEER_TRAIN_MAX_SEGMENT && len > 0 {
            while group
                .get(j)
                .is_some_and(|g| g.1 == peer && g.2.len() == len && (j - i + 1) * len <= MAX_TRAIN)
            {
                j += 1;
            }
        }
        let segment = (j - i > 1).then(|| u16::try_from(len).unwrap_or(u16::MAX));
        let _ = msgs.push(SendMsg {
            to: peer,
            parts: parts.get(i..j).unwrap_or(&[]),
            segment,
        });
        i = j;
    }
    msgs
}

/// Send every message, skipping ones the kernel refuses; returns how many were dropped.
/// A refused GSO train (a route whose MTU is below its segment size, a kernel without
/// `UDP_SEGMENT`) is retried one datagram (one part) at a time.
/// The syscall is made directly (non-blocking): tokio's `try_io` would refuse to send on a
/// socket whose first writable event the reactor has not seen yet (a relay opened in this
/// very batch), and a UDP server never waits for room anyway.
fn send_all(socket: &UdpSocket, msgs: &[SendMsg<'_>]) -> u64 {
    let mut dropped = 0;
    let mut rest = msgs;
    while !rest.is_empty() {
        match mmsg::send_batch(socket, rest) {
            Ok(k) => rest = rest.get(k.max(1)..).unwrap_or(&[]),
            Err(_) => {
                if let Some(m) = rest.first() {
                    dropped += match m.segment {
                        Some(seg) => send_parts(socket, m).unwrap_or_else(|| train_count(m, seg)),
                        None => 1,
                    };
                }
                rest = rest.get(1..).unwrap_or(&[]);
            }
        }
    }
    dropped
}

/// A refused train's parts as datagrams of their own, when each part is one datagram (as
/// every train here is built); returns how many were dropped, `None` when the parts are not
/// whole datagrams.
fn send_parts(socket: &UdpSocket, m: &SendMsg<'_>) -> Option<u64> {
    let seg = usize::from(m.segment?);
    let (last, full) = m.parts.split_last()?;
    if full.iter().any(|p| p.len() != seg) || last.len() > seg {
        return None;
    }
    let mut dropped = 0;
    for p in m.parts {
        if mmsg::send_one(socket, p, m.to).is_err() {
            dropped += 1;
        }
    }
    Some(dropped)
}

fn train_count(m: &SendMsg<'_>, seg: u16) -> u64 {
    let total: usize = m.parts.iter().map(|p| p.len()).sum();
    total.div_ceil(usize::from(seg.max(1))) as u64
}

/// Serve one relay socket until the allocation closes (the task is aborted) or it fails.
pub async fn relay_loop(shared: Shared, socket: Rc<UdpSocket>, relay: SocketAddr) {
    loop {
        if let Err(e) = socket.readable().await {
            tracing::debug!(%relay, "relay socket failed: {e}");
            return;
        }
        let busy = {
            let mut core = shared.borrow_mut();
            let mut busy = true;
            for _ in 0..BUDGET {
                match peer_batch(&mut core, &socket, relay) {
                    Ok(false) => {}
                    Ok(true) => {
                        busy = false;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        busy = false;
                        break;
                    }
                    Err(e) => tracing::debug!(%relay, "relay receive: {e}"),
                }
            }
            busy
        };
        if busy {
            tokio::task::yield_now().await;
        }
    }
}

/// A datagram for a client: where to, and where it sits in the queue's buffer.
#[derive(Clone, Copy, Debug)]
struct Frame {
    path: Path,
    start: usize,
    len: usize,
}

/// One batch of peer datagrams, framed in place and queued for their clients (the queue is
/// flushed once every ready socket has had its turn). `Ok(true)`: the socket is drained.
fn peer_batch(core: &mut Core, socket: &UdpSocket, relay: SocketAddr) -> io::Result<bool> {
    let (n, drained) = core.rx.recv(socket, PEER_HEADROOM)?;
    let now = core.clock.now();
    for i in 0..n {
        let m = core.rx.meta.get(i).copied().unwrap_or_default();
        if m.truncated {
            core.io.truncated += 1;
            continue;
        }
        let Some(slot) = core.rx.data.get_mut(i * SLOT..(i + 1) * SLOT) else {
            continue;
        };
        let framed = core.server.handle_peer_datagram_in_place(
            now,
            relay,
            m.from,
            slot,
            PEER_HEADROOM,
            m.len,
        );
        let Some((start, t)) = framed else {
            continue;
        };
        let frame = slot.get(start..start + t.len).unwrap_or(&[]);
        if t.path.transport == Transport::Udp {
            if !core.outq.push(t.path, frame) {
                flush(&mut core.outq, &core.listeners, &mut core.io, core.gso);
                core.outq.push(t.path, frame);
            }
        } else if t.path.transport == Transport::Dtls {
            super::dtls::write_to(&mut core.dtls, &mut core.io, now, &t.path, frame);
        } else {
            tcp::write_to(&mut core.streams, &mut core.io, &t.path, frame);
        }
    }
    if !core.outq.is_empty() && !core.outq.scheduled {
        core.outq.scheduled = true;
        core.flush_wake.notify_one();
    }
    Ok(drained)
}

/// Bytes the client queue holds before it is flushed early.
const OUTQ_BYTES: usize = 256 * 1024;

/// Datagrams for clients, copied out of the shared receive buffers (which the next socket's
/// batch reuses) so that those from every ready relay socket leave in one `sendmmsg`.
#[derive(Debug)]
pub struct OutQueue {
    buf: Vec<u8>,
    frames: heapless::Vec<Frame, BATCH>,
    /// A flush is scheduled.
    pub scheduled: bool,
}

impl OutQueue {
    /// An empty queue.
    pub fn new() -> Self {
        OutQueue {
            buf: Vec::with_capacity(OUTQ_BYTES),
            frames: heapless::Vec::new(),
            scheduled: false,
        }
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Queue `data` for `path`; `false` when full (flush, then push again).
    fn push(&mut self, path: Path, data: &[u8]) -> bool {
        let over = self.buf.len() + data.len() > OUTQ_BYTES && !self.buf.is_empty();
        if self.frames.is_full() || over {
            return false;
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(data);
        let _ = self.frames.push(Frame {
            path,
            start,
            len: data.len(),
        });
        true
    }
}

impl Default for OutQueue {
    fn default() -> Self {
        Self::new()
    }
}

/// Send everything queued for clients: one `sendmmsg` per listening socket, equal-sized
/// datagrams to the same client as GSO trains when `gso`.
pub fn flush(
    q: &mut OutQueue,
    listeners: &[(SocketAddr, Rc<UdpSocket>)],
    io: &mut super::state::IoStats,
    gso: bool,
) {
    let mut rest = q.frames.as_slice();
    while let Some(first) = rest.first() {
        let local = first.path.local;
        let run = rest.iter().take_while(|f| f.path.local == local).count();
        let (group, tail) = rest.split_at(run);
        rest = tail;
        let Some((_, sock)) = listeners.iter().find(|(a, _)| *a == local) else {
            continue;
        };
        let parts: heapless::Vec<IoSlice<'_>, BATCH> = group
            .iter()
            .map(|f| IoSlice::new(q.buf.get(f.start..f.start + f.len).unwrap_or(&[])))
            .collect();
        let msgs = trains(group, &parts, gso);
        io.send_errors += send_all(sock, &msgs);
    }
    q.frames.clear();
    q.buf.clear();
}

/// Flush the client queue when relay tasks scheduled it: the task runs after every relay
/// task woken in the same reactor turn, so their datagrams share one syscall.
pub async fn flusher(shared: Shared, wake: Rc<tokio::sync::Notify>) {
    loop {
        wake.notified().await;
        let mut guard = shared.borrow_mut();
        let core = &mut *guard;
        flush(&mut core.outq, &core.listeners, &mut core.io, core.gso);
        core.outq.scheduled = false;
    }
}

/// Group frames into messages: consecutive frames to the same client of one size (the last
/// may be shorter) become one GSO train when `gso` is on.
fn trains<'a>(
    frames: &[Frame],
    parts: &'a [IoSlice<'a>],
    gso: bool,
) -> heapless::Vec<SendMsg<'a>, BATCH> {
    let mut msgs = heapless::Vec::new();
    let mut i = 0;
    while let Some(f) = frames.get(i) {
        let mut j = i + 1;
        let mut total = f.len;
        while let Some(g) = frames.get(j).filter(|_| gso) {
            let prev_full = frames.get(j - 1).is_some_and(|p| p.len == f.len);
            if g.path.remote != f.path.remote
                || g.len > f.len
                || !prev_full
                || j - i >= MAX_SEGMENTS
                || total + g.len > MAX_TRAIN
            {
                break;
            }
            total += g.len;
            j += 1;
        }
        let segment = (j - i > 1).then(|| u16::try_from(f.len).unwrap_or(u16::MAX));
        let _ = msgs.push(SendMsg {
            to: f.path.remote,
            parts: parts.get(i..j).unwrap_or(&[]),
            segment,
        });
        i = j;
    }
    msgs
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn peer_trains_group_equal_sizes_to_one_peer() {
        let (big, small, huge) = ([1u8; 100], [2u8; 50], [3u8; 1401]);
        let (r, a, b) = (addr(1), addr(2), addr(3));
        let group: [(SocketAddr, SocketAddr, &[u8]); 8] = [
            (r, a, &big),
            (r, a, &big),
            (r, a, &big),
            (r, b, &big),
            (r, b, &small),
            (r, b, &small),
            (r, b, &huge),
            (r, b, &huge),
        ];
        let parts: Vec<IoSlice<'_>> = group.iter().map(|g| IoSlice::new(g.2)).collect();
        let msgs = peer_trains(&group, &parts, true);
        let shape: Vec<(SocketAddr, usize, Option<u16>)> = msgs
            .iter()
            .map(|m| (m.to, m.parts.len(), m.segment))
            .collect();
        assert_eq!(
            shape,
            [
                (a, 3, Some(100)),
                (b, 1, None),
                (b, 2, Some(50)),
                // Longer than PEER_TRAIN_MAX_SEGMENT: never a train.
                (b, 1, None),
                (b, 1, None),
            ]
        );
        let plain = peer_trains(&group, &parts, false);
        assert_eq!(plain.len(), 8);
        assert!(plain
            .iter()
            .all(|m| m.segment.is_none() && m.parts.len() == 1));
    }

    /// A train the kernel refuses (here: 80 000 bytes, over UDP's 65 535) is not lost: its
    /// datagrams leave one by one.
    #[tokio::test]
    async fn refused_train_is_sent_datagram_by_datagram() {
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        socket2::SockRef::from(&rx)
            .set_recv_buffer_size(1 << 20)
            .unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let seg = [7u8; 2000];
        let parts: Vec<IoSlice<'_>> = (0..40).map(|_| IoSlice::new(&seg)).collect();
        let msg = SendMsg {
            to: rx.local_addr().unwrap(),
            parts: &parts,
            segment: Some(2000),
        };
        assert!(mmsg::send_batch(&tx, &[msg]).is_err(), "the kernel took it");
        assert_eq!(send_all(&tx, &[msg]), 0);
        let mut buf = [0u8; 4096];
        for _ in 0..40 {
            let (n, _) = rx.recv_from(&mut buf).unwrap();
            assert_eq!(n, 2000);
        }
    }
}
