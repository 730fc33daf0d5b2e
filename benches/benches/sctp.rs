//! SCTP: sctp-core against sctp-proto (webrtc-rs / str0m) and dcsctp, driven the same way.
//!
//! `cargo bench -p bench --bench sctp`
//! * `sctp/4MiB_in_1KiB` and `sctp/4MiB_in_64KiB`: two associations back to back in memory
//!   (no loss, packets handed over at once); one iteration moves 4 MiB of messages on one
//!   stream and reads them all. Setup (handshake) is not timed.
//! * Printed before the timings: throughput in netsim at 1 % loss and 50 ms RTT (virtual
//!   time, 8 MiB in 16 KiB messages), heap bytes held per association pair, and heap
//!   allocations per packet on sctp-core's steady-state path (a counting allocator; must be 0).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sansio::{Instant, Path, SansIo, SeededEntropy};
use sctp_core::association::{
    Association, ChannelConfig, ChannelId, Config, DtlsRole, MessageKind,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        let live = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TOTAL: usize = 4 << 20;

/// One side of a transfer, whatever the stack.
trait Side {
    fn input(&mut self, now: u64, pkt: &[u8]);
    /// Append the packets it wants sent.
    fn output(&mut self, now: u64, out: &mut VecDeque<Vec<u8>>);
    fn timeout(&self) -> Option<u64>;
    fn tick(&mut self, now: u64);
    /// Queue a message; false when the send buffer is full.
    fn send(&mut self, now: u64, data: &[u8]) -> bool;
    /// Take received messages; returns bytes read.
    fn recv(&mut self, buf: &mut [u8]) -> usize;
    fn connected(&self) -> bool;
}

// ----------------------------------------------------------------- sctp-core

type Ours = Association<SeededEntropy, Box<[u8]>, 16, 2048>;

struct Core {
    a: Box<Ours>,
    ch: ChannelId,
    up: bool,
    buf: Vec<u8>,
}

fn path() -> Path {
    Path::udp(
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:5000".parse().unwrap(),
    )
}

impl Core {
    fn new(role: DtlsRole, seed: u64) -> Self {
        let cfg = Config {
            role,
            heartbeat_interval: Duration::ZERO,
            ..Config::default()
        };
        let a = Ours::with_capacity(cfg, SeededEntropy::new(seed), 256 << 10, 256 << 10);
        Core {
            a,
            ch: ChannelId(0),
            up: false,
            buf: vec![0; 1500],
        }
    }
}

impl Side for Core {
    fn input(&mut self, now: u64, pkt: &[u8]) {
        let _ = self
            .a
            .handle_datagram(Instant::from_micros(now), path(), pkt);
    }
    fn output(&mut self, now: u64, out: &mut VecDeque<Vec<u8>>) {
        while let Some(t) = self
            .a
            .poll_transmit(Instant::from_micros(now), &mut self.buf)
        {
            out.push_back(self.buf[..t.len].to_vec());
        }
        while let Some(e) = self.a.poll_event() {
            if e == sctp_core::association::Event::AssociationUp {
                self.up = true;
                self.ch = self
                    .a
                    .open_channel(
                        Instant::from_micros(now),
                        ChannelConfig {
                            negotiated_id: Some(0),
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
        }
    }
    fn timeout(&self) -> Option<u64> {
        self.a.poll_timeout().map(|t| t.as_micros())
    }
    fn tick(&mut self, now: u64) {
        self.a.handle_timeout(Instant::from_micros(now));
    }
    fn send(&mut self, now: u64, data: &[u8]) -> bool {
        self.a
            .send(
                Instant::from_micros(now),
                self.ch,
                MessageKind::Binary,
                data,
            )
            .is_ok()
    }
    fn recv(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while let Ok(Some(r)) = self.a.poll_message(buf) {
            n += r.len;
        }
        n
    }
    fn connected(&self) -> bool {
        self.up
    }
}

// ----------------------------------------------------------------- sctp-proto

struct Proto {
    ep: sctp_proto::Endpoint,
    assoc: Option<(sctp_proto::AssociationHandle, sctp_proto::Association)>,
    base: std::time::Instant,
    remote: std::net::SocketAddr,
    up: bool,
    transport: Arc<sctp_proto::TransportConfig>,
    readable: bool,
}

impl Proto {
    fn new(server: bool) -> Self {
        let transport = Arc::new(
            sctp_proto::TransportConfig::default()
                .with_max_send_message_size(1 << 20)
                .with_max_receive_message_size(1 << 20)
                .with_max_receive_buffer_size(2 << 20),
        );
        let mut sc = sctp_proto::ServerConfig::new();
        sc.transport = transport.clone();
        let ep = sctp_proto::Endpoint::new(
            Arc::new(sctp_proto::EndpointConfig::new()),
            server.then(|| Arc::new(sc)),
        );
        Proto {
            ep,
            assoc: None,
            base: std::time::Instant::now(),
            remote: "10.0.0.9:5000".parse().unwrap(),
            up: false,
            transport,
            readable: false,
        }
    }
    fn connect(&mut self) {
        let mut cc = sctp_proto::ClientConfig::new();
        cc.transport = self.transport.clone();
        self.assoc = Some(self.ep.connect(cc, self.remote).unwrap());
    }
    fn t(&self, now: u64) -> std::time::Instant {
        self.base + Duration::from_micros(now)
    }
    fn pump(&mut self) {
        let Some((h, a)) = self.assoc.as_mut() else {
            return;
        };
        while let Some(ev) = a.poll_endpoint_event() {
            if let Some(back) = self.ep.handle_event(*h, ev) {
                a.handle_event(back);
            }
        }
        while let Some(ev) = a.poll() {
            match ev {
                sctp_proto::Event::Connected => self.up = true,
                sctp_proto::Event::Stream(_) => self.readable = true,
                _ => {}
            }
        }
    }
}

impl Side for Proto {
    fn input(&mut self, now: u64, pkt: &[u8]) {
        let t = self.t(now);
        match self.ep.handle(
            t,
            self.remote,
            None,
            None,
            bytes::Bytes::copy_from_slice(pkt),
        ) {
            Some((h, sctp_proto::DatagramEvent::NewAssociation(a))) => self.assoc = Some((h, a)),
            Some((_, sctp_proto::DatagramEvent::AssociationEvent(ev))) => {
                if let Some((_, a)) = self.assoc.as_mut() {
                    a.handle_event(ev);
                }
            }
            None => {}
        }
        self.pump();
    }
    fn output(&mut self, now: u64, out: &mut VecDeque<Vec<u8>>) {
        while let Some(t) = self.ep.poll_transmit() {
            if let sctp_proto::Payload::RawEncode(v) = t.payload {
                out.extend(v.into_iter().map(|b| b.to_vec()));
            }
        }
        let t = self.t(now);
        if let Some((_, a)) = self.assoc.as_mut() {
            while let Some(tx) = a.poll_transmit(t) {
                if let sctp_proto::Payload::RawEncode(v) = tx.payload {
                    out.extend(v.into_iter().map(|b| b.to_vec()));
                }
            }
        }
        self.pump();
    }
    fn timeout(&self) -> Option<u64> {
        let (_, a) = self.assoc.as_ref()?;
        Some(
            a.poll_timeout()?
                .saturating_duration_since(self.base)
                .as_micros() as u64,
        )
    }
    fn tick(&mut self, now: u64) {
        let t = self.t(now);
        if let Some((_, a)) = self.assoc.as_mut() {
            a.handle_timeout(t);
        }
        self.pump();
    }
    fn send(&mut self, _now: u64, data: &[u8]) -> bool {
        let (_, a) = self.assoc.as_mut().unwrap();
        let ppi = sctp_proto::PayloadProtocolIdentifier::Binary;
        if a.stream(0).is_err() {
            a.open_stream(0, ppi).unwrap();
        }
        let mut s = a.stream(0).unwrap();
        if s.buffered_amount().unwrap_or(0) > (2 << 20) {
            return false;
        }
        s.write_sctp(&bytes::Bytes::copy_from_slice(data), ppi)
            .is_ok()
    }
    fn recv(&mut self, buf: &mut [u8]) -> usize {
        let Some((_, a)) = self.assoc.as_mut() else {
            return 0;
        };
        while a.accept_stream().is_some() {}
        let mut n = 0;
        if let Ok(mut s) = a.stream(0) {
            while let Ok(Some(c)) = s.read_sctp() {
                n += c.read(buf).unwrap();
            }
        }
        n
    }
    fn connected(&self) -> bool {
        self.up
    }
}

// ----------------------------------------------------------------- dcsctp

struct Dc {
    s: Box<dyn dcsctp::api::DcSctpSocket>,
    up: bool,
}

impl Dc {
    fn new() -> Self {
        let opts = dcsctp::api::Options {
            max_message_size: 1 << 20,
            heartbeat_interval: Duration::from_secs(3600),
            ..Default::default()
        };
        Dc {
            s: dcsctp::new_socket("bench", &opts),
            up: false,
        }
    }
    fn at(&mut self, now: u64) {
        self.s
            .advance_time(dcsctp::api::SocketTime::zero() + Duration::from_micros(now));
    }
}

impl Side for Dc {
    fn input(&mut self, now: u64, pkt: &[u8]) {
        self.at(now);
        self.s.handle_input(pkt);
    }
    fn output(&mut self, now: u64, out: &mut VecDeque<Vec<u8>>) {
        self.at(now);
        while let Some(ev) = self.s.poll_event() {
            match ev {
                dcsctp::api::SocketEvent::SendPacket(p) => out.push_back(p),
                dcsctp::api::SocketEvent::OnConnected() => self.up = true,
                _ => {}
            }
        }
    }
    fn timeout(&self) -> Option<u64> {
        let t = self.s.poll_timeout();
        (t != dcsctp::api::SocketTime::infinite_future())
            .then(|| (t - dcsctp::api::SocketTime::zero()).as_micros() as u64)
    }
    fn tick(&mut self, now: u64) {
        self.at(now);
    }
    fn send(&mut self, now: u64, data: &[u8]) -> bool {
        self.at(now);
        if self.s.buffered_amount(dcsctp::api::StreamId(0)) > (2 << 20) - data.len() {
            return false;
        }
        let m = dcsctp::api::Message::new(
            dcsctp::api::StreamId(0),
            dcsctp::api::PpId(53),
            data.to_vec(),
        );
        self.s.send(m, &Default::default()).is_ok()
    }
    fn recv(&mut self, _buf: &mut [u8]) -> usize {
        let mut n = 0;
        while let Some(m) = self.s.get_next_message() {
            n += m.payload.len();
        }
        n
    }
    fn connected(&self) -> bool {
        self.up
    }
}

// ----------------------------------------------------------------- drivers

/// Packets in flight between the two sides: (to b, bytes, due time).
struct Wire {
    q: VecDeque<(bool, Vec<u8>, u64)>,
    delay: u64,
    loss: u32,
    rng: u64,
}

impl Wire {
    fn lost(&mut self) -> bool {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % 10_000) < u64::from(self.loss)
    }
}

/// Run until `step` says done; returns the final virtual time in µs. Each round: collect
/// output, let the application act, deliver every packet due, fire due timers, else jump to
/// the next packet or timer.
fn drive(
    a: &mut dyn Side,
    b: &mut dyn Side,
    wire: &mut Wire,
    mut now: u64,
    mut step: impl FnMut(&mut dyn Side, &mut dyn Side, u64) -> bool,
) -> u64 {
    let mut out = VecDeque::new();
    let (mut idle_rounds, mut ticks_here) = (0, 0);
    loop {
        for to_b in [true, false] {
            if to_b {
                a.output(now, &mut out);
            } else {
                b.output(now, &mut out);
            }
            while let Some(p) = out.pop_front() {
                if !wire.lost() {
                    wire.q.push_back((to_b, p, now + wire.delay));
                }
            }
        }
        if step(a, b, now) {
            return now;
        }
        let mut delivered = false;
        while wire.q.front().is_some_and(|x| x.2 <= now) {
            let (to_b, p, _) = wire.q.pop_front().unwrap();
            if to_b {
                b.input(now, &p)
            } else {
                a.input(now, &p)
            }
            delivered = true;
        }
        if delivered {
            idle_rounds = 0;
            continue;
        }
        let timer = [a.timeout(), b.timeout()].into_iter().flatten().min();
        if timer.is_some_and(|t| t <= now) && ticks_here < 4 {
            ticks_here += 1;
            a.tick(now);
            b.tick(now);
            continue;
        }
        let next = [timer.filter(|t| *t > now), wire.q.front().map(|x| x.2)]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(t) => {
                now = t;
                ticks_here = 0;
                idle_rounds = 0;
            }
            None => {
                // Nothing in flight and no timer: the step may just have queued data.
                idle_rounds += 1;
                assert!(idle_rounds < 3, "transfer stalled at {now} µs");
            }
        }
        assert!(now < 3_600_000_000, "stuck");
    }
}

fn connect(a: &mut dyn Side, b: &mut dyn Side, wire: &mut Wire) -> u64 {
    drive(a, b, wire, 0, |a, b, _| a.connected() && b.connected())
}

/// Move `total` bytes in `size`-byte messages from a to b; returns virtual µs taken.
#[allow(clippy::too_many_arguments)]
fn transfer(
    a: &mut dyn Side,
    b: &mut dyn Side,
    wire: &mut Wire,
    start: u64,
    total: usize,
    size: usize,
    buf: &mut [u8],
    msg: &[u8],
) -> u64 {
    let (mut queued, mut got) = (0usize, 0usize);
    let end = drive(a, b, wire, start, |a, b, now| {
        while queued < total && a.send(now, &msg[..size]) {
            queued += size;
        }
        got += b.recv(buf);
        got >= total
    });
    end - start
}

type Make = fn() -> (Box<dyn Side>, Box<dyn Side>);

fn stacks() -> Vec<(&'static str, Make)> {
    vec![
        ("sctp-core", || {
            let mut a = Core::new(DtlsRole::Client, 1);
            a.a.connect(Instant::ZERO, path());
            (Box::new(a), Box::new(Core::new(DtlsRole::Server, 2)))
        }),
        ("sctp-proto", || {
            let mut a = Proto::new(false);
            a.connect();
            (Box::new(a), Box::new(Proto::new(true)))
        }),
        ("dcsctp", || {
            let mut a = Dc::new();
            a.s.connect();
            (Box::new(a), Box::new(Dc::new()))
        }),
    ]
}

/// A stack as a netsim node.
struct SimSide {
    side: Box<dyn Side>,
    path: Path,
    out: VecDeque<Vec<u8>>,
}

impl netsim::Node for SimSide {
    fn handle_datagram(
        &mut self,
        now: Instant,
        _: Path,
        data: &[u8],
    ) -> Result<(), sansio::Rejected> {
        self.side.input(now.as_micros(), data);
        Ok(())
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.side.tick(now.as_micros());
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<sansio::Transmit> {
        if self.out.is_empty() {
            self.side.output(now.as_micros(), &mut self.out);
        }
        let p = self.out.pop_front()?;
        out[..p.len()].copy_from_slice(&p);
        Some(sansio::Transmit {
            path: self.path,
            len: p.len(),
        })
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.side.timeout().map(Instant::from_micros)
    }
}

/// Throughput in netsim: 25 ms each way, 1 % loss, 8 MiB in 16 KiB messages. Returns virtual
/// seconds.
fn netsim_lossy(make: Make) -> f64 {
    let mut net = netsim::Network::new(7);
    net.set_trace_capacity(0);
    let internet = net.internet();
    net.set_link(
        internet,
        netsim::LinkConfig {
            loss: 0.01,
            ..netsim::LinkConfig::with_delay(Duration::from_millis(25))
        },
    );
    let ha = net.add_host(internet, "10.0.0.1");
    let hb = net.add_host(internet, "10.0.0.2");
    let mut sim = netsim::Sim::new(net);
    let (a, b) = make();
    let a = sim.add_node(
        ha,
        SimSide {
            side: a,
            path: path(),
            out: VecDeque::new(),
        },
    );
    let b = sim.add_node(
        hb,
        SimSide {
            side: b,
            path: path_rev(),
            out: VecDeque::new(),
        },
    );
    let up = sim.run_until(Instant::from_secs(60), |s| {
        s.node::<SimSide>(a).side.connected() && s.node::<SimSide>(b).side.connected()
    });
    assert!(up, "no association in netsim");
    let start = sim.now();
    let (total, size) = (8usize << 20, 16usize << 10);
    let msg = vec![7u8; size];
    let mut buf = vec![0u8; 1 << 20];
    let (mut queued, mut got) = (0usize, 0usize);
    let done = sim.run_until(start + Duration::from_secs(3600), |s| {
        let now = s.now().as_micros();
        let sa = &mut s.node_mut::<SimSide>(a).side;
        while queued < total && sa.send(now, &msg) {
            queued += size;
        }
        got += s.node_mut::<SimSide>(b).side.recv(&mut buf);
        got >= total
    });
    assert!(done, "netsim transfer stalled");
    (sim.now() - start).as_secs_f64()
}

fn path_rev() -> Path {
    path().reversed()
}

fn report() {
    let mut buf = vec![0u8; 1 << 20];
    let msg = vec![7u8; 1 << 16];
    for (name, make) in stacks() {
        let secs = netsim_lossy(make);
        println!("sctp netsim (1 % loss, 50 ms RTT, 8 MiB): {name:<10} {:>6.3} MB/s ({secs:.1} virtual s)", 8.0 * 1.048_576 / secs);
    }
    // Heap held by a pair after a 4 MiB transfer, peak during it.
    for (name, make) in stacks() {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let (mut a, mut b) = make();
        let mut wire = Wire {
            q: VecDeque::new(),
            delay: 0,
            loss: 0,
            rng: 1,
        };
        let t0 = connect(&mut *a, &mut *b, &mut wire);
        transfer(&mut *a, &mut *b, &mut wire, t0, TOTAL, 1024, &mut buf, &msg);
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let held = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "sctp memory (pair, 4 MiB in 1 KiB): {name:<10} peak {:>8} KiB, held after {:>8} KiB",
            peak / 1024,
            held / 1024
        );
        drop((a, b));
    }
    // Allocations on our steady-state path: send, poll_transmit, handle_datagram, poll_message.
    let mut a = Core::new(DtlsRole::Client, 1);
    let mut b = Core::new(DtlsRole::Server, 2);
    a.a.connect(Instant::ZERO, path());
    let mut wire = Wire {
        q: VecDeque::with_capacity(4096),
        delay: 0,
        loss: 0,
        rng: 1,
    };
    let t0 = connect(&mut a, &mut b, &mut wire);
    let t1 = transfer(&mut a, &mut b, &mut wire, t0, 1 << 20, 1024, &mut buf, &msg) + t0;
    let (mut pkt, mut packets) = ([0u8; 1500], 0u64);
    let allocs = ALLOCS.load(Ordering::Relaxed);
    let now = Instant::from_micros(t1);
    for round in 0..200 {
        for _ in 0..8 {
            let _ = a.a.send(now, a.ch, MessageKind::Binary, &msg[..1024]);
        }
        while let Some(t) = a.a.poll_transmit(now, &mut pkt) {
            packets += 1;
            let _ = b.a.handle_datagram(now, path(), &pkt[..t.len]);
        }
        while let Some(t) = b.a.poll_transmit(now, &mut pkt) {
            packets += 1;
            let _ = a.a.handle_datagram(now, path(), &pkt[..t.len]);
        }
        while b.a.poll_message(&mut buf).ok().flatten().is_some() {}
        while a.a.poll_event().is_some() || b.a.poll_event().is_some() {}
        let _ = round;
    }
    let n = ALLOCS.load(Ordering::Relaxed) - allocs;
    println!("sctp-core steady state: {n} allocations over {packets} packets");
    assert_eq!(n, 0, "sctp-core allocated on its steady-state path");
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs each benchmark once in test mode: skip the long report.
    if std::env::args().any(|a| a == "--bench") {
        report();
    }
    let msg = vec![7u8; 1 << 16];
    for size in [1024usize, 64 << 10] {
        let mut g = c.benchmark_group(format!("sctp/4MiB_in_{}KiB", size / 1024));
        g.throughput(Throughput::Bytes(TOTAL as u64));
        g.sample_size(10);
        for (name, make) in stacks() {
            g.bench_function(name, |bch| {
                let mut buf = vec![0u8; 1 << 20];
                bch.iter_batched(
                    || {
                        let (mut a, mut b) = make();
                        let mut wire = Wire {
                            q: VecDeque::new(),
                            delay: 0,
                            loss: 0,
                            rng: 1,
                        };
                        let t0 = connect(&mut *a, &mut *b, &mut wire);
                        (a, b, wire, t0)
                    },
                    |(mut a, mut b, mut wire, t0)| {
                        transfer(&mut *a, &mut *b, &mut wire, t0, TOTAL, size, &mut buf, &msg)
                    },
                    BatchSize::PerIteration,
                );
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
