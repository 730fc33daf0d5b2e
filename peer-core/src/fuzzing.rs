//! Fuzz bodies, compiled in normal builds so the tests run them (`tests/bad_input.rs`) and
//! shared with the cargo-fuzz target `peer_demux` in `fuzz/`. Arbitrary bytes must never
//! panic, never loop, never grow what the connection holds.
#![allow(clippy::indexing_slicing, clippy::panic, clippy::expect_used)] // fuzz bodies: asserts are the point

use crate::data::ChannelConfig;
use crate::{MediaConfig, MessageKind, PeerConfig, PeerConnection, PeerState, TrackId};
use alloc::boxed::Box;
use alloc::vec;
use core::time::Duration;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Dtls, Endpoint};
use sansio::{DtlsRole, Instant, Path, SansIo, SeededEntropy};
use sdp_core::negotiate::CodecCap;
use srtp_core::{Config as SrtpConfig, DtlsSrtpKeys, SrtpSession};

/// The connection the fuzzer drives.
pub type Fuzzed = PeerConnection<SeededEntropy, Endpoint<SeededEntropy>, Box<[u8]>, 4, 128>;

static VIDEO: [CodecCap<'static>; 2] = [
    CodecCap::vp8(96, Some(97)),
    CodecCap::h264(
        102,
        sdp_core::fmtp::H264Params::constrained_baseline(31),
        None,
    ),
];
static AUDIO: [CodecCap<'static>; 2] = [CodecCap::opus(111), CodecCap::pcmu()];

fn peer(seed: u64) -> Fuzzed {
    static CERTS: std::sync::OnceLock<[Certificate; 2]> = std::sync::OnceLock::new();
    let certs = CERTS.get_or_init(|| {
        let gen = |s| {
            Certificate::generate(
                &RustCrypto,
                &mut SeededEntropy::new(s),
                &CertParams::default(),
            )
            .expect("a certificate")
        };
        [gen(1), gen(2)]
    });
    let cert = certs[(seed & 1) as usize].clone();
    let dtls = Endpoint::new(
        DtlsRole::Client,
        DtlsConfig::default(),
        cert,
        SeededEntropy::new(seed + 100),
    );
    let config = PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..PeerConfig::default()
    };
    let buf = || vec![0u8; 32 * 1024].into_boxed_slice();
    PeerConnection::new(config, SeededEntropy::new(seed + 200), dtls, buf(), buf())
}

/// Two peers connected in memory (ICE, DTLS, SRTP, SCTP, one data channel open), and the
/// path datagrams from `a` arrive on at `b`.
#[derive(Debug)]
pub struct Connected {
    /// The offerer, whose identity the fuzzer's datagrams borrow.
    pub a: Fuzzed,
    /// The peer under test.
    pub b: Fuzzed,
    /// Datagrams from `a` arrive at `b` on this path.
    pub path: Path,
    /// Virtual time.
    pub now: Instant,
}

impl Connected {
    /// Offer, answer, and run until both are connected and a channel is open.
    pub fn new() -> Self {
        let mut a = peer(1);
        let mut b = peer(2);
        let now = Instant::ZERO;
        let la = core::net::SocketAddr::from(([10, 0, 0, 1], 5000));
        let lb = core::net::SocketAddr::from(([10, 0, 0, 2], 6000));
        a.add_host(now, la).expect("host");
        a.hosts_done(now);
        b.add_host(now, lb).expect("host");
        b.hosts_done(now);
        let mut sdp = vec![0u8; 8192];
        let n = a.create_offer(now, &mut sdp).expect("offer");
        let offer = alloc::string::String::from_utf8(sdp[..n].to_vec()).expect("utf-8");
        let n = b.accept_offer(now, &offer, &mut sdp).expect("answer");
        let answer = core::str::from_utf8(&sdp[..n]).expect("utf-8");
        a.accept_answer(now, answer).expect("accepted");
        let mut c = Connected {
            a,
            b,
            path: Path::udp(lb, la),
            now,
        };
        c.run(Duration::from_secs(5), |c| {
            c.a.state() == PeerState::Connected && c.b.state() == PeerState::Connected
        });
        let cfg = ChannelConfig {
            label: "fuzz",
            ..Default::default()
        };
        let _ = c.a.open_channel(c.now, cfg);
        c.run(Duration::from_millis(200), |_| false);
        c
    }

    /// Carry datagrams both ways and fire timers until `done` or `limit`; every drain is
    /// bounded (unbounded output is a bug).
    pub fn run(&mut self, limit: Duration, done: impl Fn(&Self) -> bool) {
        let end = self.now + limit;
        let mut out = [0u8; 2048];
        let mut msg = vec![0u8; 64 * 1024];
        while self.now < end && !done(self) {
            for _ in 0..64 {
                let mut moved = 0;
                while let Some(t) = self.a.poll_transmit(self.now, &mut out) {
                    let _ = self.b.handle_datagram(self.now, self.path, &out[..t.len]);
                    moved += 1;
                    assert!(moved < 4096, "unbounded output from a");
                }
                while let Some(t) = self.b.poll_transmit(self.now, &mut out) {
                    let _ = self
                        .a
                        .handle_datagram(self.now, self.path.reversed(), &out[..t.len]);
                    moved += 1;
                    assert!(moved < 8192, "unbounded output from b");
                }
                if moved == 0 {
                    break;
                }
            }
            drain(&mut self.a, &mut msg);
            drain(&mut self.b, &mut msg);
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
}

impl Default for Connected {
    fn default() -> Self {
        Self::new()
    }
}

/// Drain events and messages; both are bounded.
fn drain(p: &mut Fuzzed, msg: &mut [u8]) {
    let mut n = 0;
    while p.poll_event().is_some() {
        n += 1;
        assert!(
            n <= crate::EVENT_CAPACITY,
            "more events than the queue holds"
        );
    }
    let mut m = 0;
    while let Ok(Some(_)) = p.poll_message(msg) {
        m += 1;
        assert!(m < 4096, "unbounded messages");
    }
}

/// The SRTP session `a` sends with, rebuilt from its exported keys (to wrap fuzzed packets so
/// they authenticate and reach routing and RTCP).
fn sender_srtp(a: &Fuzzed) -> Option<SrtpSession<8>> {
    let keys = a.dtls().srtp_keys()?;
    let role = a.session()?.dtls_role;
    let profile = match keys.profile() {
        dtls_core::SrtpProfile::Aes128CmHmacSha1_80 => srtp_core::Profile::Aes128CmHmacSha1_80,
        dtls_core::SrtpProfile::Aes128CmHmacSha1_32 => srtp_core::Profile::Aes128CmHmacSha1_32,
        dtls_core::SrtpProfile::AeadAes128Gcm => srtp_core::Profile::AeadAes128Gcm,
        dtls_core::SrtpProfile::AeadAes256Gcm => srtp_core::Profile::AeadAes256Gcm,
    };
    let keys = DtlsSrtpKeys::from_keying_material(profile, keys.as_bytes(), role).ok()?;
    let config = SrtpConfig {
        accept_unknown_ssrc: true,
        allow_repeat_tx: true,
        ..SrtpConfig::default()
    };
    SrtpSession::new(&keys, config).ok()
}

/// A connected peer fed `data` as records `[mode, len, bytes…]`: mode 0 raw from the peer's
/// address, 1 protected as SRTP by the peer, 2 as SRTCP, 3 raw from an unknown address, 4
/// advance time 0–255 ms, 5 a command (send data, a frame, ask for a keyframe). Between
/// records the two peers talk normally. Must not panic, loop or grow without bound.
pub fn peer_demux(data: &[u8]) {
    let mut c = Connected::new();
    let mut srtp = sender_srtp(&c.a);
    let mut rest = data;
    let mut buf = [0u8; 1600];
    let stranger = Path::udp(
        core::net::SocketAddr::from(([10, 0, 0, 2], 6000)),
        core::net::SocketAddr::from(([10, 0, 0, 9], 9)),
    );
    let mut records = 0;
    while let [mode, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        records += 1;
        if records > 256 {
            break;
        }
        let now = c.now;
        match mode % 6 {
            0 => drop(c.b.handle_datagram(now, c.path, bytes)),
            1 | 2 => {
                let Some(s) = srtp.as_mut() else { continue };
                buf[..n].copy_from_slice(bytes);
                let sealed = if mode % 6 == 1 {
                    s.protect_rtp(&mut buf, n)
                } else {
                    s.protect_rtcp(&mut buf, n)
                };
                if let Ok(m) = sealed {
                    let _ = c.b.handle_datagram(now, c.path, &buf[..m]);
                }
            }
            3 => drop(c.b.handle_datagram(now, stranger, bytes)),
            4 => c.run(
                Duration::from_millis(u64::from(bytes.first().copied().unwrap_or(0))),
                |_| false,
            ),
            _ => command(&mut c, bytes),
        }
        c.run(Duration::from_millis(1), |_| false);
    }
    c.run(Duration::from_secs(2), |_| false);
    // What the connection holds is bounded whatever came in.
    assert!(c.b.resends.len() <= crate::RESEND_QUEUE);
    assert!(c.b.controls.len() <= crate::session::MAX_TRACKS);
}

/// A command of `b`, steered by the fuzzer's bytes.
fn command(c: &mut Connected, bytes: &[u8]) {
    let now = c.now;
    let track = TrackId(usize::from(bytes.first().copied().unwrap_or(0) % 4));
    match bytes.get(1).copied().unwrap_or(0) % 3 {
        0 => {
            let mut out = [0u8; 2048];
            if let Ok(mut fs) = c.b.send_frame(now, track, now.as_micros() as u32, bytes) {
                let mut k = 0;
                while let Ok(Some(_)) = fs.next(&mut out) {
                    k += 1;
                    assert!(k < 256, "a frame never ends");
                }
            }
        }
        1 => drop(c.b.request_keyframe(track)),
        _ => {
            for ch in 0..4u16 {
                let id = crate::ChannelId(ch);
                let _ = c.b.send(now, id, MessageKind::Binary, bytes);
            }
        }
    }
}
