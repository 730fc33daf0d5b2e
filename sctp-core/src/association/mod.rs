//! The SCTP association: one sans-IO machine carrying WebRTC data channels.
//!
//! See the [crate documentation](crate) for the drive loop. In short: feed each SCTP packet
//! (DTLS application data) to [`handle_datagram`](sansio::SansIo::handle_datagram), drain
//! [`poll_transmit`](sansio::SansIo::poll_transmit) (each datagram is one SCTP packet for
//! DTLS to encrypt), drain [`poll_event`](sansio::SansIo::poll_event), read messages with
//! [`poll_message`](Association::poll_message), sleep until
//! [`poll_timeout`](sansio::SansIo::poll_timeout).

mod cc;
pub mod config;
mod cookie;
mod handshake;
mod input;
mod output;
mod pool;
mod reasm;
mod reconfig;
mod streams;
mod timer;
mod tsn;
mod tx;

use core::fmt;

use config::ppid;
pub use config::{
    BufferTooSmall, ChannelConfig, ChannelId, Config, DtlsRole, MessageKind, Received, Reliability,
    SendError,
};
use cookie::Caps;
use reasm::Reassembly;
use sansio::{Entropy, EventQueue, Instant, NoData, Path, Rejected, SansIo, Timers, Transmit};
use streams::{ChanState, ResetOut, Streams};
use timer::{Timer, TIMERS};
use tsn::TsnTracker;
use tx::Tx;

/// Association state (RFC 9260 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No association; answering INITs (listening).
    Closed,
    /// INIT sent.
    CookieWait,
    /// COOKIE-ECHO sent.
    CookieEchoed,
    /// Established.
    Established,
    /// Shutdown asked for; sending what is queued.
    ShutdownPending,
    /// SHUTDOWN sent.
    ShutdownSent,
    /// SHUTDOWN received; sending what is queued.
    ShutdownReceived,
    /// SHUTDOWN-ACK sent.
    ShutdownAckSent,
}

/// Why an association ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LostReason {
    /// Graceful shutdown completed.
    Shutdown,
    /// The peer sent ABORT.
    PeerAbort,
    /// We aborted ([`Association::abort`] or a protocol violation by the peer).
    Aborted,
    /// Too many retransmissions without an answer.
    Timeout,
    /// The handshake got no answer.
    InitFailed,
    /// The peer's data did not fit our bounded buffers (a message larger than the receive
    /// buffer, or fragments that can never complete).
    OutOfResource,
}

/// What the association reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The association is established: channels can be opened.
    AssociationUp,
    /// The peer restarted (RFC 9260 §5.2.4 action A): every channel was closed, the
    /// association goes on.
    AssociationRestarted,
    /// The association is gone.
    AssociationLost {
        /// Why.
        reason: LostReason,
    },
    /// A channel is open: the peer opened it (DATA_CHANNEL_OPEN), acknowledged ours, or a
    /// negotiated channel was created.
    ChannelOpen(ChannelId),
    /// A channel is closed (both stream directions reset, or the association ended).
    ChannelClosed(ChannelId),
    /// A message is ready: call [`Association::poll_message`].
    MessageReady(ChannelId),
    /// The channel's buffered amount fell to its low-water mark.
    BufferedAmountLow(ChannelId),
}

impl Event {
    fn critical(&self) -> bool {
        matches!(
            self,
            Event::AssociationLost { .. }
                | Event::ChannelClosed(_)
                | Event::ChannelOpen(_)
                | Event::AssociationRestarted
        )
    }
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets accepted.
    pub packets_received: u64,
    /// Packets dropped (bad checksum, wrong tag, malformed).
    pub packets_dropped: u64,
    /// T3-rtx expiries.
    pub t3_expiries: u64,
    /// Fast retransmissions entered.
    pub fast_retransmits: u64,
    /// Duplicate TSNs received.
    pub duplicate_tsns: u64,
    /// Fragments reneged to make room.
    pub reneged: u64,
}

/// Events queued at most (see [`sansio::EventQueue`]).
pub const EVENT_CAPACITY: usize = 64;

/// Pending SACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SackDue {
    No,
    Delayed,
    Now,
}

/// Control chunks waiting for the next packet.
#[derive(Debug)]
struct Control {
    init: bool,
    cookie_echo: bool,
    cookie: heapless::Vec<u8, 1024>,
    cookie_ack: bool,
    sack: SackDue,
    data_packets: u8,
    heartbeat: bool,
    hb_ack: Option<heapless::Vec<u8, 256>>,
    shutdown: bool,
    shutdown_ack: bool,
    shutdown_complete: bool,
    abort: Option<u16>,
    error: Option<heapless::Vec<u8, 128>>,
    fwd_tsn: bool,
    fast_rtx: bool,
    last_rwnd: u32,
}

impl Control {
    fn new() -> Self {
        Control {
            init: false,
            cookie_echo: false,
            cookie: heapless::Vec::new(),
            cookie_ack: false,
            sack: SackDue::No,
            data_packets: 0,
            heartbeat: false,
            hb_ack: None,
            shutdown: false,
            shutdown_ack: false,
            shutdown_complete: false,
            abort: None,
            error: None,
            fwd_tsn: false,
            fast_rtx: false,
            last_rwnd: 0,
        }
    }
}

/// A reply sent without association state (INIT-ACK, OOTB ABORT, SHUTDOWN-COMPLETE).
#[derive(Debug)]
struct Reply {
    path: Path,
    bytes: heapless::Vec<u8, 768>,
}

/// An SCTP association carrying data channels.
///
/// * `E` — the entropy source (verification tags, initial TSNs, the cookie key).
/// * `B` — byte storage for the send buffer and the receive buffer (`[u8; N]` without an
///   allocator, `Box<[u8]>` or `Vec<u8>` with one); the receive buffer bounds the largest
///   message that can be reassembled.
/// * `CHANNELS` — streams in use at once.
/// * `CHUNKS` — chunks in flight, fragments held for reassembly, and messages queued.
///
/// Call order: one input (`handle_datagram`, `handle_timeout` or a command), then drain
/// `poll_transmit`, then `poll_event` (and [`poll_message`](Self::poll_message)), then read
/// `poll_timeout`.
pub struct Association<E, B, const CHANNELS: usize, const CHUNKS: usize> {
    cfg: Config,
    entropy: E,
    state: State,
    path: Option<Path>,
    local_tag: u32,
    peer_tag: u32,
    local_tsn: u32,
    peer_tsn: u32,
    cookie_key: [u8; 32],
    caps: Caps,
    timers: Timers<Timer, TIMERS>,
    t1_rto: core::time::Duration,
    t1_count: u32,
    t2_count: u32,
    errors: u32,
    hb_out: Option<(u64, Instant)>,
    events: EventQueue<Event, EVENT_CAPACITY>,
    overflow: heapless::Deque<Event, 8>,
    tx: Tx<B, CHUNKS>,
    rx: Reassembly<B, CHUNKS>,
    tsns: TsnTracker,
    streams: Streams<CHANNELS>,
    ctl: Control,
    reconf: reconfig::Reconf,
    reply: Option<Reply>,
    stats: Stats,
}

impl<E, B, const CH: usize, const N: usize> fmt::Debug for Association<E, B, CH, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Association")
            .field("state", &self.state)
            .field("local_tag", &self.local_tag)
            .field("peer_tag", &self.peer_tag)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    /// A listening association (it answers INITs; [`connect`](Self::connect) makes it
    /// initiate). `send_buf` holds queued and unacknowledged outgoing messages, `recv_buf`
    /// fragments and messages not yet read.
    pub fn new(cfg: Config, mut entropy: E, send_buf: B, recv_buf: B) -> Self {
        let mut cookie_key = [0u8; 32];
        entropy.fill(&mut cookie_key);
        let rto = cc::Rto::new(cfg.rto_initial, cfg.rto_min, cfg.rto_max);
        Association {
            cfg,
            entropy,
            state: State::Closed,
            path: None,
            local_tag: 0,
            peer_tag: 0,
            local_tsn: 0,
            peer_tsn: 0,
            cookie_key,
            caps: Caps::default(),
            timers: Timers::new(),
            t1_rto: cfg.rto_initial,
            t1_count: 0,
            t2_count: 0,
            errors: 0,
            hb_out: None,
            events: EventQueue::new(),
            overflow: heapless::Deque::new(),
            tx: Tx::new(send_buf, 0, cfg.mtu, rto),
            rx: Reassembly::new(recv_buf),
            tsns: TsnTracker::new(0),
            streams: Streams::new(),
            ctl: Control::new(),
            reconf: reconfig::Reconf::default(),
            reply: None,
            stats: Stats::default(),
        }
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Whether I-DATA (RFC 8260) is in use.
    pub fn uses_idata(&self) -> bool {
        self.caps.idata
    }

    /// Whether we send zero checksums (the peer accepts them, RFC 9653).
    pub fn sends_zero_checksum(&self) -> bool {
        self.caps.zero_checksum
    }

    /// Our verification tag and the peer's (0 before the handshake set them).
    pub fn verification_tags(&self) -> (u32, u32) {
        (self.local_tag, self.peer_tag)
    }

    /// Smoothed round-trip time, once measured.
    pub fn srtt(&self) -> Option<core::time::Duration> {
        self.tx.rto.srtt()
    }

    /// Whether data can flow (established, or shutting down with data still to deliver).
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }

    fn emit(&mut self, ev: Event) {
        if ev.critical() {
            if let Err(ev) = self.events.push_critical(ev) {
                let _ = self.overflow.push_back(ev);
            }
        } else {
            self.events.push(ev);
        }
    }

    fn random_tag(&mut self) -> u32 {
        loop {
            let t = self.entropy.next_u32();
            if t != 0 {
                return t;
            }
        }
    }

    /// Start the association (send INIT) on `path`. Does nothing unless closed.
    pub fn connect(&mut self, now: Instant, path: Path) {
        if self.state != State::Closed {
            return;
        }
        self.path = Some(path);
        self.rx.clear_partial();
        self.local_tag = self.random_tag();
        self.local_tsn = self.entropy.next_u32();
        self.state = State::CookieWait;
        self.ctl.init = true;
        self.t1_count = 0;
        self.t1_rto = self.cfg.rto_initial;
        self.timers.set(Timer::T1, now + self.t1_rto);
    }

    /// Open a data channel. With `negotiated_id` no DCEP message is exchanged (both sides
    /// open it themselves); otherwise a stream id of our parity is chosen and
    /// DATA_CHANNEL_OPEN is sent.
    pub fn open_channel(
        &mut self,
        now: Instant,
        c: ChannelConfig<'_>,
    ) -> Result<ChannelId, SendError> {
        if c.label.len() > config::MAX_LABEL || c.protocol.len() > config::MAX_PROTOCOL {
            return Err(SendError::InvalidConfig);
        }
        if let Some(id) = c.negotiated_id {
            let s = self
                .streams
                .create(id, ChanState::Open)
                .ok_or(SendError::NoChannelSlot)?;
            s.configure(&c);
            self.emit(Event::ChannelOpen(ChannelId(id)));
            return Ok(ChannelId(id));
        }
        if self.state != State::Established {
            return Err(SendError::NotConnected);
        }
        let id = self
            .streams
            .free_id(self.cfg.role)
            .ok_or(SendError::NoChannelSlot)?;
        let open = crate::dcep::Dcep::Open(crate::dcep::Open {
            ordered: c.ordered,
            reliability: c.reliability,
            priority: c.priority,
            label: c.label,
            protocol: c.protocol,
        });
        let mut buf = [0u8; 12 + config::MAX_LABEL + config::MAX_PROTOCOL];
        let n = open.emit(&mut buf).map_err(|_| SendError::InvalidConfig)?;
        if !self.tx.can_queue(n) {
            return Err(SendError::BufferFull);
        }
        let s = self
            .streams
            .create(id, ChanState::Opening)
            .ok_or(SendError::NoChannelSlot)?;
        s.configure(&c);
        let payload = buf.get(..n).unwrap_or(&[]);
        self.tx
            .enqueue(id, ppid::DCEP, payload, false, Reliability::Reliable, now);
        Ok(ChannelId(id))
    }

    /// Queue a message on a channel. An empty message is sent as RFC 8831 says (one zero
    /// byte with the "empty" PPID).
    pub fn send(
        &mut self,
        now: Instant,
        ch: ChannelId,
        kind: MessageKind,
        data: &[u8],
    ) -> Result<(), SendError> {
        if self.state != State::Established {
            return Err(SendError::NotConnected);
        }
        let s = self
            .streams
            .get(ch.0)
            .filter(|s| s.is_channel())
            .ok_or(SendError::UnknownChannel)?;
        if data.len() > self.cfg.peer_max_message_size || data.len() > self.tx.capacity() {
            return Err(SendError::TooLarge);
        }
        let (ppid, payload): (u32, &[u8]) = match (kind, data.is_empty()) {
            (MessageKind::String, false) => (ppid::STRING, data),
            (MessageKind::Binary, false) => (ppid::BINARY, data),
            (MessageKind::String, true) => (ppid::STRING_EMPTY, &[0]),
            (MessageKind::Binary, true) => (ppid::BINARY_EMPTY, &[0]),
        };
        // RFC 8832 §6: ordered until the peer acknowledged the channel.
        let unordered = !s.ordered && s.state == ChanState::Open;
        let rel = s.reliability;
        let rel = if self.caps.forward_tsn {
            rel
        } else {
            Reliability::Reliable
        };
        if !self.tx.enqueue(ch.0, ppid, payload, unordered, rel, now) {
            return Err(SendError::BufferFull);
        }
        if let Some(s) = self.streams.get_mut(ch.0) {
            s.buffered += payload.len() as u32;
        }
        Ok(())
    }

    /// Close a channel: its outgoing stream is reset once its queued data is sent, the peer
    /// resets its own, and [`Event::ChannelClosed`] follows (RFC 8831 §6.7).
    pub fn close_channel(&mut self, now: Instant, ch: ChannelId) {
        let reconfig = self.caps.reconfig;
        let Some(s) = self.streams.get_mut(ch.0) else {
            return;
        };
        if s.state == ChanState::Closing {
            return;
        }
        s.state = ChanState::Closing;
        if !reconfig || self.state != State::Established {
            self.streams.remove(ch.0);
            self.emit(Event::ChannelClosed(ch));
            return;
        }
        s.reset_out = ResetOut::Wanted;
        self.reconfig_poll(now);
    }

    /// Bytes queued on a channel and not yet sent.
    pub fn buffered_amount(&self, ch: ChannelId) -> usize {
        self.streams.get(ch.0).map_or(0, |s| s.buffered as usize)
    }

    /// Set the low-water mark for [`Event::BufferedAmountLow`].
    pub fn set_buffered_amount_low_threshold(&mut self, ch: ChannelId, bytes: usize) {
        if let Some(s) = self.streams.get_mut(ch.0) {
            s.low_threshold = u32::try_from(bytes).unwrap_or(u32::MAX);
        }
    }

    /// Bytes held in the send buffer (queued or not yet acknowledged), all channels.
    pub fn queued_bytes(&self) -> usize {
        self.tx.queued_bytes()
    }

    /// Payload capacity of the receive buffer (bounds the largest message).
    pub fn receive_capacity(&self) -> usize {
        self.rx.capacity()
    }

    /// Bytes of complete messages waiting for [`poll_message`](Self::poll_message).
    pub fn readable_bytes(&self) -> usize {
        self.rx.ready_bytes()
    }

    /// Whether a message of `len` bytes can be queued now.
    pub fn can_send(&self, len: usize) -> bool {
        self.tx.can_queue(len.max(1))
    }

    /// Label of a channel.
    pub fn channel_label(&self, ch: ChannelId) -> Option<&str> {
        self.streams
            .get(ch.0)
            .filter(|s| s.is_channel())
            .map(|s| s.label.as_str())
    }

    /// Sub-protocol of a channel.
    pub fn channel_protocol(&self, ch: ChannelId) -> Option<&str> {
        self.streams
            .get(ch.0)
            .filter(|s| s.is_channel())
            .map(|s| s.protocol.as_str())
    }

    /// Ordering and reliability of a channel.
    pub fn channel_policy(&self, ch: ChannelId) -> Option<(bool, Reliability, u16)> {
        self.streams
            .get(ch.0)
            .filter(|s| s.is_channel())
            .map(|s| (s.ordered, s.reliability, s.priority))
    }

    /// Length and channel of the next message, without taking it.
    pub fn peek_message(&self) -> Option<Received> {
        let (_, m) = self.rx.peek_ready()?;
        Some(received(&m))
    }

    /// Take the next message into `out[..len]`. `Err` leaves it queued.
    pub fn poll_message(&mut self, out: &mut [u8]) -> Result<Option<Received>, BufferTooSmall> {
        let Some((idx, m)) = self.rx.peek_ready() else {
            return Ok(None);
        };
        let r = received(&m);
        let len = m.bytes as usize;
        if r.len > 0 {
            let dst = out.get_mut(..len).ok_or(BufferTooSmall { needed: len })?;
            self.rx.read(idx, dst);
        }
        self.rx.pop_ready();
        // Tell the peer when the window reopens substantially.
        let win = self.rx.window();
        if self.ctl.last_rwnd < win / 2 && win >= 4 * self.cfg.mtu as u32 && self.is_established() {
            self.ctl.sack = SackDue::Now;
        }
        Ok(Some(r))
    }

    /// Start a graceful shutdown: queued data is delivered first.
    pub fn shutdown(&mut self, now: Instant) {
        if self.state == State::Established {
            self.state = State::ShutdownPending;
            self.shutdown_poll(now);
        } else if matches!(self.state, State::CookieWait | State::CookieEchoed) {
            self.close(LostReason::Aborted);
        }
    }

    /// Abort at once (ABORT with a User-Initiated Abort cause).
    pub fn abort(&mut self, _now: Instant) {
        if self.state == State::Closed {
            return;
        }
        self.ctl.abort = Some(crate::wire::param::cause::USER_ABORT);
        self.lose(LostReason::Aborted);
    }

    /// The association ended: close every channel, stop every timer. An ABORT queued in
    /// `ctl.abort` is still sent.
    fn lose(&mut self, reason: LostReason) {
        let ids: heapless::Vec<u16, CH> = self
            .streams
            .iter()
            .filter(|s| s.state != ChanState::Bare)
            .map(|s| s.id)
            .collect();
        for id in ids {
            self.emit(Event::ChannelClosed(ChannelId(id)));
        }
        self.streams.clear();
        for t in <Timer as sansio::TimerKey>::ALL {
            self.timers.clear(*t);
        }
        self.state = State::Closed;
        self.emit(Event::AssociationLost { reason });
    }

    /// Close without sending anything more.
    fn close(&mut self, reason: LostReason) {
        self.ctl = Control::new();
        self.lose(reason);
    }
}

/// Without an allocator: 4 channels, 64 chunks, 20 KiB send and receive buffers (messages up
/// to 16 KiB). See the crate README for its size.
pub type SmallAssociation<E> = Association<E, [u8; 20 * 1024], 4, 64>;

/// With an allocator: buffers sized at run time (see [`Association::with_capacity`]), 256
/// channels, 2048 chunks.
#[cfg(feature = "alloc")]
pub type HeapAssociation<E> = Association<E, alloc::boxed::Box<[u8]>, 256, 2048>;

#[cfg(feature = "alloc")]
impl<E: Entropy, const CH: usize, const N: usize> Association<E, alloc::boxed::Box<[u8]>, CH, N> {
    /// An association with heap buffers of `send` and `recv` bytes (`recv` bounds the
    /// largest message; 1 MiB each suits 256 KiB messages at full speed).
    pub fn with_capacity(
        cfg: Config,
        entropy: E,
        send: usize,
        recv: usize,
    ) -> alloc::boxed::Box<Self> {
        let s = alloc::vec![0u8; send].into_boxed_slice();
        let r = alloc::vec![0u8; recv].into_boxed_slice();
        alloc::boxed::Box::new(Self::new(cfg, entropy, s, r))
    }
}

fn received(m: &reasm::Msg) -> Received {
    let (kind, len) = match m.ppid {
        ppid::STRING | ppid::STRING_PARTIAL => (MessageKind::String, m.bytes as usize),
        ppid::STRING_EMPTY => (MessageKind::String, 0),
        ppid::BINARY_EMPTY => (MessageKind::Binary, 0),
        _ => (MessageKind::Binary, m.bytes as usize),
    };
    Received {
        channel: ChannelId(m.stream),
        kind,
        len,
    }
}

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize> SansIo
    for Association<E, B, CH, N>
{
    type Event = Event;
    type Data<'a> = NoData;

    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<NoData>, Rejected> {
        let r = self.on_packet(now, path, data);
        match r {
            Ok(()) => self.stats.packets_received += 1,
            Err(_) => self.stats.packets_dropped += 1,
        }
        self.after_input(now);
        r.map(|()| None)
    }

    fn handle_timeout(&mut self, now: Instant) {
        while let Some(t) = self.timers.poll_expired(now) {
            self.on_timer(now, t);
        }
        self.after_input(now);
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let t = self.transmit(now, out)?;
        self.stats.packets_sent += 1;
        Some(t)
    }

    fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            // Buffered amounts fall as poll_transmit sends: report them here too.
            self.collect_low_water();
        }
        if let Some(e) = self.events.pop() {
            return Some(e);
        }
        self.overflow.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }
}
