//! The one viewer: a `peer_core` connection in its small configuration, made from a WHEP
//! offer, that streams the simulated sensors once connected — `thermal` (unordered, no
//! retransmission) and `readings` (reliable) data channels the node opens, and PCMU audio.

use crate::sim::{self, Machine, Microphone};
use adapters_smoltcp::smoltcp::iface::SocketSet;
use adapters_smoltcp::smoltcp::socket::udp;
use adapters_smoltcp::smoltcp::time::Instant as SmolInstant;
use adapters_smoltcp::{from_smoltcp, UdpDriver};
use cortex_m_semihosting::hprintln;
use dtls_core::cert::Certificate;
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::data::{ChannelConfig, Reliability};
use peer_core::{
    ChannelId, MediaConfig, MessageKind, PeerConfig, PeerConnection, PeerEvent, PeerState, TrackId,
};
use sansio::{DtlsRole, Entropy, Instant, SeededEntropy};
use sdp_core::negotiate::CodecCap;
use sdp_core::Direction;

/// SCTP send and receive buffer, each (bounds the largest message: a thermal frame is 1548 B).
pub const SCTP_BUFFER: usize = 8 * 1024;
/// The connection: 3 data channels (the viewer's own `viewer` channel, `thermal`,
/// `readings`), 16 SCTP chunks in flight, inline buffers.
pub type Peer =
    PeerConnection<SeededEntropy, Endpoint<SeededEntropy, RustCrypto>, [u8; SCTP_BUFFER], 3, 16>;

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

/// Thermal frames every this many 20 ms ticks (4 per second), readings every 25 (2 per second).
const THERMAL_EVERY: u32 = 12;
const READINGS_EVERY: u32 = 25;

/// What the node holds for its viewer.
pub struct Viewer {
    pub peer: Option<Peer>,
    certificate: Certificate,
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
    /// No viewer yet; every connection uses `certificate`.
    pub fn new(certificate: Certificate, entropy: SeededEntropy) -> Self {
        Viewer {
            peer: None,
            certificate,
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
        }
    }

    /// Whether a viewer is being served (a new one gets 503 meanwhile).
    pub fn busy(&self) -> bool {
        self.peer
            .as_ref()
            .is_some_and(|p| !matches!(p.state(), PeerState::Failed(_) | PeerState::Closed))
    }

    /// Answer a WHEP offer: the SDP answer's length in `out`, or why not.
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
        self.peer = None;
        self.sessions += 1;
        let seed = self.entropy.next_u64();
        let dtls = Endpoint::new(
            DtlsRole::Server,
            DtlsConfig::default(),
            self.certificate.clone(),
            SeededEntropy::new(seed),
        );
        let config = PeerConfig {
            audio: Some(MediaConfig::send_recv(&AUDIO).with_direction(Direction::SendOnly)),
            max_message_size: SCTP_BUFFER,
            cname: "sensor-node",
            ..PeerConfig::default()
        };
        let peer = self.peer.insert(PeerConnection::new(
            config,
            SeededEntropy::new(seed ^ 0x5eed),
            dtls,
            [0; SCTP_BUFFER],
            [0; SCTP_BUFFER],
        ));
        peer.add_host(now, local).map_err(|_| "host candidate")?;
        peer.hosts_done(now);
        let n = peer.accept_offer(now, sdp, out).map_err(|e| {
            hprintln!("ERROR whep: offer refused: {:?}", e);
            "offer"
        })?;
        self.thermal = None;
        self.readings = None;
        self.audio = None;
        self.next_tick = now;
        Ok(n)
    }

    /// Close the viewer's connection (WHEP DELETE).
    pub fn close(&mut self) {
        if self.peer.take().is_some() {
            hprintln!("viewer: closed by the viewer");
        }
    }

    /// One turn: the media socket, the connection's events, the 20 ms sensor tick.
    pub fn poll(
        &mut self,
        now: SmolInstant,
        sockets: &mut SocketSet<'_>,
        driver: &mut UdpDriver,
        scratch: &mut [u8],
    ) -> Option<Instant> {
        let Some(peer) = self.peer.as_mut() else {
            // Nobody to hand datagrams to: drop them.
            let s = sockets.get_mut::<udp::Socket<'_>>(driver.handle());
            while s.recv().is_ok() {}
            return None;
        };
        let mut events: heapless::Vec<PeerEvent, 16> = heapless::Vec::new();
        let next = driver.poll(
            now,
            sockets,
            peer,
            scratch,
            |_| {},
            |e| {
                let _ = events.push(e);
            },
        );
        for e in events {
            self.on_event(from_smoltcp(now), e);
        }
        let t = from_smoltcp(now);
        if t >= self.next_tick && self.peer.is_some() {
            self.next_tick = t + core::time::Duration::from_millis(20);
            self.tick(t, sockets, driver, scratch);
        }
        let tick = self.peer.is_some().then_some(self.next_tick);
        match (next, tick) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_event(&mut self, now: Instant, e: PeerEvent) {
        let Some(peer) = self.peer.as_mut() else {
            return;
        };
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
                    hprintln!("ERROR viewer: cannot open a data channel: {:?}", e);
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
                    "viewer: connected (DTLS up, SRTP keyed), audio track {:?}",
                    self.audio
                );
            }
            PeerEvent::StateChanged(s @ (PeerState::Failed(_) | PeerState::Closed)) => {
                hprintln!("viewer: connection ended: {:?}", s);
            }
            PeerEvent::SelectedPair(p) => hprintln!("viewer: selected pair {:?}", p),
            _ => {}
        }
    }

    fn tick(
        &mut self,
        now: Instant,
        sockets: &mut SocketSet<'_>,
        driver: &mut UdpDriver,
        scratch: &mut [u8],
    ) {
        let Some(peer) = self.peer.as_mut() else {
            return;
        };
        if peer.state() != PeerState::Connected {
            return;
        }
        self.ticks = self.ticks.wrapping_add(1);
        let machine = Machine::at(now.as_millis() as f32 / 1000.0);
        if let Some(track) = self.audio {
            let mut pcm = [0u8; sim::SAMPLES_PER_PACKET];
            self.mic.next_packet(&machine, &mut pcm);
            let ts = self.ticks.wrapping_mul(sim::SAMPLES_PER_PACKET as u32);
            if let Ok(mut fs) = peer.send_frame(now, track, ts, &pcm) {
                while let Ok(Some(t)) = fs.next(scratch) {
                    driver.send(sockets, t, scratch);
                }
            }
        }
        if let Some(ch) = self.thermal.filter(|_| self.ticks.is_multiple_of(THERMAL_EVERY)) {
            self.frames = self.frames.wrapping_add(1);
            let mut frame = [0u8; sim::FRAME];
            machine.thermal_frame(self.frames, &mut frame);
            if let Err(e) = peer.send(now, ch, MessageKind::Binary, &frame) {
                self.send_errors += 1;
                if self.send_errors.is_power_of_two() {
                    hprintln!(
                        "viewer: thermal frame not sent ({} times): {:?}",
                        self.send_errors,
                        e
                    );
                }
            }
        }
        if let Some(ch) = self.readings.filter(|_| self.ticks.is_multiple_of(READINGS_EVERY)) {
            let mut json = heapless::String::new();
            machine.reading_json(now.as_millis(), &mut json);
            if let Err(e) = peer.send(now, ch, MessageKind::String, json.as_bytes()) {
                self.send_errors += 1;
                if self.send_errors.is_power_of_two() {
                    hprintln!(
                        "viewer: readings not sent ({} times): {:?}",
                        self.send_errors,
                        e
                    );
                }
            }
        }
    }
}
