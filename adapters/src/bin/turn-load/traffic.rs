//! The load itself: paced ChannelData sent as UDP GSO trains, the echo peer, and the
//! receivers counting what came back. Every socket is read with `recvmmsg`; nothing is
//! allocated per datagram.

use adapters::mmsg::{self, RecvMeta, SendMsg, BATCH};
use std::cell::Cell;
use std::io::{self, IoSlice, IoSliceMut};
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use turn_proto::wire::ChannelData;

/// One receive slot (loopback MTU is larger, but the load's datagrams are not).
const SLOT: usize = 2048;
/// Most datagrams in one GSO train.
const MAX_SEGMENTS: usize = 64;
/// Most bytes in one GSO train.
const MAX_TRAIN: usize = 65_000;
/// Batches a socket task handles before letting the other tasks (the sender above all) run.
const BUDGET: usize = 8;
/// Most milliseconds of backlog the sender catches up in one tick after running late: a
/// generator delayed by the scheduler falls behind rather than bursting a whole second's
/// messages into the server's socket at once.
const CATCH_UP_MS: u64 = 4;

/// What the receivers count for the step under way.
#[derive(Debug, Default)]
pub struct Counters {
    /// The step whose echoes are counted (the first payload byte of every message).
    pub step: Cell<u8>,
    /// Echoes of this step received.
    pub echoed: Cell<u64>,
    /// Datagrams of another step or malformed.
    pub stray: Cell<u64>,
    /// When the last echo arrived.
    pub last: Cell<Option<Instant>>,
}

/// `BATCH` receive slots.
struct Rx {
    data: Vec<u8>,
    meta: [RecvMeta; BATCH],
}

impl Rx {
    fn new() -> Self {
        Rx {
            data: vec![0; BATCH * SLOT],
            meta: [RecvMeta::default(); BATCH],
        }
    }

    /// One `recvmmsg`; `Ok(None)` when the socket had nothing (readiness cleared).
    fn recv(&mut self, socket: &UdpSocket) -> io::Result<Option<usize>> {
        let mut iov: heapless::Vec<IoSliceMut<'_>, BATCH> =
            self.data.chunks_mut(SLOT).map(IoSliceMut::new).collect();
        match mmsg::try_recv_batch(socket, &mut iov, &mut self.meta) {
            Ok((n, _)) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn datagram(&self, i: usize) -> &[u8] {
        let len = self
            .meta
            .get(i)
            .map_or(0, |m| if m.truncated { 0 } else { m.len });
        self.data.get(i * SLOT..i * SLOT + len).unwrap_or(&[])
    }
}

/// Count the echoes arriving on one client socket until it fails.
pub async fn receive(socket: Rc<UdpSocket>, counters: Rc<Counters>) {
    let mut rx = Rx::new();
    loop {
        if socket.readable().await.is_err() {
            return;
        }
        let mut budget = BUDGET;
        while let Ok(Some(n)) = rx.recv(&socket) {
            let step = counters.step.get();
            let mut ours = 0;
            for i in 0..n {
                let ok = ChannelData::new_checked(rx.datagram(i))
                    .is_ok_and(|cd| cd.payload().first() == Some(&step));
                ours += u64::from(ok);
            }
            counters.echoed.set(counters.echoed.get() + ours);
            counters.stray.set(counters.stray.get() + (n as u64 - ours));
            if ours > 0 {
                counters.last.set(Some(Instant::now()));
            }
            budget -= 1;
            if budget == 0 {
                budget = BUDGET;
                tokio::task::yield_now().await;
            }
        }
    }
}

/// The echo peer: every datagram goes back to where it came from, consecutive equal-sized
/// ones from the same relay as one GSO train.
pub async fn echo(socket: Rc<UdpSocket>) {
    let mut rx = Rx::new();
    loop {
        if socket.readable().await.is_err() {
            return;
        }
        let mut budget = BUDGET;
        while let Ok(Some(n)) = rx.recv(&socket) {
            let parts: heapless::Vec<IoSlice<'_>, BATCH> =
                (0..n).map(|i| IoSlice::new(rx.datagram(i))).collect();
            let mut msgs: heapless::Vec<SendMsg<'_>, BATCH> = heapless::Vec::new();
            let mut i = 0;
            while i < n {
                let from = rx.meta.get(i).map(|m| m.from);
                let len = parts.get(i).map_or(0, |p| p.len());
                let mut j = i + 1;
                while j < n
                    && rx.meta.get(j).map(|m| m.from) == from
                    && parts.get(j).map(|p| p.len()) == Some(len)
                    && (j - i + 1) * len <= MAX_TRAIN
                {
                    j += 1;
                }
                if let Some(to) = from {
                    let segment = (j - i > 1).then(|| u16::try_from(len).unwrap_or(u16::MAX));
                    let _ = msgs.push(SendMsg {
                        to,
                        parts: parts.get(i..j).unwrap_or(&[]),
                        segment,
                    });
                }
                i = j;
            }
            send_all(&socket, &msgs);
            budget -= 1;
            if budget == 0 {
                budget = BUDGET;
                tokio::task::yield_now().await;
            }
        }
    }
}

/// Send every message (dropping those the kernel refuses); returns datagrams dropped.
fn send_all(socket: &UdpSocket, msgs: &[SendMsg<'_>]) -> u64 {
    let mut rest = msgs;
    let mut dropped = 0;
    while !rest.is_empty() {
        match mmsg::send_batch(socket, rest) {
            Ok(k) => rest = rest.get(k.max(1)..).unwrap_or(&[]),
            Err(_) => {
                dropped += rest.first().map_or(0, |m| m.parts.len() as u64);
                rest = rest.get(1..).unwrap_or(&[]);
            }
        }
    }
    dropped
}

/// One allocation's sending side: its socket and its ChannelData datagram.
#[derive(Debug)]
pub struct Sender {
    /// The client socket, connected to the server.
    pub socket: Rc<UdpSocket>,
    /// The server.
    pub to: std::net::SocketAddr,
    /// ChannelData: header, then the payload whose first byte is the step.
    pub frame: Vec<u8>,
}

impl Sender {
    /// A sender of `len`-byte payloads on `channel`.
    pub fn new(socket: Rc<UdpSocket>, to: std::net::SocketAddr, channel: u16, len: usize) -> Self {
        let payload = vec![0x5a; len.max(1)];
        let mut frame = vec![0; ChannelData::buffer_len(payload.len(), false)];
        let n = ChannelData::emit(channel, &payload, false, &mut frame).unwrap_or(0);
        frame.truncate(n);
        Sender { socket, to, frame }
    }

    fn set_step(&mut self, step: u8) {
        if let Some(b) = self.frame.get_mut(turn_proto::wire::CHANNEL_DATA_HEADER) {
            *b = step;
        }
    }

    /// Send `count` copies of the frame as GSO trains; returns datagrams the kernel refused.
    fn send(&self, count: usize) -> u64 {
        let per_train = (MAX_TRAIN / self.frame.len().max(1)).clamp(1, MAX_SEGMENTS);
        let parts: heapless::Vec<IoSlice<'_>, MAX_SEGMENTS> =
            (0..per_train).map(|_| IoSlice::new(&self.frame)).collect();
        let segment = u16::try_from(self.frame.len()).unwrap_or(u16::MAX);
        let mut dropped = 0;
        let mut left = count;
        while left > 0 {
            let mut msgs: heapless::Vec<SendMsg<'_>, BATCH> = heapless::Vec::new();
            while left > 0 && !msgs.is_full() {
                let k = left.min(per_train);
                left -= k;
                let _ = msgs.push(SendMsg {
                    to: self.to,
                    parts: parts.get(..k).unwrap_or(&[]),
                    segment: (k > 1).then_some(segment),
                });
            }
            dropped += send_all(&self.socket, &msgs);
        }
        dropped
    }
}

/// What one paced step sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent {
    /// Datagrams handed to the kernel.
    pub sent: u64,
    /// Datagrams the kernel refused (`sendmmsg` errors).
    pub refused: u64,
}

/// Send `rate` messages per second in all for `duration`, every payload tagged with `step`.
/// Every millisecond the messages due so far leave in trains of `train` (one GSO send each),
/// the allocations taking turns, so each gets the same share and the sends stay batched at
/// low rates too; what is due but short of a train waits for the next tick. Running late, it
/// catches up at most `CATCH_UP_MS` of messages per tick (the step then lasts longer).
pub async fn paced(
    senders: &mut [Sender],
    rate: u64,
    duration: Duration,
    step: u8,
    train: usize,
) -> Sent {
    for s in senders.iter_mut() {
        s.set_step(step);
    }
    let train = train.max(1) as u64;
    let total = rate * duration.as_millis() as u64 / 1000;
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut out = Sent::default();
    let mut next = 0;
    while out.sent < total {
        tick.tick().await;
        let elapsed = start.elapsed().as_micros() as u64;
        let late = (rate * CATCH_UP_MS / 1000).max(train);
        let due = (rate * elapsed / 1_000_000).min(total).min(out.sent + late);
        loop {
            let k = due.saturating_sub(out.sent).min(train);
            if k == 0 || (k < train && due < total) {
                break;
            }
            if let Some(s) = senders.get(next) {
                out.refused += s.send(k as usize);
            }
            next = (next + 1) % senders.len().max(1);
            out.sent += k;
        }
    }
    out
}
