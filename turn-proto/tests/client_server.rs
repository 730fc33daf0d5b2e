//! Our TURN client against our TURN server, in virtual time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, Transport};
use stun_proto::wire::attr::ErrorCode;
use turn_proto::client::TurnEvent;
use turn_proto::server::{AllocationUsage, CloseReason, PeerFilter, ServerEvent, TurnConfig};

fn net(user: &str, pass: &str) -> Net {
    Net::new(
        server(TurnConfig::default()),
        client(user, pass, Transport::Udp, 1),
    )
}

#[test]
fn allocate_permission_send_indication_then_channel() {
    let mut n = net("alice", "secret");
    let relayed = n.allocate();
    assert_eq!(relayed, addr("203.0.113.1:50000"));
    assert_eq!(n.client.mapped_address(), Some(addr(CLIENT)));
    assert_eq!(n.server.relayed_address(&n.server_view()), Some(relayed));
    let peer = addr(PEER);
    n.client.create_permission(n.now, peer.ip()).unwrap();
    n.pump();
    assert!(n
        .client_events
        .contains(&TurnEvent::PermissionCreated { peer: peer.ip() }));

    // Send indication out, Data indication back.
    n.send(peer, b"via send");
    assert_eq!(
        n.to_peers.last().unwrap(),
        &(relayed, peer, b"via send".to_vec())
    );
    assert!(n.peer_sends(peer, b"via data"));
    assert_eq!(
        n.received.last().unwrap(),
        &(peer, b"via data".to_vec(), None)
    );

    // Channel: ChannelData both ways.
    let ch = n.client.bind_channel(n.now, peer).unwrap();
    n.pump();
    assert!(n
        .client_events
        .contains(&TurnEvent::ChannelBound { peer, channel: ch }));
    assert_eq!(n.client.channel_of(peer, n.now), Some(ch));
    let mut buf = [0u8; 64];
    let t = n.client.send_to(n.now, peer, b"chan", &mut buf).unwrap();
    assert_eq!(
        &buf[..t.len],
        &[0x40, 0x00, 0x00, 0x04, b'c', b'h', b'a', b'n']
    );
    n.send(peer, b"chan");
    assert_eq!(n.to_peers.last().unwrap().2, b"chan");
    assert!(n.peer_sends(peer, b"back"));
    assert_eq!(
        n.received.last().unwrap(),
        &(peer, b"back".to_vec(), Some(ch))
    );

    // A peer without permission gets nowhere.
    assert!(!n.peer_sends(addr("198.51.100.8:6000"), b"stranger"));
    let stats = n.server.stats();
    assert_eq!(stats.packets_to_peers, 2);
    assert_eq!(stats.packets_to_clients, 2);
    assert_eq!(stats.dropped_no_route, 1);
    assert_eq!(stats.allocations_created, 1);

    // The allocation's own usage: what was relayed for alice, both ways.
    let want = AllocationUsage {
        packets_to_peers: 2,
        bytes_to_peers: 8 + 4,
        packets_to_clients: 2,
        bytes_to_clients: 8 + 4,
    };
    let mut seen = vec![];
    n.server
        .for_each_usage(|_, user, relay, u| seen.push((user.to_string(), relay, u)));
    assert_eq!(seen, [("alice".to_string(), relayed, want)]);
    // Its closing event carries the final count.
    n.client.delete(n.now).unwrap();
    n.pump();
    let closed = n.server_events.iter().find_map(|e| match e {
        ServerEvent::AllocationClosed { usage, .. } => Some(*usage),
        _ => None,
    });
    assert_eq!(closed, Some(want));
}

#[test]
fn refreshes_keep_everything_alive_for_an_hour_then_delete() {
    let mut n = net("alice", "secret");
    n.allocate();
    let peer = addr(PEER);
    n.client.bind_channel(n.now, peer).unwrap();
    n.client
        .create_permission(n.now, "198.51.100.9".parse().unwrap())
        .unwrap();
    n.pump();
    n.advance(Duration::from_secs(3600), Duration::from_secs(5));
    assert!(
        !n.client_events.iter().any(|e| matches!(
            e,
            TurnEvent::Expired
                | TurnEvent::RefreshFailed { .. }
                | TurnEvent::PermissionFailed { .. }
                | TurnEvent::ChannelBindFailed { .. }
        )),
        "{:?}",
        n.client_events
    );
    assert!(
        n.client_events
            .iter()
            .filter(|e| matches!(e, TurnEvent::Refreshed { .. }))
            .count()
            >= 6
    );
    assert!(n.peer_sends(peer, b"still here"));
    assert_eq!(
        n.received.last().unwrap().2,
        n.client.channel_of(peer, n.now)
    );
    assert!(n.peer_sends(addr("198.51.100.9:1"), b"perm kept"));
    n.client.delete(n.now).unwrap();
    n.pump();
    assert!(
        n.client_events.contains(&TurnEvent::Deleted),
        "{:?}",
        &n.client_events[n.client_events.len().saturating_sub(3)..]
    );
    assert_eq!(n.server.allocation_count(), 0);
    assert!(n.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::AllocationClosed {
            reason: CloseReason::Deleted,
            ..
        }
    )));
    assert_eq!(n.server.poll_timeout(), None);
}

#[test]
fn unrefreshed_allocation_expires_on_both_sides() {
    let mut n = net("alice", "secret");
    n.allocate();
    // Drive only the server's clock: the client never refreshes.
    n.now += Duration::from_secs(601);
    n.server.handle_timeout(n.now);
    n.drain_server();
    assert_eq!(n.server.allocation_count(), 0);
    assert!(n.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::AllocationClosed {
            reason: CloseReason::Expired,
            ..
        }
    )));
    n.client.handle_timeout(n.now);
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::Expired));
}

#[test]
fn wrong_password_is_refused() {
    let mut n = net("alice", "wrong");
    n.client.allocate(n.now).unwrap();
    n.pump();
    assert!(
        n.client_events.contains(&TurnEvent::AllocationFailed {
            code: Some(ErrorCode::UNAUTHENTICATED)
        }),
        "{:?}",
        n.client_events
    );
    assert_eq!(n.server.allocation_count(), 0);
    assert_eq!(n.server.stats().auth_failures, 1);
    let mut unknown = net("mallory", "x");
    unknown.client.allocate(unknown.now).unwrap();
    unknown.pump();
    assert!(unknown
        .client_events
        .contains(&TurnEvent::AllocationFailed {
            code: Some(ErrorCode::UNAUTHENTICATED)
        }));
}

#[test]
fn rest_credentials_valid_and_expired() {
    let secret = SECRET.as_bytes();
    // The server's wall clock is 1_700_000_000 at Instant::ZERO; Net starts at 1 s.
    for (expiry, ok) in [(1_700_086_400u64, true), (1_699_999_000, false)] {
        let user = format!("{expiry}:carol");
        let mut pass = [0u8; 28];
        let len = turn_proto::rest::password(secret, &user, &mut pass);
        let pass = core::str::from_utf8(&pass[..len]).unwrap();
        let mut n = net(&user, pass);
        n.client.allocate(n.now).unwrap();
        n.pump();
        let allocated = n
            .client_events
            .iter()
            .any(|e| matches!(e, TurnEvent::Allocated { .. }));
        assert_eq!(allocated, ok, "{user}: {:?}", n.client_events);
    }
}

#[test]
fn denied_peers_get_403_and_family_mismatch_443() {
    let mut n = net("alice", "secret");
    n.allocate();
    for denied in [
        "10.0.0.1",
        "127.0.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "203.0.113.1",
    ] {
        let ip = denied.parse().unwrap();
        n.client.create_permission(n.now, ip).unwrap();
        n.pump();
        assert!(
            n.client_events.contains(&TurnEvent::PermissionFailed {
                peer: ip,
                code: Some(ErrorCode::FORBIDDEN)
            }),
            "{denied}"
        );
    }
    let v6 = addr("[2001:db8::1]:5000");
    n.client.bind_channel(n.now, v6).unwrap();
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::ChannelBindFailed {
        peer: v6,
        code: Some(ErrorCode::PEER_ADDRESS_FAMILY_MISMATCH)
    }));
    let config = TurnConfig {
        peer_filter: PeerFilter::new().allow_loopback().unwrap(),
        ..TurnConfig::default()
    };
    let mut open = Net::new(server(config), client("alice", "secret", Transport::Udp, 2));
    open.allocate();
    open.client
        .create_permission(open.now, "127.0.0.1".parse().unwrap())
        .unwrap();
    open.pump();
    assert!(open.client_events.contains(&TurnEvent::PermissionCreated {
        peer: "127.0.0.1".parse().unwrap()
    }));
}

#[test]
fn per_user_and_total_quotas() {
    let config = TurnConfig {
        max_allocations_per_user: 1,
        max_allocations: 2,
        ..TurnConfig::default()
    };
    let mut n = Net::new(server(config), client("alice", "secret", Transport::Udp, 1));
    n.allocate();
    // A second allocation for alice from another port: 486.
    let mut c2 = client("alice", "secret", Transport::Udp, 2);
    let other = Path {
        local: addr("192.0.2.10:40001"),
        ..client_path(Transport::Udp)
    };
    c2 = {
        let cfg = turn_proto::client::TurnClientConfig::new(other);
        let _ = c2;
        turn_proto::client::TurnClient::new(cfg, "alice", "secret", sansio::SeededEntropy::new(2))
            .unwrap()
    };
    let first = std::mem::replace(&mut n.client, c2);
    n.client_events.clear();
    n.client.allocate(n.now).unwrap();
    n.pump();
    assert!(
        n.client_events.contains(&TurnEvent::AllocationFailed {
            code: Some(ErrorCode::ALLOCATION_QUOTA_REACHED)
        }),
        "{:?}",
        n.client_events
    );
    // Bob may (total 2), a third user may not.
    let bob = turn_proto::client::TurnClient::new(
        turn_proto::client::TurnClientConfig::new(Path {
            local: addr("192.0.2.11:1"),
            ..other
        }),
        "bob",
        "hunter2",
        sansio::SeededEntropy::new(3),
    )
    .unwrap();
    n.client = bob;
    n.client_events.clear();
    n.allocate();
    let mut pass = [0u8; 28];
    let len = turn_proto::rest::password(SECRET.as_bytes(), "1800000000:dave", &mut pass);
    let dave = turn_proto::client::TurnClient::new(
        turn_proto::client::TurnClientConfig::new(Path {
            local: addr("192.0.2.12:1"),
            ..other
        }),
        "1800000000:dave",
        core::str::from_utf8(&pass[..len]).unwrap(),
        sansio::SeededEntropy::new(4),
    )
    .unwrap();
    n.client = dave;
    n.client_events.clear();
    n.client.allocate(n.now).unwrap();
    n.pump();
    // The server's total is a capacity limit (508), not the user's quota (486).
    assert!(
        n.client_events.contains(&TurnEvent::AllocationFailed {
            code: Some(ErrorCode::INSUFFICIENT_CAPACITY)
        }),
        "{:?}",
        n.client_events
    );
    drop(first);
    assert_eq!(n.server.allocation_count(), 2);
}

#[test]
fn stale_nonce_is_retried_transparently() {
    let mut n = net("alice", "secret");
    n.allocate();
    // Nonces last 600 s; the first refresh comes at 540 s, the next at 1080 s with a stale
    // nonce: the server answers 438 and the client retries with the fresh one.
    n.advance(Duration::from_secs(1200), Duration::from_secs(10));
    assert!(
        n.client_events
            .iter()
            .filter(|e| matches!(e, TurnEvent::Refreshed { .. }))
            .count()
            >= 2
    );
    assert!(!n
        .client_events
        .iter()
        .any(|e| matches!(e, TurnEvent::RefreshFailed { .. })));
}

#[test]
fn tcp_control_connection_pads_channel_data() {
    let mut n = Net::new(
        server(TurnConfig::default()),
        client("alice", "secret", Transport::Tcp, 1),
    );
    n.allocate();
    let peer = addr(PEER);
    let ch = n.client.bind_channel(n.now, peer).unwrap();
    n.pump();
    let mut buf = [0u8; 64];
    let t = n.client.send_to(n.now, peer, b"abcde", &mut buf).unwrap();
    assert_eq!(t.len, 12);
    assert_eq!(&buf[..4], &[(ch >> 8) as u8, ch as u8, 0, 5]);
    let relay = n.client.relayed_address().unwrap();
    let mut out = [0u8; 64];
    let t = n
        .server
        .handle_peer_datagram(n.now, relay, peer, b"xyz", &mut out)
        .unwrap();
    assert_eq!(t.len, 8);
    assert_eq!(t.path.transport, Transport::Tcp);
}

#[test]
fn rfc6062_connect_and_bind() {
    let mut cfg = turn_proto::client::TurnClientConfig::new(client_path(Transport::Tcp));
    cfg.protocol = turn_proto::wire::RelayProtocol::Tcp;
    let c =
        turn_proto::client::TurnClient::new(cfg, "alice", "secret", sansio::SeededEntropy::new(5))
            .unwrap();
    let mut n = Net::new(server(TurnConfig::default()), c);
    n.allocate();
    let peer = addr(PEER);
    n.client.create_permission(n.now, peer.ip()).unwrap();
    n.client.connect(n.now, peer).unwrap();
    n.pump();
    let conn = n
        .server_events
        .iter()
        .find_map(|e| match e {
            ServerEvent::ConnectPeer {
                connection,
                peer: p,
                ..
            } if *p == peer => Some(*connection),
            _ => None,
        })
        .expect("ConnectPeer");
    let mut out = [0u8; 512];
    assert!(n.server.peer_connected(n.now, conn));
    let t = n.server.poll_transmit(n.now, &mut out).unwrap();
    let d = out[..t.len].to_vec();
    n.deliver_to_client(t.path.reversed(), &d);
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::PeerConnected {
        peer,
        connection: conn.0
    }));
    let data = Path {
        local: addr("192.0.2.10:40002"),
        ..client_path(Transport::Tcp)
    };
    n.client.connection_bind(n.now, data, conn.0).unwrap();
    n.pump();
    assert!(
        n.client_events
            .contains(&TurnEvent::ConnectionBound { connection: conn.0 }),
        "{:?}",
        n.client_events
    );
    assert!(n.server_events.iter().any(|e| matches!(e, ServerEvent::ConnectionBound { connection, data: d } if *connection == conn && d.remote == data.local)));
    // No channels on a TCP allocation (RFC 6062): 400.
    n.client.bind_channel(n.now, peer).unwrap();
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::ChannelBindFailed {
        peer,
        code: Some(ErrorCode::BAD_REQUEST)
    }));
    // A second Connect to the same peer: 446.
    n.client.connect(n.now, peer).unwrap();
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::ConnectFailed {
        peer,
        code: Some(ErrorCode::CONNECTION_ALREADY_EXISTS)
    }));
    // An incoming connection from the permitted peer: ConnectionAttempt; not bound in 30 s: closed.
    let relay = n.client.relayed_address().unwrap();
    let id = n
        .server
        .peer_connection_incoming(n.now, relay, addr("198.51.100.7:7000"))
        .unwrap();
    let t = n.server.poll_transmit(n.now, &mut out).unwrap();
    let d = out[..t.len].to_vec();
    n.deliver_to_client(t.path.reversed(), &d);
    n.pump();
    assert!(n.client_events.contains(&TurnEvent::ConnectionAttempt {
        peer: addr("198.51.100.7:7000"),
        connection: id.0
    }));
    assert!(n
        .server
        .peer_connection_incoming(n.now, relay, addr("198.51.100.99:1"))
        .is_none());
    assert!(n.server.poll_transmit(n.now, &mut out).is_none());
    n.now += Duration::from_secs(31);
    n.server.handle_timeout(n.now);
    n.drain_server();
    assert!(n
        .server_events
        .contains(&ServerEvent::CloseConnection { connection: id }));
    // Closing the control connection ends the allocation and its connections.
    n.server.close_client(&n.server_view());
    n.drain_server();
    assert!(n
        .server_events
        .contains(&ServerEvent::CloseConnection { connection: conn }));
    assert_eq!(n.server.connection_count(), 0);
    let _ = Instant::ZERO;
}

#[test]
fn fixed_tables_without_alloc_refuse_beyond_capacity() {
    use turn_proto::client::{TurnClient, TurnClientConfig};
    use turn_proto::server::{FixedTables, Output, TurnAuth, TurnServer};
    let mut e = sansio::SeededEntropy::new(3);
    let auth = TurnAuth::new(REALM, users(REALM), Duration::from_secs(600), &mut e).unwrap();
    // Two allocations fit; max_allocations is larger, so the third hits the tables: 508.
    let mut s: TurnServer<Users, sansio::SeededEntropy, FixedTables<2, 2>> = TurnServer::new(
        TurnConfig {
            max_allocations: 10,
            ..TurnConfig::default()
        },
        auth,
        e,
    );
    let now = Instant::from_secs(1);
    let mut results = Vec::new();
    for i in 0..3u16 {
        let path = Path {
            local: addr(&format!("192.0.2.10:{}", 1000 + i)),
            ..client_path(Transport::Udp)
        };
        let mut c: TurnClient<sansio::SeededEntropy, 2> = TurnClient::new(
            TurnClientConfig::new(path),
            "alice",
            "secret",
            sansio::SeededEntropy::new(u64::from(i)),
        )
        .unwrap();
        c.allocate(now).unwrap();
        let (mut buf, mut out) = ([0u8; 1500], [0u8; 1500]);
        for _ in 0..4 {
            while let Some(t) = c.poll_transmit(now, &mut buf) {
                if let Ok(Output::Reply(r)) =
                    s.handle_client_datagram(now, t.path.reversed(), &buf[..t.len], &mut out)
                {
                    let _ = c.handle_datagram(now, r.path.reversed(), &out[..r.len]);
                }
            }
            while let Some(ev) = s.poll_event() {
                if let ServerEvent::AllocateRelay(req) = ev {
                    let relay = addr(&format!("203.0.113.1:{}", 50_000 + i));
                    s.relay_allocated(now, req.id, relay, None);
                    while let Some(r) = s.poll_transmit(now, &mut out) {
                        let _ = c.handle_datagram(now, r.path.reversed(), &out[..r.len]);
                    }
                }
            }
        }
        while let Some(ev) = c.poll_event() {
            results.push(ev);
        }
    }
    assert_eq!(
        results
            .iter()
            .filter(|e| matches!(e, TurnEvent::Allocated { .. }))
            .count(),
        2
    );
    assert!(
        results.contains(&TurnEvent::AllocationFailed {
            code: Some(ErrorCode::INSUFFICIENT_CAPACITY)
        }),
        "{results:?}"
    );
    s.check_invariants().unwrap();
}

#[test]
fn tcp_stream_cut_by_the_deframer_in_odd_chunks() {
    use turn_proto::wire::{Deframer, FrameKind};
    let mut n = Net::new(
        server(TurnConfig::default()),
        client("alice", "secret", Transport::Tcp, 1),
    );
    n.allocate();
    let peer = addr(PEER);
    n.client.bind_channel(n.now, peer).unwrap();
    n.pump();
    // The server writes three messages back to back on the TCP connection: two ChannelData
    // (padded) and a Data indication from a peer without a channel.
    n.client
        .create_permission(n.now, "198.51.100.9".parse().unwrap())
        .unwrap();
    n.pump();
    let relay = n.client.relayed_address().unwrap();
    let mut stream = Vec::new();
    let mut out = [0u8; 1500];
    for (from, data) in [
        (peer, &b"one"[..]),
        (addr("198.51.100.9:1"), b"two!"),
        (peer, b"three"),
    ] {
        let t = n
            .server
            .handle_peer_datagram(n.now, relay, from, data, &mut out)
            .unwrap();
        stream.extend_from_slice(&out[..t.len]);
    }
    let mut d = Deframer::<1600>::new();
    let mut got = Vec::new();
    let mut kinds = Vec::new();
    for chunk in stream.chunks(5) {
        assert_eq!(d.push(chunk), chunk.len());
        while let Some((kind, frame)) = d.next_frame().unwrap() {
            kinds.push(kind);
            let frame = frame.to_vec();
            let path = n.client.server();
            let pd = n
                .client
                .handle_datagram(n.now, path, &frame)
                .unwrap()
                .unwrap();
            got.push((pd.peer, pd.data.to_vec()));
        }
    }
    assert_eq!(
        kinds,
        [
            FrameKind::ChannelData,
            FrameKind::Stun,
            FrameKind::ChannelData
        ]
    );
    assert_eq!(
        got,
        [
            (peer, b"one".to_vec()),
            (addr("198.51.100.9:1"), b"two!".to_vec()),
            (peer, b"three".to_vec())
        ]
    );
}

#[test]
fn external_ip_is_announced_and_the_private_relay_still_routes() {
    let config = TurnConfig {
        external_v4: Some("192.0.2.99".parse().unwrap()),
        ..TurnConfig::default()
    };
    let mut n = Net::new(server(config), client("alice", "secret", Transport::Udp, 1));
    let announced = n.allocate();
    assert_eq!(announced, addr("192.0.2.99:50000"), "public IP, relay port");
    let private = n.server.relayed_address(&n.server_view()).unwrap();
    assert_eq!(private, addr("203.0.113.1:50000"));
    let peer = addr(PEER);
    n.client.create_permission(n.now, peer.ip()).unwrap();
    n.pump();
    // Peers reach the relay through the NAT: the server sees the private address.
    let mut out = [0u8; 1500];
    let t = n
        .server
        .handle_peer_datagram(n.now, private, peer, b"hi", &mut out)
        .expect("relayed to the client");
    let d = out[..t.len].to_vec();
    n.deliver_to_client(t.path.reversed(), &d);
    assert_eq!(n.received.last().unwrap(), &(peer, b"hi".to_vec(), None));
}

#[test]
fn alternate_server_redirects_allocate_with_300() {
    let alternate = addr("203.0.113.2:3478");
    let config = TurnConfig {
        alternate_server: Some(alternate),
        ..TurnConfig::default()
    };
    let mut n = Net::new(server(config), client("alice", "secret", Transport::Udp, 1));
    n.client.allocate(n.now).unwrap();
    n.pump();
    assert!(
        n.client_events
            .contains(&TurnEvent::TryAlternate { server: alternate }),
        "{:?}",
        n.client_events
    );
    assert_eq!(n.server.allocation_count(), 0);
    assert!(!n
        .server_events
        .iter()
        .any(|e| matches!(e, ServerEvent::AllocateRelay(_))));
}

#[test]
fn peer_filter_and_rest_secret_replaced_at_runtime() {
    let mut n = net("alice", "secret");
    n.allocate();
    let peer = addr(PEER);
    n.client.create_permission(n.now, peer.ip()).unwrap();
    n.pump();
    assert!(n
        .client_events
        .contains(&TurnEvent::PermissionCreated { peer: peer.ip() }));
    let denied = PeerFilter::new()
        .deny(turn_proto::server::IpRange::parse("198.51.100.0/24").unwrap())
        .unwrap();
    n.server.set_peer_filter(denied);
    let other = addr("198.51.100.8:6000");
    n.client.create_permission(n.now, other.ip()).unwrap();
    n.pump();
    assert!(
        n.client_events.iter().any(|e| matches!(
            e,
            TurnEvent::PermissionFailed { code: Some(c), .. } if *c == ErrorCode::FORBIDDEN
        )),
        "{:?}",
        n.client_events
    );
    assert_eq!(n.server.allocation_count(), 1, "the allocation stays");
    assert!(n.server.auth_mut().set_rest_secret(Some(b"")).is_err());
    n.server.auth_mut().set_rest_secret(None).unwrap();
}

#[test]
fn several_rest_secrets_for_rotation() {
    let allocates = |server: Server, secret: &str| {
        let user = "1700086400:carol";
        let mut pass = [0u8; 28];
        let len = turn_proto::rest::password(secret.as_bytes(), user, &mut pass);
        let pass = core::str::from_utf8(&pass[..len]).unwrap();
        let mut n = Net::new(server, client(user, pass, Transport::Udp, 1));
        n.client.allocate(n.now).unwrap();
        n.pump();
        n.client_events
            .iter()
            .any(|e| matches!(e, TurnEvent::Allocated { .. }))
    };
    let two = || {
        let mut s = server(TurnConfig::default());
        let secrets: [&[u8]; 2] = [b"old", b"new"];
        s.auth_mut().set_rest_secrets(secrets.into_iter()).unwrap();
        s
    };
    assert!(allocates(two(), "old"));
    assert!(allocates(two(), "new"));
    assert!(!allocates(two(), "other"));
    assert!(
        !allocates(two(), SECRET),
        "the replaced secret no longer works"
    );
    let mut s = server(TurnConfig::default());
    let nine = [b"s".as_slice(); 9];
    assert!(s.auth_mut().set_rest_secrets(nine.into_iter()).is_err());
    assert!(
        allocates(s, SECRET),
        "a refused replacement changes nothing"
    );
}
