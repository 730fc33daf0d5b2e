//! The client and server state machines against each other, in virtual time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy, Transmit};
use stun_proto::auth::{IntegrityKey, KeyLookup, NonceIssuer, SecurityFeatures, UserTable};
use stun_proto::client::{
    ClientConfig, ClientEvent, Credentials, CredentialsError, Failure, StunClient,
    MAX_CHALLENGE_LEN,
};
use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use stun_proto::wire::attr::{AttrType, Attribute, ErrorCode};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};

type Client = StunClient<SeededEntropy, 4, 576>;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const CLIENT: &str = "192.0.2.10:40000";
const SERVER: &str = "198.51.100.1:3478";

fn path() -> Path {
    Path::udp(addr(CLIENT), addr(SERVER))
}

/// The only user: `alice` / `secret` in `example.org`.
fn users() -> UserTable {
    UserTable::with_users("example.org", [("alice", "secret")])
}

fn long_term_server(features: SecurityFeatures) -> StunServer<UserTable> {
    let mut e = SeededEntropy::new(99);
    let auth = ServerAuth::LongTerm {
        realm: heapless::String::try_from("example.org").unwrap(),
        lookup: users(),
        nonces: NonceIssuer::new(&mut e, Duration::from_secs(600), features),
    };
    StunServer::new(
        ServerConfig {
            software: Some("test-server"),
            nat_discovery: None,
        },
        auth,
    )
}

/// How a transaction ended, owned so a test can keep it: the response's bytes (re-parsed by
/// the accessors, test-side only), or the client's event.
#[derive(Debug)]
enum Ev {
    Response(Resp),
    Other(ClientEvent),
}

#[derive(Debug)]
struct Resp {
    id: stun_proto::wire::TransactionId,
    bytes: Vec<u8>,
}

impl Resp {
    fn of(r: &stun_proto::client::Response<'_>) -> Self {
        Resp {
            id: r.id,
            bytes: r.message.as_bytes().to_vec(),
        }
    }
    fn message(&self) -> Message<'_> {
        Message::new_checked(&self.bytes).unwrap()
    }
    fn is_success(&self) -> bool {
        self.message().class() == stun_proto::wire::Class::Success
    }
    fn error_code(&self) -> Option<ErrorCode> {
        self.message().error_code()
    }
    fn mapped_address(&self) -> Option<std::net::SocketAddr> {
        self.message().mapped_address()
    }
}

/// Run client and server until the client reports an outcome or `limit` passes. Datagrams
/// from the client are dropped while `drop_first` is positive.
fn run<L: KeyLookup, const CH: usize>(
    c: &mut StunClient<SeededEntropy, 4, 576, CH>,
    s: &mut StunServer<L>,
    mut now: Instant,
    mut drop_first: u32,
) -> (Ev, Instant, u32) {
    let mut sent = 0;
    let limit = now + Duration::from_secs(60);
    loop {
        let mut buf = [0u8; 1500];
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            sent += 1;
            assert_eq!(t.path, path_for(&t));
            if drop_first > 0 {
                drop_first -= 1;
                continue;
            }
            let mut out = [0u8; MAX_RESPONSE];
            let server_path = t.path.reversed();
            if let Some(r) = s
                .respond(now, server_path, &buf[..t.len], &mut out)
                .unwrap()
            {
                if let Some(resp) = c
                    .handle_datagram(now, r.path.reversed(), &out[..r.len])
                    .unwrap()
                {
                    return (Ev::Response(Resp::of(&resp)), now, sent);
                }
            }
        }
        if let Some(ev) = c.poll_event() {
            return (Ev::Other(ev), now, sent);
        }
        now = c.poll_timeout().expect("a transaction is pending");
        assert!(now <= limit, "no outcome");
        c.handle_timeout(now);
    }
}

fn path_for(t: &Transmit) -> Path {
    t.path
}

fn client(creds: Credentials<'_>) -> Client {
    StunClient::new(ClientConfig::default(), creds, SeededEntropy::new(1)).unwrap()
}

#[test]
fn plain_binding_returns_mapped_address() {
    let mut c = client(Credentials::None);
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let id = c
        .start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, Instant::ZERO, 0);
    let Ev::Response(r) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(r.id, id);
    assert!(r.is_success());
    assert_eq!(r.mapped_address(), Some(addr(CLIENT)));
    assert_eq!(sent, 1);
    assert_eq!(c.in_flight(), 0);
}

#[test]
fn lost_requests_are_retransmitted_on_schedule() {
    let mut c = client(Credentials::None);
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, at, sent) = run(&mut c, &mut s, Instant::ZERO, 3);
    assert!(matches!(ev, Ev::Response(ref r) if r.is_success()));
    // sends at 0, 500, 1500 lost; the fourth at 3500 ms gets through.
    assert_eq!(sent, 4);
    assert_eq!(at, Instant::from_millis(3500));
}

#[test]
fn total_loss_times_out_after_39_5_s() {
    let mut c = client(Credentials::None);
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let id = c
        .start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, at, sent) = run(&mut c, &mut s, Instant::ZERO, u32::MAX);
    assert!(matches!(ev, Ev::Other(ClientEvent::TimedOut { id: i }) if i == id));
    assert_eq!(sent, 7);
    assert_eq!(at, Instant::from_millis(39_500));
}

#[test]
fn long_term_challenge_then_success_with_md5() {
    let mut c = client(Credentials::LongTerm {
        username: "alice",
        password: "secret",
    });
    let mut s = long_term_server(SecurityFeatures::default());
    let id = c
        .start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, Instant::ZERO, 0);
    let Ev::Response(r) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(r.id, id, "the retry keeps the caller's handle");
    assert!(r.is_success(), "{:?}", r.error_code());
    assert_eq!(sent, 2, "one unauthenticated request, one retry");
    let m = r.message();
    assert!(m.integrity_offset().is_some());
    assert!(
        m.get(AttrType::SOFTWARE).is_some(),
        "authenticated responses carry SOFTWARE"
    );
    assert_eq!(c.realm(), Some("example.org"));
    // The next request is authenticated straight away.
    c.start_request(Instant::from_secs(1), path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, Instant::from_secs(1), 0);
    assert!(matches!(ev, Ev::Response(ref r) if r.is_success()));
    assert_eq!(sent, 1);
    assert_eq!(s.stats().success, 2);
}

/// A client without room for a long-term realm and nonce (`L` = 0).
type Short = StunClient<SeededEntropy, 4, 576, 0>;

fn short_client(creds: Credentials<'_>) -> Result<Short, CredentialsError> {
    Short::new(ClientConfig::default(), creds, SeededEntropy::new(1))
}

#[test]
fn a_client_without_room_for_a_challenge_refuses_long_term_credentials() {
    let long_term = short_client(Credentials::LongTerm {
        username: "alice",
        password: "secret",
    });
    assert_eq!(long_term.err(), Some(CredentialsError::NoLongTerm));
    assert_eq!(
        core::mem::size_of::<Short>() + 2 * MAX_CHALLENGE_LEN,
        core::mem::size_of::<Client>(),
        "no realm and nonce kept"
    );
    // Asked for credentials, it answers the 401 as final: one request, no retry.
    let mut c = short_client(Credentials::None).unwrap();
    let mut s = long_term_server(SecurityFeatures::default());
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, Instant::ZERO, 0);
    assert!(
        matches!(ev, Ev::Response(ref r) if r.error_code() == Some(ErrorCode::UNAUTHENTICATED))
    );
    assert_eq!(sent, 1);
    // Short-term credentials (an ICE agent's checks) still authenticate its requests.
    let short = short_client(Credentials::ShortTerm {
        username: "a:b",
        password: "pass",
    });
    assert!(short.is_ok());
}

#[test]
fn long_term_negotiates_sha256_when_offered() {
    let mut c = client(Credentials::LongTerm {
        username: "alice",
        password: "secret",
    });
    let features = SecurityFeatures {
        password_algorithms: true,
        username_anonymity: false,
    };
    let mut s = long_term_server(features);
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, _) = run(&mut c, &mut s, Instant::ZERO, 0);
    let Ev::Response(r) = ev else {
        panic!("{ev:?}")
    };
    assert!(r.is_success(), "{:?}", r.error_code());
    assert!(r.message().integrity_sha256_offset().is_some());
}

#[test]
fn wrong_password_ends_with_401_not_a_loop() {
    let mut c = client(Credentials::LongTerm {
        username: "alice",
        password: "wrong",
    });
    let mut s = long_term_server(SecurityFeatures::default());
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, Instant::ZERO, 0);
    let Ev::Response(r) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(r.error_code(), Some(ErrorCode::UNAUTHENTICATED));
    assert_eq!(sent, 2);
}

#[test]
fn stale_nonce_is_renewed() {
    let mut c = client(Credentials::LongTerm {
        username: "alice",
        password: "secret",
    });
    let mut s = long_term_server(SecurityFeatures::default());
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, _) = run(&mut c, &mut s, Instant::ZERO, 0);
    assert!(matches!(ev, Ev::Response(ref r) if r.is_success()));
    // 20 minutes later the nonce (10 min) is stale: 438, then a retry with a fresh one.
    let later = Instant::from_secs(1200);
    c.start_request(later, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, sent) = run(&mut c, &mut s, later, 0);
    assert!(
        matches!(ev, Ev::Response(ref r) if r.is_success()),
        "{ev:?}"
    );
    assert_eq!(sent, 2);
    assert_eq!(s.stats().errors, 2, "one 401 and one 438");
}

#[test]
fn short_term_server_rejects_unauthenticated_and_accepts_authenticated() {
    let key = IntegrityKey::short_term(b"pass");
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::ShortTerm(key));
    let mut bad = client(Credentials::ShortTerm {
        username: "a:b",
        password: "nope",
    });
    bad.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, _) = run(&mut bad, &mut s, Instant::ZERO, 0);
    assert!(
        matches!(ev, Ev::Response(ref r) if r.error_code() == Some(ErrorCode::UNAUTHENTICATED))
    );
    let mut good = client(Credentials::ShortTerm {
        username: "a:b",
        password: "pass",
    });
    good.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let (ev, _, _) = run(&mut good, &mut s, Instant::ZERO, 0);
    assert!(matches!(ev, Ev::Response(ref r) if r.is_success()));
}

/// Hand-craft a response to the request the client just sent.
fn answer(
    c: &mut Client,
    build: impl FnOnce(&mut MessageBuilder<'_>, &Message<'_>),
) -> (Vec<u8>, Transmit) {
    let mut buf = [0u8; 1500];
    let t = c.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    let req = Message::new_checked(&buf[..t.len]).unwrap();
    let mut out = vec![0u8; 600];
    let kind = req.message_type().with_class(Class::Error);
    let mut b = MessageBuilder::new(&mut out, kind, req.transaction_id()).unwrap();
    build(&mut b, &req);
    let n = b.finish();
    out.truncate(n);
    (out, t)
}

#[test]
fn try_alternate_redirects_once() {
    let mut c = client(Credentials::None);
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let alt = addr("198.51.100.2:3478");
    let (resp, t) = answer(&mut c, |b, _| {
        b.add(&Attribute::ErrorCode(
            ErrorCode::TRY_ALTERNATE,
            "Try Alternate",
        ))
        .unwrap();
        b.add(&Attribute::AlternateServer(alt)).unwrap();
    });
    c.handle_datagram(Instant::ZERO, t.path.reversed(), &resp)
        .unwrap();
    assert!(c.poll_event().is_none());
    let mut buf = [0u8; 1500];
    let t2 = c.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    assert_eq!(t2.path.remote, alt);
    let old = Message::new_checked(&resp).unwrap().transaction_id();
    assert_ne!(
        Message::new_checked(&buf[..t2.len])
            .unwrap()
            .transaction_id(),
        old
    );
}

#[test]
fn unknown_comprehension_required_attribute_fails_the_transaction() {
    let mut c = client(Credentials::None);
    let id = c
        .start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let mut buf = [0u8; 1500];
    let t = c.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    let req = Message::new_checked(&buf[..t.len]).unwrap();
    let mut out = [0u8; 100];
    let mut b =
        MessageBuilder::new(&mut out, MessageType::BINDING_SUCCESS, req.transaction_id()).unwrap();
    b.add_raw(AttrType(0x7777), b"x").unwrap();
    let n = b.finish();
    c.handle_datagram(Instant::ZERO, t.path.reversed(), &out[..n])
        .unwrap();
    match c.poll_event() {
        Some(ClientEvent::Failed {
            id: i,
            reason: Failure::UnknownAttribute(AttrType(0x7777)),
        }) => {
            assert_eq!(i, id)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forged_and_unrelated_responses_do_not_end_a_transaction() {
    let mut c = client(Credentials::ShortTerm {
        username: "u",
        password: "p",
    });
    c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
        .unwrap();
    let mut buf = [0u8; 1500];
    let t = c.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    let req = Message::new_checked(&buf[..t.len]).unwrap();
    // Success without MESSAGE-INTEGRITY: an off-path forgery.
    let mut out = [0u8; 100];
    let mut b =
        MessageBuilder::new(&mut out, MessageType::BINDING_SUCCESS, req.transaction_id()).unwrap();
    b.add(&Attribute::XorMappedAddress(addr("203.0.113.66:1")))
        .unwrap();
    let n = b.finish();
    assert_eq!(
        c.handle_datagram(Instant::ZERO, t.path.reversed(), &out[..n]),
        Err(sansio::Rejected::Unauthenticated)
    );
    // Wrong key.
    let mut b =
        MessageBuilder::new(&mut out, MessageType::BINDING_SUCCESS, req.transaction_id()).unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(b"not-p"))
        .unwrap();
    let n = b.finish();
    assert_eq!(
        c.handle_datagram(Instant::ZERO, t.path.reversed(), &out[..n]),
        Err(sansio::Rejected::Unauthenticated)
    );
    // Another transaction ID.
    let mut b = MessageBuilder::new(
        &mut out,
        MessageType::BINDING_SUCCESS,
        TransactionId([9; 12]),
    )
    .unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(b"p"))
        .unwrap();
    let n = b.finish();
    assert_eq!(
        c.handle_datagram(Instant::ZERO, t.path.reversed(), &out[..n]),
        Err(sansio::Rejected::NotForUs)
    );
    assert!(c.poll_event().is_none());
    assert_eq!(c.in_flight(), 1);
    // The genuine one ends it.
    let mut b =
        MessageBuilder::new(&mut out, MessageType::BINDING_SUCCESS, req.transaction_id()).unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(b"p"))
        .unwrap();
    b.add_fingerprint().unwrap();
    let n = b.finish();
    let r = c
        .handle_datagram(Instant::ZERO, t.path.reversed(), &out[..n])
        .unwrap();
    assert!(r.is_some_and(|r| r.is_success()));
    assert!(c.poll_event().is_none());
}

#[test]
fn capacity_is_bounded_and_counts_undrained_events() {
    let mut c = client(Credentials::None);
    for _ in 0..4 {
        c.start_request(Instant::ZERO, path(), Method::BINDING, &[])
            .unwrap();
    }
    assert_eq!(
        c.start_request(Instant::ZERO, path(), Method::BINDING, &[]),
        Err(stun_proto::client::StartError::Full)
    );
    // Let them all time out without draining events: still full.
    let mut buf = [0u8; 1500];
    let mut now = Instant::ZERO;
    while c.in_flight() > 0 {
        while c.poll_transmit(now, &mut buf).is_some() {}
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
    }
    // Full because four TimedOut events wait to be drained, not because of anything else.
    assert_eq!(
        c.start_request(now, path(), Method::BINDING, &[]),
        Err(stun_proto::client::StartError::Full)
    );
    let mut n = 0;
    while let Some(ClientEvent::TimedOut { .. }) = c.poll_event() {
        n += 1;
    }
    assert_eq!(n, 4);
    assert!(c.start_request(now, path(), Method::BINDING, &[]).is_ok());
}

#[test]
fn tcp_sends_once() {
    let mut c = client(Credentials::None);
    c.start_request(
        Instant::ZERO,
        Path::tcp(addr(CLIENT), addr(SERVER)),
        Method::BINDING,
        &[],
    )
    .unwrap();
    let mut buf = [0u8; 1500];
    assert!(c.poll_transmit(Instant::ZERO, &mut buf).is_some());
    assert!(c.poll_transmit(Instant::ZERO, &mut buf).is_none());
    assert_eq!(c.poll_timeout(), Some(Instant::from_millis(39_500)));
    c.handle_timeout(Instant::from_millis(39_499));
    assert!(c.poll_transmit(Instant::ZERO, &mut buf).is_none());
    c.handle_timeout(Instant::from_millis(39_500));
    assert!(matches!(c.poll_event(), Some(ClientEvent::TimedOut { .. })));
}

fn discovery() -> NatDiscovery {
    NatDiscovery {
        primary: addr("127.0.0.1:3478"),
        alternate: addr("127.0.0.2:3479"),
    }
}

fn request(attrs: &[Attribute<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; 200];
    let mut b = MessageBuilder::new(
        &mut out,
        MessageType::BINDING_REQUEST,
        TransactionId([5; 12]),
    )
    .unwrap();
    for a in attrs {
        b.add(a).unwrap();
    }
    let n = b.finish();
    out.truncate(n);
    out
}

#[test]
fn rfc5780_change_request_and_response_port() {
    let cfg = ServerConfig {
        software: None,
        nat_discovery: Some(discovery()),
    };
    let mut s: StunServer = StunServer::new(cfg, ServerAuth::None);
    let p = Path::udp(addr("127.0.0.1:3478"), addr("127.0.0.1:50000"));
    let mut out = [0u8; MAX_RESPONSE];
    let cr = stun_proto::wire::attr::ChangeRequest {
        change_ip: true,
        change_port: true,
    };
    let t = s
        .respond(
            Instant::ZERO,
            p,
            &request(&[Attribute::ChangeRequest(cr)]),
            &mut out,
        )
        .unwrap()
        .unwrap();
    assert_eq!(t.path.local, addr("127.0.0.2:3479"));
    assert_eq!(t.path.remote, addr("127.0.0.1:50000"));
    let m = Message::new_checked(&out[..t.len]).unwrap();
    let tid = m.transaction_id();
    assert_eq!(
        m.get(AttrType::RESPONSE_ORIGIN)
            .unwrap()
            .decode(&tid)
            .unwrap(),
        Attribute::ResponseOrigin(addr("127.0.0.2:3479"))
    );
    assert_eq!(
        m.get(AttrType::OTHER_ADDRESS)
            .unwrap()
            .decode(&tid)
            .unwrap(),
        Attribute::OtherAddress(addr("127.0.0.2:3479"))
    );
    let port_only = stun_proto::wire::attr::ChangeRequest {
        change_ip: false,
        change_port: true,
    };
    let t = s
        .respond(
            Instant::ZERO,
            p,
            &request(&[Attribute::ChangeRequest(port_only)]),
            &mut out,
        )
        .unwrap()
        .unwrap();
    assert_eq!(t.path.local, addr("127.0.0.1:3479"));
    let t = s
        .respond(
            Instant::ZERO,
            p,
            &request(&[Attribute::ResponsePort(50001)]),
            &mut out,
        )
        .unwrap()
        .unwrap();
    assert_eq!(t.path.remote, addr("127.0.0.1:50001"));
    // Over TCP a changed source is impossible: 400.
    let tcp = Path::tcp(p.local, p.remote);
    let t = s
        .respond(
            Instant::ZERO,
            tcp,
            &request(&[Attribute::ChangeRequest(cr)]),
            &mut out,
        )
        .unwrap()
        .unwrap();
    let m = Message::new_checked(&out[..t.len]).unwrap();
    assert_eq!(m.class(), Class::Error);
}

#[test]
fn change_request_without_rfc5780_mode_is_420() {
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let p = Path::udp(addr("127.0.0.1:3478"), addr("127.0.0.1:50000"));
    let mut out = [0u8; MAX_RESPONSE];
    let cr = stun_proto::wire::attr::ChangeRequest {
        change_ip: true,
        change_port: false,
    };
    let t = s
        .respond(
            Instant::ZERO,
            p,
            &request(&[Attribute::ChangeRequest(cr)]),
            &mut out,
        )
        .unwrap()
        .unwrap();
    let m = Message::new_checked(&out[..t.len]).unwrap();
    let tid = m.transaction_id();
    assert!(
        matches!(m.get(AttrType::ERROR_CODE).unwrap().decode(&tid).unwrap(), Attribute::ErrorCode(c, _) if c == ErrorCode::UNKNOWN_ATTRIBUTE)
    );
    match m
        .get(AttrType::UNKNOWN_ATTRIBUTES)
        .unwrap()
        .decode(&tid)
        .unwrap()
    {
        Attribute::UnknownAttributes(u) => {
            assert_eq!(u.iter().collect::<Vec<_>>(), vec![AttrType::CHANGE_REQUEST])
        }
        other => panic!("{other:?}"),
    }
}

/// The amplification bounds stated in the server docs hold for the smallest requests.
#[test]
fn amplification_is_bounded() {
    let min = request(&[]);
    assert_eq!(min.len(), 20);
    let mut out = [0u8; MAX_RESPONSE];
    let v6 = Path::udp(addr("[2001:db8::1]:3478"), addr("[2001:db8::2]:5000"));
    let v4 = Path::udp(addr("127.0.0.1:3478"), addr("127.0.0.1:5000"));
    let cfg = ServerConfig {
        software: Some("a long software name that is not sent"),
        nat_discovery: None,
    };
    let mut s: StunServer = StunServer::new(cfg, ServerAuth::None);
    let n4 = s
        .respond(Instant::ZERO, v4, &min, &mut out)
        .unwrap()
        .unwrap()
        .len;
    let n6 = s
        .respond(Instant::ZERO, v6, &min, &mut out)
        .unwrap()
        .unwrap()
        .len;
    // Header + XOR-MAPPED-ADDRESS (12 / 24 B); no FINGERPRINT to a request without one.
    assert_eq!((n4, n6), (32, 44));
    let d6 = NatDiscovery {
        primary: addr("[2001:db8::1]:3478"),
        alternate: addr("[2001:db8::3]:3479"),
    };
    let mut s: StunServer = StunServer::new(
        ServerConfig {
            software: None,
            nat_discovery: Some(d6),
        },
        ServerAuth::None,
    );
    assert_eq!(
        s.respond(Instant::ZERO, v6, &min, &mut out)
            .unwrap()
            .unwrap()
            .len,
        20 + 3 * 24
    );
    let mut lt = long_term_server(SecurityFeatures::default());
    let n = lt
        .respond(Instant::ZERO, v4, &min, &mut out)
        .unwrap()
        .unwrap()
        .len;
    assert_eq!(
        n,
        20 + 8 + (4 + 12) + 44,
        "401 = header, ERROR-CODE without a reason phrase, REALM (11 bytes padded to 12), NONCE"
    );
}

#[test]
fn indications_and_garbage_get_no_answer() {
    let mut s: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let p = Path::udp(addr("127.0.0.1:3478"), addr("127.0.0.1:50000"));
    let mut out = [0u8; MAX_RESPONSE];
    let mut ind = request(&[]);
    ind[1] = 0x11;
    assert_eq!(s.respond(Instant::ZERO, p, &ind, &mut out), Ok(None));
    assert_eq!(
        s.respond(Instant::ZERO, p, b"hello world, not stun", &mut out),
        Err(sansio::Rejected::NotForUs)
    );
    let mut bad_fp = request(&[]);
    bad_fp.truncate(20);
    let mut b = MessageBuilder::new(
        &mut out,
        MessageType::BINDING_REQUEST,
        TransactionId([1; 12]),
    )
    .unwrap();
    b.add_fingerprint().unwrap();
    let n = b.finish();
    let mut msg = out[..n].to_vec();
    msg[n - 1] ^= 1;
    assert_eq!(
        s.respond(Instant::ZERO, p, &msg, &mut out),
        Err(sansio::Rejected::Malformed)
    );
}
