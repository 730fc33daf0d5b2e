//! The one viewer: a `peer_core` connection in its small configuration, made from a WHEP
//! offer, that streams the simulated sensors once connected — `thermal` (unordered, no
//! retransmission) and `readings` (reliable) data channels the node opens, and PCMU audio.

use crate::p256m4::P256M4;
use adapters_smoltcp::smoltcp::iface::SocketSet;
use adapters_smoltcp::smoltcp::socket::udp;
use adapters_smoltcp::smoltcp::time::Instant as SmolInstant;
use adapters_smoltcp::{from_smoltcp, UdpDriver};
use core::mem::MaybeUninit;
use cortex_m_semihosting::hprintln;
use dtls_core::cert::Certificate;
use dtls_core::{Config as DtlsConfig, Endpoint};
use machine_sim::{self as sim, Machine, Microphone};
use peer_core::data::{ChannelConfig, Reliability};
use peer_core::{
    ChannelId, MediaConfig, MessageKind, PeerConfig, PeerConnection, PeerEvent, PeerState, TrackId,
};
use sansio::{DtlsRole, Entropy, Instant, SansIo, SeededEntropy};
use sdp_core::negotiate::CodecCap;
use sdp_core::Direction;

/// The loop's scratch buffer: a datagram going out (1500 bytes at most), and, while the
/// viewer's turn makes its sensor messages, a thermal frame ([`sim::FRAME`] bytes: built
/// there rather than in a frame of the stack that the connection's sending sits on).
pub const SCRATCH: usize = if sim::FRAME > 1500 { sim::FRAME } else { 1500 };

/// The SCTP send buffer: a few thermal frames (1548 B each) and readings in flight.
pub const SCTP_SEND: usize = 4 * 1024;
/// The SCTP receive buffer: the least an SCTP receiver may offer (an initial a_rwnd of at
/// least 1500 bytes, RFC 4960 §6), and the largest message the node accepts (its
/// `a=max-message-size`: the viewer sends only channel set-up). What the node sends is bounded
/// by the viewer's `a=max-message-size` and by [`SCTP_SEND`].
pub const SCTP_RECV: usize = 1536;
/// ICE sizes: one host candidate here and a few of the viewer's (host, peer-reflexive or
/// relayed), 4 of each kept; 8 pairs, 4 checks in flight; no TURN allocation of our own and
/// no STUN server to ask (the viewer's checks show what a NAT maps).
const ICE_CANDIDATES: usize = 4;
const ICE_PAIRS: usize = 8;
const ICE_CHECKS: usize = 4;
/// Events held for the loop (it drains them every turn, after at most 64 datagrams). What
/// the node acts on is never dropped (state changes, data channels ready and open: at most
/// five in a turn); a full queue drops the newest notices (here only a selected-pair log line).
const EVENTS: usize = 8;
/// SSRCs each SRTP direction keeps replay state for: our audio's going out, the viewer's
/// receiver reports coming in.
const SRTP_SSRCS: usize = 2;

/// The connection: 3 data channels (the viewer's own `viewer` channel, `thermal`,
/// `readings`), 8 SCTP chunks in flight (a thermal frame is two), its SCTP buffers in a
/// static, the ICE sizes above, no room for an offer of its own (the node only answers),
/// RTCP for one track (its audio), no STUN-server gathering, SRTP state for 2 SSRCs.
pub type Peer = PeerConnection<
    SeededEntropy,
    &'static mut Dtls,
    SctpBuffer,
    3,
    8,
    ICE_CANDIDATES,
    ICE_PAIRS,
    ICE_CHECKS,
    0,
    EVENTS,
    0,
    1,
    0,
    SRTP_SSRCS,
>;
/// The DTLS endpoint, in a static of its own that the connection holds a `&'static mut` to
/// (made once at boot, started over in place for each viewer: never built on the stack again).
/// The node is always the DTLS client (it answers `a=setup:active`), so its endpoint works
/// in 2 KiB — the connected phase's receive buffer, which a server's flight with a
/// self-signed certificate (about 1 KB) fits in — instead of the default 4 KiB a server
/// needs for a browser's largest ClientHello.
pub type Dtls = Endpoint<SeededEntropy, P256M4, { dtls_core::RX_LEN }>;
/// Its ICE agent.
pub type Ice = peer_core::Ice<SeededEntropy, ICE_CANDIDATES, ICE_PAIRS, ICE_CHECKS, 0, 0>;

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

/// Thermal frames every this many 20 ms ticks (4 per second), readings every 25 (2 per second).
const THERMAL_EVERY: u32 = 12;
const READINGS_EVERY: u32 = 25;

/// The SCTP send and receive buffers, in `.bss`: the connection holds [`SctpBuffer`] handles,
/// not the bytes (a `[u8; N]` buffer would be held twice in the connection — once waiting
/// for the association, once inside it — and be moved around by value).
static mut SCTP_SEND_BUFFER: [u8; SCTP_SEND] = [0; SCTP_SEND];
static mut SCTP_RECV_BUFFER: [u8; SCTP_RECV] = [0; SCTP_RECV];

/// One of the two SCTP buffers. Only [`sctp_buffers`] makes them, each time a connection is
/// made or reset, and the connection drops the previous pair then: at most one handle per
/// buffer is ever in use, so the references below never alias.
#[derive(Debug)]
pub struct SctpBuffer(usize);

impl AsRef<[u8]> for SctpBuffer {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see the type: this handle is the buffer's only user.
        unsafe {
            match self.0 {
                0 => &*core::ptr::addr_of!(SCTP_SEND_BUFFER),
                _ => &*core::ptr::addr_of!(SCTP_RECV_BUFFER),
            }
        }
    }
}

impl AsMut<[u8]> for SctpBuffer {
    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: see the type: this handle is the buffer's only user.
        unsafe {
            match self.0 {
                0 => &mut *core::ptr::addr_of_mut!(SCTP_SEND_BUFFER),
                _ => &mut *core::ptr::addr_of_mut!(SCTP_RECV_BUFFER),
            }
        }
    }
}

/// The send and receive buffer handles for a new (or reset) connection.
/// An address on the node's IPv4-only network (smoltcp without `proto-ipv6`, ice-core
/// without `ipv6`, so no IPv6 pair can be selected), as text: `SocketAddr`'s own formatter
/// would bring in `core::net`'s IPv6 one (1.8 KB of flash).
struct Ipv4Only(core::net::SocketAddr);

impl core::fmt::Display for Ipv4Only {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            core::net::SocketAddr::V4(a) => write!(f, "{a}"),
            core::net::SocketAddr::V6(_) => f.write_str("(IPv6)"),
        }
    }
}

fn sctp_buffers() -> (SctpBuffer, SctpBuffer) {
    (SctpBuffer(0), SctpBuffer(1))
}

/// The configuration of a fresh connection: PCMU send-only, data channels.
fn config() -> PeerConfig {
    PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO).with_direction(Direction::SendOnly)),
        max_message_size: SCTP_RECV,
        cname: "sensor-node",
        ..PeerConfig::default()
    }
}

/// The entropy of a connection made from `seed`, and that of its DTLS endpoint.
fn entropies(seed: u64) -> (SeededEntropy, SeededEntropy) {
    (SeededEntropy::new(seed ^ 0x5eed), SeededEntropy::new(seed))
}

/// The DTLS endpoint, made once at boot into its static `slot` (with `certificate`; made a
/// server, its role is then what the answer's `a=setup` says), and the seed the connection is made from (drawn from `entropy`; the
/// endpoint's entropy comes from it too).
#[inline(never)]
pub fn init_dtls(
    slot: &'static mut MaybeUninit<Dtls>,
    certificate: &Certificate,
    entropy: &mut SeededEntropy,
) -> (&'static mut Dtls, u64) {
    let seed = entropy.next_u64();
    let entropy = entropies(seed).1;
    let config = DtlsConfig::default();
    let dtls = slot.write(Endpoint::with_crypto_sized(
        DtlsRole::Server,
        config,
        certificate.clone(),
        entropy,
        P256M4,
    ));
    (dtls, seed)
}

/// The connection itself, its configuration made here.
#[inline(never)]
fn new_peer(
    slot: &'static mut MaybeUninit<Peer>,
    seed: u64,
    dtls: &'static mut Dtls,
) -> &'static mut Peer {
    let (send, recv) = sctp_buffers();
    slot.write(PeerConnection::new(
        config(),
        entropies(seed).0,
        dtls,
        send,
        recv,
    ))
}

/// Start the connection over in place for the next viewer, its DTLS endpoint too (not
/// inlined, so its temporaries live only here).
#[inline(never)]
fn renew(peer: &mut Peer, entropy: &mut SeededEntropy) {
    let (entropy, dtls_entropy) = entropies(entropy.next_u64());
    let (send, recv) = sctp_buffers();
    peer.reset_with(config(), entropy, send, recv, |dtls| {
        let config = DtlsConfig::default();
        dtls.restart(DtlsRole::Server, config, dtls_entropy); // with its certificate
    });
}

// The steps of answering an offer each in a function of its own (not inlined), so that their
// stack frames follow one another instead of adding up in `Viewer::offer`.

/// Our one host candidate, and no others.
#[inline(never)]
fn add_host(
    peer: &mut Peer,
    now: Instant,
    local: core::net::SocketAddr,
) -> Result<(), &'static str> {
    peer.add_host(now, local).map_err(|_| "host candidate")?;
    peer.hosts_done(now);
    Ok(())
}

/// Offers the node answers: at most 3 sections (audio, video, data; a viewer's is audio and
/// data), 64 attributes in all, 24 formats a section (Chromium's audio and data offer has
/// about 40 and 12, in 1.4 KB). Each attribute more is a few dozen bytes of stack.
const OFFER_SECTIONS: usize = 3;
const OFFER_ATTRIBUTES: usize = 64;
const OFFER_FORMATS: usize = 24;
/// Attributes of the node's answer: bounded by what it writes — PCMU, its header
/// extensions, one candidate, its data channel — about 30, whatever the offer carries.
const ANSWER_ATTRIBUTES: usize = 40;
/// Codecs a negotiated section holds: the answer's, so only ours — PCMU (each slot is 64
/// bytes of stack, times the sections).
const NEGOTIATED_CODECS: usize = 1;

/// The SDP answer to `sdp`, into `out`.
#[inline(never)]
fn answer(peer: &mut Peer, now: Instant, sdp: &str, out: &mut [u8]) -> Result<usize, &'static str> {
    let sized = Peer::accept_offer_sized::<
        OFFER_SECTIONS,
        OFFER_ATTRIBUTES,
        OFFER_FORMATS,
        ANSWER_ATTRIBUTES,
        NEGOTIATED_CODECS,
    >;
    sized(peer, now, sdp, out).map_err(|e| {
        hprintln!("whep: the offer does not negotiate: {}", e);
        "offer"
    })
}

/// What the node holds for its viewer.
pub struct Viewer {
    /// Made once at boot in its static and renewed in place for each viewer (never moved
    /// around on the stack); `active` tells whether a viewer owns it.
    peer: &'static mut Peer,
    active: bool,
    entropy: SeededEntropy,
    thermal: Option<ChannelId>,
    readings: Option<ChannelId>,
    audio: Option<TrackId>,
    mic: Microphone,
    ticks: u32,
    frames: u32,
    next_tick: Instant,
    pub sessions: u32,
    send_errors: u32,
}

impl Viewer {
    /// No viewer yet; its connection is made in `peer` (a static) from `seed`, over `dtls`
    /// (made by [`init_dtls`], with the certificate every connection uses: the viewer holds
    /// no copy). Made in `slot` (a static), once.
    #[inline(never)]
    pub fn init(
        slot: &'static mut MaybeUninit<Viewer>,
        peer: &'static mut MaybeUninit<Peer>,
        dtls: &'static mut Dtls,
        seed: u64,
        entropy: SeededEntropy,
    ) -> &'static mut Viewer {
        let peer = new_peer(peer, seed, dtls);
        slot.write(Viewer {
            peer,
            active: false,
            entropy,
            thermal: None,
            readings: None,
            audio: None,
            mic: Microphone::default(),
            ticks: 0,
            frames: 0,
            next_tick: Instant::ZERO,
            sessions: 0,
            send_errors: 0,
        })
    }

    /// Whether a viewer is being served (a new one gets 503 meanwhile).
    pub fn busy(&self) -> bool {
        self.active && !matches!(self.peer.state(), PeerState::Failed(_) | PeerState::Closed)
    }

    /// Answer a WHEP offer: the SDP answer's length in `out`, or why not.
    #[inline(never)]
    pub fn offer(
        &mut self,
        now: Instant,
        local: core::net::SocketAddr,
        sdp: &str,
        out: &mut [u8],
    ) -> Result<usize, &'static str> {
        if self.busy() {
            return Err("busy");
        }
        if self.sessions > 0 {
            renew(self.peer, &mut self.entropy);
        }
        self.sessions += 1;
        let peer = &mut *self.peer;
        hprintln!(
            "stack: high-water {} bytes after the connection was made",
            crate::stack_high_water().0
        );
        add_host(peer, now, local)?;
        let n = answer(peer, now, sdp, out)?;
        self.active = true;
        hprintln!(
            "stack: high-water {} bytes after the answer",
            crate::stack_high_water().0
        );
        self.thermal = None;
        self.readings = None;
        self.audio = None;
        self.next_tick = now;
        Ok(n)
    }

    /// Close the viewer's connection (WHEP DELETE).
    pub fn close(&mut self) {
        if core::mem::take(&mut self.active) {
            hprintln!("viewer: closed by the viewer");
        }
    }

    /// One turn: the media socket, the connection's events, the 20 ms sensor tick.
    #[inline(never)]
    pub fn poll(
        &mut self,
        now: SmolInstant,
        sockets: &mut SocketSet<'_>,
        driver: &mut UdpDriver,
        scratch: &mut [u8],
    ) -> Option<Instant> {
        if !self.active {
            // Nobody to hand datagrams to: drop them.
            let s = sockets.get_mut::<udp::Socket<'_>>(driver.handle());
            while s.recv().is_ok() {}
            return None;
        }
        driver.poll_io(now, sockets, &mut *self.peer, scratch, |_| {});
        // Read where the connection keeps them (no copy of the queue on the stack).
        while let Some(e) = self.peer.poll_event() {
            self.on_event(from_smoltcp(now), e);
        }
        let next = self.peer.poll_timeout();
        let t = from_smoltcp(now);
        if t >= self.next_tick && self.active {
            self.next_tick = t + core::time::Duration::from_millis(20);
            self.tick(t, sockets, driver, scratch);
        }
        let tick = self.active.then_some(self.next_tick);
        if driver.backlogged() {
            return Some(t); // output waits for room in the socket: turn again at once
        }
        match (next, tick) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    #[inline(never)]
    fn on_event(&mut self, now: Instant, e: PeerEvent) {
        if !self.active {
            return;
        }
        let peer = &mut *self.peer;
        match e {
            PeerEvent::DataChannelsReady => {
                let thermal = ChannelConfig {
                    label: "thermal",
                    ordered: false,
                    reliability: Reliability::MaxRetransmits(0),
                    ..Default::default()
                };
                let readings = ChannelConfig {
                    label: "readings",
                    ..Default::default()
                };
                let (t, r) = (
                    peer.open_channel(now, thermal),
                    peer.open_channel(now, readings),
                );
                if let (Err(e), _) | (_, Err(e)) = (&t, &r) {
                    hprintln!("ERROR viewer: cannot open a data channel: {}", e);
                }
                self.thermal = t.ok();
                self.readings = r.ok();
                hprintln!(
                    "viewer: data channels opened: {}",
                    self.thermal.is_some() && self.readings.is_some()
                );
            }
            PeerEvent::StateChanged(PeerState::Connected) => {
                self.audio = peer
                    .track_by_mid("0")
                    .or_else(|| peer.tracks().iter().position(|t| t.sends()).map(TrackId));
                hprintln!(
                    "viewer: connected (DTLS up, SRTP keyed), audio track {}",
                    self.audio.map_or(-1, |t| t.0 as i32)
                );
            }
            PeerEvent::StateChanged(PeerState::Failed(f)) => {
                hprintln!("viewer: connection ended: failed ({})", f);
            }
            PeerEvent::StateChanged(PeerState::Closed) => {
                hprintln!("viewer: connection ended: closed")
            }
            PeerEvent::SelectedPair(p) => hprintln!(
                "viewer: selected pair {} {} -> {} {}",
                Ipv4Only(p.local),
                p.local_kind.token(),
                Ipv4Only(p.remote),
                p.remote_kind.token()
            ),
            _ => {}
        }
    }

    #[inline(never)]
    fn tick(
        &mut self,
        now: Instant,
        sockets: &mut SocketSet<'_>,
        driver: &mut UdpDriver,
        scratch: &mut [u8],
    ) {
        if !self.active {
            return;
        }
        let peer = &mut *self.peer;
        if peer.state() != PeerState::Connected {
            return;
        }
        self.ticks = self.ticks.wrapping_add(1);
        let machine = Machine::at(now.as_millis() as f32 / 1000.0);
        if let Some(track) = self.audio {
            let mut pcm = [0u8; sim::SAMPLES_PER_PACKET];
            self.mic.next_packet(&machine, &mut pcm);
            let ts = self.ticks.wrapping_mul(sim::SAMPLES_PER_PACKET as u32);
            // 20 ms of PCMU: one packet. A frame left unfinished is the connection's to forget.
            let sent = match peer.send_frame(now, track, ts, &pcm) {
                Ok(mut fs) => match fs.next(scratch) {
                    Ok(Some(t)) => driver.send(sockets, t, scratch),
                    _ => false,
                },
                Err(_) => false,
            };
            if !sent {
                if let Some(n) = failed_send(&mut self.send_errors) {
                    hprintln!("viewer: audio not sent ({} times)", n);
                }
            }
        }
        if let Some(ch) = self
            .thermal
            .filter(|_| self.ticks.is_multiple_of(THERMAL_EVERY))
        {
            self.frames = self.frames.wrapping_add(1);
            let Some(frame) = scratch.first_chunk_mut::<{ sim::FRAME }>() else {
                return;
            };
            machine.thermal_frame(self.frames, frame);
            if let Err(e) = peer.send(now, ch, MessageKind::Binary, &frame[..]) {
                if let Some(n) = failed_send(&mut self.send_errors) {
                    hprintln!("viewer: thermal frame not sent ({} times): {}", n, e);
                }
            }
        }
        if let Some(ch) = self
            .readings
            .filter(|_| self.ticks.is_multiple_of(READINGS_EVERY))
        {
            let mut json: heapless::String<160> = heapless::String::new();
            let _ = machine.write_reading(now.as_millis(), &mut json);
            if let Err(e) = peer.send(now, ch, MessageKind::String, json.as_bytes()) {
                if let Some(n) = failed_send(&mut self.send_errors) {
                    hprintln!("viewer: readings not sent ({} times): {}", n, e);
                }
            }
        }
    }
}

/// Count one more failed send; the count when it is worth a log line (the 1st, 2nd, 4th,
/// 8th… failure: a stalled link does not flood the log).
fn failed_send(count: &mut u32) -> Option<u32> {
    *count = count.saturating_add(1);
    count.is_power_of_two().then_some(*count)
}
