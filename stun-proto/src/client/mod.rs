//! Client transactions (RFC 8489 §6.2–6.3): retransmission, matching, authentication
//! challenges and redirects, as a sans-IO machine with fixed capacity.
//!
//! [`StunClient`] runs up to `N` concurrent transactions, each request at most `B` bytes,
//! with no allocator. It is driven through [`sansio::SansIo`], the workspace's one contract:
//! one input ([`start_request`](StunClient::start_request), a datagram or a timeout), then
//! drain `poll_transmit`, then `poll_event`, then read `poll_timeout`. A response that ends a
//! transaction is handed up by `handle_datagram` as a [`Response`] borrowing the datagram
//! (parsed once); a composite that has already parsed the datagram passes the view to
//! [`handle_message`](StunClient::handle_message). Timeouts and failures are events.
//!
//! What the client does by itself:
//! * retransmits over UDP at RTO, 3 RTO, 7 RTO… (`Rc` = 7 sends, then waits `Rm` × RTO),
//!   sends once over TCP/TLS and waits 39.5 s; learns the RTO from round trips (RFC 6298,
//!   Karn's rule, never below the configured RTO);
//! * answers a 401 with long-term credentials (REALM, NONCE, PASSWORD-ALGORITHM negotiation,
//!   USERHASH when the server asks for anonymity) and a 438 with the fresh nonce, as a new
//!   transaction under the same handle;
//! * follows a 300 Try Alternate to the ALTERNATE-SERVER once;
//! * drops responses whose FINGERPRINT or MESSAGE-INTEGRITY is wrong (an attacker cannot end
//!   a transaction), and fails the transaction when a response carries a
//!   comprehension-required attribute it does not know.

mod credentials;
mod event;
mod rto;
mod transaction;

pub use credentials::{Credentials, CredentialsError, MAX_CHALLENGE_LEN, MAX_CREDENTIAL_LEN};
pub use event::{ClientEvent, Failure, Response, StartError};
pub use transaction::RetransmitConfig;

use crate::wire::attr::{AttrType, Attribute, ErrorCode};
use crate::wire::{Class, EmitError, Message, MessageBuilder, MessageType, Method, TransactionId};
use credentials::{AuthState, Challenge};
use rto::RtoEstimator;
use sansio::{Entropy, Instant, Path, Rejected, SansIo, Transmit};
use transaction::{Expiry, Timer};

/// Client settings.
#[derive(Clone, Copy, Debug)]
pub struct ClientConfig {
    /// Retransmission timing.
    pub retransmit: RetransmitConfig,
    /// Add FINGERPRINT to every request (RFC 8489 recommends it; ICE requires it).
    pub fingerprint: bool,
    /// SOFTWARE to add to every request.
    pub software: Option<&'static str>,
    /// Times one transaction may follow 300 Try Alternate.
    pub max_redirects: u8,
    /// Times one transaction may retry after 438 Stale Nonce.
    pub max_stale_nonce_retries: u8,
    /// Which comprehension-required attribute types responses may carry.
    pub known_attribute: fn(AttrType) -> bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            retransmit: RetransmitConfig::default(),
            fingerprint: true,
            software: None,
            max_redirects: 1,
            max_stale_nonce_retries: 3,
            known_attribute: AttrType::is_known,
        }
    }
}

/// One transaction in flight.
#[derive(Debug)]
struct Slot<const B: usize> {
    /// The handle the caller got; stays the same across 401/438/300 retries.
    id: TransactionId,
    /// The transaction ID currently on the wire.
    wire: TransactionId,
    path: Path,
    method: Method,
    request: heapless::Vec<u8, B>,
    timer: Timer,
    authenticated: bool,
    stale_retries: u8,
    auth_retries: u8,
    redirects: u8,
}

/// Concurrent STUN client transactions: up to `N` at once, requests up to `B` bytes, a
/// server's REALM and NONCE up to `L` bytes each ([`MAX_CHALLENGE_LEN`] by default).
///
/// `L` = 0 makes a client for short-term credentials or none (an ICE agent's checks, a STUN
/// Binding client): it answers no 401/438 challenge, refuses [`Credentials::LongTerm`]
/// ([`CredentialsError::NoLongTerm`]), is `2 × MAX_CHALLENGE_LEN` bytes smaller, and leaves
/// the long-term key derivation (MD5 among it) out of the image.
///
/// `N` also bounds undelivered events: a new request is refused with
/// [`StartError::Full`] while transactions plus undrained events reach `N`, so no outcome is
/// ever dropped (the [`sansio::EventQueue`] never overflows).
#[derive(Debug)]
pub struct StunClient<
    E,
    const N: usize = 8,
    const B: usize = 576,
    const L: usize = MAX_CHALLENGE_LEN,
> {
    config: ClientConfig,
    entropy: E,
    auth: AuthState<L>,
    rto: RtoEstimator,
    slots: heapless::Vec<Slot<B>, N>,
    events: sansio::EventQueue<ClientEvent, N>,
}

impl<E: Entropy, const N: usize, const B: usize, const L: usize> StunClient<E, N, B, L> {
    /// A client with `credentials`, drawing transaction IDs from `entropy`.
    pub fn new(
        config: ClientConfig,
        credentials: Credentials<'_>,
        entropy: E,
    ) -> Result<Self, CredentialsError> {
        Ok(StunClient {
            rto: RtoEstimator::new(config.retransmit.rto),
            auth: AuthState::new(credentials)?,
            config,
            entropy,
            slots: heapless::Vec::new(),
            events: sansio::EventQueue::new(),
        })
    }

    /// Transactions in flight.
    pub fn in_flight(&self) -> usize {
        self.slots.len()
    }

    /// The current retransmission timeout for new transactions.
    pub fn rto(&self) -> core::time::Duration {
        self.rto.rto()
    }

    /// The realm learned from a server's challenge.
    pub fn realm(&self) -> Option<&str> {
        self.auth.realm()
    }

    /// Start a request of `method` to `path.remote` carrying `attributes`; authentication
    /// attributes, SOFTWARE and FINGERPRINT are added by the client.
    pub fn start_request(
        &mut self,
        now: Instant,
        path: Path,
        method: Method,
        attributes: &[Attribute<'_>],
    ) -> Result<TransactionId, StartError> {
        self.start_request_with(now, path, method, |b| {
            attributes.iter().try_for_each(|a| b.add(a))
        })
    }

    /// Start a request whose attributes `build` writes (for attributes of other crates, such
    /// as TURN's). The client appends authentication, SOFTWARE and FINGERPRINT.
    pub fn start_request_with(
        &mut self,
        now: Instant,
        path: Path,
        method: Method,
        build: impl FnOnce(&mut MessageBuilder<'_>) -> Result<(), EmitError>,
    ) -> Result<TransactionId, StartError> {
        if self.slots.len() + self.events.len() >= N {
            return Err(StartError::Full);
        }
        let tid = TransactionId::random(&mut self.entropy);
        let mut buf = [0u8; B];
        let mut b = MessageBuilder::new(&mut buf, MessageType::new(method, Class::Request), tid)?;
        build(&mut b)?;
        let authenticated = self.finish(&mut b)?;
        let len = b.finish();
        let slot = Slot {
            id: tid,
            wire: tid,
            path,
            method,
            request: request_bytes(buf.get(..len).unwrap_or(&[]))?,
            timer: Timer::new(now, self.rto.rto(), path.transport.is_reliable()),
            authenticated,
            stale_retries: 0,
            auth_retries: 0,
            redirects: 0,
        };
        self.slots.push(slot).map_err(|_| StartError::Full)?;
        Ok(tid)
    }

    /// Abandon a transaction: no more retransmissions and no event.
    pub fn cancel(&mut self, id: TransactionId) -> bool {
        match self.slots.iter().position(|s| s.id == id) {
            Some(i) => {
                self.slots.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Append SOFTWARE, authentication and FINGERPRINT. Returns whether integrity was added.
    fn finish(&self, b: &mut MessageBuilder<'_>) -> Result<bool, EmitError> {
        if let Some(s) = self.config.software {
            b.add(&Attribute::Software(s))?;
        }
        let authenticated = self.auth.key().is_some();
        self.auth.authenticate(b)?;
        if self.config.fingerprint {
            b.add_fingerprint()?;
        }
        Ok(authenticated)
    }

    /// A response already parsed (by a composite that demultiplexed the datagram): the
    /// parse-once entry point. `Ok(Some(response))` ends a transaction; `Ok(None)`: the
    /// transaction goes on (401/438/300 retry) or ended with a failure event.
    /// `Err(NotForUs)` when it is not a response to one of our transactions.
    pub fn handle_message<'a>(
        &mut self,
        now: Instant,
        path: Path,
        msg: &Message<'a>,
    ) -> Result<Option<Response<'a>>, Rejected> {
        if !msg.class().is_response() {
            return Err(Rejected::NotForUs);
        }
        let tid = msg.transaction_id();
        let idx = self
            .slots
            .iter()
            .position(|s| s.wire == tid)
            .ok_or(Rejected::NotForUs)?;
        let slot = self.slots.get(idx).ok_or(Rejected::NotForUs)?;
        if slot.method != msg.method() {
            return Err(Rejected::Malformed);
        }
        if msg.fingerprint_offset().is_some() && !msg.fingerprint_ok() {
            return Err(Rejected::Malformed);
        }
        self.check_integrity(msg, slot.authenticated)?;
        if let Some(kind) = msg.first_unknown_required(self.config.known_attribute) {
            self.fail(idx, Failure::UnknownAttribute(kind));
            return Ok(None);
        }
        if msg.class() == Class::Error && self.try_recover(now, idx, msg)? {
            return Ok(None);
        }
        Ok(Some(self.complete(now, idx, path, msg)))
    }

    fn check_integrity(&self, msg: &Message<'_>, authenticated: bool) -> Result<(), Rejected> {
        let has_mac = msg.has_integrity();
        match (authenticated, self.auth.key()) {
            (true, Some(key)) if has_mac => key
                .verify(msg)
                .map(|_| ())
                .map_err(|_| Rejected::Unauthenticated),
            // An authenticated request's success must be authenticated too; error responses
            // (400, 401, 420, 438) legitimately come without.
            (true, Some(_)) if msg.class() == Class::Success => Err(Rejected::Unauthenticated),
            _ => Ok(()),
        }
    }

    /// Handle 401, 438 and 300 by retrying. `Ok(true)` when the transaction goes on.
    fn try_recover(
        &mut self,
        now: Instant,
        idx: usize,
        msg: &Message<'_>,
    ) -> Result<bool, Rejected> {
        let Some(code) = msg.error_code() else {
            return Ok(false);
        };
        let Some(slot) = self.slots.get_mut(idx) else {
            return Ok(false);
        };
        let mut new_path = slot.path;
        match code {
            ErrorCode::UNAUTHENTICATED if slot.auth_retries < 1 => slot.auth_retries += 1,
            ErrorCode::STALE_NONCE if slot.stale_retries < self.config.max_stale_nonce_retries => {
                slot.stale_retries += 1
            }
            ErrorCode::TRY_ALTERNATE if slot.redirects < self.config.max_redirects => {
                let Some(alt) = msg.alternate_server() else {
                    return Ok(false);
                };
                if alt.is_ipv4() != slot.path.remote.is_ipv4() {
                    return Ok(false);
                }
                slot.redirects += 1;
                new_path.remote = alt;
            }
            _ => return Ok(false),
        }
        if code != ErrorCode::TRY_ALTERNATE {
            let had_auth = slot.authenticated;
            if self.auth.on_challenge(msg, code, had_auth) == Challenge::GiveUp {
                return Ok(false);
            }
        }
        self.retry(now, idx, new_path)?;
        Ok(true)
    }

    /// Re-send a transaction's request as a new wire transaction on `path`.
    fn retry(&mut self, now: Instant, idx: usize, path: Path) -> Result<(), Rejected> {
        let wire = TransactionId::random(&mut self.entropy);
        let mut buf = [0u8; B];
        let Some(slot) = self.slots.get(idx) else {
            return Err(Rejected::NotForUs);
        };
        let rebuilt = rebuild(&slot.request, wire, &mut buf)
            .and_then(|mut b| self.finish(&mut b).map(|auth| (auth, b.finish())));
        let (authenticated, len) = match rebuilt {
            Ok(v) => v,
            Err(e) => {
                self.fail(idx, Failure::Retry(e));
                return Ok(());
            }
        };
        let request = match request_bytes(buf.get(..len).unwrap_or(&[])) {
            Ok(r) => r,
            Err(_) => {
                self.fail(
                    idx,
                    Failure::Retry(EmitError::BufferTooSmall { needed: len }),
                );
                return Ok(());
            }
        };
        let rto = self.rto.rto();
        if let Some(slot) = self.slots.get_mut(idx) {
            slot.wire = wire;
            slot.path = path;
            slot.request = request;
            slot.authenticated = authenticated;
            slot.timer = Timer::new(now, rto, path.transport.is_reliable());
        }
        Ok(())
    }

    fn complete<'a>(
        &mut self,
        now: Instant,
        idx: usize,
        path: Path,
        msg: &Message<'a>,
    ) -> Response<'a> {
        let slot = self.slots.swap_remove(idx);
        if slot.timer.sent == 1 {
            if let Some(first) = slot.timer.first_sent {
                self.rto.sample(now - first);
            }
        }
        if msg.class() == Class::Success {
            self.auth.refresh_nonce(msg);
        }
        Response {
            id: slot.id,
            path,
            message: *msg,
        }
    }

    fn fail(&mut self, idx: usize, reason: Failure) {
        let slot = self.slots.swap_remove(idx);
        // Room is guaranteed: transactions plus events never exceed N.
        self.events.push(ClientEvent::Failed {
            id: slot.id,
            reason,
        });
    }
}

/// The one contract (see the [`sansio`] crate page).
impl<E: Entropy, const N: usize, const B: usize, const L: usize> SansIo for StunClient<E, N, B, L> {
    type Event = ClientEvent;
    type Data<'a> = Response<'a>;

    /// A datagram: `Ok(Some(response))` when it ends a transaction (see
    /// [`handle_message`](StunClient::handle_message)); `Err(NotForUs)` when it is not STUN or
    /// not a response to one of our transactions.
    fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<Response<'a>>, Rejected> {
        let msg = Message::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        self.handle_message(now, path, &msg)
    }

    /// Fire retransmission and timeout timers. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant) {
        let cfg = self.config.retransmit;
        let mut i = 0;
        while let Some(slot) = self.slots.get_mut(i) {
            if slot.timer.poll(now, &cfg) == Expiry::TimedOut {
                let slot = self.slots.swap_remove(i);
                self.events.push(ClientEvent::TimedOut { id: slot.id });
            } else {
                i += 1;
            }
        }
    }

    /// The next request (re)transmission, written to `out`. A request larger than `out` is
    /// dropped as a link would drop it, and retried on schedule.
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let cfg = self.config.retransmit;
        let slot = self.slots.iter_mut().find(|s| s.timer.due)?;
        slot.timer.on_sent(now, &cfg);
        let len = slot.request.len();
        out.get_mut(..len)?.copy_from_slice(&slot.request);
        Some(Transmit {
            path: slot.path,
            len,
        })
    }

    /// A transaction that ended without a response.
    fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop()
    }

    /// The earliest deadline of any transaction.
    fn poll_timeout(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| s.timer.next_deadline())
            .min()
    }
}

fn request_bytes<const B: usize>(bytes: &[u8]) -> Result<heapless::Vec<u8, B>, StartError> {
    heapless::Vec::from_slice(bytes).map_err(|_| StartError::TooLarge)
}

/// Attribute types the client writes itself on every (re)transmission.
fn is_client_owned(kind: AttrType) -> bool {
    matches!(
        kind,
        AttrType::USERNAME
            | AttrType::USERHASH
            | AttrType::REALM
            | AttrType::NONCE
            | AttrType::PASSWORD_ALGORITHM
            | AttrType::PASSWORD_ALGORITHMS
            | AttrType::MESSAGE_INTEGRITY
            | AttrType::MESSAGE_INTEGRITY_SHA256
            | AttrType::FINGERPRINT
            | AttrType::SOFTWARE
    )
}

/// Copy a request's own attributes into a new message with transaction ID `wire`,
/// re-encoding XOR-ed addresses for the new ID.
fn rebuild<'b>(
    request: &[u8],
    wire: TransactionId,
    buf: &'b mut [u8],
) -> Result<MessageBuilder<'b>, EmitError> {
    let old = Message::new_checked(request).map_err(|_| EmitError::BufferTooSmall { needed: 0 })?;
    let old_tid = old.transaction_id();
    let mut b = MessageBuilder::new(buf, old.message_type(), wire)?;
    for a in old.attributes().filter(|a| !is_client_owned(a.kind)) {
        match a.kind {
            AttrType::XOR_MAPPED_ADDRESS
            | AttrType::XOR_PEER_ADDRESS
            | AttrType::XOR_RELAYED_ADDRESS => {
                let addr = crate::wire::attr::decode_xor_address(a.value, &old_tid)
                    .ok_or(EmitError::ValueTooLong { attr: a.kind.0 })?;
                let len = crate::wire::attr::address_len(&addr);
                b.add_with(a.kind, len, |out| {
                    crate::wire::attr::encode_xor_address(&addr, &wire, out)
                })?;
            }
            _ => b.add_raw(a.kind, a.value)?,
        }
    }
    Ok(b)
}
