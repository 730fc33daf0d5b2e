//! [`Endpoint`]: one DTLS 1.2 connection, client or server, as a [`sansio::SansIo`] machine.

mod input;
#[cfg(feature = "server")]
mod listen;
mod output;

use crate::appdata::{AppData, Records, RX_LEN};
use crate::cert::{Certificate, Fingerprint};
use crate::config::Config;
use crate::crypto::prf::{ExportError, MasterSecret};
use crate::crypto::{CryptoProvider, RustCrypto};
use crate::event::{Connected, Event, Failure};
use crate::handshake::cookie::CookieKey;
use crate::handshake::reassembly::{Reassembly, ARENA_LEN};
use crate::handshake::{Ctx, Handshake, Progress};
use crate::record::Epochs;
use crate::types::{CipherSuite, DtlsRole, SrtpProfile};
use crate::wire::{Alert, AlertDescription};
use core::fmt;
use core::time::Duration;
use sansio::{Entropy, EventQueue, Instant, Path, TimerKey, Timers};

/// The label of the DTLS-SRTP exporter (RFC 5764 §4.2).
pub const SRTP_EXPORTER_LABEL: &[u8] = b"EXTRACTOR-dtls_srtp";
/// Events one input can cause at most (a failure, or connected then closed).
pub const EVENT_CAPACITY: usize = 4;
/// Bytes of an epoch-1 handshake record we decrypt during the handshake (Finished and a
/// little more).
const SCRATCH_LEN: usize = 256;

/// The timers of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Retransmit the current flight (RFC 6347 §4.2.4).
    Retransmit,
    /// Give up on the handshake.
    Deadline,
}

impl TimerKey for Timer {
    const ALL: &'static [Self] = &[Timer::Retransmit, Timer::Deadline];
    fn index(self) -> usize {
        self as usize
    }
}

/// Where a connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created; [`Endpoint::start`] not called yet.
    Idle,
    /// Server: waiting for a ClientHello, keeping no state for unverified clients.
    Listening,
    /// Handshake in progress.
    Handshaking,
    /// Handshake complete, waiting for [`Endpoint::set_remote_fingerprint`] to authenticate the
    /// peer's certificate.
    AwaitingFingerprint,
    /// Application data flows.
    Connected,
    /// Closed with close_notify.
    Closed,
    /// Failed.
    Failed(Failure),
}

/// What each phase keeps: the reassembly's bookkeeping, the handshake and a scratch buffer
/// during the handshake, where the records of the last datagram are after it. The bytes
/// both work in are the endpoint's `memory` (the reassembly arena, then the receive buffer),
/// so starting a handshake again builds only this part, not 4 KiB of arena.
#[allow(clippy::large_enum_variant)] // no allocator: the union is the point
enum Phase {
    Handshake {
        rx: Reassembly,
        hs: Handshake,
        scratch: [u8; SCRATCH_LEN],
    },
    Connected(Records),
}

/// Bytes of an endpoint's `memory` by default (its `MEM`): the reassembly arena, which the
/// receive buffer fits in.
pub const MEMORY: usize = ARENA_LEN;

/// What a finished handshake leaves behind.
struct Session {
    master: MasterSecret,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: CipherSuite,
    srtp: Option<SrtpProfile>,
    /// `None`: the peer presented no certificate (a server not requesting one).
    peer_fingerprint: Option<Fingerprint>,
    /// Our Finished (`message_seq`, verify_data) when we sent the last flight (server).
    final_finished: Option<(u16, [u8; 12])>,
    /// The `message_seq` the peer's retransmitted last flight would start with.
    peer_flight_start: Option<u16>,
    /// The first `message_seq` the peer has not sent (a renegotiation would use it).
    next_recv_seq: u16,
}

/// Counters of what was dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records dropped as replays or outside the window.
    pub replayed: u64,
    /// Records that failed authentication.
    pub bad_records: u64,
    /// Records of unknown epoch, type or state (including application data before the
    /// handshake completed).
    pub unexpected: u64,
    /// Application-data records that did not fit the receive buffer of one datagram.
    pub overflow: u64,
    /// Handshake fragments dropped by the reassembly bounds.
    pub fragments_dropped: u64,
    /// HelloVerifyRequests sent.
    pub hello_verify_requests: u64,
    /// Flight retransmissions.
    pub retransmissions: u64,
}

/// Transmissions waiting for `poll_transmit`.
#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    /// A stateless HelloVerifyRequest: to, record seq, message seq, cookie.
    #[cfg(feature = "server")]
    hello_verify: Option<(Path, u64, u16, [u8; crate::handshake::cookie::COOKIE_LEN])>,
    /// An alert to send (fatal ones end the connection).
    alert: Option<Alert>,
    /// Resend our last flight (ChangeCipherSpec + Finished).
    final_flight: bool,
}

/// One DTLS 1.2 endpoint (RFC 6347), client or server, for WebRTC.
///
/// Call order (the workspace contract): one input — [`handle_datagram`](sansio::SansIo),
/// [`handle_timeout`](sansio::SansIo), or a command ([`start`](Endpoint::start),
/// [`send`](sansio::Carrier::send), [`close`](Endpoint::close),
/// [`set_remote_fingerprint`](Endpoint::set_remote_fingerprint)) — then drain
/// `poll_transmit`, then drain `poll_event`, then read `poll_timeout`.
///
/// `MEM` is the bytes it works in ([`MEMORY`], 4 KiB, by default): the arena the peer's
/// handshake messages are reassembled in, then the receive buffer of the connected phase,
/// which needs [`RX_LEN`] (2 KiB). What must fit is the largest message of
/// a peer's flight, with the rest of that flight: a browser's ClientHello (up to 1.8 KB with
/// post-quantum key shares) when we are the server; about 1 KB — a self-signed ECDSA
/// certificate with the rest of the server's flight — when we are the client. A device that
/// is always the client can take 2 KiB; a message that does not fit is dropped, and the
/// handshake times out.
pub struct Endpoint<E: Entropy, C: CryptoProvider = RustCrypto, const MEM: usize = MEMORY> {
    config: Config,
    crypto: C,
    entropy: E,
    certificate: Certificate,
    role: DtlsRole,
    state: State,
    phase: Phase,
    /// The handshake's reassembly arena, then the receive buffer (see [`Phase`]).
    memory: [u8; MEM],
    epochs: Epochs<C::Aead>,
    session: Option<Session>,
    path: Option<Path>,
    remote_fingerprint: Option<Fingerprint>,
    cookie_key: CookieKey,
    timers: Timers<Timer, 2>,
    rto: Duration,
    pending: Pending,
    events: EventQueue<Event, EVENT_CAPACITY>,
    stats: Stats,
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> fmt::Debug for Endpoint<E, C, MEM> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("path", &self.path)
            .field("epochs", &self.epochs)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<E: Entropy> Endpoint<E, RustCrypto, MEMORY> {
    /// An endpoint in `role` with the RustCrypto primitives.
    pub fn new(role: DtlsRole, config: Config, certificate: Certificate, entropy: E) -> Self {
        Self::with_crypto(role, config, certificate, entropy, RustCrypto)
    }
}

impl<E: Entropy, C: CryptoProvider> Endpoint<E, C, MEMORY> {
    /// An endpoint in `role` with other primitives (a board's hardware AES or P-256).
    pub fn with_crypto(
        role: DtlsRole,
        config: Config,
        certificate: Certificate,
        entropy: E,
        crypto: C,
    ) -> Self {
        Self::with_crypto_sized(role, config, certificate, entropy, crypto)
    }
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Endpoint<E, C, MEM> {
    /// [`with_crypto`](Endpoint::with_crypto) working in `MEM` bytes (see [`Endpoint`]).
    pub fn with_crypto_sized(
        role: DtlsRole,
        config: Config,
        certificate: Certificate,
        mut entropy: E,
        crypto: C,
    ) -> Self {
        const {
            assert!(
                RX_LEN <= MEM && MEM <= ARENA_LEN,
                "MEM holds the receive buffer and at most ARENA_LEN"
            )
        };
        let mut secret = [0u8; 32];
        entropy.fill(&mut secret);
        Endpoint {
            rto: config.initial_retransmit,
            config,
            crypto,
            entropy,
            certificate,
            role,
            state: State::Idle,
            phase: Phase::Handshake {
                rx: Reassembly::new(0),
                hs: Handshake::new(role),
                scratch: [0; SCRATCH_LEN],
            },
            memory: [0; MEM],
            epochs: Epochs::new(),
            session: None,
            path: None,
            remote_fingerprint: None,
            cookie_key: CookieKey::new(secret),
            timers: Timers::new(),
            pending: Pending::default(),
            events: EventQueue::new(),
            stats: Stats::default(),
        }
    }

    /// Make this endpoint what [`with_crypto`](Self::with_crypto) makes with these arguments
    /// and the same crypto provider, in place: for an owner that keeps one endpoint in a
    /// `static` and serves one peer after another, without building a second endpoint on the
    /// stack. The previous connection is forgotten without a word: [`close`](Self::close) it
    /// and send what [`poll_transmit`](sansio::SansIo::poll_transmit) gives first.
    pub fn reset(&mut self, role: DtlsRole, config: Config, certificate: Certificate, entropy: E) {
        self.certificate = certificate;
        self.restart(role, config, entropy);
    }

    /// [`reset`](Self::reset) with the certificate this endpoint has: its owner need not
    /// keep a copy of its own to start over with.
    pub fn restart(&mut self, role: DtlsRole, config: Config, mut entropy: E) {
        let mut secret = [0u8; 32];
        entropy.fill(&mut secret);
        self.rto = config.initial_retransmit;
        self.config = config;
        self.entropy = entropy;
        self.role = role;
        self.state = State::Idle;
        self.restart_phase(role);
        self.epochs = Epochs::new();
        self.session = None;
        self.path = None;
        self.remote_fingerprint = None;
        self.cookie_key = CookieKey::new(secret);
        self.timers = Timers::new();
        self.pending = Pending::default();
        self.events.clear();
        self.stats = Stats::default();
    }

    /// Our role.
    pub fn role(&self) -> DtlsRole {
        self.role
    }

    /// Change the role before [`start`](Endpoint::start) (from SDP `a=setup`); `false` once
    /// started.
    pub fn set_role(&mut self, role: DtlsRole) -> bool {
        if self.state != State::Idle {
            return false;
        }
        self.role = role;
        self.restart_phase(role);
        true
    }

    /// A new handshake for `role`, made where the phase is when it is a handshake already
    /// (only the handshake itself is built again).
    fn restart_phase(&mut self, role: DtlsRole) {
        match &mut self.phase {
            Phase::Handshake { rx, hs, .. } => {
                rx.reset(0);
                *hs = Handshake::new(role);
            }
            Phase::Connected(_) => self.new_phase(role),
        }
    }

    /// A new handshake phase in place of a connected one (not inlined: its temporaries stay
    /// out of [`restart_phase`](Self::restart_phase)'s frame when it is not needed). The
    /// arena is `memory`, which stays where it is.
    #[inline(never)]
    fn new_phase(&mut self, role: DtlsRole) {
        self.phase = Phase::Handshake {
            rx: Reassembly::new(0),
            hs: Handshake::new(role),
            scratch: [0; SCRATCH_LEN],
        };
    }

    /// The crypto provider.
    pub fn crypto(&self) -> &C {
        &self.crypto
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        self.state
    }

    /// What was dropped so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The path records go out on (the client's start path, or the server's verified client).
    pub fn path(&self) -> Option<Path> {
        self.path
    }

    /// Our certificate's fingerprint (for SDP `a=fingerprint:sha-256`).
    pub fn local_fingerprint(&self) -> Fingerprint {
        self.certificate.fingerprint()
    }

    /// Start: a client sends its ClientHello on `path`; a server starts accepting
    /// ClientHellos (`path` is ignored: it learns its client's). Does nothing once started.
    pub fn start(&mut self, now: Instant, path: Path) {
        if self.state != State::Idle {
            return;
        }
        match self.role {
            #[cfg(feature = "server")]
            DtlsRole::Server => self.state = State::Listening,
            #[cfg(not(feature = "server"))]
            DtlsRole::Server => self.fail(Failure::RoleNotBuilt),
            DtlsRole::Client => {
                self.path = Some(path);
                self.state = State::Handshaking;
                self.timers
                    .set(Timer::Deadline, now + self.config.handshake_timeout);
                let started = match &mut self.phase {
                    Phase::Handshake { hs, .. } => {
                        let mut ctx = Ctx {
                            crypto: &self.crypto,
                            entropy: &mut self.entropy,
                            certificate: &self.certificate,
                            config: &self.config,
                            epochs: &mut self.epochs,
                            remote_fingerprint: self.remote_fingerprint,
                        };
                        hs.start_client(&mut ctx)
                    }
                    Phase::Connected(_) => Ok(()),
                };
                match started {
                    Ok(()) => self.new_flight(now),
                    Err(abort) => self.abort(abort),
                }
            }
        }
    }

    /// Server: check HelloVerifyRequest cookies with `secret` (32 random bytes) instead of the
    /// one drawn at construction, so that the endpoints a server creates one per client on a
    /// shared socket accept the cookies any of them issued.
    pub fn set_cookie_secret(&mut self, secret: [u8; 32]) {
        self.cookie_key = CookieKey::new(secret);
    }

    /// The SHA-256 fingerprint the peer's certificate must have (from its SDP). Checked when
    /// the certificate arrives or, if the handshake already completed, now: a mismatch fails
    /// the connection with [`Failure::FingerprintMismatch`].
    pub fn set_remote_fingerprint(&mut self, fingerprint: Fingerprint) {
        self.remote_fingerprint = Some(fingerprint);
        if self.state == State::AwaitingFingerprint {
            self.authenticate();
        }
    }

    /// The fingerprint of the certificate the peer presented, once the handshake completed
    /// (before [`set_remote_fingerprint`](Endpoint::set_remote_fingerprint) authenticated it:
    /// for logging, or for a test harness that trusts any peer).
    pub fn peer_fingerprint(&self) -> Option<Fingerprint> {
        self.session.as_ref().and_then(|s| s.peer_fingerprint)
    }

    /// The negotiated SRTP protection profile, once connected.
    pub fn srtp_profile(&self) -> Option<SrtpProfile> {
        self.connected_session().and_then(|s| s.srtp)
    }

    /// The negotiated cipher suite, once connected.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        self.connected_session().map(|s| s.suite)
    }

    /// Whether application data flows.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    fn connected_session(&self) -> Option<&Session> {
        self.session
            .as_ref()
            .filter(|_| self.state == State::Connected)
    }

    /// RFC 5705 keying material: `out.len()` bytes for `label` (and `context`, if any).
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), ExportError> {
        let s = self.connected_session().ok_or(ExportError::NotConnected)?;
        s.master
            .export(&s.client_random, &s.server_random, label, context, out)
    }

    /// The DTLS-SRTP keying material (RFC 5764 §4.2): `client key || server key || client
    /// salt || server salt`, [`SrtpProfile::keying_material_len`] bytes written to the start of
    /// `out`. Returns the profile.
    pub fn export_srtp_keying_material(&self, out: &mut [u8]) -> Result<SrtpProfile, ExportError> {
        let profile = self.srtp_profile().ok_or(ExportError::NoSrtpProfile)?;
        let out = out
            .get_mut(..profile.keying_material_len())
            .ok_or(ExportError::BadLength)?;
        self.export_keying_material(SRTP_EXPORTER_LABEL, None, out)?;
        Ok(profile)
    }

    /// Close: send close_notify (RFC 5246 §7.2.1) and stop. Emits [`Event::Closed`].
    pub fn close(&mut self, _now: Instant) {
        if matches!(self.state, State::Closed | State::Failed(_) | State::Idle) {
            return;
        }
        if self.path.is_some() {
            self.pending.alert = Some(Alert::warning(AlertDescription::CloseNotify));
        }
        self.state = State::Closed;
        self.end();
        let _ = self.events.push_critical(Event::Closed);
    }

    /// A new flight is ready: send it now and arm the retransmission timer.
    fn new_flight(&mut self, now: Instant) {
        if let Phase::Handshake { hs, .. } = &mut self.phase {
            hs.flight.rewind();
        }
        self.rto = self.config.initial_retransmit;
        self.timers.set(Timer::Retransmit, now + self.rto);
    }

    /// The handshake stops with `abort`: queue the alert, report the failure.
    fn abort(&mut self, abort: crate::handshake::Abort) {
        let (description, failure) = match abort {
            crate::handshake::Abort::Alert(d) => (d, Failure::Aborted(d)),
            crate::handshake::Abort::FingerprintMismatch => (
                AlertDescription::BadCertificate,
                Failure::FingerprintMismatch,
            ),
        };
        if self.path.is_some() {
            self.pending.alert = Some(Alert::fatal(description));
        }
        self.fail(failure);
    }

    fn fail(&mut self, failure: Failure) {
        if matches!(self.state, State::Failed(_) | State::Closed) {
            return;
        }
        self.state = State::Failed(failure);
        self.end();
        let _ = self.events.push_critical(Event::Failed(failure));
    }

    /// Drop keys and timers of an ended connection (secrets are zeroized on drop). The record
    /// keys stay until a last alert is out.
    fn end(&mut self) {
        self.timers.clear(Timer::Retransmit);
        self.timers.clear(Timer::Deadline);
        self.session = None;
        self.pending.final_flight = false;
        #[cfg(feature = "server")]
        {
            self.pending.hello_verify = None;
        }
        if self.pending.alert.is_none() {
            self.epochs.forget_keys();
        }
        if let Phase::Handshake { hs, .. } = &mut self.phase {
            *hs = Handshake::new(self.role);
        }
    }

    /// The handshake completed: keep the session, free the handshake buffers.
    fn complete(&mut self, rx_next_seq: u16) {
        let Phase::Handshake { hs, .. } = &mut self.phase else {
            return;
        };
        let peer_fingerprint = hs.peer_fingerprint;
        // Without a certificate only when we did not ask for one (a client always gets one).
        let anonymous_ok = self.role == DtlsRole::Server && !self.config.request_client_certificate;
        let (Some(master), Some(suite), true) = (
            hs.master.take(),
            hs.suite,
            peer_fingerprint.is_some() || anonymous_ok,
        ) else {
            self.abort(crate::handshake::Abort::Alert(
                AlertDescription::InternalError,
            ));
            return;
        };
        let final_finished = (self.role == DtlsRole::Server)
            .then_some(hs.final_finished)
            .flatten();
        self.session = Some(Session {
            master,
            client_random: hs.client_random,
            server_random: hs.server_random,
            suite,
            srtp: hs.srtp,
            peer_fingerprint,
            final_finished,
            peer_flight_start: hs.peer_flight_start,
            next_recv_seq: rx_next_seq,
        });
        self.pending.final_flight = final_finished.is_some();
        self.phase = Phase::Connected(Records::new());
        self.timers.clear(Timer::Retransmit);
        self.timers.clear(Timer::Deadline);
        self.state = State::AwaitingFingerprint;
        if self.remote_fingerprint.is_some() || peer_fingerprint.is_none() {
            self.authenticate();
        }
    }

    /// Check the peer's certificate against the expected fingerprint (a peer without a
    /// certificate, allowed by the configuration, is up unless a fingerprint was expected).
    fn authenticate(&mut self) {
        let Some(s) = self.session.as_ref() else {
            return;
        };
        let matches = match (self.remote_fingerprint, s.peer_fingerprint) {
            (Some(expected), Some(got)) => expected.matches(&got),
            (None, Some(_)) => return,
            (Some(_), None) => false,
            (None, None) => true,
        };
        if !matches {
            self.abort(crate::handshake::Abort::FingerprintMismatch);
            return;
        }
        let connected = Connected {
            cipher_suite: Some(s.suite),
            srtp_profile: s.srtp,
            peer_fingerprint: s.peer_fingerprint,
        };
        self.state = State::Connected;
        let _ = self.events.push_critical(Event::Connected(connected));
    }

    /// The application data of the last datagram.
    pub(crate) fn app_data(&self) -> Option<AppData<'_>> {
        match &self.phase {
            Phase::Connected(rx) => rx.view(&self.memory),
            Phase::Handshake { .. } => None,
        }
    }

    /// Process the messages the reassembly holds complete, in order.
    fn drive_handshake(&mut self, now: Instant) {
        loop {
            let Phase::Handshake { rx, hs, .. } = &mut self.phase else {
                return;
            };
            let Some(msg) = rx.peek(&self.memory) else {
                return;
            };
            let mut ctx = Ctx {
                crypto: &self.crypto,
                entropy: &mut self.entropy,
                certificate: &self.certificate,
                config: &self.config,
                epochs: &mut self.epochs,
                remote_fingerprint: self.remote_fingerprint,
            };
            let result = hs.process(&mut ctx, &msg);
            rx.advance();
            let next_seq = rx.next_seq();
            match result {
                Ok(Progress::Continue) => {}
                Ok(Progress::NewFlight) => self.new_flight(now),
                Ok(Progress::Complete) => {
                    self.complete(next_seq);
                    return;
                }
                Err(abort) => {
                    self.abort(abort);
                    return;
                }
            }
        }
    }
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Endpoint<E, C, MEM> {
    pub(crate) fn next_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }
}
