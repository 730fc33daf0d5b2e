//! The DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7.4) of one endpoint, either role: it
//! takes whole handshake messages in order (from the [`reassembly`]) and writes its answers as
//! a [`flight`], keeping the transcript and the key schedule.
//!
//! ```text
//!  client                                         server
//!  ClientHello                     -------->                          flight 1
//!                                  <--------  HelloVerifyRequest      flight 2 (stateless)
//!  ClientHello (cookie)            -------->                          flight 3
//!                                             ServerHello             flight 4
//!                                             Certificate
//!                                             ServerKeyExchange
//!                                             CertificateRequest
//!                                  <--------  ServerHelloDone
//!  Certificate, ClientKeyExchange,                                    flight 5
//!  CertificateVerify, [CCS], Finished -------->
//!                                  <--------  [CCS], Finished         flight 6
//! ```

mod client;
pub mod cookie;
pub mod flight;
pub mod reassembly;
#[cfg(feature = "server")]
mod server;
pub mod transcript;

use crate::cert::{peer_public_key, CertError, Certificate, Fingerprint};
use crate::config::Config;
use crate::crypto::prf::MasterSecret;
use crate::crypto::{CryptoProvider, PrivateKey, PublicKey, SharedSecret};
use crate::record::{Epochs, Protection, MAX_KEY_BLOCK};
use crate::types::{CipherSuite, DtlsRole, SrtpProfile};
use crate::wire::messages::CertificateMsg;
use crate::wire::{AlertDescription, EmitError, HandshakeType, ParseError};
use flight::Flight;
use reassembly::Message;
use sansio::Entropy;
use transcript::Transcript;
use zeroize::Zeroize;

/// The message a handshake waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Client: ServerHello (or HelloVerifyRequest).
    ServerHello,
    /// Client: the server's Certificate.
    ServerCertificate,
    /// Client: ServerKeyExchange.
    ServerKeyExchange,
    /// Client: CertificateRequest or ServerHelloDone.
    CertificateRequest,
    /// Client: ServerHelloDone.
    ServerHelloDone,
    /// Server: ClientHello.
    ClientHello,
    /// Server: the client's Certificate.
    ClientCertificate,
    /// Server: ClientKeyExchange.
    ClientKeyExchange,
    /// Server: CertificateVerify.
    CertificateVerify,
    /// Either: the peer's Finished (epoch 1).
    Finished,
    /// Complete.
    Done,
}

/// Why a handshake stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abort {
    /// Send this fatal alert.
    Alert(AlertDescription),
    /// The peer's certificate does not match the expected fingerprint (bad_certificate is sent).
    FingerprintMismatch,
}

impl From<ParseError> for Abort {
    fn from(_: ParseError) -> Self {
        Abort::Alert(AlertDescription::DecodeError)
    }
}

impl From<EmitError> for Abort {
    fn from(_: EmitError) -> Self {
        Abort::Alert(AlertDescription::InternalError)
    }
}

/// What processing one message led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for more messages.
    Continue,
    /// A new flight is ready: send it and arm the retransmission timer.
    NewFlight,
    /// The handshake is complete (the flight, if any, is the final one: send it once).
    Complete,
}

/// What the handshake borrows from its endpoint for one message.
pub struct Ctx<'a, C: CryptoProvider> {
    /// The primitives.
    pub crypto: &'a C,
    /// Randomness.
    pub entropy: &'a mut dyn Entropy,
    /// Our certificate.
    pub certificate: &'a Certificate,
    /// The configuration.
    pub config: &'a Config,
    /// The record layer, to install keys in.
    pub epochs: &'a mut Epochs<C::Aead>,
    /// The fingerprint the peer's certificate must have, if known yet.
    pub remote_fingerprint: Option<Fingerprint>,
}

impl<C: CryptoProvider> core::fmt::Debug for Ctx<'_, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ctx").finish_non_exhaustive()
    }
}

/// Handshake state of one endpoint (the reassembly buffer lives beside it).
pub struct Handshake {
    pub(crate) role: DtlsRole,
    pub(crate) expect: Expect,
    pub(crate) flight: Flight,
    transcript: Transcript,
    next_send_seq: u16,
    /// First `message_seq` of the peer flight being received.
    flight_start: Option<u16>,
    /// First `message_seq` of the peer's last complete flight: seeing it again means our
    /// answer was lost.
    pub(crate) peer_flight_start: Option<u16>,
    pub(crate) client_random: [u8; 32],
    pub(crate) server_random: [u8; 32],
    cookie: heapless::Vec<u8, 255>,
    hello_verifies: u8,
    pub(crate) suite: Option<CipherSuite>,
    pub(crate) srtp: Option<SrtpProfile>,
    // Read by the server role only.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    secure_renegotiation: bool,
    // Read by the server role only.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    peer_point_formats: bool,
    // Read by the server role only.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    ecdh: Option<PrivateKey>,
    server_ecdh: Option<PublicKey>,
    peer_key: Option<PublicKey>,
    pub(crate) peer_fingerprint: Option<Fingerprint>,
    cert_requested: bool,
    pub(crate) master: Option<MasterSecret>,
    /// Our Finished (`message_seq`, verify_data), to resend the last flight.
    pub(crate) final_finished: Option<(u16, [u8; 12])>,
}

impl core::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Handshake")
            .field("role", &self.role)
            .field("expect", &self.expect)
            .field("suite", &self.suite)
            .field("srtp", &self.srtp)
            .finish_non_exhaustive()
    }
}

/// Most HelloVerifyRequests a client follows before giving up.
const MAX_HELLO_VERIFIES: u8 = 4;

impl Handshake {
    /// A handshake in `role`, before anything was sent or received.
    pub fn new(role: DtlsRole) -> Self {
        Handshake {
            role,
            expect: match role {
                DtlsRole::Client => Expect::ServerHello,
                DtlsRole::Server => Expect::ClientHello,
            },
            flight: Flight::new(),
            transcript: Transcript::new(),
            next_send_seq: 0,
            flight_start: None,
            peer_flight_start: None,
            client_random: [0; 32],
            server_random: [0; 32],
            cookie: heapless::Vec::new(),
            hello_verifies: 0,
            suite: None,
            srtp: None,
            secure_renegotiation: false,
            peer_point_formats: false,
            ecdh: None,
            server_ecdh: None,
            peer_key: None,
            peer_fingerprint: None,
            cert_requested: false,
            master: None,
            final_finished: None,
        }
    }

    /// Process the next message in order.
    pub fn process<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        if self.flight_start.is_none() {
            self.flight_start = Some(msg.seq);
        }
        // Only Finished travels in epoch 1 during the handshake.
        let want_epoch = u16::from(self.expect == Expect::Finished);
        if msg.epoch != want_epoch {
            return Err(Abort::Alert(AlertDescription::UnexpectedMessage));
        }
        let progress = match self.role {
            DtlsRole::Client => self.client_message(ctx, msg)?,
            #[cfg(feature = "server")]
            DtlsRole::Server => self.server_message(ctx, msg)?,
            // Never reached: without the feature a server fails at `start`.
            #[cfg(not(feature = "server"))]
            DtlsRole::Server => return Err(Abort::Alert(AlertDescription::InternalError)),
        };
        if progress != Progress::Continue {
            self.peer_flight_start = self.flight_start.take();
        }
        Ok(progress)
    }

    /// Take the next `message_seq` for a message we send.
    fn next_seq(&mut self) -> u16 {
        let s = self.next_send_seq;
        self.next_send_seq = s.wrapping_add(1);
        s
    }

    /// Add a message we wrote to the flight and the transcript.
    fn send(
        &mut self,
        msg_type: HandshakeType,
        epoch: u16,
        body: impl FnOnce(&mut crate::wire::Writer<'_>) -> Result<(), EmitError>,
    ) -> Result<(), Abort> {
        let seq = self.next_seq();
        let written = self.flight.push(msg_type, seq, epoch, body)?;
        self.transcript.add(msg_type, seq, written);
        Ok(())
    }

    /// Take the peer's Certificate: its key, its fingerprint, checked against the expected one.
    fn take_certificate(
        &mut self,
        body: &[u8],
        expected: Option<Fingerprint>,
    ) -> Result<(), Abort> {
        let msg = CertificateMsg::parse(body)?;
        let Some(leaf) = msg.leaf() else {
            // WebRTC authenticates both ends: no certificate, no connection.
            return Err(Abort::Alert(AlertDescription::HandshakeFailure));
        };
        let key = peer_public_key(leaf).map_err(|e| {
            Abort::Alert(match e {
                CertError::UnsupportedKey => AlertDescription::UnsupportedCertificate,
                _ => AlertDescription::BadCertificate,
            })
        })?;
        let fingerprint = Fingerprint::of(leaf);
        if expected.is_some_and(|e| !e.matches(&fingerprint)) {
            return Err(Abort::FingerprintMismatch);
        }
        self.peer_key = Some(key);
        self.peer_fingerprint = Some(fingerprint);
        Ok(())
    }

    /// The extended master secret from `pms` and the transcript so far (through
    /// ClientKeyExchange), and the epoch-1 keys installed.
    fn derive_keys<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        pms: SharedSecret,
    ) -> Result<(), Abort> {
        let suite = self
            .suite
            .ok_or(Abort::Alert(AlertDescription::InternalError))?;
        let master = MasterSecret::extended(&pms.0, &self.transcript.current());
        let mut block = [0u8; MAX_KEY_BLOCK];
        let len = 2 * (suite.key_len() + suite.fixed_iv_len());
        let kb = block.get_mut(..len).unwrap_or(&mut []);
        master.key_block(&self.client_random, &self.server_random, kb);
        let is_client = self.role == DtlsRole::Client;
        let keys = Protection::pair(ctx.crypto, suite, kb, is_client);
        block.zeroize();
        let (write, read) = keys.map_err(|_| Abort::Alert(AlertDescription::InternalError))?;
        ctx.epochs.install(write, read);
        self.master = Some(master);
        Ok(())
    }

    /// Check the peer's Finished against the transcript so far, then add it.
    fn check_finished(&mut self, msg: &Message<'_>) -> Result<(), Abort> {
        let got = crate::wire::messages::parse_finished(msg.body)?;
        let master = self
            .master
            .as_ref()
            .ok_or(Abort::Alert(AlertDescription::UnexpectedMessage))?;
        let peer_is_client = self.role == DtlsRole::Server;
        let want = master.verify_data(peer_is_client, &self.transcript.current());
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&got[..], &want[..])) {
            return Err(Abort::Alert(AlertDescription::DecryptError));
        }
        self.transcript
            .add(HandshakeType::Finished, msg.seq, msg.body);
        Ok(())
    }

    /// Add ChangeCipherSpec and our Finished (epoch 1) to the flight.
    fn send_finished(&mut self) -> Result<(), Abort> {
        let master = self
            .master
            .as_ref()
            .ok_or(Abort::Alert(AlertDescription::InternalError))?;
        let verify = master.verify_data(self.role == DtlsRole::Client, &self.transcript.current());
        self.flight.push_change_cipher_spec()?;
        let seq = self.next_send_seq;
        self.send(HandshakeType::Finished, 1, |w| w.put(&verify))?;
        self.final_finished = Some((seq, verify));
        Ok(())
    }

    /// Whether a fragment of `seq` (offset 0) shows that the peer is retransmitting the flight
    /// we already answered.
    pub fn is_peer_retransmission(&self, seq: u16) -> bool {
        self.peer_flight_start == Some(seq)
    }
}

/// The SHA-256 of `parts` concatenated.
fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}
