//! TURN server core: ChannelData decode + route (client → peer), peer datagram → ChannelData
//! or Data indication (copying and in place), and allocation set-up (401 challenge,
//! authenticated Allocate, relay answer).
//!
//! `cargo bench -p bench --bench turn`

use core::net::SocketAddr;
use core::time::Duration;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};
use std::hint::black_box;
use turn_proto::client::{TurnClient, TurnClientConfig};
use turn_proto::server::PEER_HEADROOM;
use turn_proto::server::{HeapTables, Output, ServerEvent, TurnAuth, TurnConfig, TurnServer};
use turn_proto::stun_proto::auth::StaticUsers;
use turn_proto::wire::ChannelData;

#[global_allocator]
static GLOBAL: bench::Counting = bench::Counting;

type Server = TurnServer<StaticUsers<1>, SeededEntropy, HeapTables>;
type Client = TurnClient<SeededEntropy, 4>;

fn a(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn new_server(max: usize) -> Server {
    let mut e = SeededEntropy::new(1);
    let mut users = StaticUsers::new("bench").unwrap();
    users.add("bench", "pass").unwrap();
    let auth = TurnAuth::new("bench", users, Duration::from_secs(600), &mut e).unwrap();
    let config = TurnConfig {
        max_allocations: max,
        ..TurnConfig::default()
    };
    TurnServer::new(config, auth, e)
}

/// Run one client's handshake to completion; returns its relayed address.
fn handshake(server: &mut Server, client: &mut Client, now: Instant, port: &mut u16) {
    let mut buf = [0u8; 1500];
    let mut out = [0u8; 1500];
    for _ in 0..4 {
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            if let Ok(Output::Reply(r)) =
                server.handle_client_datagram(now, t.path.reversed(), &buf[..t.len], &mut out)
            {
                let _ = client.handle_datagram(now, r.path.reversed(), &out[..r.len]);
            }
        }
        while let Some(ev) = server.poll_event() {
            if let ServerEvent::AllocateRelay(req) = ev {
                *port = port.wrapping_add(1).max(1024);
                let relay = SocketAddr::new(a("203.0.113.1:0").ip(), *port);
                server.relay_allocated(now, req.id, relay, None);
                while let Some(r) = server.poll_transmit(now, &mut out) {
                    let _ = client.handle_datagram(now, r.path.reversed(), &out[..r.len]);
                }
            }
        }
    }
}

fn client_at(port: u16) -> Client {
    let path = Path::udp(
        SocketAddr::new(a("192.0.2.1:0").ip(), port),
        a("203.0.113.1:3478"),
    );
    TurnClient::new(
        TurnClientConfig::new(path),
        "bench",
        "pass",
        SeededEntropy::new(u64::from(port)),
    )
    .unwrap()
}

/// A server with `n` allocations, each with a channel to its own peer; returns the last
/// client's 5-tuple (as the server sees it), its relay, peer and channel.
fn populated(n: u16) -> (Server, Path, SocketAddr, SocketAddr, u16) {
    let mut server = new_server(usize::from(n) + 16);
    let now = Instant::from_secs(1);
    let mut port = 40_000;
    let mut last = None;
    for i in 0..n {
        let mut c = client_at(10_000 + i);
        c.allocate(now).unwrap();
        handshake(&mut server, &mut c, now, &mut port);
        let peer = SocketAddr::new(a("198.51.100.7:0").ip(), 5000 + i);
        let ch = c.bind_channel(now, peer).unwrap();
        handshake(&mut server, &mut c, now, &mut port);
        assert_eq!(c.channel_of(peer, now), Some(ch));
        last = Some((
            c.server().reversed(),
            c.relayed_address().unwrap(),
            peer,
            ch,
        ));
    }
    let (path, relay, peer, ch) = last.unwrap();
    (server, path, relay, peer, ch)
}

fn relay_paths(c: &mut Criterion) {
    let mut g = c.benchmark_group("turn_relay");
    for allocations in [1u16, 1000] {
        let (mut server, path, relay, peer, ch) = populated(allocations);
        let now = Instant::from_secs(2);
        let payload = [0x5Au8; 1200];
        let mut frame = [0u8; 1300];
        let n = ChannelData::emit(ch, &payload, false, &mut frame).unwrap();
        let mut out = [0u8; 1500];
        let mut buf = [0u8; 1300];
        bench::assert_no_allocations(
            &format!("turn-proto relay paths, {allocations} allocations"),
            10_000,
            || {
                let o = server.handle_client_datagram(now, path, &frame[..n], &mut out);
                assert!(matches!(o, Ok(Output::Relay { .. })));
                black_box(server.handle_peer_datagram(now, relay, peer, &payload, &mut out))
                    .unwrap();
                black_box(server.handle_peer_datagram_in_place(
                    now,
                    relay,
                    peer,
                    &mut buf,
                    PEER_HEADROOM,
                    1200,
                ))
                .unwrap();
            },
        );
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("channel_data_to_peer/{allocations}_allocs"), |b| {
            b.iter(|| {
                let o = server.handle_client_datagram(
                    now,
                    black_box(path),
                    black_box(&frame[..n]),
                    &mut out,
                );
                assert!(matches!(o, Ok(Output::Relay { .. })));
            })
        });
        g.bench_function(
            format!("peer_to_channel_data_copy/{allocations}_allocs"),
            |b| {
                b.iter(|| {
                    server
                        .handle_peer_datagram(
                            now,
                            black_box(relay),
                            black_box(peer),
                            black_box(&payload),
                            &mut out,
                        )
                        .unwrap()
                })
            },
        );
        g.bench_function(
            format!("peer_to_channel_data_in_place/{allocations}_allocs"),
            |b| {
                b.iter(|| {
                    server
                        .handle_peer_datagram_in_place(
                            now,
                            black_box(relay),
                            black_box(peer),
                            &mut buf,
                            PEER_HEADROOM,
                            1200,
                        )
                        .unwrap()
                })
            },
        );
    }
    g.bench_function("channel_data_decode_only", |b| {
        let mut frame = [0u8; 1300];
        let n = ChannelData::emit(0x4001, &[1u8; 1200], false, &mut frame).unwrap();
        b.iter(|| {
            ChannelData::new_checked(black_box(&frame[..n]))
                .unwrap()
                .payload()
                .len()
        })
    });
    g.finish();
}

fn allocation_setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("turn_allocation");
    g.bench_function("allocate_401_retry_relay", |b| {
        let mut server = new_server(1 << 20);
        let now = Instant::from_secs(1);
        let mut port = 40_000u16;
        let mut client_port = 0u16;
        b.iter_batched(
            || {
                client_port = client_port.wrapping_add(1).max(1);
                let mut c = client_at(client_port);
                c.allocate(now).unwrap();
                c
            },
            |mut c| {
                handshake(&mut server, &mut c, now, &mut port);
                let path = c.server().reversed();
                assert!(c.relayed_address().is_some());
                server.close_client(&path);
                while server.poll_event().is_some() {}
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, relay_paths, allocation_setup);
criterion_main!(benches);
