//! Fuzz bodies, compiled in normal builds so CI exercises them (`tests/proptest.rs`) and
//! shared with the cargo-fuzz targets in `fuzz/` (`dtls_record`, `dtls_reassembly`,
//! `dtls_server`). Each takes arbitrary bytes and must never panic; the `assert!`s state
//! invariants that hold for every input (a failure is a bug, which is what the fuzzer looks
//! for).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use crate::cert::{peer_public_key, private_key_from_der, CertParams, Certificate};
use crate::crypto::RustCrypto;
use crate::handshake::reassembly::{Inserted, Reassembler};
use crate::wire::extensions::Extensions;
use crate::wire::hello::HelloVerifyRequest;
use crate::wire::messages::{CertificateMsg, ServerKeyExchange};
use crate::wire::{
    Alert, ClientHello, ContentType, Fragments, HandshakeType, Records, ServerHello, Writer,
};
use crate::{Config, DtlsRole, Endpoint, State};
use core::time::Duration;
use sansio::{Carrier, Instant, Path, SansIo, SeededEntropy};
use std::sync::OnceLock;
use std::vec::Vec;

/// Parse records, fragments, hellos, alerts, certificates, keys and ECDSA signatures; what
/// parses re-encodes to the same bytes.
pub fn record_parse(data: &[u8]) {
    for r in Records::new(data).flatten() {
        assert_eq!(&r.header.to_bytes()[..], &data[r.offset..r.offset + 13]);
        match r.header.content_type {
            ContentType::Handshake => {
                for f in Fragments::new(r.payload).flatten() {
                    assert!(f.header.fragment_offset + f.header.fragment_length <= f.header.length);
                    if f.header.is_whole() {
                        message_parse(f.header.msg_type, f.body);
                    }
                }
            }
            ContentType::Alert => {
                if let Ok(a) = Alert::parse(r.payload) {
                    assert_eq!(&a.to_bytes()[..], r.payload);
                }
            }
            _ => {}
        }
    }
    message_parse(HandshakeType::ClientHello, data);
    message_parse(HandshakeType::ServerHello, data);
    let _ = peer_public_key(data);
    let _ = private_key_from_der(data);
    // Strict DER has one encoding: a signature that parses re-encodes to the same bytes.
    if let Ok((r, s)) = crate::crypto::signature_scalars(data) {
        let again = crate::crypto::Signature::from_scalars(&r, &s).unwrap();
        assert_eq!(again.as_der(), data);
    }
    let _ = CertificateMsg::parse(data).map(|c| c.iter().count());
    let _ = ServerKeyExchange::parse(data);
}

fn message_parse(msg_type: HandshakeType, body: &[u8]) {
    let mut out = [0u8; 1 << 17];
    match msg_type {
        HandshakeType::ClientHello => {
            if let Ok(ch) = ClientHello::parse(body) {
                for e in ch.extensions.iter() {
                    let _ = ch.extensions.get(e.ty);
                }
                let mut w = Writer::new(&mut out);
                ch.emit(&mut w).unwrap();
                // An absent extensions block is written as an empty one.
                let n = w.len();
                assert!(
                    out[..n] == *body || (ch.extensions.raw().is_empty() && out[..n - 2] == *body)
                );
            }
        }
        HandshakeType::ServerHello => {
            if let Ok(sh) = ServerHello::parse(body) {
                let mut w = Writer::new(&mut out);
                sh.emit(&mut w).unwrap();
                let n = w.len();
                assert!(
                    out[..n] == *body || (sh.extensions.raw().is_empty() && out[..n - 2] == *body)
                );
            }
        }
        HandshakeType::HelloVerifyRequest => {
            if let Ok(h) = HelloVerifyRequest::parse(body) {
                assert_eq!(h.buffer_len(), body.len());
            }
        }
        _ => {
            let _ = Extensions::new(body).map(|e| e.iter().count());
        }
    }
}

/// Fragments parsed from `data` into a reassembler, checked against a model that applies
/// every accepted fragment: a message handed out is exactly the model's bytes.
pub fn reassembly(data: &[u8]) {
    let mut rx = Reassembler::new(0);
    let mut model: Vec<(u16, Vec<u8>)> = Vec::new();
    for f in Fragments::new(data).flatten() {
        let h = f.header;
        let epoch = u16::from(h.msg_type == HandshakeType::Finished);
        if rx.insert(&f, epoch) == Inserted::Stored {
            let entry = match model.iter_mut().find(|(s, _)| *s == h.message_seq) {
                Some(e) => e,
                None => {
                    model.push((h.message_seq, std::vec![0; h.length as usize]));
                    model.last_mut().unwrap()
                }
            };
            let at = h.fragment_offset as usize;
            entry.1[at..at + f.body.len()].copy_from_slice(f.body);
        }
        while let Some(m) = rx.peek() {
            let (_, want) = model
                .iter()
                .find(|(s, _)| *s == m.seq)
                .expect("message in model");
            assert_eq!(m.body, &want[..]);
            let seq = m.seq;
            rx.advance();
            model.retain(|(s, _)| *s != seq);
            assert_eq!(rx.next_seq(), seq.wrapping_add(1));
        }
    }
}

fn certs() -> &'static (Certificate, Certificate) {
    static CERTS: OnceLock<(Certificate, Certificate)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let p = CertParams::default();
        let a = Certificate::generate(&RustCrypto, &mut SeededEntropy::new(1), &p).unwrap();
        let b = Certificate::generate(&RustCrypto, &mut SeededEntropy::new(2), &p).unwrap();
        (a, b)
    })
}

fn paths() -> (Path, Path) {
    let c = Path::udp(
        "192.0.2.1:4000".parse().unwrap(),
        "192.0.2.2:5000".parse().unwrap(),
    );
    (c, c.reversed())
}

/// A server fed arbitrary datagrams (`u16` length, bytes, repeated). While it listens it
/// never answers with more bytes than it was sent. Under `cfg(fuzzing)` any non-empty cookie
/// passes, so the fuzzer reaches the handshake.
pub fn server_datagrams(data: &[u8]) {
    let (client_cert, server_cert) = certs();
    let mut s = Endpoint::new(
        DtlsRole::Server,
        Config::default(),
        server_cert.clone(),
        SeededEntropy::new(3),
    );
    s.set_remote_fingerprint(client_cert.fingerprint());
    let (_, path) = paths();
    s.start(Instant::ZERO, path);
    let mut now = Instant::ZERO;
    let mut rest = data;
    let mut out = [0u8; 2048];
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let (chunk, tail) = rest[2..].split_at(len);
        rest = tail;
        let _ = s.handle_datagram(now, path, chunk);
        let listening = s.state() == State::Listening;
        while let Some(t) = s.poll_transmit(now, &mut out) {
            assert!(t.len <= out.len());
            if listening {
                assert!(
                    t.len <= chunk.len(),
                    "amplification: {} for {}",
                    t.len,
                    chunk.len()
                );
            }
        }
        while s.poll_event().is_some() {}
        now += Duration::from_millis(u64::from(chunk.first().copied().unwrap_or(0)) * 8);
        s.handle_timeout(now);
        while s.poll_transmit(now, &mut out).is_some() {}
    }
}

/// A real client and server whose exchange `data` perturbs: each byte decides what happens to
/// the next datagram (deliver, drop, duplicate, flip a bit, truncate, replace with fuzz bytes,
/// or let time pass). Whatever happens, two connected ends agree on their keys.
pub fn handshake_mutations(data: &[u8]) {
    let (client_cert, server_cert) = certs();
    let config = Config {
        initial_retransmit: Duration::from_millis(100),
        ..Config::default()
    };
    let mut c = Endpoint::new(
        DtlsRole::Client,
        config.clone(),
        client_cert.clone(),
        SeededEntropy::new(4),
    );
    let mut s = Endpoint::new(
        DtlsRole::Server,
        config,
        server_cert.clone(),
        SeededEntropy::new(5),
    );
    c.set_remote_fingerprint(server_cert.fingerprint());
    s.set_remote_fingerprint(client_cert.fingerprint());
    let (cp, sp) = paths();
    s.start(Instant::ZERO, sp);
    c.start(Instant::ZERO, cp);
    let mut now = Instant::ZERO;
    let mut ops = data.iter().copied();
    let mut out = [0u8; 2048];
    for _ in 0..200 {
        let mut moved = false;
        for from_client in [true, false] {
            let mut sent = Vec::new();
            {
                let ep = if from_client { &mut c } else { &mut s };
                while let Some(t) = ep.poll_transmit(now, &mut out) {
                    sent.push(out[..t.len].to_vec());
                }
                while ep.poll_event().is_some() {}
            }
            for d in sent {
                moved = true;
                for copy in mutate(d, &mut ops) {
                    let (to, path) = if from_client {
                        (&mut s, sp)
                    } else {
                        (&mut c, cp)
                    };
                    let _ = to.handle_datagram(now, path, &copy);
                }
            }
        }
        if c.is_connected() && s.is_connected() {
            let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
            c.export_srtp_keying_material(&mut a).unwrap();
            s.export_srtp_keying_material(&mut b).unwrap();
            assert_eq!(a, b);
            let t = c.send(now, (), b"ping", &mut out).unwrap();
            let d = out[..t.len].to_vec();
            if let Ok(Some(up)) = s.handle_datagram(now, sp, &d) {
                assert_eq!(up.bytes, 4);
                assert_eq!(crate::Dtls::received(&s).first(), b"ping");
            }
            return;
        }
        if !moved {
            let next = [c.poll_timeout(), s.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { return };
            now = now.max(next);
            c.handle_timeout(now);
            s.handle_timeout(now);
        }
    }
}

fn mutate(mut d: Vec<u8>, ops: &mut impl Iterator<Item = u8>) -> Vec<Vec<u8>> {
    match ops.next().unwrap_or(0) % 10 {
        4 => Vec::new(),
        5 => std::vec![d.clone(), d],
        6 => {
            let at =
                usize::from(ops.next().unwrap_or(0)) * 4 + usize::from(ops.next().unwrap_or(0) % 4);
            let at = at % d.len().max(1);
            if let Some(b) = d.get_mut(at) {
                *b ^= 1 << (ops.next().unwrap_or(0) % 8);
            }
            std::vec![d]
        }
        7 => {
            d.truncate(usize::from(ops.next().unwrap_or(0)) * 8);
            std::vec![d]
        }
        8 => {
            let n = usize::from(ops.next().unwrap_or(0));
            std::vec![ops.by_ref().take(n).collect()]
        }
        _ => std::vec![d],
    }
}
