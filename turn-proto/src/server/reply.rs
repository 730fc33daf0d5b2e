//! Writing responses and indications into the caller's buffer.

use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{AttrType, Attribute, ErrorCode, UnknownAttributes};
use stun_proto::wire::{Class, EmitError, Message, MessageBuilder, MessageType, TransactionId};

/// How to seal a message: which transaction, which key, which integrity and whether to add
/// FINGERPRINT.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seal<'k> {
    pub(crate) kind: MessageType,
    pub(crate) tid: TransactionId,
    pub(crate) key: Option<&'k IntegrityKey>,
    pub(crate) sha256: bool,
    pub(crate) fingerprint: bool,
    pub(crate) software: Option<&'static str>,
}

impl<'k> Seal<'k> {
    /// The response of class `class` to `msg`, unauthenticated; FINGERPRINT when the request
    /// had one.
    pub(crate) fn answer(msg: &Message<'_>, class: Class) -> Self {
        Seal {
            kind: msg.message_type().with_class(class),
            tid: msg.transaction_id(),
            key: None,
            sha256: msg.integrity_sha256_offset().is_some(),
            fingerprint: msg.fingerprint_offset().is_some(),
            software: None,
        }
    }

    /// The same, with MESSAGE-INTEGRITY(-SHA256) under `key` and SOFTWARE.
    pub(crate) fn with_key(
        mut self,
        key: &'k IntegrityKey,
        software: Option<&'static str>,
    ) -> Self {
        self.key = Some(key);
        self.software = software;
        self
    }

    /// Write the message: header, `body`'s attributes, SOFTWARE, integrity, FINGERPRINT.
    pub(crate) fn write(
        &self,
        out: &mut [u8],
        body: impl FnOnce(&mut MessageBuilder<'_>) -> Result<(), EmitError>,
    ) -> Result<usize, EmitError> {
        let mut b = MessageBuilder::new(out, self.kind, self.tid)?;
        body(&mut b)?;
        if let Some(s) = self.software {
            b.add(&Attribute::Software(s))?;
        }
        match (self.key, self.sha256) {
            (Some(k), true) => b.add_message_integrity_sha256(k)?,
            (Some(k), false) => b.add_message_integrity(k)?,
            (None, _) => {}
        }
        if self.fingerprint {
            b.add_fingerprint()?;
        }
        Ok(b.finish())
    }
}

/// An error response with `code`; `challenge` adds REALM and NONCE (401, 438) and leaves the
/// reason phrase out: a challenge is the largest answer an unauthenticated request gets, and
/// the code says what the phrase would (see the amplification bound in the module docs).
pub(crate) fn error(
    seal: &Seal<'_>,
    code: ErrorCode,
    challenge: Option<(&str, &str)>,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let reason = if challenge.is_some() {
        ""
    } else {
        code.reason()
    };
    seal.write(out, |b| {
        b.add(&Attribute::ErrorCode(code, reason))?;
        if let Some((realm, nonce)) = challenge {
            b.add(&Attribute::Realm(realm))?;
            b.add(&Attribute::Nonce(nonce))?;
        }
        Ok(())
    })
}

/// 300 Try Alternate naming `alternate` (RFC 8489 §10).
pub(crate) fn try_alternate(
    seal: &Seal<'_>,
    alternate: core::net::SocketAddr,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let code = ErrorCode::TRY_ALTERNATE;
    seal.write(out, |b| {
        b.add(&Attribute::ErrorCode(code, code.reason()))?;
        b.add(&Attribute::AlternateServer(alternate))
    })
}

/// 420 listing the comprehension-required attributes of `msg` that `known` rejects.
pub(crate) fn unknown_attributes(
    msg: &Message<'_>,
    known: impl Fn(AttrType) -> bool,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let mut unknown = heapless::Vec::<AttrType, 16>::new();
    for a in msg.attributes() {
        if a.kind.is_comprehension_required() && !known(a.kind) && !unknown.contains(&a.kind) {
            let _ = unknown.push(a.kind);
        }
    }
    let code = ErrorCode::UNKNOWN_ATTRIBUTE;
    Seal::answer(msg, Class::Error).write(out, |b| {
        b.add(&Attribute::ErrorCode(code, code.reason()))?;
        b.add(&Attribute::UnknownAttributes(UnknownAttributes::List(
            &unknown,
        )))
    })
}
