//! The server side: choose from the ClientHello, send our flight, check the client's.

use super::reassembly::Message;
use super::{sha256, Abort, Ctx, Expect, Handshake, Progress};
use crate::crypto::{CryptoProvider, PrivateKey, PublicKey};
use crate::types::{
    CERT_TYPE_ECDSA_SIGN, EMPTY_RENEGOTIATION_INFO_SCSV, GROUP_SECP256R1,
    POINT_FORMAT_UNCOMPRESSED, SIG_ECDSA_SECP256R1_SHA256,
};
use crate::wire::extensions::{self as ext, Extensions, UseSrtp};
use crate::wire::hello::{ClientHello, ServerHello};
use crate::wire::messages::{
    parse_client_key_exchange, CertificateMsg, CertificateRequest, DigitallySigned,
    ServerKeyExchange,
};
use crate::wire::{AlertDescription, HandshakeType, Writer, DTLS_1_2};

const fn alert(d: AlertDescription) -> Abort {
    Abort::Alert(d)
}

impl Handshake {
    pub(super) fn server_message<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        use HandshakeType as T;
        match (self.expect, msg.msg_type) {
            (Expect::ClientHello, T::ClientHello) => {
                self.on_client_hello(ctx, msg)?;
                self.write_server_flight(ctx)?;
                self.expect = if ctx.config.request_client_certificate {
                    Expect::ClientCertificate
                } else {
                    Expect::ClientKeyExchange
                };
                Ok(Progress::NewFlight)
            }
            (Expect::ClientCertificate, T::Certificate) => {
                self.take_certificate(msg.body, ctx.remote_fingerprint)?;
                self.transcript.add(msg.msg_type, msg.seq, msg.body);
                self.expect = Expect::ClientKeyExchange;
                Ok(Progress::Continue)
            }
            (Expect::ClientKeyExchange, T::ClientKeyExchange) => {
                self.on_client_key_exchange(ctx, msg)?;
                // A client that sent a certificate proves it holds the key.
                self.expect = if self.peer_key.is_some() {
                    Expect::CertificateVerify
                } else {
                    Expect::Finished
                };
                Ok(Progress::Continue)
            }
            (Expect::CertificateVerify, T::CertificateVerify) => {
                self.on_certificate_verify(ctx, msg)?;
                self.expect = Expect::Finished;
                Ok(Progress::Continue)
            }
            (Expect::Finished, T::Finished) => {
                self.check_finished(msg)?;
                self.flight.clear();
                self.send_finished()?;
                ctx.epochs.switch_write_epoch();
                self.expect = Expect::Done;
                Ok(Progress::Complete)
            }
            // We requested a certificate: a client without one cannot go on.
            (Expect::ClientCertificate, T::ClientKeyExchange) => {
                Err(alert(AlertDescription::HandshakeFailure))
            }
            _ => Err(alert(AlertDescription::UnexpectedMessage)),
        }
    }

    fn on_client_hello<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<(), Abort> {
        let ch = ClientHello::parse(msg.body)?;
        // DTLS versions count down: 0xfeff is 1.0, 0xfefd 1.2 (also the legacy_version of a
        // DTLS 1.3 ClientHello, which we answer with 1.2).
        if ch.prefix.version > DTLS_1_2 {
            return Err(alert(AlertDescription::ProtocolVersion));
        }
        let suite = ctx
            .config
            .cipher_suites
            .iter()
            .copied()
            .find(|s| ch.cipher_suites.contains(s.id()))
            .ok_or(alert(AlertDescription::HandshakeFailure))?;
        if !ch.compression_methods.contains(&0) {
            return Err(alert(AlertDescription::IllegalParameter));
        }
        self.secure_renegotiation = ch.cipher_suites.contains(EMPTY_RENEGOTIATION_INFO_SCSV);
        self.check_client_extensions(ctx, &ch.extensions)?;
        self.suite = Some(suite);
        self.client_random = ch.prefix.random;
        self.next_send_seq = msg.seq;
        self.transcript.add(msg.msg_type, msg.seq, msg.body);
        Ok(())
    }

    fn check_client_extensions<C: CryptoProvider>(
        &mut self,
        ctx: &Ctx<'_, C>,
        e: &Extensions<'_>,
    ) -> Result<(), Abort> {
        let handshake_failure = alert(AlertDescription::HandshakeFailure);
        if let Some(g) = e.get(ext::SUPPORTED_GROUPS)? {
            if !ext::parse_u16_list(g)?.contains(GROUP_SECP256R1) {
                return Err(handshake_failure);
            }
        }
        if let Some(s) = e.get(ext::SIGNATURE_ALGORITHMS)? {
            if !ext::parse_u16_list(s)?.contains(SIG_ECDSA_SECP256R1_SHA256) {
                return Err(handshake_failure);
            }
        }
        if let Some(f) = e.get(ext::EC_POINT_FORMATS)? {
            if !ext::parse_point_formats(f)?.contains(&POINT_FORMAT_UNCOMPRESSED) {
                return Err(alert(AlertDescription::IllegalParameter));
            }
            self.peer_point_formats = true;
        }
        // RFC 7627 §5.3: we refuse a full handshake without extended master secret.
        if e.get(ext::EXTENDED_MASTER_SECRET)?.is_none() {
            return Err(handshake_failure);
        }
        if let Some(r) = e.get(ext::RENEGOTIATION_INFO)? {
            if !ext::parse_renegotiation_info(r)?.is_empty() {
                return Err(handshake_failure);
            }
            self.secure_renegotiation = true;
        }
        if let Some(data) = e.get(ext::USE_SRTP)? {
            let offered = UseSrtp::parse(data)?;
            self.srtp = ctx
                .config
                .srtp_profiles
                .iter()
                .copied()
                .find(|p| offered.profiles.contains(p.id()));
        }
        if ctx.config.require_srtp && self.srtp.is_none() {
            return Err(handshake_failure);
        }
        Ok(())
    }

    /// Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest (unless
    /// [`Config::request_client_certificate`](crate::Config) is off), ServerHelloDone.
    fn write_server_flight<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
    ) -> Result<(), Abort> {
        let internal = alert(AlertDescription::InternalError);
        let suite = self.suite.ok_or(internal)?;
        ctx.entropy.fill(&mut self.server_random);
        let mut ext_buf = [0u8; 64];
        let ext_len = self.server_extensions(&mut ext_buf)?;
        let hello = ServerHello {
            version: DTLS_1_2,
            random: self.server_random,
            session_id: &[],
            cipher_suite: suite.id(),
            compression_method: 0,
            extensions: Extensions::new(ext_buf.get(..ext_len).unwrap_or(&[]))?,
        };
        self.flight.clear();
        self.send(HandshakeType::ServerHello, 0, |w| hello.emit(w))?;
        let cert = ctx.certificate;
        self.send(HandshakeType::Certificate, 0, |w| {
            CertificateMsg::emit_single(cert.der(), w)
        })?;
        let (key, public) =
            PrivateKey::generate(ctx.crypto, &mut *ctx.entropy).map_err(|_| internal)?;
        let mut params = [0u8; 4 + 65];
        ServerKeyExchange::emit_params(
            GROUP_SECP256R1,
            public.as_bytes(),
            &mut Writer::new(&mut params),
        )?;
        let digest = sha256(&[&self.client_random, &self.server_random, &params]);
        let sig = ctx
            .crypto
            .sign(cert.private_key(), &digest)
            .map_err(|_| internal)?;
        self.ecdh = Some(key);
        self.send(HandshakeType::ServerKeyExchange, 0, |w| {
            w.put(&params)?;
            ServerKeyExchange::emit_signature(SIG_ECDSA_SECP256R1_SHA256, sig.as_der(), w)
        })?;
        if ctx.config.request_client_certificate {
            self.send(HandshakeType::CertificateRequest, 0, |w| {
                CertificateRequest::emit(&[CERT_TYPE_ECDSA_SIGN], &[SIG_ECDSA_SECP256R1_SHA256], w)
            })?;
        }
        self.send(HandshakeType::ServerHelloDone, 0, |_| Ok(()))
    }

    fn server_extensions(&self, buf: &mut [u8]) -> Result<usize, Abort> {
        let mut w = Writer::new(buf);
        if self.secure_renegotiation {
            ext::emit_empty_renegotiation_info(&mut w)?;
        }
        ext::emit_empty(&mut w, ext::EXTENDED_MASTER_SECRET)?;
        if let Some(p) = self.srtp {
            ext::emit_use_srtp(&mut w, &[p.id()])?;
        }
        if self.peer_point_formats {
            ext::emit_point_formats(&mut w)?;
        }
        Ok(w.len())
    }

    fn on_client_key_exchange<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<(), Abort> {
        let public = PublicKey::from_sec1(parse_client_key_exchange(msg.body)?)
            .map_err(|_| alert(AlertDescription::IllegalParameter))?;
        let key = self
            .ecdh
            .take()
            .ok_or(alert(AlertDescription::InternalError))?;
        let pms = ctx
            .crypto
            .ecdh(&key, &public)
            .map_err(|_| alert(AlertDescription::IllegalParameter))?;
        drop(key);
        self.transcript.add(msg.msg_type, msg.seq, msg.body);
        self.derive_keys(ctx, pms)
    }

    fn on_certificate_verify<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<(), Abort> {
        let signed = DigitallySigned::parse(msg.body)?;
        if signed.scheme != SIG_ECDSA_SECP256R1_SHA256 {
            return Err(alert(AlertDescription::IllegalParameter));
        }
        let key = self
            .peer_key
            .as_ref()
            .ok_or(alert(AlertDescription::InternalError))?;
        ctx.crypto
            .verify(key, &self.transcript.current(), signed.signature)
            .map_err(|_| alert(AlertDescription::DecryptError))?;
        self.transcript.add(msg.msg_type, msg.seq, msg.body);
        Ok(())
    }
}
