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
use stun_proto::auth::{IntegrityKey, StaticUsers};
use stun_proto::fuzzing::fuzz_users;
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm, RelayProtocol};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};

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

type Server = TurnServer<StaticUsers<1>, SeededEntropy, FixedTables<16, 8>>;

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

/// What a [`server_session`] did: the unit test of the body asserts it reached the data
/// path and authenticated requests, not only that it did not panic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionReport {
    /// Peer datagrams relayed to the client (their payload checked byte for byte).
    pub to_client: u64,
    /// ChannelData relayed to `PEER` (payload checked).
    pub to_peer: u64,
    /// Signed requests (op 6) answered with a success response whose MESSAGE-INTEGRITY
    /// verified with the user's key.
    pub signed_ok: u64,
    /// Signed requests answered with an error response.
    pub signed_refused: u64,
}

/// The long-term credentials state a real client keeps, so that the script can send
/// authenticated requests of its own choosing (a fuzzer cannot guess a nonce or a MAC).
struct Signer {
    /// The channel the set-up bound to `PEER`.
    channel: u16,
    /// Until when that number stays `PEER`'s even if never refreshed: its binding's lifetime
    /// and the cool-down after it (RFC 8656 §12). Afterwards a ChannelBind may give the
    /// number to another peer.
    channel_reserved_until: Instant,
    realm: heapless::String<64>,
    nonce: heapless::String<128>,
    next_tid: u32,
}

impl Signer {
    /// Remember REALM and NONCE from a server answer (a 401 or 438, or a success response
    /// carrying a fresh nonce).
    fn learn(&mut self, answer: &[u8]) {
        let Ok(msg) = Message::new_checked(answer) else {
            return;
        };
        if let Some(r) = msg.realm() {
            self.realm = heapless::String::try_from(r).unwrap_or_default();
        }
        if let Some(n) = msg.nonce() {
            self.nonce = heapless::String::try_from(n).unwrap_or_default();
        }
    }

    fn key(&self, alg: PasswordAlgorithm) -> IntegrityKey {
        IntegrityKey::long_term(b"fuzz", self.realm.as_bytes(), b"pass", alg)
    }
}

/// A server with one allocation (a permission and a channel for `PEER`), then `data` as a
/// script of client datagrams, peer datagrams, time steps, relay answers and authenticated
/// requests built from the script (op 6, see `signed_request`). The server's invariants
/// are checked after every step, and so is every relayed payload.
pub fn server_session(data: &[u8]) -> SessionReport {
    let Some((mut server, relay, mut now, mut signer)) = set_up() else {
        panic!("set-up failed");
    };
    let mut report = SessionReport::default();
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
                if let Some(t) = server.handle_peer_datagram(now, relay, PEER, chunk, &mut out) {
                    check_carried(out.get(..t.len).unwrap_or(&[]), chunk);
                    report.to_client += 1;
                }
            }
            3 => {
                let peer = SocketAddr::new(PEER.ip(), u16::from(*op));
                let mut buf = [0u8; 1600];
                let at = crate::server::PEER_HEADROOM;
                let len = chunk.len().min(1500);
                if let Some(dst) = buf.get_mut(at..at + len) {
                    dst.copy_from_slice(chunk.get(..len).unwrap_or(&[]));
                }
                if let Some((start, t)) =
                    server.handle_peer_datagram_in_place(now, relay, peer, &mut buf, at, len)
                {
                    check_carried(
                        buf.get(start..start + t.len).unwrap_or(&[]),
                        chunk.get(..len).unwrap_or(&[]),
                    );
                    report.to_client += 1;
                }
            }
            4 => {
                now += Duration::from_secs(u64::from(chunk.first().copied().unwrap_or(1)) * 8);
                server.handle_timeout(now);
            }
            5 => {
                let mut frame = [0u8; 1600];
                let channel = 0x4000 | u16::from(*op >> 3);
                if let Ok(n) = ChannelData::emit(channel, chunk, false, &mut frame) {
                    let got = server.handle_client_datagram(
                        now,
                        main,
                        frame.get(..n).unwrap_or(&[]),
                        &mut out,
                    );
                    // The set-up bound its channel to PEER; op 6 may bind others, and that
                    // one too once its number is no longer reserved. The number is reserved
                    // in the set-up's allocation only: once a Refresh of 0 or time ends it,
                    // a new allocation (another relay address) may bind it to anyone.
                    if let Ok(Output::Relay {
                        relay: from,
                        peer,
                        payload,
                        ..
                    }) = got
                    {
                        let reserved = now < signer.channel_reserved_until;
                        let ours = channel == signer.channel && reserved && from == relay;
                        if payload != chunk || (ours && peer != PEER) {
                            panic!("ChannelData on {channel:#x} relayed to {peer} as {payload:?}, not {chunk:?}");
                        }
                        report.to_peer += 1;
                    }
                }
            }
            _ => signed_request(&mut server, &mut signer, now, chunk, &mut report),
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
        // Deferred answers (an Allocate waiting for its relay socket) keep the nonce fresh.
        while let Some(t) = server.poll_transmit(now, &mut out) {
            signer.learn(out.get(..t.len).unwrap_or(&[]));
        }
        if let Err(e) = server.check_invariants() {
            panic!("invariant broken: {e}");
        }
    }
    report
}

/// A message the server sent to the client must carry exactly `payload`: as ChannelData or
/// in a Data indication's DATA attribute.
fn check_carried(sent: &[u8], payload: &[u8]) {
    let carried = match ChannelData::new_checked(sent) {
        Ok(cd) => Some(cd.payload()),
        Err(_) => Message::new_checked(sent)
            .ok()
            .filter(|m| m.method() == Method::DATA && m.class() == Class::Indication)
            .and_then(|m| m.data()),
    };
    if carried != Some(payload) {
        panic!("relayed {carried:?} for the peer's {payload:?}");
    }
}

/// The methods op 6 signs (the fuzzer picks one with the chunk's first byte).
const SIGNED_METHODS: [Method; 8] = [
    Method::ALLOCATE,
    Method::REFRESH,
    Method::CREATE_PERMISSION,
    Method::CHANNEL_BIND,
    Method::CONNECT,
    Method::CONNECTION_BIND,
    Method::BINDING,
    Method::SEND,
];

/// Bytes of the chunk, consumed in order; zero once it runs out.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
}

/// Op 6: an authenticated request whose method, path and attributes the chunk chooses, signed
/// with the user's key and the nonce the server issued — the part a fuzzer cannot guess.
///
/// Chunk layout: byte 0 = method (low 3 bits), another 5-tuple (bit 3), over TCP (bit 4),
/// MESSAGE-INTEGRITY-SHA256 (bit 5), no FINGERPRINT (bit 6), SHA-256 password algorithm
/// (bit 7); byte 1 = which typed attributes follow (XOR-PEER-ADDRESS, CHANNEL-NUMBER,
/// LIFETIME, REQUESTED-TRANSPORT, EVEN-PORT, DONT-FRAGMENT, RESERVATION-TOKEN,
/// CONNECTION-ID), their values read from the next bytes; the rest are raw TLVs
/// (type: 2 bytes, length: 1 byte, value).
fn signed_request(
    server: &mut Server,
    signer: &mut Signer,
    now: Instant,
    chunk: &[u8],
    report: &mut SessionReport,
) {
    let mut c = Cursor(chunk);
    let (sel, attrs) = (c.u8(), c.u8());
    let method = SIGNED_METHODS
        .get(usize::from(sel & 7))
        .copied()
        .unwrap_or(Method::ALLOCATE);
    let path = if sel & 0x08 != 0 {
        Path {
            transport: pick_transport(sel << 3),
            local: SERVER,
            remote: SocketAddr::new(CLIENT.ip(), CLIENT.port() + 1),
        }
    } else {
        Path::udp(SERVER, CLIENT)
    };
    let alg = if sel & 0x80 != 0 {
        PasswordAlgorithm::Sha256
    } else {
        PasswordAlgorithm::Md5
    };
    signer.next_tid = signer.next_tid.wrapping_add(1);
    let mut tid = [0x5A; 12];
    tid[..4].copy_from_slice(&signer.next_tid.to_be_bytes());
    let mut buf = [0u8; 1024];
    let kind = MessageType::new(method, Class::Request);
    let Ok(mut b) = MessageBuilder::new(&mut buf, kind, TransactionId(tid)) else {
        return;
    };
    if typed_attributes(&mut b, attrs, &mut c).is_err() {
        return;
    }
    // The rest of the chunk: raw TLVs, whatever the fuzzer makes of them.
    while !c.0.is_empty() {
        let (t, l) = (c.u16(), usize::from(c.u8()));
        let value = c.0.get(..l).unwrap_or(c.0);
        c.0 = c.0.get(value.len()..).unwrap_or(&[]);
        if b.add_raw(AttrType(t), value).is_err() {
            break;
        }
    }
    let key = signer.key(alg);
    let signed = b
        .add(&Attribute::Username("fuzz"))
        .and_then(|()| b.add(&Attribute::Realm(&signer.realm)))
        .and_then(|()| b.add(&Attribute::Nonce(&signer.nonce)))
        .and_then(|()| match alg {
            PasswordAlgorithm::Md5 => Ok(()),
            a => b.add(&Attribute::PasswordAlgorithm(a)),
        })
        .and_then(|()| {
            if sel & 0x20 != 0 {
                b.add_message_integrity_sha256(&key)
            } else {
                b.add_message_integrity(&key)
            }
        })
        .and_then(|()| match sel & 0x40 {
            0 => b.add_fingerprint(),
            _ => Ok(()),
        });
    if signed.is_err() {
        return;
    }
    let len = b.finish();
    let mut out = [0u8; 1600];
    let reply = server.handle_client_datagram(now, path, buf.get(..len).unwrap_or(&[]), &mut out);
    if let Ok(Output::Reply(t)) = reply {
        let answer = out.get(..t.len).unwrap_or(&[]);
        signer.learn(answer);
        check_signed_answer(answer, &key, report);
    }
}

/// Write the typed attributes `flags` selects, values from `c`.
fn typed_attributes(
    b: &mut MessageBuilder<'_>,
    flags: u8,
    c: &mut Cursor<'_>,
) -> Result<(), stun_proto::wire::EmitError> {
    if flags & 0x01 != 0 {
        // 198.51.100.x is allowed, 10.0.0.x is a private range the filter refuses.
        let host = c.u8();
        let ip = if host & 0x80 != 0 {
            [10, 0, 0, host & 0x7F]
        } else {
            [198, 51, 100, host]
        };
        b.add(&Attribute::XorPeerAddress(SocketAddr::from((ip, c.u16()))))?;
    }
    if flags & 0x02 != 0 {
        b.add(&Attribute::ChannelNumber(c.u16()))?;
    }
    if flags & 0x04 != 0 {
        b.add(&Attribute::Lifetime(c.u32()))?;
    }
    if flags & 0x08 != 0 {
        let proto = match c.u8() {
            0..=127 => RelayProtocol::Udp,
            128..=191 => RelayProtocol::Tcp,
            other => RelayProtocol::Other(other),
        };
        b.add(&Attribute::RequestedTransport(proto))?;
    }
    if flags & 0x10 != 0 {
        b.add(&Attribute::EvenPort {
            reserve: c.u8() & 1 != 0,
        })?;
    }
    if flags & 0x20 != 0 {
        b.add(&Attribute::DontFragment)?;
    }
    if flags & 0x40 != 0 {
        let mut token = [0u8; 8];
        token.iter_mut().for_each(|t| *t = c.u8());
        b.add(&Attribute::ReservationToken(token))?;
    }
    if flags & 0x80 != 0 {
        b.add(&Attribute::ConnectionId(c.u32()))?;
    }
    Ok(())
}

/// A success response to an authenticated TURN request must be signed with the same key
/// (RFC 8489 §9.2.4); an error response is counted. Binding is answered without
/// authentication (as coturn does without `--secure-stun`), so its answer is not signed.
fn check_signed_answer(answer: &[u8], key: &IntegrityKey, report: &mut SessionReport) {
    let Ok(msg) = Message::new_checked(answer) else {
        panic!("the server answered with a malformed message");
    };
    match msg.class() {
        Class::Success if msg.method() == Method::BINDING => {}
        Class::Success => {
            if key.verify(&msg).is_err() {
                panic!("a success response to a signed request is not signed with its key");
            }
            report.signed_ok += 1;
        }
        Class::Error => report.signed_refused += 1,
        c => panic!("the server answered a request with a {c:?}"),
    }
}

fn pick_transport(op: u8) -> Transport {
    if op & 0x80 != 0 {
        Transport::Tcp
    } else {
        Transport::Udp
    }
}

/// A server and a client with an allocation, a permission and a channel for `PEER`; the
/// signer knows the realm and nonce the server issued to the client's address.
fn set_up() -> Option<(Server, SocketAddr, Instant, Signer)> {
    let mut e = SeededEntropy::new(1);
    let auth = TurnAuth::new(
        "fuzz.example",
        fuzz_users(),
        Duration::from_secs(600),
        &mut e,
    )
    .ok()?;
    let config = TurnConfig {
        max_allocations: 8,
        max_permissions: 4,
        max_channels: 4,
        peer_filter: PeerFilter::new(),
        ..TurnConfig::default()
    };
    let channel_lifetime = config.channel_lifetime;
    let mut server: Server = TurnServer::new(config, auth, e);
    let mut client: TurnClient<SeededEntropy, 4> = TurnClient::new(
        TurnClientConfig::new(Path::udp(CLIENT, SERVER)),
        "fuzz",
        "pass",
        SeededEntropy::new(2),
    )
    .ok()?;
    let now = Instant::from_secs(10);
    let mut signer = Signer {
        channel: 0,
        channel_reserved_until: now + channel_lifetime + crate::server::COOL_DOWN,
        realm: heapless::String::new(),
        nonce: heapless::String::new(),
        next_tid: 0,
    };
    client.allocate(now).ok()?;
    pump(&mut server, &mut client, now, &mut signer);
    signer.channel = client.bind_channel(now, PEER).ok()?;
    pump(&mut server, &mut client, now, &mut signer);
    let relay = client.relayed_address()?;
    let mut bound = false;
    while let Some(ev) = client.poll_event() {
        bound |= matches!(ev, TurnEvent::ChannelBound { .. });
    }
    (bound && !signer.nonce.is_empty()).then_some((server, relay, now, signer))
}

fn pump(
    server: &mut Server,
    client: &mut TurnClient<SeededEntropy, 4>,
    now: Instant,
    signer: &mut Signer,
) {
    let mut buf = [0u8; 1600];
    let mut out = [0u8; 1600];
    for _ in 0..8 {
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            let path = t.path.reversed();
            if let Ok(Output::Reply(r)) =
                server.handle_client_datagram(now, path, buf.get(..t.len).unwrap_or(&[]), &mut out)
            {
                signer.learn(out.get(..r.len).unwrap_or(&[]));
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
