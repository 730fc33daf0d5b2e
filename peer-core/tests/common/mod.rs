//! Two peer connections of this crate in memory, for the integration tests: SDP offer and
//! answer as text, datagrams carried both ways 1 ms apart in virtual time, an optional
//! filter that drops datagrams, and what each side received recorded.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::{Delivered, PeerConfig, PeerConnection, PeerEvent, PeerState, TrackId};
use sansio::{DtlsRole, Instant, SansIo, SeededEntropy};
use std::time::Duration;

pub type Peer = PeerConnection<SeededEntropy, Endpoint<SeededEntropy>, Box<[u8]>, 16, 2048>;

/// An RTP packet one side received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Got {
    pub track: TrackId,
    pub ssrc: u32,
    pub seq: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: Vec<u8>,
    /// The header extension elements (one-byte ids 1–14) and their data.
    pub extensions: Vec<(u8, Vec<u8>)>,
}

/// Decides per datagram whether it is dropped: (from a to b, bytes) -> drop.
pub type Filter = Box<dyn FnMut(bool, &[u8]) -> bool>;

/// RTP `packet` protected with the SRTP keys `keys` give the side whose DTLS role is `role`
/// (a context of its own: an authenticated packet the connection never sent).
pub fn forge_rtp(keys: &dtls_core::SrtpKeys, role: DtlsRole, packet: &[u8]) -> Vec<u8> {
    let profile = match keys.profile() {
        dtls_core::SrtpProfile::Aes128CmHmacSha1_80 => srtp_core::Profile::Aes128CmHmacSha1_80,
        dtls_core::SrtpProfile::Aes128CmHmacSha1_32 => srtp_core::Profile::Aes128CmHmacSha1_32,
        dtls_core::SrtpProfile::AeadAes128Gcm => srtp_core::Profile::AeadAes128Gcm,
        dtls_core::SrtpProfile::AeadAes256Gcm => srtp_core::Profile::AeadAes256Gcm,
    };
    let keys =
        srtp_core::DtlsSrtpKeys::from_keying_material(profile, keys.as_bytes(), role).unwrap();
    let config = srtp_core::Config {
        accept_unknown_ssrc: true,
        ..Default::default()
    };
    let mut s: srtp_core::SrtpSession<8> = srtp_core::SrtpSession::new(&keys, config).unwrap();
    let mut buf = vec![0u8; 1500];
    buf[..packet.len()].copy_from_slice(packet);
    let n = s.protect_rtp(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

/// The certificate of side `seed`.
pub fn cert(seed: u64) -> Certificate {
    Certificate::generate(
        &RustCrypto,
        &mut SeededEntropy::new(seed),
        &CertParams::default(),
    )
    .unwrap()
}

/// The DTLS endpoint of side `seed` (its role comes from SDP later).
pub fn dtls(seed: u64) -> Endpoint<SeededEntropy> {
    Endpoint::new(
        DtlsRole::Client,
        DtlsConfig::default(),
        cert(seed),
        SeededEntropy::new(seed + 100),
    )
}

pub fn peer(seed: u64, config: PeerConfig) -> Peer {
    let buf = || vec![0u8; 256 * 1024].into_boxed_slice();
    PeerConnection::new(
        config,
        SeededEntropy::new(seed + 200),
        dtls(seed),
        buf(),
        buf(),
    )
}

pub struct Pair {
    pub a: Peer,
    pub b: Peer,
    pub now: Instant,
    pub events: (Vec<PeerEvent>, Vec<PeerEvent>),
    pub media: (Vec<Got>, Vec<Got>),
    pub filter: Option<Filter>,
    pub carried: usize,
}

impl Pair {
    /// `a` offers, `b` answers; `tamper` may edit the answer on its way to `a`.
    pub fn new(ca: PeerConfig, cb: PeerConfig, tamper: impl FnOnce(String) -> String) -> Self {
        let mut a = peer(1, ca);
        let mut b = peer(2, cb);
        let now = Instant::ZERO;
        a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
        a.hosts_done(now);
        b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
        b.hosts_done(now);
        let mut buf = vec![0u8; 8192];
        let n = a.create_offer(now, &mut buf).unwrap();
        let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
        let n = b.accept_offer(now, &offer, &mut buf).unwrap();
        let answer = tamper(String::from_utf8(buf[..n].to_vec()).unwrap());
        a.accept_answer(now, &answer).unwrap();
        Pair {
            a,
            b,
            now,
            events: (Vec::new(), Vec::new()),
            media: (Vec::new(), Vec::new()),
            filter: None,
            carried: 0,
        }
    }

    /// Hand `bytes` (sent by `a` when `from_a`) to the other side, unless the filter drops it.
    pub fn deliver(&mut self, from_a: bool, path: sansio::Path, bytes: &[u8]) {
        if let Some(f) = self.filter.as_mut() {
            if f(from_a, bytes) {
                return;
            }
        }
        self.carried += 1;
        let now = self.now;
        let (to, log) = if from_a {
            (&mut self.b, &mut self.media.1)
        } else {
            (&mut self.a, &mut self.media.0)
        };
        if let Ok(Some(Delivered::Rtp { .. })) = to.handle_datagram(now, path.reversed(), bytes) {
            let (track, p) = to.rtp_packet().unwrap();
            log.push(Got {
                track,
                ssrc: p.ssrc(),
                seq: p.sequence_number(),
                timestamp: p.timestamp(),
                marker: p.marker(),
                payload: p.payload().to_vec(),
                extensions: (1..=14)
                    .filter_map(|id| p.extension(id).map(|d| (id, d.to_vec())))
                    .collect(),
            });
        }
    }

    /// Move datagrams both ways and fire timers until `done` or `limit` passes.
    pub fn run(&mut self, limit: Duration, done: impl Fn(&Pair) -> bool) -> bool {
        let end = self.now + limit;
        let mut out = vec![0u8; 2048];
        loop {
            let mut moved = true;
            while moved {
                moved = false;
                while let Some(t) = self.a.poll_transmit(self.now, &mut out) {
                    moved = true;
                    let bytes = out[..t.len].to_vec();
                    self.deliver(true, t.path, &bytes);
                }
                while let Some(t) = self.b.poll_transmit(self.now, &mut out) {
                    moved = true;
                    let bytes = out[..t.len].to_vec();
                    self.deliver(false, t.path, &bytes);
                }
                while let Some(e) = self.a.poll_event() {
                    self.events.0.push(e);
                }
                while let Some(e) = self.b.poll_event() {
                    self.events.1.push(e);
                }
            }
            if done(self) {
                return true;
            }
            if self.now >= end {
                return false;
            }
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(end);
            self.now = next.max(self.now + Duration::from_millis(1)).min(end);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
    }

    /// Let `d` of virtual time pass.
    pub fn wait(&mut self, d: Duration) {
        self.run(d, |_| false);
    }

    pub fn connected(&self) -> bool {
        self.a.state() == PeerState::Connected && self.b.state() == PeerState::Connected
    }

    /// Send one frame from `a` (or `b`) on `track`; its packets go through the filter.
    pub fn send_frame(&mut self, from_a: bool, track: TrackId, ts: u32, frame: &[u8]) -> usize {
        let now = self.now;
        let mut wire = Vec::new();
        {
            let p = if from_a { &mut self.a } else { &mut self.b };
            let mut fs = p.send_frame(now, track, ts, frame).unwrap();
            let mut out = vec![0u8; 2048];
            while let Some(t) = fs.next(&mut out).unwrap() {
                wire.push((t.path, out[..t.len].to_vec()));
            }
        }
        let n = wire.len();
        for (path, bytes) in wire {
            self.deliver(from_a, path, &bytes);
        }
        n
    }
}
