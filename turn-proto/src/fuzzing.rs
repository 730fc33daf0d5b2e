//! Fuzz target bodies, compiled in every build so normal tests exercise them too
//! (`fuzz/fuzz_targets/turn_*.rs` call these).
#![allow(missing_docs, clippy::panic)]

use crate::client::{TurnClient, TurnClientConfig, TurnEvent};
use crate::server::{
    FixedTables, Output, PeerFilter, ServerEvent, TurnAuth, TurnConfig, TurnServer,
};
use crate::wire::{frame_len, ChannelData, Deframer};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy, Transport};
use stun_proto::auth::{IntegrityKey, KeyLookup};
use stun_proto::wire::attr::PasswordAlgorithm;
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method};

/// Parse as a TURN message; every TURN attribute that decodes must re-encode to the same
/// bytes. Also runs the stream framer over the input.
pub fn turn_message(data: &[u8]) {
    if let Ok(msg) = Message::new_checked(data) {
        let tid = msg.transaction_id();
        let mut buf = [0u8; 1024];
        for raw in msg.attributes() {
            if !stun_proto::wire::attr::is_turn(raw.kind) {
                continue;
            }
            let Ok(attr) = raw.decode(&tid) else {
                continue;
            };
            let kind = MessageType::new(Method::SEND, Class::Indication);
            let Ok(mut b) = MessageBuilder::new(&mut buf, kind, tid) else {
                continue;
            };
            if b.add(&attr).is_err() {
                continue;
            }
            let len = b.finish();
            let again = Message::new_checked(buf.get(..len).unwrap_or(&[]))
                .ok()
                .and_then(|m| m.attributes().next())
                .map(|r| r.decode(&tid));
            if again != Some(Ok(attr)) {
                panic!("{attr:?} does not round-trip: {again:?}");
            }
        }
    }
    let _ = frame_len(data);
    let mut d = Deframer::<256>::new();
    let mut rest = data;
    for _ in 0..64 {
        let n = d.push(rest);
        rest = rest.get(n..).unwrap_or(&[]);
        let mut frames = 0;
        while let Ok(Some(_)) = d.next_frame() {
            frames += 1;
            if frames > 64 {
                break;
            }
        }
        if n == 0 {
            break;
        }
    }
}

/// Parse as ChannelData; a valid one must re-emit byte for byte (up to padding).
pub fn channel_data(data: &[u8]) {
    let Ok(cd) = ChannelData::new_checked(data) else {
        return;
    };
    let mut buf = [0u8; 65_600];
    let pad = data.len() % 4 == 0 && data.len() != 4 + cd.payload().len();
    let Ok(n) = ChannelData::emit(cd.channel(), cd.payload(), pad, &mut buf) else {
        panic!("valid ChannelData does not re-emit");
    };
    if buf.get(..4 + cd.payload().len()) != data.get(..4 + cd.payload().len()) || n < data.len() - 3
    {
        panic!("ChannelData does not round-trip");
    }
}

struct Users;
impl KeyLookup for Users {
    fn long_term_key(
        &self,
        user: &str,
        realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        (user == "fuzz").then(|| IntegrityKey::long_term(b"fuzz", realm.as_bytes(), b"pass", alg))
    }
}

type Server = TurnServer<Users, SeededEntropy, FixedTables<16, 8>>;

const SERVER: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(203, 0, 113, 1)),
    3478,
);
const CLIENT: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(192, 0, 2, 1)),
    4000,
);
const PEER: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(198, 51, 100, 7)),
    5000,
);

/// A server with one allocation (a permission and a channel for `PEER`), then `data` as a
/// script of client datagrams, peer datagrams, time steps and relay answers. The server's
/// invariants are checked after every step.
pub fn server_session(data: &[u8]) {
    let Some((mut server, relay, mut now)) = set_up() else {
        panic!("set-up failed");
    };
    let mut rest = data;
    let mut out = [0u8; 1600];
    let mut answer = 0u16;
    while let [op, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (chunk, r) = tail.split_at(n);
        rest = r;
        let main = Path::udp(SERVER, CLIENT);
        match op % 7 {
            0 => {
                let _ = server.handle_client_datagram(now, main, chunk, &mut out);
            }
            1 => {
                let port = u16::from(*op) + 1;
                let other = Path {
                    transport: pick_transport(*op),
                    local: SERVER,
                    remote: SocketAddr::new(CLIENT.ip(), port),
                };
                let _ = server.handle_client_datagram(now, other, chunk, &mut out);
            }
            2 => {
                let _ = server.handle_peer_datagram(now, relay, PEER, chunk, &mut out);
            }
            3 => {
                let peer = SocketAddr::new(PEER.ip(), u16::from(*op));
                let mut buf = [0u8; 1600];
                let at = crate::server::PEER_HEADROOM;
                if let Some(dst) = buf.get_mut(at..at + chunk.len().min(1500)) {
                    dst.copy_from_slice(chunk.get(..dst.len()).unwrap_or(&[]));
                }
                let _ = server.handle_peer_datagram_in_place(
                    now,
                    relay,
                    peer,
                    &mut buf,
                    at,
                    chunk.len().min(1500),
                );
            }
            4 => {
                now += Duration::from_secs(u64::from(chunk.first().copied().unwrap_or(1)) * 8);
                server.handle_timeout(now);
            }
            5 => {
                let mut frame = [0u8; 1600];
                let channel = 0x4000 | u16::from(*op >> 3);
                if let Ok(n) = ChannelData::emit(channel, chunk, false, &mut frame) {
                    let _ = server.handle_client_datagram(
                        now,
                        main,
                        frame.get(..n).unwrap_or(&[]),
                        &mut out,
                    );
                }
            }
            _ => {}
        }
        while let Some(ev) = server.poll_event() {
            if let ServerEvent::AllocateRelay(req) = ev {
                answer = answer.wrapping_add(1);
                let addr = SocketAddr::new(SERVER.ip(), 40_000 + answer);
                if answer % 3 == 0 {
                    server.relay_failed(now, req.id);
                } else {
                    server.relay_allocated(now, req.id, addr, None);
                }
            }
        }
        if let Err(e) = server.check_invariants() {
            panic!("invariant broken: {e}");
        }
    }
}

fn pick_transport(op: u8) -> Transport {
    if op & 0x80 != 0 {
        Transport::Tcp
    } else {
        Transport::Udp
    }
}

/// A server and a client with an allocation, a permission and a channel for `PEER`.
fn set_up() -> Option<(Server, SocketAddr, Instant)> {
    let mut e = SeededEntropy::new(1);
    let auth = TurnAuth::new("fuzz.example", Users, Duration::from_secs(600), &mut e).ok()?;
    let config = TurnConfig {
        max_allocations: 8,
        max_permissions: 4,
        max_channels: 4,
        peer_filter: PeerFilter::new(),
        ..TurnConfig::default()
    };
    let mut server: Server = TurnServer::new(config, auth, e);
    let mut client: TurnClient<SeededEntropy, 4> = TurnClient::new(
        TurnClientConfig::new(Path::udp(CLIENT, SERVER)),
        "fuzz",
        "pass",
        SeededEntropy::new(2),
    )
    .ok()?;
    let now = Instant::from_secs(10);
    client.allocate(now).ok()?;
    pump(&mut server, &mut client, now);
    client.bind_channel(now, PEER).ok()?;
    pump(&mut server, &mut client, now);
    let relay = client.relayed_address()?;
    let mut bound = false;
    while let Some(ev) = client.poll_event() {
        bound |= matches!(ev, TurnEvent::ChannelBound { .. });
    }
    bound.then_some((server, relay, now))
}

fn pump(server: &mut Server, client: &mut TurnClient<SeededEntropy, 4>, now: Instant) {
    let mut buf = [0u8; 1600];
    let mut out = [0u8; 1600];
    for _ in 0..8 {
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            let path = t.path.reversed();
            if let Ok(Output::Reply(r)) =
                server.handle_client_datagram(now, path, buf.get(..t.len).unwrap_or(&[]), &mut out)
            {
                let _ =
                    client.handle_datagram(now, r.path.reversed(), out.get(..r.len).unwrap_or(&[]));
            }
        }
        while let Some(ev) = server.poll_event() {
            if let ServerEvent::AllocateRelay(req) = ev {
                let relay = SocketAddr::new(SERVER.ip(), 50_000);
                server.relay_allocated(now, req.id, relay, None);
            }
        }
        while let Some(r) = server.poll_transmit(now, &mut out) {
            let _ = client.handle_datagram(now, r.path.reversed(), out.get(..r.len).unwrap_or(&[]));
        }
    }
}
