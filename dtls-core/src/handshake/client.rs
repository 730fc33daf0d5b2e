//! The client side: ClientHello (again with a cookie), the server's flight, our key exchange.

use super::reassembly::Message;
use super::{sha256, Abort, Ctx, Expect, Handshake, Progress, MAX_HELLO_VERIFIES};
use crate::crypto::{CryptoProvider, PrivateKey, PublicKey};
use crate::types::{
    CipherSuite, CERT_TYPE_ECDSA_SIGN, GROUP_SECP256R1, POINT_FORMAT_UNCOMPRESSED,
    SIG_ECDSA_SECP256R1_SHA256,
};
use crate::wire::extensions::{self as ext, Extensions, U16List, UseSrtp};
use crate::wire::hello::{ClientHello, ClientHelloPrefix, HelloVerifyRequest, ServerHello};
use crate::wire::messages::{
    CertificateMsg, CertificateRequest, DigitallySigned, ServerKeyExchange,
};
use crate::wire::{AlertDescription, HandshakeType, Writer, DTLS_1_2};

const fn alert(d: AlertDescription) -> Abort {
    Abort::Alert(d)
}

impl Handshake {
    /// Client: write the (first or cookie-carrying) ClientHello as the flight.
    pub fn start_client<C: CryptoProvider>(&mut self, ctx: &mut Ctx<'_, C>) -> Result<(), Abort> {
        ctx.entropy.fill(&mut self.client_random);
        self.write_client_hello(ctx)
    }

    fn write_client_hello<C: CryptoProvider>(&mut self, ctx: &mut Ctx<'_, C>) -> Result<(), Abort> {
        let mut ext_buf = [0u8; 128];
        let mut w = Writer::new(&mut ext_buf);
        ext::emit_u16_list_ext(&mut w, ext::SUPPORTED_GROUPS, &[GROUP_SECP256R1])?;
        ext::emit_point_formats(&mut w)?;
        ext::emit_u16_list_ext(
            &mut w,
            ext::SIGNATURE_ALGORITHMS,
            &[SIG_ECDSA_SECP256R1_SHA256],
        )?;
        if !ctx.config.srtp_profiles.is_empty() {
            let mut ids = [0u16; 4];
            for (id, p) in ids.iter_mut().zip(ctx.config.srtp_profiles.iter()) {
                *id = p.id();
            }
            ext::emit_use_srtp(
                &mut w,
                ids.get(..ctx.config.srtp_profiles.len()).unwrap_or(&[]),
            )?;
        }
        ext::emit_empty(&mut w, ext::EXTENDED_MASTER_SECRET)?;
        ext::emit_empty_renegotiation_info(&mut w)?;
        let ext_len = w.len();
        let mut suites = [0u8; 4];
        for (dst, s) in suites
            .chunks_exact_mut(2)
            .zip(ctx.config.cipher_suites.iter())
        {
            dst.copy_from_slice(&s.id().to_be_bytes());
        }
        let suites = suites
            .get(..2 * ctx.config.cipher_suites.len())
            .unwrap_or(&[]);
        let seq = self.next_seq();
        let hello = ClientHello {
            prefix: ClientHelloPrefix {
                version: DTLS_1_2,
                random: self.client_random,
                session_id: &[],
                cookie: &self.cookie,
            },
            cipher_suites: U16List::new(suites)?,
            compression_methods: &[0],
            extensions: Extensions::new(ext_buf.get(..ext_len).unwrap_or(&[]))?,
        };
        self.flight.clear();
        // Not in the transcript yet: a HelloVerifyRequest would exclude it (RFC 6347 §4.2.1).
        self.flight
            .push(HandshakeType::ClientHello, seq, 0, |w| hello.emit(w))?;
        Ok(())
    }

    pub(super) fn client_message<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        use HandshakeType as T;
        match (self.expect, msg.msg_type) {
            (Expect::ServerHello, T::HelloVerifyRequest) => self.on_hello_verify(ctx, msg),
            (Expect::ServerHello, T::ServerHello) => self.on_server_hello(ctx, msg),
            (Expect::ServerCertificate, T::Certificate) => {
                self.take_certificate(msg.body, ctx.remote_fingerprint)?;
                self.add(msg);
                self.expect = Expect::ServerKeyExchange;
                Ok(Progress::Continue)
            }
            (Expect::ServerKeyExchange, T::ServerKeyExchange) => self.on_key_exchange(ctx, msg),
            (Expect::CertificateRequest, T::CertificateRequest) => {
                let cr = CertificateRequest::parse(msg.body)?;
                if !cr.certificate_types.contains(&CERT_TYPE_ECDSA_SIGN)
                    || !cr.schemes.contains(SIG_ECDSA_SECP256R1_SHA256)
                {
                    return Err(alert(AlertDescription::HandshakeFailure));
                }
                self.cert_requested = true;
                self.add(msg);
                self.expect = Expect::ServerHelloDone;
                Ok(Progress::Continue)
            }
            (Expect::CertificateRequest | Expect::ServerHelloDone, T::ServerHelloDone) => {
                if !msg.body.is_empty() {
                    return Err(alert(AlertDescription::DecodeError));
                }
                self.add(msg);
                self.write_key_exchange(ctx)?;
                self.expect = Expect::Finished;
                Ok(Progress::NewFlight)
            }
            (Expect::Finished, T::Finished) => {
                self.check_finished(msg)?;
                self.expect = Expect::Done;
                Ok(Progress::Complete)
            }
            _ => Err(alert(AlertDescription::UnexpectedMessage)),
        }
    }

    fn add(&mut self, msg: &Message<'_>) {
        self.transcript.add(msg.msg_type, msg.seq, msg.body);
    }

    fn on_hello_verify<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        let hvr = HelloVerifyRequest::parse(msg.body)?;
        self.hello_verifies += 1;
        if self.hello_verifies > MAX_HELLO_VERIFIES || hvr.cookie.is_empty() {
            return Err(alert(AlertDescription::HandshakeFailure));
        }
        self.cookie = heapless::Vec::from_slice(hvr.cookie)
            .map_err(|_| alert(AlertDescription::IllegalParameter))?;
        self.write_client_hello(ctx)?;
        Ok(Progress::NewFlight)
    }

    fn on_server_hello<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        let sh = ServerHello::parse(msg.body)?;
        if sh.version != DTLS_1_2 {
            return Err(alert(AlertDescription::ProtocolVersion));
        }
        let suite = CipherSuite::from_id(sh.cipher_suite)
            .filter(|s| ctx.config.cipher_suites.contains(s))
            .ok_or(alert(AlertDescription::IllegalParameter))?;
        if sh.compression_method != 0 {
            return Err(alert(AlertDescription::IllegalParameter));
        }
        self.check_server_extensions(ctx, &sh)?;
        self.server_random = sh.random;
        self.suite = Some(suite);
        let (seq, hello) = self
            .flight
            .body_of(HandshakeType::ClientHello)
            .ok_or(alert(AlertDescription::InternalError))?;
        self.transcript.add(HandshakeType::ClientHello, seq, hello);
        self.add(msg);
        self.expect = Expect::ServerCertificate;
        Ok(Progress::Continue)
    }

    /// Every server extension must answer one we sent (RFC 5246 §7.4.1.4); extended master
    /// secret is required; use_srtp must pick exactly one profile we offered.
    fn check_server_extensions<C: CryptoProvider>(
        &mut self,
        ctx: &Ctx<'_, C>,
        sh: &ServerHello<'_>,
    ) -> Result<(), Abort> {
        let e = &sh.extensions;
        for x in e.iter() {
            let offered = matches!(
                x.ty,
                ext::EXTENDED_MASTER_SECRET
                    | ext::RENEGOTIATION_INFO
                    | ext::USE_SRTP
                    | ext::EC_POINT_FORMATS
            );
            if !offered || (x.ty == ext::USE_SRTP && ctx.config.srtp_profiles.is_empty()) {
                return Err(alert(AlertDescription::UnsupportedExtension));
            }
        }
        if e.get(ext::EXTENDED_MASTER_SECRET)?.is_none() {
            return Err(alert(AlertDescription::HandshakeFailure));
        }
        if let Some(r) = e.get(ext::RENEGOTIATION_INFO)? {
            if !ext::parse_renegotiation_info(r)?.is_empty() {
                return Err(alert(AlertDescription::HandshakeFailure));
            }
        }
        if let Some(f) = e.get(ext::EC_POINT_FORMATS)? {
            if !ext::parse_point_formats(f)?.contains(&POINT_FORMAT_UNCOMPRESSED) {
                return Err(alert(AlertDescription::IllegalParameter));
            }
        }
        self.srtp = match e.get(ext::USE_SRTP)? {
            Some(data) => {
                let srtp = UseSrtp::parse(data)?;
                let mut ids = srtp.profiles.iter();
                let (Some(id), None) = (ids.next(), ids.next()) else {
                    return Err(alert(AlertDescription::IllegalParameter));
                };
                let profile = ctx.config.srtp_profiles.iter().find(|p| p.id() == id);
                if profile.is_none() || !srtp.mki.is_empty() {
                    return Err(alert(AlertDescription::IllegalParameter));
                }
                profile.copied()
            }
            None => None,
        };
        if ctx.config.require_srtp && self.srtp.is_none() {
            return Err(alert(AlertDescription::HandshakeFailure));
        }
        Ok(())
    }

    fn on_key_exchange<C: CryptoProvider>(
        &mut self,
        ctx: &mut Ctx<'_, C>,
        msg: &Message<'_>,
    ) -> Result<Progress, Abort> {
        let ske = ServerKeyExchange::parse(msg.body)?;
        if ske.group != GROUP_SECP256R1 || ske.scheme != SIG_ECDSA_SECP256R1_SHA256 {
            return Err(alert(AlertDescription::IllegalParameter));
        }
        let public = PublicKey::from_sec1(ske.public)
            .map_err(|_| alert(AlertDescription::IllegalParameter))?;
        let digest = sha256(&[&self.client_random, &self.server_random, ske.params]);
        let key = self
            .peer_key
            .as_ref()
            .ok_or(alert(AlertDescription::InternalError))?;
        ctx.crypto
            .verify(key, &digest, ske.signature)
            .map_err(|_| alert(AlertDescription::DecryptError))?;
        self.server_ecdh = Some(public);
        self.add(msg);
        self.expect = Expect::CertificateRequest;
        Ok(Progress::Continue)
    }

    /// Flight 5: Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished.
    fn write_key_exchange<C: CryptoProvider>(&mut self, ctx: &mut Ctx<'_, C>) -> Result<(), Abort> {
        let server = self
            .server_ecdh
            .take()
            .ok_or(alert(AlertDescription::UnexpectedMessage))?;
        let (key, public) = PrivateKey::generate(ctx.crypto, &mut *ctx.entropy)
            .map_err(|_| alert(AlertDescription::InternalError))?;
        let pms = ctx
            .crypto
            .ecdh(&key, &server)
            .map_err(|_| alert(AlertDescription::IllegalParameter))?;
        drop(key);
        self.flight.clear();
        let cert = ctx.certificate;
        if self.cert_requested {
            self.send(HandshakeType::Certificate, 0, |w| {
                CertificateMsg::emit_single(cert.der(), w)
            })?;
        }
        self.send(HandshakeType::ClientKeyExchange, 0, |w| {
            w.vec8(public.as_bytes())
        })?;
        self.derive_keys(ctx, pms)?;
        if self.cert_requested {
            let digest = self.transcript.current();
            let sig = ctx
                .crypto
                .sign(cert.private_key(), &digest)
                .map_err(|_| alert(AlertDescription::InternalError))?;
            let signed = DigitallySigned {
                scheme: SIG_ECDSA_SECP256R1_SHA256,
                signature: sig.as_der(),
            };
            self.send(HandshakeType::CertificateVerify, 0, |w| signed.emit(w))?;
        }
        self.send_finished()?;
        ctx.epochs.switch_write_epoch();
        Ok(())
    }
}
