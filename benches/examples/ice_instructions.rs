//! Instruction counts of the ICE hot paths, for comparisons that machine load cannot skew:
//! `valgrind --tool=callgrind --toggle-collect='*timed_*' target/release/examples/ice_instructions`
//! counts only the timed functions (answer a check; process its response), 1,000 times each.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ice_core::{IceAgent, IceConfig, IceRole};
use sansio::{Instant, Path, SansIo, SeededEntropy};
use std::hint::black_box;
use std::net::SocketAddr;

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

#[inline(never)]
fn timed_answer(b: &mut Agent, at_b: Path, req: &[u8], out: &mut [u8]) -> usize {
    b.handle_datagram(Instant::ZERO, at_b, req).unwrap();
    b.poll_transmit(Instant::ZERO, out).unwrap().len
}

#[inline(never)]
fn timed_response(a: &mut Agent, at_a: Path, resp: &[u8]) {
    a.handle_datagram(Instant::ZERO, at_a, resp).unwrap();
}

fn main() {
    let (mut a, mut b, a_addr, b_addr) = pair();
    let req = request(&mut a);
    let at_b = Path::udp(b_addr, a_addr);
    let mut out = [0u8; 1500];
    for _ in 0..1000 {
        black_box(timed_answer(&mut b, at_b, black_box(&req), &mut out));
    }
    for _ in 0..1000 {
        let (mut a, mut b, a_addr, b_addr) = pair();
        let req = request(&mut a);
        b.handle_datagram(Instant::ZERO, Path::udp(b_addr, a_addr), &req)
            .unwrap();
        let r = b.poll_transmit(Instant::ZERO, &mut out).unwrap();
        let resp = out[..r.len].to_vec();
        timed_response(&mut a, Path::udp(a_addr, b_addr), black_box(&resp));
        black_box(&a);
    }
}
