//! ICE: CPU per connectivity check handled.
//!
//! `cargo bench -p bench --bench ice`
//! * `ice/answer_check`: the controlled agent receives an authenticated Binding request
//!   (USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY, FINGERPRINT), verifies it,
//!   updates its pair and writes the authenticated response.
//! * `ice/process_response`: the controlling agent verifies the response to its check and
//!   validates the pair.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use ice_core::{IceAgent, IceConfig, IceRole};
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};
use std::hint::black_box;
use std::net::SocketAddr;

#[global_allocator]
static GLOBAL: bench::Counting = bench::Counting;

type Agent = IceAgent<SeededEntropy, 8, 32, 8, 0>;

fn pair() -> (Agent, Agent, SocketAddr, SocketAddr) {
    let (a_addr, b_addr): (SocketAddr, SocketAddr) = (
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:6000".parse().unwrap(),
    );
    let mut a: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(1),
    );
    let mut b: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlled,
        SeededEntropy::new(2),
    );
    let now = Instant::ZERO;
    a.add_host(now, a_addr, 65535).unwrap();
    b.add_host(now, b_addr, 65535).unwrap();
    a.set_remote_credentials(now, b.local_credentials().clone(), false);
    b.set_remote_credentials(now, a.local_credentials().clone(), false);
    let (ca, cb) = (
        a.local_candidates()[0].clone(),
        b.local_candidates()[0].clone(),
    );
    a.add_remote_candidate(now, cb).unwrap();
    b.add_remote_candidate(now, ca).unwrap();
    (a, b, a_addr, b_addr)
}

/// A real check request from `a` to `b`.
fn request(a: &mut Agent) -> Vec<u8> {
    let mut out = [0u8; 1500];
    let mut now = Instant::ZERO;
    loop {
        a.handle_timeout(now);
        if let Some(t) = a.poll_transmit(now, &mut out) {
            return out[..t.len].to_vec();
        }
        now = a.poll_timeout().unwrap();
    }
}

/// `req` with one bit of PRIORITY flipped and a valid FINGERPRINT: only the MAC can tell.
fn tampered(req: &[u8]) -> Vec<u8> {
    use stun_proto::wire::{attr::AttrType, fingerprint, Message};
    let msg = Message::new_checked(req).unwrap();
    let at = msg.get(AttrType::PRIORITY).unwrap().offset;
    let fp = msg.fingerprint_offset().unwrap();
    let mut bad = req.to_vec();
    bad[at + 4] ^= 1;
    let crc = fingerprint(&bad[..fp]);
    bad[fp + 4..fp + 8].copy_from_slice(&crc.to_be_bytes());
    assert!(Message::new_checked(&bad).unwrap().fingerprint_ok());
    bad
}

fn bench(c: &mut Criterion) {
    let (mut a, mut b, a_addr, b_addr) = pair();
    let req = request(&mut a);
    let at_b = Path::udp(b_addr, a_addr);
    let mut out = [0u8; 1500];
    // Sanity (outside the timed loop): the check is accepted and answered; a tampered one is not.
    b.handle_datagram(Instant::ZERO, at_b, &req).unwrap();
    assert!(b.poll_transmit(Instant::ZERO, &mut out).is_some());
    // Tamper with the body (PRIORITY's value) and fix FINGERPRINT up, so that the
    // MESSAGE-INTEGRITY check is what must refuse it.
    let bad = tampered(&req);
    assert_eq!(
        b.handle_datagram(Instant::ZERO, at_b, &bad),
        Err(sansio::Rejected::Unauthenticated)
    );
    while b.poll_transmit(Instant::ZERO, &mut out).is_some() {}
    bench::assert_no_allocations("ice-core answer a check", 10_000, || {
        b.handle_datagram(Instant::ZERO, at_b, black_box(&req))
            .unwrap();
        black_box(b.poll_transmit(Instant::ZERO, &mut out).unwrap());
    });
    c.bench_function("ice/answer_check", |bench| {
        bench.iter(|| {
            b.handle_datagram(Instant::ZERO, at_b, black_box(&req))
                .unwrap();
            let t = b.poll_transmit(Instant::ZERO, &mut out).unwrap();
            black_box(t.len)
        })
    });

    // The controlling side: verify the response and validate the pair (setup, untimed:
    // fresh agents, a check sent and answered).
    let set_up = || {
        let (mut a, mut b, a_addr, b_addr) = pair();
        let req = request(&mut a);
        b.handle_datagram(Instant::ZERO, Path::udp(b_addr, a_addr), &req)
            .unwrap();
        let mut out = [0u8; 1500];
        let r = b.poll_transmit(Instant::ZERO, &mut out).unwrap();
        (a, out[..r.len].to_vec(), Path::udp(a_addr, b_addr))
    };
    let mut fresh: Vec<_> = (0..101).map(|_| set_up()).collect();
    bench::assert_no_allocations("ice-core process a check's response", 100, || {
        let (a, resp, at_a) = fresh.last_mut().unwrap();
        a.handle_datagram(Instant::ZERO, *at_a, black_box(resp))
            .unwrap();
        fresh.pop();
    });
    c.bench_function("ice/process_response", |bench| {
        // By reference: moving the 17 KB agent in and out of the routine would time two
        // memcpys of it, not the agent's work.
        bench.iter_batched_ref(
            set_up,
            |(a, resp, at_a)| {
                a.handle_datagram(Instant::ZERO, *at_a, black_box(resp))
                    .unwrap();
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
