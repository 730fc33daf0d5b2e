//! A stateless Binding server (RFC 8489 §6.3) with optional authentication and RFC 5780 NAT
//! behaviour discovery.
//!
//! [`StunServer::respond`] turns one request into at most one response written into the
//! caller's buffer: no allocation, no per-client state (nonces are stateless, see
//! [`NonceIssuer`]). The [`SansIo`] implementation wraps it with a
//! small bounded queue for drivers written against the common contract.
//!
//! ## Amplification
//! A response to an unauthenticated request is small and bounded, so the server is a poor
//! flood amplifier: SOFTWARE and MESSAGE-INTEGRITY only go to authenticated requests,
//! FINGERPRINT only to requests that carried one, a 401/438 challenge has no reason phrase,
//! and PADDING in requests is never echoed. For the smallest request of each kind (20 bytes;
//! 24 with one unknown attribute), with a realm of at most [`MAX_REALM`] bytes:
//!
//! | mode | answer | IPv4 | IPv6 | factor |
//! |---|---|---|---|---|
//! | open | Binding success | 32 B | 44 B | ≤ 2.2× |
//! | open | 420 Unknown Attribute (24-byte request) | 56 B | 56 B | 2.33× |
//! | open | 400 Bad Request | 40 B | 40 B | 2× |
//! | RFC 5780 | Binding success (RESPONSE-ORIGIN, OTHER-ADDRESS) | 56 B | 92 B | ≤ 4.6× |
//! | long-term | 401 challenge (REALM, NONCE) | 76 B + realm | 76 B + realm | ≤ 5.4× |
//! | long-term, SHA-256 | 401 + PASSWORD-ALGORITHMS | 88 B + realm | 88 B + realm | ≤ 6× |
//!
//! (realm padded to 4 bytes; a request with FINGERPRINT is 28 bytes or more and its answer 8
//! bytes longer, a smaller factor). So every answer to an unauthenticated request is at most
//! 6× its size and at most 128 bytes; `tests/amplification.rs` checks it on every kind of
//! request. DNS open resolvers reach 28–54×, NTP monlist over 500×.

mod rfc5780;

pub use rfc5780::NatDiscovery;

use crate::auth::{IntegrityKey, KeyLookup, NonceCheck, NonceIssuer};
use crate::wire::attr::UnknownAttributes;
use crate::wire::attr::{AttrType, Attribute, ErrorCode, PasswordAlgorithm, PasswordAlgorithms};
use crate::wire::{Class, EmitError, Message, MessageBuilder, Method};
use sansio::{Instant, Path, Rejected, SansIo, Transmit};

/// Largest response this server writes.
pub const MAX_RESPONSE: usize = 548;
/// Longest realm for which the amplification bound above holds: the realm is echoed in every
/// 401 challenge. A server should refuse a longer one at start-up (`p2p stun-server` does).
pub const MAX_REALM: usize = 32;

/// How requests are authenticated.
#[derive(Debug)]
pub enum ServerAuth<L> {
    /// Anyone may ask (a public STUN server).
    None,
    /// Short-term credentials: requests carry USERNAME and MESSAGE-INTEGRITY with this key.
    ShortTerm(IntegrityKey),
    /// Long-term credentials: 401 challenges with REALM and a stateless NONCE.
    LongTerm {
        /// The realm.
        realm: heapless::String<128>,
        /// Where keys come from.
        lookup: L,
        /// Issues and checks nonces.
        nonces: NonceIssuer,
    },
}

/// A [`KeyLookup`] that knows no one, for servers without long-term authentication.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoUsers;

impl KeyLookup for NoUsers {
    fn long_term_key(&self, _: &str, _: &str, _: PasswordAlgorithm) -> Option<IntegrityKey> {
        None
    }
}

/// Server settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerConfig {
    /// SOFTWARE sent in responses to authenticated requests.
    pub software: Option<&'static str>,
    /// RFC 5780 mode: the primary and alternate addresses the server listens on.
    pub nat_discovery: Option<NatDiscovery>,
}

/// Counters, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Requests answered with a success response.
    pub success: u64,
    /// Requests answered with an error response.
    pub errors: u64,
    /// Datagrams dropped (malformed, bad FINGERPRINT, queue full).
    pub dropped: u64,
}

/// The stateless Binding server.
#[derive(Debug)]
pub struct StunServer<L = NoUsers, const Q: usize = 4> {
    config: ServerConfig,
    auth: ServerAuth<L>,
    stats: ServerStats,
    queue: heapless::Deque<(Transmit, [u8; MAX_RESPONSE]), Q>,
}

/// The outcome of authenticating a request (a short-lived stack value, so the size of the
/// key variant does not matter).
#[allow(clippy::large_enum_variant)]
enum Authn<'k> {
    /// No authentication configured.
    Open,
    /// Authenticated with this key.
    Key(IntegrityKey),
    /// Authenticated with the short-term key.
    ShortTerm(&'k IntegrityKey),
    /// Reject with this error.
    Reject(ErrorCode),
}

impl<L: KeyLookup, const Q: usize> StunServer<L, Q> {
    /// A server.
    pub fn new(config: ServerConfig, auth: ServerAuth<L>) -> Self {
        StunServer {
            config,
            auth,
            stats: ServerStats::default(),
            queue: heapless::Deque::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Counters since start.
    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// Answer one datagram received on `path`, writing the response into `out` (at least
    /// [`MAX_RESPONSE`] bytes is always enough). `Ok(None)`: nothing to send (an indication,
    /// or a datagram dropped on purpose).
    pub fn respond(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Transmit>, Rejected> {
        let msg = Message::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        match msg.class() {
            Class::Request => {}
            Class::Indication => return Ok(None),
            Class::Success | Class::Error => return Err(Rejected::NotForUs),
        }
        if msg.fingerprint_offset().is_some() && !msg.fingerprint_ok() {
            self.stats.dropped += 1;
            return Err(Rejected::Malformed);
        }
        let result = self.answer(now, path, &msg, out);
        match result {
            Ok(Some((t, true))) => {
                self.stats.success += 1;
                Ok(Some(t))
            }
            Ok(Some((t, false))) => {
                self.stats.errors += 1;
                Ok(Some(t))
            }
            Ok(None) | Err(_) => {
                self.stats.dropped += 1;
                Ok(None)
            }
        }
    }

    /// Build the response. `Ok(Some((transmit, success)))`.
    fn answer(
        &self,
        now: Instant,
        path: Path,
        msg: &Message<'_>,
        out: &mut [u8],
    ) -> Result<Option<(Transmit, bool)>, EmitError> {
        let reply = |len| Some((Transmit { path, len }, false));
        if msg.method() != Method::BINDING {
            return self
                .error(msg, ErrorCode::BAD_REQUEST, None, out)
                .map(reply);
        }
        let discovery = self.config.nat_discovery.filter(|d| d.serves(path.local));
        let known = |k: AttrType| is_understood(k, discovery.is_some());
        if msg.first_unknown_required(known).is_some() {
            return self.unknown_attributes(msg, &known, out).map(reply);
        }
        let key = match self.authenticate(now, path, msg) {
            Authn::Reject(code) => {
                let nonce_for = (code != ErrorCode::BAD_REQUEST).then_some(path);
                return self
                    .error(msg, code, nonce_for.map(|p| (now, p)), out)
                    .map(reply);
            }
            Authn::Open => None,
            Authn::Key(k) => Some(k),
            Authn::ShortTerm(k) => Some(k.clone()),
        };
        let Some(plan) = rfc5780::plan(msg, path, discovery) else {
            return self
                .error(msg, ErrorCode::BAD_REQUEST, None, out)
                .map(reply);
        };
        let len = self.success(msg, path, &plan, key.as_ref(), out)?;
        Ok(Some((
            Transmit {
                path: plan.reply_path,
                len,
            },
            true,
        )))
    }

    fn authenticate(&self, now: Instant, path: Path, msg: &Message<'_>) -> Authn<'_> {
        let has_mac = msg.has_integrity();
        let username = msg.find_map(AttrType::USERNAME, |a| match a {
            Attribute::Username(u) => Some(u),
            _ => None,
        });
        match &self.auth {
            ServerAuth::None => Authn::Open,
            ServerAuth::ShortTerm(key) => match (has_mac, username) {
                (false, None) => Authn::Reject(ErrorCode::BAD_REQUEST),
                (false, Some(_)) | (true, None) => Authn::Reject(ErrorCode::UNAUTHENTICATED),
                (true, Some(_)) => match key.verify(msg) {
                    Ok(_) => Authn::ShortTerm(key),
                    Err(_) => Authn::Reject(ErrorCode::UNAUTHENTICATED),
                },
            },
            ServerAuth::LongTerm {
                realm,
                lookup,
                nonces,
            } => long_term(msg, now, path, realm, lookup, nonces, username),
        }
    }

    fn success(
        &self,
        msg: &Message<'_>,
        path: Path,
        plan: &rfc5780::Plan,
        key: Option<&IntegrityKey>,
        out: &mut [u8],
    ) -> Result<usize, EmitError> {
        let kind = msg.message_type().with_class(Class::Success);
        let mut b = MessageBuilder::new(out, kind, msg.transaction_id())?;
        b.add(&Attribute::XorMappedAddress(path.remote))?;
        if let Some((origin, other)) = plan.origin_and_other {
            b.add(&Attribute::ResponseOrigin(origin))?;
            b.add(&Attribute::OtherAddress(other))?;
        }
        self.seal(msg, b, key)
    }

    /// SOFTWARE (authenticated only), MESSAGE-INTEGRITY like the request's, FINGERPRINT when
    /// the request had one.
    fn seal(
        &self,
        msg: &Message<'_>,
        mut b: MessageBuilder<'_>,
        key: Option<&IntegrityKey>,
    ) -> Result<usize, EmitError> {
        if let Some(key) = key {
            if let Some(s) = self.config.software {
                b.add(&Attribute::Software(s))?;
            }
            if msg.integrity_sha256_offset().is_some() {
                b.add_message_integrity_sha256(key)?;
            } else {
                b.add_message_integrity(key)?;
            }
        }
        if msg.fingerprint_offset().is_some() {
            b.add_fingerprint()?;
        }
        Ok(b.finish())
    }

    fn error(
        &self,
        msg: &Message<'_>,
        code: ErrorCode,
        nonce_for: Option<(Instant, Path)>,
        out: &mut [u8],
    ) -> Result<usize, EmitError> {
        let kind = msg.message_type().with_class(Class::Error);
        let mut b = MessageBuilder::new(out, kind, msg.transaction_id())?;
        let challenge = match (&self.auth, nonce_for) {
            (ServerAuth::LongTerm { realm, nonces, .. }, Some(at)) => Some((realm, nonces, at)),
            _ => None,
        };
        // A challenge leaves the reason phrase out: it is the largest unauthenticated answer.
        let reason = if challenge.is_some() {
            ""
        } else {
            code.reason()
        };
        b.add(&Attribute::ErrorCode(code, reason))?;
        if let Some((realm, nonces, (now, path))) = challenge {
            b.add(&Attribute::Realm(realm))?;
            b.add(&Attribute::Nonce(&nonces.issue(now, path.remote)))?;
            if nonces.features().password_algorithms {
                let algs = [PasswordAlgorithm::Sha256, PasswordAlgorithm::Md5];
                b.add(&Attribute::PasswordAlgorithms(PasswordAlgorithms::List(
                    &algs,
                )))?;
            }
        }
        self.seal(msg, b, None)
    }

    fn unknown_attributes(
        &self,
        msg: &Message<'_>,
        known: &impl Fn(AttrType) -> bool,
        out: &mut [u8],
    ) -> Result<usize, EmitError> {
        let mut unknown = heapless::Vec::<AttrType, 16>::new();
        for a in msg.attributes() {
            if a.kind.is_comprehension_required() && !known(a.kind) && !unknown.contains(&a.kind) {
                let _ = unknown.push(a.kind);
            }
        }
        let kind = msg.message_type().with_class(Class::Error);
        let mut b = MessageBuilder::new(out, kind, msg.transaction_id())?;
        let code = ErrorCode::UNKNOWN_ATTRIBUTE;
        b.add(&Attribute::ErrorCode(code, code.reason()))?;
        b.add(&Attribute::UnknownAttributes(UnknownAttributes::List(
            &unknown,
        )))?;
        self.seal(msg, b, None)
    }
}

/// RFC 8489 §9.2.4 server side: REALM, NONCE, USERNAME or USERHASH, MESSAGE-INTEGRITY.
fn long_term<'k, L: KeyLookup>(
    msg: &Message<'_>,
    now: Instant,
    path: Path,
    realm: &str,
    lookup: &L,
    nonces: &NonceIssuer,
    username: Option<&str>,
) -> Authn<'k> {
    let has_mac = msg.has_integrity();
    if !has_mac {
        return Authn::Reject(ErrorCode::UNAUTHENTICATED);
    }
    let text = |kind| {
        msg.find_map(kind, |a| match a {
            Attribute::Realm(s) | Attribute::Nonce(s) => Some(s),
            _ => None,
        })
    };
    let (Some(req_realm), Some(nonce), Some(user)) =
        (text(AttrType::REALM), text(AttrType::NONCE), username)
    else {
        return Authn::Reject(ErrorCode::BAD_REQUEST);
    };
    match nonces.check(nonce, now, path.remote) {
        NonceCheck::Valid => {}
        NonceCheck::Stale => return Authn::Reject(ErrorCode::STALE_NONCE),
        NonceCheck::Invalid => return Authn::Reject(ErrorCode::UNAUTHENTICATED),
    }
    if req_realm != realm {
        return Authn::Reject(ErrorCode::UNAUTHENTICATED);
    }
    let algorithm = msg
        .find_map(AttrType::PASSWORD_ALGORITHM, |a| match a {
            Attribute::PasswordAlgorithm(p) => Some(p),
            _ => None,
        })
        .unwrap_or(PasswordAlgorithm::Md5);
    match lookup.long_term_key(user, realm, algorithm) {
        Some(key) if key.verify(msg).is_ok() => Authn::Key(key),
        _ => Authn::Reject(ErrorCode::UNAUTHENTICATED),
    }
}

/// Comprehension-required attributes a Binding server understands.
fn is_understood(kind: AttrType, rfc5780: bool) -> bool {
    match kind {
        AttrType::CHANGE_REQUEST | AttrType::RESPONSE_PORT | AttrType::PADDING => rfc5780,
        AttrType::MAPPED_ADDRESS
        | AttrType::USERNAME
        | AttrType::MESSAGE_INTEGRITY
        | AttrType::MESSAGE_INTEGRITY_SHA256
        | AttrType::ERROR_CODE
        | AttrType::UNKNOWN_ATTRIBUTES
        | AttrType::REALM
        | AttrType::NONCE
        | AttrType::PASSWORD_ALGORITHM
        | AttrType::USERHASH
        | AttrType::XOR_MAPPED_ADDRESS
        | AttrType::PRIORITY
        | AttrType::USE_CANDIDATE => true,
        _ => false,
    }
}

impl<L: KeyLookup, const Q: usize> SansIo for StunServer<L, Q> {
    type Event = core::convert::Infallible;

    type Data<'a> = sansio::NoData;

    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        let mut buf = [0u8; MAX_RESPONSE];
        if let Some(t) = self.respond(now, path, data, &mut buf)? {
            if self.queue.push_back((t, buf)).is_err() {
                self.stats.dropped += 1;
            }
        }
        Ok(None)
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let (t, buf) = self.queue.pop_front()?;
        out.get_mut(..t.len)?.copy_from_slice(buf.get(..t.len)?);
        Some(t)
    }

    fn poll_event(&mut self) -> Option<Self::Event> {
        None
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}
