//! [`Dtls`] on the published `dimpl` crate (str0m's sans-IO DTLS 1.2 and 1.3, `std` only), so a
//! server can choose the mature stack behind the same trait as dtls-core.
//!
//! dimpl reads time as `std::time::Instant`; a sansio [`Instant`] `t` is mapped to `base + t`
//! for a `base` taken at construction. dimpl draws its own randomness from the OS (or from
//! `dangerously_set_rng_seed` in its config).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};
use std::vec::Vec;

use crate::appdata::{AppData, Received, Rx};
use crate::cert::{private_key_to_pkcs8, Certificate, Fingerprint};
use crate::dtls::Dtls;
use crate::endpoint::State;
use crate::event::{Connected, Event, Failure};
use crate::srtp::SrtpKeys;
use crate::types::{DtlsRole, SrtpProfile};
use crate::wire::AlertDescription;
use sansio::{
    classify, Carrier, EventQueue, Instant, PacketKind, Path, Rejected, SansIo, SendError, Transmit,
};

/// Which dimpl engine to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimplVersion {
    /// DTLS 1.2 only (`Dtls::new_12`).
    Dtls12,
    /// Negotiate DTLS 1.3 or 1.2 (`Dtls::new_auto`).
    Auto,
}

/// A DTLS connection run by `dimpl`, behind [`Dtls`].
pub struct DimplDtls {
    inner: dimpl::Dtls,
    base: StdInstant,
    role: DtlsRole,
    started: bool,
    state: State,
    path: Option<Path>,
    local_fingerprint: Fingerprint,
    remote_fingerprint: Option<Fingerprint>,
    peer_fingerprint: Option<Fingerprint>,
    keys: Option<SrtpKeys>,
    outq: VecDeque<Vec<u8>>,
    rx: Rx,
    next_timeout: Option<Instant>,
    events: EventQueue<Event, 8>,
    scratch: Vec<u8>,
}

impl core::fmt::Debug for DimplDtls {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DimplDtls")
            .field("role", &self.role)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn profile_from(p: dimpl::SrtpProfile) -> Option<SrtpProfile> {
    match p {
        dimpl::SrtpProfile::AES128_CM_SHA1_80 => Some(SrtpProfile::Aes128CmHmacSha1_80),
        dimpl::SrtpProfile::AEAD_AES_128_GCM => Some(SrtpProfile::AeadAes128Gcm),
        dimpl::SrtpProfile::AEAD_AES_256_GCM => Some(SrtpProfile::AeadAes256Gcm),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn failure_from(e: &dimpl::Error) -> Option<Failure> {
    use dimpl::Error as E;
    Some(match e {
        E::Timeout(_) => Failure::HandshakeTimeout,
        E::ConnectionClosed => return None,
        E::CertificateError(_) => Failure::Aborted(AlertDescription::BadCertificate),
        E::CryptoError(_) => Failure::Aborted(AlertDescription::DecryptError),
        E::RenegotiationAttempt => Failure::Aborted(AlertDescription::NoRenegotiation),
        E::SecurityError(_) | E::UnexpectedMessage(_) | E::IncompleteServerHello => {
            Failure::Aborted(AlertDescription::HandshakeFailure)
        }
        _ => Failure::Aborted(AlertDescription::InternalError),
    })
}

impl DimplDtls {
    /// A dimpl connection in `role` with our `certificate` (its key is handed to dimpl as
    /// PKCS #8) and dimpl's `config`.
    pub fn new(
        role: DtlsRole,
        certificate: &Certificate,
        config: Arc<dimpl::Config>,
        version: DimplVersion,
    ) -> Self {
        let mut key = [0u8; 160];
        let n = private_key_to_pkcs8(
            certificate.private_key(),
            certificate.public_key(),
            &mut key,
        )
        .unwrap_or(0);
        let cert = dimpl::DtlsCertificate {
            certificate: certificate.der().to_vec(),
            private_key: key.get(..n).unwrap_or(&[]).to_vec(),
        };
        zeroize::Zeroize::zeroize(&mut key);
        let base = StdInstant::now();
        let inner = match version {
            DimplVersion::Dtls12 => dimpl::Dtls::new_12(config, cert, base),
            DimplVersion::Auto => dimpl::Dtls::new_auto(config, cert, base),
        };
        DimplDtls {
            inner,
            base,
            role,
            started: false,
            state: State::Idle,
            path: None,
            local_fingerprint: certificate.fingerprint(),
            remote_fingerprint: None,
            peer_fingerprint: None,
            keys: None,
            outq: VecDeque::new(),
            rx: Rx::new(),
            next_timeout: None,
            events: EventQueue::new(),
            scratch: std::vec![0; 2048],
        }
    }

    fn std_time(&self, now: Instant) -> StdInstant {
        self.base + Duration::from_micros(now.as_micros())
    }

    /// Rounded up to the microsecond, so that a timer handed back is due when it fires.
    fn sansio_time(&self, t: StdInstant) -> Instant {
        let nanos = t.saturating_duration_since(self.base).as_nanos();
        Instant::from_micros(nanos.div_ceil(1000) as u64)
    }

    fn fail(&mut self, failure: Failure) {
        if matches!(self.state, State::Failed(_) | State::Closed) {
            return;
        }
        self.state = State::Failed(failure);
        self.next_timeout = None;
        self.outq.clear();
        let _ = self.events.push_critical(Event::Failed(failure));
    }

    fn closed(&mut self) {
        if matches!(self.state, State::Failed(_) | State::Closed) {
            return;
        }
        self.state = State::Closed;
        self.next_timeout = None;
        let _ = self.events.push_critical(Event::Closed);
    }

    fn check(&mut self, r: Result<(), dimpl::Error>) {
        if let Err(e) = r {
            match failure_from(&e) {
                Some(f) => self.fail(f),
                None => self.closed(),
            }
        }
    }

    /// Drain dimpl's output into our queue, events and receive buffer.
    fn pump(&mut self) {
        loop {
            if matches!(self.state, State::Failed(_)) {
                return;
            }
            let mut buf = core::mem::take(&mut self.scratch);
            let mut grow = None;
            match self.inner.poll_output(&mut buf) {
                dimpl::Output::Packet(p) => self.outq.push_back(p.to_vec()),
                dimpl::Output::BufferTooSmall { needed } => grow = Some(needed),
                dimpl::Output::Timeout(t) => {
                    self.next_timeout = Some(self.sansio_time(t));
                    self.scratch = buf;
                    return;
                }
                dimpl::Output::Connected => self.on_connected(),
                dimpl::Output::PeerCert(der) => {
                    self.peer_fingerprint = Some(Fingerprint::of(der));
                    self.check_fingerprint();
                }
                dimpl::Output::KeyingMaterial(km, p) => {
                    self.keys = profile_from(p).and_then(|p| SrtpKeys::new(p, self.role, &km));
                }
                dimpl::Output::ApplicationData(d) if self.state == State::Connected => {
                    let _ = self.rx.push(d);
                }
                dimpl::Output::CloseNotify => self.closed(),
                _ => {}
            }
            if let Some(needed) = grow {
                buf.resize(needed, 0);
            }
            self.scratch = buf;
        }
    }

    fn on_connected(&mut self) {
        if self.state == State::Handshaking {
            self.state = State::AwaitingFingerprint;
            self.check_fingerprint();
        }
    }

    /// Authenticate the peer's certificate once both its fingerprint and the expected one are
    /// known; connected once the handshake also completed.
    fn check_fingerprint(&mut self) {
        let (Some(expected), Some(got)) = (self.remote_fingerprint, self.peer_fingerprint) else {
            return;
        };
        if !expected.matches(&got) {
            self.fail(Failure::FingerprintMismatch);
            let _ = self.inner.close();
            return;
        }
        if self.state == State::AwaitingFingerprint {
            self.state = State::Connected;
            let connected = Connected {
                // dimpl does not report the suite it negotiated.
                cipher_suite: None,
                srtp_profile: self.keys.as_ref().map(SrtpKeys::profile),
                peer_fingerprint: Some(got),
            };
            let _ = self.events.push_critical(Event::Connected(connected));
        }
    }
}

impl SansIo for DimplDtls {
    type Event = Event;
    type Data<'a> = Received;

    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<Received>, Rejected> {
        if classify(data) != PacketKind::Dtls || matches!(self.state, State::Idle) {
            return Err(Rejected::NotForUs);
        }
        if matches!(self.state, State::Failed(_) | State::Closed) {
            return Err(Rejected::NotForUs);
        }
        if self.path.is_none() || self.state == State::Connected {
            self.path = Some(path);
        }
        let t = self.std_time(now);
        let r = self.inner.handle_timeout(t);
        self.check(r);
        self.rx.clear();
        let r = self.inner.handle_packet(data);
        self.check(r);
        self.pump();
        Ok(self.rx.view().map(|a| a.counts()))
    }

    fn handle_timeout(&mut self, now: Instant) {
        if !self.started || matches!(self.state, State::Failed(_) | State::Closed) {
            return;
        }
        if self.next_timeout.is_some_and(|t| t <= now) {
            let t = self.std_time(now);
            let r = self.inner.handle_timeout(t);
            self.check(r);
            self.pump();
        }
    }

    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let path = self.path?;
        loop {
            let p = self.outq.pop_front()?;
            if let Some(dst) = out.get_mut(..p.len()) {
                dst.copy_from_slice(&p);
                return Some(Transmit { path, len: p.len() });
            }
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Handshaking | State::AwaitingFingerprint | State::Connected => self.next_timeout,
            _ => None,
        }
    }
}

impl Carrier for DimplDtls {
    type To = ();

    fn send(
        &mut self,
        now: Instant,
        _to: (),
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError> {
        if self.state != State::Connected {
            return Err(SendError::NotConnected);
        }
        let path = self.path.ok_or(SendError::NotConnected)?;
        let t = self.std_time(now);
        let r = self.inner.handle_timeout(t);
        self.check(r);
        if let Err(e) = self.inner.send_application_data(data) {
            self.check(Err(e));
            return Err(SendError::NotConnected);
        }
        self.pump();
        let needed = self.outq.front().map_or(0, Vec::len);
        let p = self.outq.pop_front().ok_or(SendError::NotConnected)?;
        let Some(dst) = out.get_mut(..p.len()) else {
            self.outq.push_front(p);
            return Err(SendError::BufferTooSmall { needed });
        };
        dst.copy_from_slice(&p);
        Ok(Transmit { path, len: p.len() })
    }
}

impl Dtls for DimplDtls {
    fn received(&self) -> AppData<'_> {
        self.rx.view().unwrap_or(AppData::EMPTY)
    }

    fn role(&self) -> DtlsRole {
        self.role
    }

    fn set_role(&mut self, role: DtlsRole) -> bool {
        if self.started {
            return false;
        }
        self.role = role;
        true
    }

    fn start(&mut self, now: Instant, path: Path) {
        if self.started {
            return;
        }
        self.started = true;
        self.state = State::Handshaking;
        let t = self.std_time(now);
        let r = self.inner.handle_timeout(t);
        self.check(r);
        if self.role == DtlsRole::Client {
            self.path = Some(path);
            self.inner.set_active(true);
        }
        self.pump();
    }

    fn local_fingerprint(&self) -> Fingerprint {
        self.local_fingerprint
    }

    fn set_remote_fingerprint(&mut self, fingerprint: Fingerprint) {
        self.remote_fingerprint = Some(fingerprint);
        self.check_fingerprint();
    }

    fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    fn srtp_profile(&self) -> Option<SrtpProfile> {
        self.srtp_keys().map(|k| k.profile())
    }

    fn srtp_keys(&self) -> Option<SrtpKeys> {
        self.keys.clone().filter(|_| self.state == State::Connected)
    }

    fn close(&mut self, now: Instant) {
        if matches!(self.state, State::Failed(_) | State::Closed | State::Idle) {
            return;
        }
        let t = self.std_time(now);
        let _ = self.inner.handle_timeout(t);
        let _ = self.inner.close();
        self.pump();
        self.closed();
    }
}
