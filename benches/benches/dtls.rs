//! DTLS 1.2: one complete handshake (client and server in memory: cookie exchange, ECDHE
//! P-256, ECDSA P-256 certificates both ways, extended master secret, use_srtp) and
//! AES-128-GCM application-data records of 1200 bytes, protect and unprotect — dtls-core
//! against dimpl 0.9 with its RustCrypto provider, on the same crypto (P-256, AES-128-GCM).
//!
//! `cargo bench -p bench --bench dtls -- --warm-up-time 1 --measurement-time 3`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dtls_core::cert::{private_key_to_pkcs8, CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, DtlsRole, Endpoint};
use sansio::{Carrier, Instant, Path, SansIo, SeededEntropy};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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

const RECORD: usize = 1200;

type Ours = Endpoint<SeededEntropy>;

fn certs() -> (Certificate, Certificate) {
    let p = CertParams::default();
    (
        Certificate::generate(&RustCrypto, &mut SeededEntropy::new(1), &p).unwrap(),
        Certificate::generate(&RustCrypto, &mut SeededEntropy::new(2), &p).unwrap(),
    )
}

fn path() -> Path {
    Path::udp(
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:5000".parse().unwrap(),
    )
}

/// A complete dtls-core handshake; the two connected endpoints.
fn ours_handshake(cc: &Certificate, sc: &Certificate, seed: u64) -> (Ours, Ours) {
    let mut c = Endpoint::new(
        DtlsRole::Client,
        Config::default(),
        cc.clone(),
        SeededEntropy::new(seed),
    );
    let mut s = Endpoint::new(
        DtlsRole::Server,
        Config::default(),
        sc.clone(),
        SeededEntropy::new(seed + 1),
    );
    c.set_remote_fingerprint(sc.fingerprint());
    s.set_remote_fingerprint(cc.fingerprint());
    s.start(Instant::ZERO, path().reversed());
    c.start(Instant::ZERO, path());
    let mut out = [0u8; 1500];
    while !(c.is_connected() && s.is_connected()) {
        let mut moved = false;
        while let Some(t) = c.poll_transmit(Instant::ZERO, &mut out) {
            let _ = s.handle_datagram(Instant::ZERO, path().reversed(), &out[..t.len]);
            moved = true;
        }
        while let Some(t) = s.poll_transmit(Instant::ZERO, &mut out) {
            let _ = c.handle_datagram(Instant::ZERO, path(), &out[..t.len]);
            moved = true;
        }
        assert!(moved, "stalled: {:?} / {:?}", c.state(), s.state());
    }
    while c.poll_event().is_some() || s.poll_event().is_some() {}
    (c, s)
}

fn dimpl_config() -> Arc<dimpl::Config> {
    Arc::new(
        dimpl::Config::builder()
            .with_crypto_provider(dimpl::crypto::rust_crypto::default_provider())
            .kx_groups(&[dimpl::crypto::NamedGroup::Secp256r1])
            .dtls12_cipher_suites(&[
                dimpl::crypto::Dtls12CipherSuite::ECDHE_ECDSA_AES128_GCM_SHA256,
            ])
            .build()
            .unwrap(),
    )
}

fn dimpl_cert(c: &Certificate) -> dimpl::DtlsCertificate {
    let mut key = [0u8; 160];
    let n = private_key_to_pkcs8(c.private_key(), c.public_key(), &mut key).unwrap();
    dimpl::DtlsCertificate {
        certificate: c.der().to_vec(),
        private_key: key[..n].to_vec(),
    }
}

/// Drain `d`; packets go to `to`; returns (any packet, connected seen, application data).
fn dimpl_pump(
    d: &mut dimpl::Dtls,
    buf: &mut [u8],
    mut packet: impl FnMut(&[u8]),
) -> (bool, Option<usize>) {
    let (mut connected, mut data) = (false, None);
    loop {
        match d.poll_output(buf) {
            dimpl::Output::Packet(p) => packet(p),
            dimpl::Output::Timeout(_) => return (connected, data),
            dimpl::Output::Connected => connected = true,
            dimpl::Output::ApplicationData(a) => data = Some(a.len()),
            _ => {}
        }
    }
}

/// A complete dimpl handshake on the same certificates and crypto.
fn dimpl_handshake(
    cfg: &Arc<dimpl::Config>,
    cc: &dimpl::DtlsCertificate,
    sc: &dimpl::DtlsCertificate,
) -> (dimpl::Dtls, dimpl::Dtls) {
    let now = std::time::Instant::now();
    let mut c = dimpl::Dtls::new_12(cfg.clone(), cc.clone(), now);
    c.set_active(true);
    let mut s = dimpl::Dtls::new_12(cfg.clone(), sc.clone(), now);
    c.handle_timeout(now).unwrap();
    s.handle_timeout(now).unwrap();
    let mut buf = vec![0u8; 2048];
    let (mut c_up, mut s_up) = (false, false);
    let mut to_s: Vec<Vec<u8>> = vec![];
    let mut to_c: Vec<Vec<u8>> = vec![];
    for _ in 0..20 {
        c_up |= dimpl_pump(&mut c, &mut buf, |p| to_s.push(p.to_vec())).0;
        for p in to_s.drain(..) {
            s.handle_packet(&p).unwrap();
        }
        s_up |= dimpl_pump(&mut s, &mut buf, |p| to_c.push(p.to_vec())).0;
        for p in to_c.drain(..) {
            c.handle_packet(&p).unwrap();
        }
        if c_up && s_up {
            return (c, s);
        }
    }
    panic!("dimpl handshake stalled");
}

fn allocations(label: &str, iterations: usize, mut f: impl FnMut()) -> usize {
    f();
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..iterations {
        f();
    }
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    println!(
        "allocations per op  {label:<32} {:.2}",
        n as f64 / iterations as f64
    );
    n
}

fn bench(c: &mut Criterion) {
    let (cc, sc) = certs();
    let (dcc, dsc) = (dimpl_cert(&cc), dimpl_cert(&sc));
    let cfg = dimpl_config();
    let payload = [0x5au8; RECORD];
    let mut out = [0u8; 1500];

    // Both stacks agree on what they are benchmarked doing.
    let (mut oc, mut os) = ours_handshake(&cc, &sc, 10);
    assert_eq!(
        oc.cipher_suite(),
        Some(dtls_core::CipherSuite::EcdheEcdsaAes128GcmSha256)
    );
    let (mut dc, mut ds) = dimpl_handshake(&cfg, &dcc, &dsc);

    // Zero allocations on our record path.
    let n = allocations("dtls-core protect 1200", 10_000, || {
        black_box(
            oc.send(Instant::ZERO, (), black_box(&payload), &mut out)
                .unwrap(),
        );
    });
    assert_eq!(n, 0, "dtls-core allocated while protecting a record");
    let n = allocations("dtls-core protect+unprotect 1200", 10_000, || {
        let t = oc.send(Instant::ZERO, (), &payload, &mut out).unwrap();
        let got = os
            .handle_datagram(Instant::ZERO, path().reversed(), &out[..t.len])
            .unwrap()
            .unwrap();
        assert_eq!(got.bytes, RECORD);
        assert_eq!(dtls_core::Dtls::received(&os).first().len(), RECORD);
    });
    assert_eq!(n, 0, "dtls-core allocated while unprotecting a record");
    let mut buf = vec![0u8; 2048];
    allocations("dimpl protect+unprotect 1200", 10_000, || {
        dc.send_application_data(&payload).unwrap();
        let mut pkt = vec![];
        dimpl_pump(&mut dc, &mut buf, |p| pkt = p.to_vec());
        ds.handle_packet(&pkt).unwrap();
        assert_eq!(dimpl_pump(&mut ds, &mut buf, |_| {}).1, Some(RECORD));
    });

    let mut g = c.benchmark_group("dtls handshake");
    g.sample_size(20);
    let mut seed = 100;
    g.bench_function("dtls-core", |b| {
        b.iter(|| {
            seed += 2;
            black_box(ours_handshake(&cc, &sc, seed))
        })
    });
    g.bench_function("dimpl (rust-crypto)", |b| {
        b.iter(|| black_box(dimpl_handshake(&cfg, &dcc, &dsc)))
    });
    g.finish();

    let mut g = c.benchmark_group("dtls record 1200 B AES-128-GCM");
    g.throughput(Throughput::Bytes(RECORD as u64));
    g.bench_function("dtls-core protect", |b| {
        b.iter(|| {
            black_box(
                oc.send(Instant::ZERO, (), black_box(&payload), &mut out)
                    .unwrap(),
            )
        })
    });
    g.bench_function("dimpl protect", |b| {
        b.iter(|| {
            dc.send_application_data(black_box(&payload)).unwrap();
            let mut len = 0;
            dimpl_pump(&mut dc, &mut buf, |p| len = p.len());
            black_box(len)
        })
    });
    g.bench_function("dtls-core unprotect", |b| {
        b.iter_batched(
            || {
                let t = oc.send(Instant::ZERO, (), &payload, &mut out).unwrap();
                out[..t.len].to_vec()
            },
            |record| {
                let got = os
                    .handle_datagram(Instant::ZERO, path().reversed(), &record)
                    .unwrap();
                black_box(got.map(|_| dtls_core::Dtls::received(&os).first().len()))
            },
            BatchSize::SmallInput,
        )
    });
    let mut buf2 = vec![0u8; 2048];
    g.bench_function("dimpl unprotect", |b| {
        b.iter_batched(
            || {
                dc.send_application_data(&payload).unwrap();
                let mut pkt = vec![];
                dimpl_pump(&mut dc, &mut buf, |p| pkt = p.to_vec());
                pkt
            },
            |record| {
                ds.handle_packet(&record).unwrap();
                black_box(dimpl_pump(&mut ds, &mut buf2, |_| {}).1)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
