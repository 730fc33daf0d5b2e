//! STUN decode + verify and encode: `stun-proto` against its crates.io peers, in one run.
//!
//! Peers: webrtc-rs `stun` 0.17, ystreet `stun-types` 2 and str0m's `is` 0.12.
//!
//! Messages:
//! * `ice`: an ICE connectivity check as browsers send it — USERNAME "abcd:efgh", PRIORITY,
//!   ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT (92 bytes);
//! * `rfc5769`: the RFC 5769 §2.1 sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
//!   MESSAGE-INTEGRITY, FINGERPRINT; 108 bytes; short-term password "VOkJxbRl1RmTxUk/WvJxBt").
//!
//! Every library does the same work per iteration:
//! * `decode_verify`: parse the whole message, check FINGERPRINT (present and correct) and
//!   verify MESSAGE-INTEGRITY (HMAC-SHA1) with the short-term password.
//! * `decode_verify_read` (ICE message): the same, then read what an ICE agent reads from a
//!   check: USERNAME, PRIORITY, ICE-CONTROLLING/ICE-CONTROLLED, USE-CANDIDATE. (`is` decodes
//!   every attribute while parsing, so its two numbers differ little; the others decode lazily.)
//! * `encode`: write the same message with MESSAGE-INTEGRITY and FINGERPRINT into a buffer
//!   (reused across iterations wherever the library allows it).
//!
//! A library's cached-key facility is used where it has one, built once outside the loop (see
//! the comment on each peer). `setup_checks` runs before any timing and asserts that each
//! library accepts the valid messages and reads the right fields, REJECTS tampered ones (a
//! payload byte changed with a recomputed FINGERPRINT, a wrong FINGERPRINT, no FINGERPRINT, a
//! wrong password) and that every encoder's output is accepted by every decoder — so no number
//! comes from skipped work.
//!
//! Run: `cargo bench -p bench --bench stun`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

#[global_allocator]
static GLOBAL: bench::Counting = bench::Counting;

/// What an ICE agent reads from a connectivity check, borrowed or owned (`U`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ice<U> {
    username: U,
    priority: u32,
    /// `(controlling, tie-breaker)`.
    role: Option<(bool, u64)>,
    use_candidate: bool,
}

impl Ice<&str> {
    fn owned(&self) -> Ice<String> {
        Ice {
            username: self.username.to_owned(),
            priority: self.priority,
            role: self.role,
            use_candidate: self.use_candidate,
        }
    }
}

/// One test message: the fields to write and, for decoding, its bytes.
struct Case {
    name: &'static str,
    password: &'static str,
    tid: [u8; 12],
    software: Option<&'static str>,
    fields: Ice<&'static str>,
    /// Padding byte (RFC 5769 pads with spaces).
    pad: u8,
}

const RFC5769_REQUEST: &str = "
00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
00 24 00 04 6e 00 01 ff
80 29 00 08 93 2f f9 b1 51 26 3b 36
00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
80 28 00 04 e5 7a 3b cf";

const ICE: Case = Case {
    name: "ice",
    password: "asd88fgpdd777uzjYhagZg",
    tid: *b"\x4a\x6b\x5c\x3d\x2e\x1f\x00\x11\x22\x33\x44\x55",
    software: None,
    fields: Ice {
        username: "abcd:efgh",
        priority: 0x6e7f_1eff,
        role: Some((true, 0x1a2b_3c4d_5e6f_7081)),
        use_candidate: true,
    },
    pad: 0,
};

const RFC5769: Case = Case {
    name: "rfc5769",
    password: "VOkJxbRl1RmTxUk/WvJxBt",
    tid: [
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ],
    software: Some("STUN test client"),
    fields: Ice {
        username: "evtj:h6vY",
        priority: 0x6e00_01ff,
        role: Some((false, 0x932f_f9b1_5126_3b36)),
        use_candidate: false,
    },
    pad: b' ',
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The bytes each decoder is given: ours-built for `ice` (cross-checked against the peers'
/// encoders in `setup_checks`), the RFC's own for `rfc5769`.
fn wire(case: &Case) -> Vec<u8> {
    if case.name == "rfc5769" {
        return hex(RFC5769_REQUEST);
    }
    let key = stun_proto::auth::IntegrityKey::short_term(case.password.as_bytes());
    let mut buf = [0u8; 256];
    let n = ours::encode(case, &key, &mut buf);
    buf[..n].to_vec()
}

// ---------------------------------------------------------------------------------------------
// stun-proto (this workspace): IntegrityKey caches the keyed HMAC state.

mod ours {
    use super::{Case, Ice};
    use stun_proto::auth::IntegrityKey;
    use stun_proto::wire::attr::{AttrType, Attribute};
    use stun_proto::wire::{Message, MessageBuilder, MessageType, TransactionId};

    /// Parse (every attribute's bounds), FINGERPRINT, MESSAGE-INTEGRITY.
    pub fn check<'a>(buf: &'a [u8], key: &IntegrityKey) -> Option<Message<'a>> {
        let msg = Message::new_checked(buf).ok()?;
        if !msg.fingerprint_ok() {
            return None;
        }
        key.verify(&msg).ok()?;
        Some(msg)
    }

    /// The ICE fields, through the typed attribute decoder.
    pub fn read<'a>(msg: &Message<'a>) -> Option<Ice<&'a str>> {
        let tid = msg.transaction_id();
        let (mut username, mut priority, mut role, mut use_candidate) = (None, None, None, false);
        for a in msg.attributes() {
            if !matches!(
                a.kind,
                AttrType::USERNAME
                    | AttrType::PRIORITY
                    | AttrType::ICE_CONTROLLING
                    | AttrType::ICE_CONTROLLED
                    | AttrType::USE_CANDIDATE
            ) {
                continue;
            }
            match a.decode(&tid).ok()? {
                Attribute::Username(u) => username = Some(u),
                Attribute::Priority(p) => priority = Some(p),
                Attribute::IceControlling(t) => role = Some((true, t)),
                Attribute::IceControlled(t) => role = Some((false, t)),
                Attribute::UseCandidate => use_candidate = true,
                _ => {}
            }
        }
        Some(Ice {
            username: username?,
            priority: priority?,
            role,
            use_candidate,
        })
    }

    pub fn encode(case: &Case, key: &IntegrityKey, buf: &mut [u8]) -> usize {
        let tid = TransactionId(case.tid);
        let mut b = MessageBuilder::new(buf, MessageType::BINDING_REQUEST, tid).unwrap();
        b.set_padding_byte(case.pad);
        let f = &case.fields;
        if let Some(s) = case.software {
            // RFC 5769 order: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME.
            b.add(&Attribute::Software(s)).unwrap();
            b.add(&Attribute::Priority(f.priority)).unwrap();
            add_role(&mut b, f.role);
            b.add(&Attribute::Username(f.username)).unwrap();
        } else {
            b.add(&Attribute::Username(f.username)).unwrap();
            b.add(&Attribute::Priority(f.priority)).unwrap();
            add_role(&mut b, f.role);
        }
        if f.use_candidate {
            b.add(&Attribute::UseCandidate).unwrap();
        }
        b.add_message_integrity(key).unwrap();
        b.add_fingerprint().unwrap();
        b.finish()
    }

    fn add_role(b: &mut MessageBuilder<'_>, role: Option<(bool, u64)>) {
        match role {
            Some((true, t)) => b.add(&Attribute::IceControlling(t)).unwrap(),
            Some((false, t)) => b.add(&Attribute::IceControlled(t)).unwrap(),
            None => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ystreet stun-types 2: `IntegrityKey` (from `ShortTermCredentials::make_key`) caches the keyed
// HMAC behind a mutex; `Message::from_bytes` checks FINGERPRINT when present (`has_attribute`
// requires it, another walk: its API has no cheaper way to ask). It has no typed
// ICE attributes (they live in rice-stun-types), so those are read and written raw, as its
// users do; USERNAME is read raw too (its typed `Username` allocates a String).

mod ystreet {
    use super::{Case, Ice};
    use stun_types::attribute::{
        Attribute, AttributeType, Fingerprint, RawAttribute, Software, Username,
    };
    use stun_types::data::Data;
    use stun_types::message::{
        IntegrityAlgorithm, IntegrityKey, Message, MessageClass, MessageType, MessageWrite,
        MessageWriteExt, MessageWriteMutSlice, TransactionId, BINDING,
    };
    use stun_types::prelude::AttributeStaticType;

    const USERNAME: u16 = 0x0006;
    const PRIORITY: u16 = 0x0024;
    const USE_CANDIDATE: u16 = 0x0025;
    const ICE_CONTROLLED: u16 = 0x8029;
    const ICE_CONTROLLING: u16 = 0x802A;

    /// Parse (checks FINGERPRINT if present), FINGERPRINT present, MESSAGE-INTEGRITY.
    pub fn check<'a>(buf: &'a [u8], key: &IntegrityKey) -> Option<Message<'a>> {
        let msg = Message::from_bytes(buf).ok()?;
        if !msg.has_attribute(Fingerprint::TYPE) {
            return None;
        }
        msg.validate_integrity_with_key(key).ok()?;
        Some(msg)
    }

    /// The ICE fields, raw.
    pub fn read<'m>(msg: &'m Message<'_>) -> Option<Ice<&'m str>> {
        let (mut username, mut priority, mut role, mut use_candidate) = (None, None, None, false);
        for (_, a) in msg.iter_attributes() {
            let kind = a.get_type().value();
            // The borrowed value (ties its lifetime to `msg`, not to `a`).
            let v: &[u8] = match a.value {
                Data::Borrowed(s) => s.take(),
                Data::Owned(_) => return None,
            };
            match kind {
                USERNAME if v.len() <= 513 => username = Some(core::str::from_utf8(v).ok()?),
                PRIORITY => priority = Some(u32::from_be_bytes(v.try_into().ok()?)),
                ICE_CONTROLLING => role = Some((true, u64::from_be_bytes(v.try_into().ok()?))),
                ICE_CONTROLLED => role = Some((false, u64::from_be_bytes(v.try_into().ok()?))),
                USE_CANDIDATE => use_candidate = true,
                _ => {}
            }
        }
        Some(Ice {
            username: username?,
            priority: priority?,
            role,
            use_candidate,
        })
    }

    /// Attribute values built once outside the loop (`Username`/`Software` own a String).
    pub struct Prepared {
        username: Username,
        software: Option<Software>,
    }

    pub fn prepare(case: &Case) -> Prepared {
        Prepared {
            username: Username::new(case.fields.username).unwrap(),
            software: case.software.map(|s| Software::new(s).unwrap()),
        }
    }

    pub fn encode(case: &Case, p: &Prepared, key: &IntegrityKey, buf: &mut [u8]) -> usize {
        let mtype = MessageType::from_class_method(MessageClass::Request, BINDING);
        let tid = TransactionId::from(u128::from_be_bytes({
            let mut t = [0u8; 16];
            t[4..].copy_from_slice(&case.tid);
            t
        }));
        let mut w = Message::builder(mtype, tid, MessageWriteMutSlice::new(buf));
        let f = &case.fields;
        let prio = f.priority.to_be_bytes();
        let (role_type, tie) = match f.role {
            Some((true, t)) => (ICE_CONTROLLING, t.to_be_bytes()),
            Some((false, t)) => (ICE_CONTROLLED, t.to_be_bytes()),
            None => unreachable!("both test messages carry a role"),
        };
        let role = RawAttribute::new(AttributeType::new(role_type), &tie);
        let priority = RawAttribute::new(AttributeType::new(PRIORITY), &prio);
        if let Some(s) = &p.software {
            w.add_attribute(s).unwrap();
            w.add_attribute(&priority).unwrap();
            w.add_attribute(&role).unwrap();
            w.add_attribute(&p.username).unwrap();
        } else {
            w.add_attribute(&p.username).unwrap();
            w.add_attribute(&priority).unwrap();
            w.add_attribute(&role).unwrap();
        }
        if f.use_candidate {
            w.add_attribute(&RawAttribute::new(AttributeType::new(USE_CANDIDATE), &[]))
                .unwrap();
        }
        w.add_message_integrity_with_key(key, IntegrityAlgorithm::Sha1)
            .unwrap();
        w.add_fingerprint().unwrap();
        w.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// webrtc-rs stun 0.17: no cached-key facility — `MessageIntegrity` holds the key bytes and
// every `check`/`add_to` builds a ring `hmac::Key` (key set-up per call). Its `Message` is
// reused across iterations (`unmarshal_binary` copies into the retained `raw` Vec, as its
// agent does); `decode` copies each attribute value into a Vec, and typed getters return
// owned values (that is its API). Encoding calls the setters directly on a reused `Message`
// (what `Message::build` does, minus the boxing).

mod webrtc {
    use super::{Case, Ice};
    use stun::agent::TransactionId;
    use stun::attributes::{
        AttrType, ATTR_ICE_CONTROLLED, ATTR_ICE_CONTROLLING, ATTR_PRIORITY, ATTR_SOFTWARE,
        ATTR_USERNAME, ATTR_USE_CANDIDATE,
    };
    use stun::fingerprint::FINGERPRINT;
    use stun::integrity::MessageIntegrity;
    use stun::message::{Message, Setter, BINDING_REQUEST};
    use stun::textattrs::TextAttribute;

    fn u64_of(m: &Message, t: AttrType) -> Option<u64> {
        Some(u64::from_be_bytes(m.get(t).ok()?.try_into().ok()?))
    }

    /// Parse (copies the datagram into the reused `m`), FINGERPRINT, MESSAGE-INTEGRITY.
    pub fn check(buf: &[u8], m: &mut Message, integrity: &MessageIntegrity) -> Option<()> {
        m.unmarshal_binary(buf).ok()?;
        FINGERPRINT.check(m).ok()?;
        integrity.check(m).ok()
    }

    /// The ICE fields, through its getters (which return owned values).
    pub fn read(m: &Message) -> Option<Ice<String>> {
        let username = TextAttribute::get_from_as(m, ATTR_USERNAME).ok()?;
        let priority = u32::from_be_bytes(m.get(ATTR_PRIORITY).ok()?.try_into().ok()?);
        let role = match u64_of(m, ATTR_ICE_CONTROLLING) {
            Some(t) => Some((true, t)),
            None => u64_of(m, ATTR_ICE_CONTROLLED).map(|t| (false, t)),
        };
        Some(Ice {
            username: username.text,
            priority,
            role,
            use_candidate: m.contains(ATTR_USE_CANDIDATE),
        })
    }

    /// Attribute values built once outside the loop (`TextAttribute` owns a String).
    pub struct Prepared {
        username: TextAttribute,
        software: Option<TextAttribute>,
        integrity: MessageIntegrity,
    }

    pub fn prepare(case: &Case) -> Prepared {
        Prepared {
            username: TextAttribute::new(ATTR_USERNAME, case.fields.username.to_owned()),
            software: case
                .software
                .map(|s| TextAttribute::new(ATTR_SOFTWARE, s.to_owned())),
            integrity: MessageIntegrity::new_short_term_integrity(case.password.to_owned()),
        }
    }

    pub fn integrity(case: &Case) -> MessageIntegrity {
        MessageIntegrity::new_short_term_integrity(case.password.to_owned())
    }

    pub fn encode<'m>(case: &Case, p: &Prepared, m: &'m mut Message) -> &'m [u8] {
        m.reset();
        m.typ = BINDING_REQUEST;
        m.transaction_id = TransactionId(case.tid);
        m.write_header();
        let f = &case.fields;
        let (role_type, tie) = match f.role {
            Some((true, t)) => (ATTR_ICE_CONTROLLING, t),
            Some((false, t)) => (ATTR_ICE_CONTROLLED, t),
            None => unreachable!("both test messages carry a role"),
        };
        if let Some(s) = &p.software {
            s.add_to(m).unwrap();
            m.add(ATTR_PRIORITY, &f.priority.to_be_bytes());
            m.add(role_type, &tie.to_be_bytes());
            p.username.add_to(m).unwrap();
        } else {
            p.username.add_to(m).unwrap();
            m.add(ATTR_PRIORITY, &f.priority.to_be_bytes());
            m.add(role_type, &tie.to_be_bytes());
        }
        if f.use_candidate {
            m.add(ATTR_USE_CANDIDATE, &[]);
        }
        p.integrity.add_to(m).unwrap();
        FINGERPRINT.add_to(m).unwrap();
        &m.raw
    }
}

// ---------------------------------------------------------------------------------------------
// str0m `is` 0.12: `StunMessage::parse` decodes every known attribute eagerly; `verify` and
// `to_bytes` take the HMAC as a function `(key, parts) -> mac`. Two HMAC functions are timed:
// its `DefaultSha1HmacProvider` (hmac 0.13 + sha1 0.11, the same crates as ours, keyed per
// call), and `CachedHmac`, which keeps the keyed state for one password — the cache its API
// allows. `is` never checks FINGERPRINT on receipt (nor exposes it), so the bench does: the
// last attribute must be FINGERPRINT and its CRC-32 is computed with the `crc` crate exactly as
// `is` computes it when writing.

mod str0m {
    use super::{Case, Ice};
    use crc::{Crc, CRC_32_ISO_HDLC};
    use hmac::{Hmac, KeyInit, Mac};
    use is::stun::{StunMessage, StunMessageBuilder, TransId};
    use is::{DefaultSha1HmacProvider, Sha1HmacProvider};

    const CRC: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

    /// An HMAC-SHA1 function for `is`.
    pub trait HmacFn {
        fn mac(&self, key: &[u8], parts: &[&[u8]]) -> [u8; 20];
    }

    /// `is`'s own provider: keys HMAC on every call.
    pub struct PerCall;

    impl HmacFn for PerCall {
        fn mac(&self, key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
            DefaultSha1HmacProvider.sha1_hmac(key, parts)
        }
    }

    /// Keeps the keyed HMAC state for one password (falls back to keying for any other key).
    pub struct CachedHmac {
        password: Vec<u8>,
        keyed: Hmac<sha1::Sha1>,
    }

    impl CachedHmac {
        pub fn new(password: &str) -> Self {
            CachedHmac {
                password: password.as_bytes().to_vec(),
                keyed: Hmac::new_from_slice(password.as_bytes()).unwrap(),
            }
        }
    }

    impl HmacFn for CachedHmac {
        fn mac(&self, key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
            let mut mac = if key == self.password.as_slice() {
                self.keyed.clone()
            } else {
                Hmac::<sha1::Sha1>::new_from_slice(key).unwrap()
            };
            for p in parts {
                mac.update(p);
            }
            mac.finalize().into_bytes().into()
        }
    }

    fn fingerprint_ok(buf: &[u8]) -> bool {
        let Some(at) = buf.len().checked_sub(8) else {
            return false;
        };
        buf.len() >= 28
            && buf[at..at + 4] == [0x80, 0x28, 0x00, 0x04]
            && CRC.checksum(&buf[..at]) ^ 0x5354_554e
                == u32::from_be_bytes(buf[at + 4..].try_into().unwrap())
    }

    /// Parse (decodes every attribute), FINGERPRINT (done here: `is` does not), MESSAGE-INTEGRITY.
    pub fn check<'a>(buf: &'a [u8], password: &[u8], h: &impl HmacFn) -> Option<StunMessage<'a>> {
        let msg = StunMessage::parse(buf).ok()?;
        (fingerprint_ok(buf) && msg.verify(password, |k, p| h.mac(k, p))).then_some(msg)
    }

    /// The ICE fields (already decoded by `parse`).
    pub fn read<'a>(msg: &StunMessage<'a>) -> Option<Ice<&'a str>> {
        let role = match (msg.ice_controlling(), msg.ice_controlled()) {
            (Some(t), _) => Some((true, t)),
            (None, Some(t)) => Some((false, t)),
            (None, None) => None,
        };
        Some(Ice {
            username: msg.username()?,
            priority: msg.prio()?,
            role,
            use_candidate: msg.use_candidate(),
        })
    }

    /// `is` builds a `TransId` only at random; take the case's from its parsed wire bytes.
    pub fn trans_id(case: &Case) -> TransId {
        StunMessage::parse(&super::wire(case)).unwrap().trans_id()
    }

    pub fn encode(case: &Case, tid: TransId, h: &impl HmacFn, buf: &mut [u8]) -> usize {
        let f = &case.fields;
        let mut b = StunMessageBuilder::new()
            .binding()
            .request()
            .username(f.username)
            .prio(f.priority);
        b = match f.role {
            Some((true, t)) => b.ice_controlling(t),
            Some((false, t)) => b.ice_controlled(t),
            None => b,
        };
        if f.use_candidate {
            b = b.use_candidate();
        }
        if let Some(s) = case.software {
            b = b.software(s);
        }
        b.build(tid)
            .to_bytes(Some(case.password.as_bytes()), buf, |k, p| h.mac(k, p))
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------

/// What one library made of some bytes: whether `check` accepted them, and the fields `read`
/// found after it.
struct Outcome {
    lib: &'static str,
    checked: bool,
    read: Option<Ice<String>>,
}

/// Every decoder over `bytes`, for the setup assertions.
fn decode_all(bytes: &[u8], password: &str) -> Vec<Outcome> {
    let pw = password.as_bytes();
    let ours_key = stun_proto::auth::IntegrityKey::short_term(pw);
    let ys_key = stun_types::message::ShortTermCredentials::new(password.to_owned()).make_key();
    let mut wm = stun::message::Message::new();
    let wi = stun::integrity::MessageIntegrity::new_short_term_integrity(password.to_owned());
    let cached = str0m::CachedHmac::new(password);
    let ours = ours::check(bytes, &ours_key);
    let ys = ystreet::check(bytes, &ys_key);
    let w = webrtc::check(bytes, &mut wm, &wi);
    let is = str0m::check(bytes, pw, &str0m::PerCall);
    let is_c = str0m::check(bytes, pw, &cached);
    vec![
        Outcome {
            lib: "stun-proto",
            checked: ours.is_some(),
            read: ours.as_ref().and_then(ours::read).map(|i| i.owned()),
        },
        Outcome {
            lib: "stun-types",
            checked: ys.is_some(),
            read: ys.as_ref().and_then(ystreet::read).map(|i| i.owned()),
        },
        Outcome {
            lib: "stun (webrtc-rs)",
            checked: w.is_some(),
            read: w.and_then(|()| webrtc::read(&wm)),
        },
        Outcome {
            lib: "is (str0m)",
            checked: is.is_some(),
            read: is.as_ref().and_then(str0m::read).map(|i| i.owned()),
        },
        Outcome {
            lib: "is (str0m), cached key",
            checked: is_c.is_some(),
            read: is_c.as_ref().and_then(str0m::read).map(|i| i.owned()),
        },
    ]
}

/// Recompute FINGERPRINT (the message's last attribute) after tampering.
fn refingerprint(buf: &mut [u8]) {
    let at = buf.len() - 8;
    let crc = crc32fast::hash(&buf[..at]) ^ 0x5354_554e;
    buf[at + 4..].copy_from_slice(&crc.to_be_bytes());
}

/// Before any timing: each library accepts the valid message with the right fields, rejects
/// tampered ones, and each encoder's output is accepted by every decoder.
fn setup_checks(case: &Case) {
    let good = wire(case);
    let want = case.fields.owned();
    for o in decode_all(&good, case.password) {
        assert!(
            o.checked,
            "{} must accept the valid {} message",
            o.lib, case.name
        );
        assert_eq!(
            o.read.as_ref(),
            Some(&want),
            "{} must read {}'s fields",
            o.lib,
            case.name
        );
    }
    // A PRIORITY byte changed, FINGERPRINT recomputed: only MESSAGE-INTEGRITY can catch it.
    let prio_at = find_attr(&good, 0x0024) + 7;
    let mut payload = good.clone();
    payload[prio_at] ^= 1;
    refingerprint(&mut payload);
    // FINGERPRINT wrong, everything else intact: only the FINGERPRINT check can catch it.
    let mut fp = good.clone();
    *fp.last_mut().unwrap() ^= 1;
    // FINGERPRINT removed (MESSAGE-INTEGRITY does not cover it): the presence check catches it.
    let mut no_fp = good[..good.len() - 8].to_vec();
    let len = u16::try_from(no_fp.len() - 20).unwrap();
    no_fp[2..4].copy_from_slice(&len.to_be_bytes());
    for (what, bytes, password) in [
        ("tampered payload", &payload, case.password),
        ("wrong FINGERPRINT", &fp, case.password),
        ("FINGERPRINT-less", &no_fp, case.password),
        ("wrong password", &good, "not-the-password-00000"),
    ] {
        for o in decode_all(bytes, password) {
            assert!(
                !o.checked,
                "{} must reject the {what} {} message",
                o.lib, case.name
            );
        }
    }
    // Encoders: ours reproduces the RFC 5769 vector byte for byte; every output decodes.
    let outputs = encode_all(case);
    if case.name == "rfc5769" {
        assert_eq!(
            outputs[0].1, good,
            "stun-proto must reproduce RFC 5769 §2.1"
        );
    }
    for (enc, bytes) in &outputs {
        for o in decode_all(bytes, case.password) {
            assert!(o.checked, "{} must accept {enc}'s {}", o.lib, case.name);
            assert_eq!(o.read.as_ref(), Some(&want), "{} reading {enc}'s", o.lib);
        }
    }
}

fn find_attr(msg: &[u8], kind: u16) -> usize {
    let mut at = 20;
    while at + 4 <= msg.len() {
        let t = u16::from_be_bytes([msg[at], msg[at + 1]]);
        let len = usize::from(u16::from_be_bytes([msg[at + 2], msg[at + 3]]));
        if t == kind {
            return at;
        }
        at += 4 + len.next_multiple_of(4);
    }
    panic!("attribute {kind:#06x} not found")
}

fn encode_all(case: &Case) -> Vec<(&'static str, Vec<u8>)> {
    let mut buf = [0u8; 256];
    let ours_key = stun_proto::auth::IntegrityKey::short_term(case.password.as_bytes());
    let ys_key =
        stun_types::message::ShortTermCredentials::new(case.password.to_owned()).make_key();
    let mut out = Vec::new();
    let n = ours::encode(case, &ours_key, &mut buf);
    out.push(("stun-proto", buf[..n].to_vec()));
    let n = ystreet::encode(case, &ystreet::prepare(case), &ys_key, &mut buf);
    out.push(("stun-types", buf[..n].to_vec()));
    let mut m = stun::message::Message::new();
    out.push((
        "stun (webrtc-rs)",
        webrtc::encode(case, &webrtc::prepare(case), &mut m).to_vec(),
    ));
    let tid = str0m::trans_id(case);
    let n = str0m::encode(case, tid, &str0m::PerCall, &mut buf);
    out.push(("is (str0m)", buf[..n].to_vec()));
    let n = str0m::encode(case, tid, &str0m::CachedHmac::new(case.password), &mut buf);
    out.push(("is (str0m), cached key", buf[..n].to_vec()));
    out
}

/// `decode_verify`: parse + FINGERPRINT + MESSAGE-INTEGRITY. With `read`, also the ICE fields
/// (`decode_verify_read`).
fn bench_decode(c: &mut Criterion, case: &Case, read: bool) {
    let bytes = wire(case);
    let bytes = bytes.as_slice();
    let pw = case.password.as_bytes();
    let group = if read {
        "decode_verify_read"
    } else {
        "decode_verify"
    };
    let mut g = c.benchmark_group(format!("stun/{group}/{}", case.name));

    let key = stun_proto::auth::IntegrityKey::short_term(pw);
    g.bench_function("stun-proto", |b| {
        b.iter(|| {
            let m = black_box(ours::check(black_box(bytes), &key))?;
            read.then(|| ours::read(&m).map(|i| black_box(&i).priority))
                .flatten()
        })
    });
    let key = stun_types::message::ShortTermCredentials::new(case.password.to_owned()).make_key();
    g.bench_function("stun-types", |b| {
        b.iter(|| {
            let m = black_box(ystreet::check(black_box(bytes), &key))?;
            read.then(|| ystreet::read(&m).map(|i| black_box(&i).priority))
                .flatten()
        })
    });
    let mut m = stun::message::Message::new();
    let integrity = webrtc::integrity(case);
    g.bench_function("stun (webrtc-rs)", |b| {
        b.iter(|| {
            black_box(webrtc::check(black_box(bytes), &mut m, &integrity))?;
            read.then(|| webrtc::read(&m).map(|i| black_box(&i).priority))
                .flatten()
        })
    });
    g.bench_function("is (str0m)", |b| {
        b.iter(|| {
            let m = black_box(str0m::check(black_box(bytes), pw, &str0m::PerCall))?;
            read.then(|| str0m::read(&m).map(|i| black_box(&i).priority))
                .flatten()
        })
    });
    let cached = str0m::CachedHmac::new(case.password);
    g.bench_function("is (str0m), cached key", |b| {
        b.iter(|| {
            let m = black_box(str0m::check(black_box(bytes), pw, &cached))?;
            read.then(|| str0m::read(&m).map(|i| black_box(&i).priority))
                .flatten()
        })
    });
    g.finish();
}

fn bench_encode(c: &mut Criterion, case: &Case) {
    let mut buf = [0u8; 256];
    let mut g = c.benchmark_group(format!("stun/encode/{}", case.name));

    let key = stun_proto::auth::IntegrityKey::short_term(case.password.as_bytes());
    g.bench_function("stun-proto", |b| {
        b.iter(|| ours::encode(black_box(case), &key, &mut buf))
    });
    let key = stun_types::message::ShortTermCredentials::new(case.password.to_owned()).make_key();
    let prepared = ystreet::prepare(case);
    g.bench_function("stun-types", |b| {
        b.iter(|| ystreet::encode(black_box(case), &prepared, &key, &mut buf))
    });
    let prepared = webrtc::prepare(case);
    let mut m = stun::message::Message::new();
    g.bench_function("stun (webrtc-rs)", |b| {
        b.iter(|| webrtc::encode(black_box(case), &prepared, &mut m).len())
    });
    let tid = str0m::trans_id(case);
    g.bench_function("is (str0m)", |b| {
        b.iter(|| str0m::encode(black_box(case), tid, &str0m::PerCall, &mut buf))
    });
    let cached = str0m::CachedHmac::new(case.password);
    g.bench_function("is (str0m), cached key", |b| {
        b.iter(|| str0m::encode(black_box(case), tid, &cached, &mut buf))
    });
    g.finish();
}

/// stun-proto's decode + verify + read and its encoder touch no heap.
fn no_allocations(case: &Case) {
    let bytes = wire(case);
    let key = stun_proto::auth::IntegrityKey::short_term(case.password.as_bytes());
    bench::assert_no_allocations(
        &format!("stun-proto decode+verify+read {}", case.name),
        10_000,
        || {
            let m = ours::check(black_box(&bytes), &key).unwrap();
            black_box(ours::read(&m));
        },
    );
    let mut buf = [0u8; 256];
    bench::assert_no_allocations(&format!("stun-proto encode {}", case.name), 10_000, || {
        black_box(ours::encode(black_box(case), &key, &mut buf));
    });
}

fn stun(c: &mut Criterion) {
    for case in [&ICE, &RFC5769] {
        setup_checks(case);
        no_allocations(case);
    }
    for case in [&ICE, &RFC5769] {
        bench_decode(c, case, false);
        bench_encode(c, case);
    }
    bench_decode(c, &ICE, true);
}

criterion_group!(benches, stun);
criterion_main!(benches);
