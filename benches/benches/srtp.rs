//! SRTP benchmarks: srtp-core against webrtc-srtp (webrtc-rs) and, with `--features
//! libsrtp`, libsrtp 2 (Debian's libsrtp2, through the `srtp` binding), in one run.
//!
//! The packet: a 1200-byte RTP packet (12-byte header, 1188 bytes of payload), protected
//! with SRTP_AES128_CM_HMAC_SHA1_80 and AEAD_AES_128_GCM.
//! * protect: copy the plaintext into the work buffer, bump the sequence number, protect.
//!   webrtc-srtp takes `&[u8]` and returns a new `Bytes` (its only API).
//! * unprotect: a fresh protected packet per iteration (made outside the timing by the same
//!   library's sender, so the replay window sees new indices), unprotected in place.
//!
//! Before timing, every pair of libraries is checked to decrypt each other's packets, and
//! the heap allocations per operation are counted; srtp-core must allocate nothing.
//!
//! Run: `cargo bench -p bench --bench srtp [--features libsrtp | libsrtp-openssl] --
//! --warm-up-time 1 --measurement-time 3`. `libsrtp` links Debian's `libsrtp2-dev` (built
//! on NSS); `libsrtp-openssl` builds the binding's bundled libsrtp with OpenSSL
//! (`libssl-dev`); both need `libclang-dev` for the binding's bindgen.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rtp_core::wire::RtpHeader;
use srtp_core::{Config, MasterKey, Profile, SrtpContext};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use webrtc_srtp::context::Context as WebrtcContext;
use webrtc_srtp::protection_profile::ProtectionProfile as WebrtcProfile;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const LEN: usize = 1200;
const SSRC: u32 = 0x1234_5678;

fn plaintext() -> Vec<u8> {
    let header = RtpHeader {
        payload_type: 96,
        sequence_number: 1,
        timestamp: 90_000,
        ssrc: SSRC,
        ..Default::default()
    };
    let payload: Vec<u8> = (0..LEN - 12).map(|i| (i * 7) as u8).collect();
    let mut out = vec![0u8; LEN];
    assert_eq!(header.emit(&payload, &mut out).unwrap(), LEN);
    out
}

fn set_seq(packet: &mut [u8], seq: u16) {
    packet[2..4].copy_from_slice(&seq.to_be_bytes());
}

fn key_and_salt(profile: Profile) -> Vec<u8> {
    (0..(profile.key_len() + profile.salt_len()) as u8)
        .map(|i| i.wrapping_mul(29) ^ 0x5C)
        .collect()
}

fn ours(profile: Profile) -> SrtpContext<4> {
    let master = MasterKey::from_concatenated(profile, &key_and_salt(profile)).unwrap();
    SrtpContext::new(&master, Config::default()).unwrap()
}

fn webrtc(profile: Profile) -> WebrtcContext {
    let ks = key_and_salt(profile);
    let (key, salt) = ks.split_at(profile.key_len());
    let p = match profile {
        Profile::AeadAes128Gcm => WebrtcProfile::AeadAes128Gcm,
        _ => WebrtcProfile::Aes128CmHmacSha1_80,
    };
    WebrtcContext::new(key, salt, p, None, None).unwrap()
}

#[cfg(feature = "libsrtp")]
mod libsrtp {
    use super::*;
    use srtp::{CryptoPolicy, Session, StreamPolicy};

    pub fn session(profile: Profile, outbound: bool) -> Session {
        let policy = match profile {
            Profile::AeadAes128Gcm => CryptoPolicy::aes_gcm_128_16_auth(),
            _ => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        };
        let key = key_and_salt(profile);
        let stream = StreamPolicy {
            rtp: policy,
            rtcp: policy,
            key: &key,
            window_size: 128,
            allow_repeat_tx: false,
            encrypt_extension_headers: &[],
        };
        if outbound {
            Session::with_outbound_template(stream).unwrap()
        } else {
            Session::with_inbound_template(stream).unwrap()
        }
    }
}

/// Protect `plain` with sequence number `seq` using ours.
fn protect_ours(tx: &mut SrtpContext<4>, plain: &[u8], seq: u16, buf: &mut [u8]) -> usize {
    buf[..LEN].copy_from_slice(plain);
    set_seq(buf, seq);
    tx.protect_rtp(buf, LEN).unwrap()
}

/// Every library decrypts every other library's packets (and its own), bit for bit.
fn cross_check(profile: Profile, plain: &[u8]) {
    let mut buf = vec![0u8; 2048];
    let mut seq = 100;
    let mut next = || {
        seq += 1;
        let mut p = plain.to_vec();
        set_seq(&mut p, seq);
        p
    };
    let (mut tx_ours, mut rx_ours) = (ours(profile), ours(profile));
    let (mut tx_webrtc, mut rx_webrtc) = (webrtc(profile), webrtc(profile));
    let p = next();
    let n = protect_ours(&mut tx_ours, &p, seq_of(&p), &mut buf);
    let back = rx_webrtc.decrypt_rtp(&buf[..n]).unwrap();
    assert_eq!(&back[..], &p[..], "webrtc-srtp reads srtp-core");
    let p = next();
    let mut wire = tx_webrtc.encrypt_rtp(&p).unwrap().to_vec();
    let m = rx_ours.unprotect_rtp(&mut wire).unwrap();
    assert_eq!(&wire[..m], &p[..], "srtp-core reads webrtc-srtp");
    #[cfg(feature = "libsrtp")]
    {
        let (mut tx_lib, mut rx_lib) = (
            libsrtp::session(profile, true),
            libsrtp::session(profile, false),
        );
        let p = next();
        let n = protect_ours(&mut tx_ours, &p, seq_of(&p), &mut buf);
        let mut v = buf[..n].to_vec();
        rx_lib.unprotect(&mut v).unwrap();
        assert_eq!(v, p, "libsrtp reads srtp-core");
        let p = next();
        let mut v = p.clone();
        tx_lib.protect(&mut v).unwrap();
        let m = rx_ours.unprotect_rtp(&mut v).unwrap();
        assert_eq!(&v[..m], &p[..], "srtp-core reads libsrtp");
    }
}

fn seq_of(p: &[u8]) -> u16 {
    u16::from_be_bytes([p[2], p[3]])
}

fn allocations(label: &str, mut f: impl FnMut()) -> f64 {
    f();
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..10_000 {
        f();
    }
    let n = (ALLOCS.load(Ordering::Relaxed) - before) as f64 / 10_000.0;
    println!("allocations per op  {label:<44} {n:.2}");
    n
}

fn count_allocations(profile: Profile, name: &str, plain: &[u8]) {
    let (mut tx, mut rx) = (ours(profile), ours(profile));
    let mut buf = vec![0u8; 2048];
    let mut seq = 0u16;
    let ours_allocs = allocations(&format!("srtp-core protect+unprotect {name}"), || {
        seq = seq.wrapping_add(1);
        let n = protect_ours(&mut tx, plain, seq, &mut buf);
        black_box(rx.unprotect_rtp(&mut buf[..n]).unwrap());
    });
    assert_eq!(ours_allocs, 0.0, "srtp-core allocated on its hot path");
    let (mut tx, mut rx) = (webrtc(profile), webrtc(profile));
    let mut p = plain.to_vec();
    allocations(&format!("webrtc-srtp encrypt+decrypt {name}"), || {
        seq = seq.wrapping_add(1);
        set_seq(&mut p, seq);
        let wire = tx.encrypt_rtp(&p).unwrap();
        black_box(rx.decrypt_rtp(&wire).unwrap());
    });
    #[cfg(feature = "libsrtp")]
    {
        let (mut tx, mut rx) = (
            libsrtp::session(profile, true),
            libsrtp::session(profile, false),
        );
        let mut v = Vec::with_capacity(2048);
        allocations(&format!("libsrtp protect+unprotect {name}"), || {
            seq = seq.wrapping_add(1);
            v.clear();
            v.extend_from_slice(plain);
            set_seq(&mut v, seq);
            tx.protect(&mut v).unwrap();
            rx.unprotect(&mut v).unwrap();
        });
    }
}

fn bench_profile(c: &mut Criterion, profile: Profile, name: &str, plain: &[u8]) {
    cross_check(profile, plain);
    count_allocations(profile, name, plain);

    let mut g = c.benchmark_group(format!("srtp_protect_1200/{name}"));
    let mut tx = ours(profile);
    let mut buf = vec![0u8; 2048];
    let mut seq = 0u16;
    g.bench_function("srtp-core", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            protect_ours(&mut tx, black_box(plain), seq, &mut buf)
        })
    });
    let mut tx = webrtc(profile);
    let mut p = plain.to_vec();
    g.bench_function("webrtc-srtp", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            set_seq(&mut p, seq);
            tx.encrypt_rtp(black_box(&p)).unwrap()
        })
    });
    #[cfg(feature = "libsrtp")]
    {
        let mut tx = libsrtp::session(profile, true);
        let mut v = Vec::with_capacity(2048);
        g.bench_function("libsrtp", |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                v.clear();
                v.extend_from_slice(black_box(plain));
                set_seq(&mut v, seq);
                tx.protect(&mut v).unwrap();
                v.len()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group(format!("srtp_unprotect_1200/{name}"));
    let (mut tx, mut rx) = (ours(profile), ours(profile));
    g.bench_function("srtp-core", |b| {
        b.iter_batched_ref(
            || {
                seq = seq.wrapping_add(1);
                let mut v = vec![0u8; 2048];
                let n = protect_ours(&mut tx, plain, seq, &mut v);
                v.truncate(n);
                v
            },
            |v| rx.unprotect_rtp(v).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let (mut tx, mut rx) = (webrtc(profile), webrtc(profile));
    let mut p = plain.to_vec();
    g.bench_function("webrtc-srtp", |b| {
        b.iter_batched_ref(
            || {
                seq = seq.wrapping_add(1);
                set_seq(&mut p, seq);
                tx.encrypt_rtp(&p).unwrap()
            },
            |v| rx.decrypt_rtp(v).unwrap(),
            BatchSize::SmallInput,
        )
    });
    #[cfg(feature = "libsrtp")]
    {
        let (mut tx, mut rx) = (
            libsrtp::session(profile, true),
            libsrtp::session(profile, false),
        );
        g.bench_function("libsrtp", |b| {
            b.iter_batched_ref(
                || {
                    seq = seq.wrapping_add(1);
                    let mut v = Vec::with_capacity(2048);
                    v.extend_from_slice(plain);
                    set_seq(&mut v, seq);
                    tx.protect(&mut v).unwrap();
                    v
                },
                |v| rx.unprotect(v).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let plain = plaintext();
    #[cfg(feature = "libsrtp")]
    println!(
        "libsrtp: {} ({})",
        srtp::get_version_string(),
        if cfg!(feature = "libsrtp-openssl") {
            "built from the binding's sources, OpenSSL crypto"
        } else {
            "the system library"
        }
    );
    bench_profile(
        c,
        Profile::Aes128CmHmacSha1_80,
        "AES_CM_128_HMAC_SHA1_80",
        &plain,
    );
    bench_profile(c, Profile::AeadAes128Gcm, "AEAD_AES_128_GCM", &plain);
}

criterion_group!(benches, bench);
criterion_main!(benches);
