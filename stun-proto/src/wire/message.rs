//! The zero-copy message view.

use super::attr::{AttrType, Attribute, RawAttribute};
use super::{be16, be32, padded, Class, MessageType, Method, ParseError, TransactionId};
use super::{FINGERPRINT_XOR, HEADER_LEN, MAGIC_COOKIE};

/// A validated STUN message borrowed from a buffer.
///
/// [`Message::new_checked`] checks the header and walks every attribute once, so afterwards
/// no accessor can fail on bounds, the positions of MESSAGE-INTEGRITY,
/// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are known, and so is where the first of each
/// common STUN, ICE and TURN attribute sits ([`INDEXED`]): [`get`](Message::get) and the
/// typed getters ([`username`](Message::username), [`error_code`](Message::error_code),
/// [`mapped_address`](Message::mapped_address)…) cost no further walk. This view is what
/// machines hand each other: a datagram is parsed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    buf: &'a [u8],
    integrity: Option<usize>,
    integrity_sha256: Option<usize>,
    fingerprint: Option<usize>,
    /// Attributes at or after this offset are ignored (RFC 8489 §14.5, §14.6), except
    /// MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY and FINGERPRINT.
    protected_end: usize,
    /// Offset of the first attribute of each [`INDEXED`] type; 0 when absent.
    index: [u16; INDEXED.len()],
}

/// Attribute types whose first occurrence [`Message::new_checked`] records, so that looking
/// them up costs no walk.
pub const INDEXED: [AttrType; 22] = [
    AttrType::USERNAME,
    AttrType::REALM,
    AttrType::NONCE,
    AttrType::ERROR_CODE,
    AttrType::XOR_MAPPED_ADDRESS,
    AttrType::MAPPED_ADDRESS,
    AttrType::PRIORITY,
    AttrType::USE_CANDIDATE,
    AttrType::ICE_CONTROLLED,
    AttrType::ICE_CONTROLLING,
    AttrType::SOFTWARE,
    AttrType::ALTERNATE_SERVER,
    AttrType::PASSWORD_ALGORITHMS,
    AttrType::PASSWORD_ALGORITHM,
    AttrType::USERHASH,
    AttrType::CHANNEL_NUMBER,
    AttrType::LIFETIME,
    AttrType::XOR_PEER_ADDRESS,
    AttrType::DATA,
    AttrType::XOR_RELAYED_ADDRESS,
    AttrType::REQUESTED_TRANSPORT,
    AttrType::CONNECTION_ID,
];

/// The slot of `kind` in [`INDEXED`].
#[inline]
fn slot(kind: AttrType) -> Option<usize> {
    Some(match kind {
        AttrType::USERNAME => 0,
        AttrType::REALM => 1,
        AttrType::NONCE => 2,
        AttrType::ERROR_CODE => 3,
        AttrType::XOR_MAPPED_ADDRESS => 4,
        AttrType::MAPPED_ADDRESS => 5,
        AttrType::PRIORITY => 6,
        AttrType::USE_CANDIDATE => 7,
        AttrType::ICE_CONTROLLED => 8,
        AttrType::ICE_CONTROLLING => 9,
        AttrType::SOFTWARE => 10,
        AttrType::ALTERNATE_SERVER => 11,
        AttrType::PASSWORD_ALGORITHMS => 12,
        AttrType::PASSWORD_ALGORITHM => 13,
        AttrType::USERHASH => 14,
        AttrType::CHANNEL_NUMBER => 15,
        AttrType::LIFETIME => 16,
        AttrType::XOR_PEER_ADDRESS => 17,
        AttrType::DATA => 18,
        AttrType::XOR_RELAYED_ADDRESS => 19,
        AttrType::REQUESTED_TRANSPORT => 20,
        AttrType::CONNECTION_ID => 21,
        _ => return None,
    })
}

/// Where the attribute walk found the integrity attributes and the indexed ones.
#[derive(Default)]
struct Found {
    integrity: Option<usize>,
    integrity_sha256: Option<usize>,
    fingerprint: Option<usize>,
    protected_end: Option<usize>,
    index: [u16; INDEXED.len()],
}

impl<'a> Message<'a> {
    /// Validate `buf` as exactly one STUN message (a whole UDP datagram, or one frame cut from
    /// a stream with [`frame_len`](super::frame_len)).
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, ParseError> {
        let got = buf.len();
        let (Some(kind), Some(length), Some(cookie)) = (be16(buf, 0), be16(buf, 2), be32(buf, 4))
        else {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got,
            });
        };
        if got < HEADER_LEN {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got,
            });
        }
        if kind & 0xC000 != 0 || cookie != MAGIC_COOKIE {
            return Err(ParseError::NotStun);
        }
        let total = HEADER_LEN + usize::from(length);
        if length % 4 != 0 || got > total {
            return Err(ParseError::BadLength { length });
        }
        if got < total {
            return Err(ParseError::Truncated { needed: total, got });
        }
        let found = walk(buf)?;
        Ok(Message {
            buf,
            integrity: found.integrity,
            integrity_sha256: found.integrity_sha256,
            fingerprint: found.fingerprint,
            protected_end: found.protected_end.unwrap_or(total),
            index: found.index,
        })
    }

    /// Cheap test of whether a datagram looks like STUN (top bits, cookie, length), without
    /// walking the attributes. Use it to demultiplex.
    pub fn looks_like_stun(buf: &[u8]) -> bool {
        match (be16(buf, 0), be16(buf, 2), be32(buf, 4)) {
            (Some(k), Some(l), Some(c)) => {
                k & 0xC000 == 0 && c == MAGIC_COOKIE && buf.len() == HEADER_LEN + usize::from(l)
            }
            _ => false,
        }
    }

    /// The whole message.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Total length including the header.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Always false: a message has at least its header.
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Method and class.
    #[inline]
    pub fn message_type(&self) -> MessageType {
        MessageType::from_u16(be16(self.buf, 0).unwrap_or(0))
    }

    /// The class.
    #[inline]
    pub fn class(&self) -> Class {
        self.message_type().class
    }

    /// The method.
    #[inline]
    pub fn method(&self) -> Method {
        self.message_type().method
    }

    /// The transaction ID.
    #[inline]
    pub fn transaction_id(&self) -> TransactionId {
        let mut id = [0u8; 12];
        if let Some(b) = self.buf.get(8..HEADER_LEN) {
            id.copy_from_slice(b);
        }
        TransactionId(id)
    }

    /// Every attribute in order, raw, skipping those RFC 8489 says to ignore after
    /// MESSAGE-INTEGRITY(-SHA256).
    #[inline]
    pub fn attributes(&self) -> AttrIter<'a> {
        AttrIter {
            buf: self.buf,
            at: HEADER_LEN,
            protected_end: self.protected_end,
        }
    }

    /// Every attribute in order, raw, including those after MESSAGE-INTEGRITY(-SHA256) that
    /// RFC 8489 says to ignore (for logging, dissecting and re-emitting whole messages).
    pub fn all_attributes(&self) -> AttrIter<'a> {
        AttrIter {
            buf: self.buf,
            at: HEADER_LEN,
            protected_end: self.buf.len(),
        }
    }

    /// The first attribute of type `kind` (no walk for the [`INDEXED`] types).
    #[inline]
    pub fn get(&self, kind: AttrType) -> Option<RawAttribute<'a>> {
        match slot(kind) {
            Some(i) => {
                let offset = usize::from(*self.index.get(i)?);
                (offset != 0).then(|| RawAttribute {
                    kind,
                    value: self.value_at(offset),
                    offset,
                })
            }
            None => self.attributes().find(|a| a.kind == kind),
        }
    }

    /// The first attribute of type `kind`, decoded. `None` when absent; an error when present
    /// but malformed.
    pub fn decode(&self, kind: AttrType) -> Option<Result<Attribute<'a>, ParseError>> {
        let tid = self.transaction_id();
        self.get(kind).map(|a| a.decode(&tid))
    }

    /// The first attribute of type `kind` decoded and mapped by `f`; `None` when absent,
    /// malformed or of the wrong shape.
    pub fn find_map<T>(
        &self,
        kind: AttrType,
        f: impl FnOnce(Attribute<'a>) -> Option<T>,
    ) -> Option<T> {
        self.decode(kind)?.ok().and_then(f)
    }

    /// Offset of the MESSAGE-INTEGRITY attribute header, if present.
    #[inline]
    pub fn integrity_offset(&self) -> Option<usize> {
        self.integrity
    }

    /// Offset of the MESSAGE-INTEGRITY-SHA256 attribute header, if present.
    #[inline]
    pub fn integrity_sha256_offset(&self) -> Option<usize> {
        self.integrity_sha256
    }

    /// Whether MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 is present.
    pub fn has_integrity(&self) -> bool {
        self.integrity.is_some() || self.integrity_sha256.is_some()
    }

    /// Offset of the FINGERPRINT attribute header, if present.
    #[inline]
    pub fn fingerprint_offset(&self) -> Option<usize> {
        self.fingerprint
    }

    /// The bytes an integrity attribute at `offset` with a `mac_len`-byte value covers, as three
    /// pieces: type, the length field rewritten to end after that attribute, and the rest up to
    /// it (RFC 8489 §14.5).
    #[inline]
    pub fn integrity_input(&self, offset: usize, mac_len: usize) -> ([u8; 2], [u8; 2], &'a [u8]) {
        let covered = (offset + 4 + mac_len - HEADER_LEN) as u16;
        let t = be16(self.buf, 0).unwrap_or(0).to_be_bytes();
        (
            t,
            covered.to_be_bytes(),
            self.buf.get(4..offset).unwrap_or(&[]),
        )
    }

    /// The value of the attribute whose header is at `offset`.
    #[inline]
    pub(crate) fn value_at(&self, offset: usize) -> &'a [u8] {
        let len = usize::from(be16(self.buf, offset + 2).unwrap_or(0));
        self.buf.get(offset + 4..offset + 4 + len).unwrap_or(&[])
    }

    /// Whether FINGERPRINT is present and correct. `false` when absent.
    #[inline]
    pub fn fingerprint_ok(&self) -> bool {
        let Some(at) = self.fingerprint else {
            return false;
        };
        let Some(got) = be32(self.buf, at + 4) else {
            return false;
        };
        cfg!(fuzzing) || fingerprint(self.buf.get(..at).unwrap_or(&[])) == got
    }

    /// The first comprehension-required attribute type that `known` does not recognise.
    pub fn first_unknown_required(&self, known: impl Fn(AttrType) -> bool) -> Option<AttrType> {
        self.attributes()
            .map(|a| a.kind)
            .find(|k| k.is_comprehension_required() && !known(*k))
    }
}

/// CRC-32 of `covered` XOR-ed with 0x5354554E: the FINGERPRINT value of a message whose bytes
/// before the FINGERPRINT attribute are `covered` (length field already counting it).
#[inline]
pub fn fingerprint(covered: &[u8]) -> u32 {
    super::crc::crc32(covered) ^ FINGERPRINT_XOR
}

/// Validate every attribute's bounds and note where the integrity attributes are.
fn walk(buf: &[u8]) -> Result<Found, ParseError> {
    let end = buf.len();
    let mut f = Found::default();
    let mut at = HEADER_LEN;
    while at < end {
        let Some((&[t0, t1, l0, l1], _)) = buf.get(at..).and_then(|b| b.split_first_chunk()) else {
            return Err(ParseError::AttributeOverrun { offset: at });
        };
        let (kind, len) = (u16::from_be_bytes([t0, t1]), u16::from_be_bytes([l0, l1]));
        let next = at + 4 + padded(usize::from(len));
        if next > end {
            return Err(ParseError::AttributeOverrun { offset: at });
        }
        if f.fingerprint.is_some() {
            return Err(ParseError::FingerprintNotLast);
        }
        match AttrType(kind) {
            AttrType::MESSAGE_INTEGRITY if f.protected_end.is_none() => {
                check_len(kind, len, |l| l == 20)?;
                f.integrity = Some(at);
                f.protected_end = Some(next);
            }
            AttrType::MESSAGE_INTEGRITY_SHA256 if f.integrity_sha256.is_none() => {
                check_len(kind, len, |l| (16..=32).contains(&l) && l % 4 == 0)?;
                f.integrity_sha256 = Some(at);
                f.protected_end = Some(next);
            }
            AttrType::FINGERPRINT => {
                check_len(kind, len, |l| l == 4)?;
                f.fingerprint = Some(at);
            }
            k if f.protected_end.is_none() => {
                if let Some(first) = slot(k).and_then(|i| f.index.get_mut(i)) {
                    if *first == 0 {
                        // A message is at most 20 + 65535 bytes, so an offset fits.
                        *first = u16::try_from(at).unwrap_or(0);
                    }
                }
            }
            _ => {}
        }
        at = next;
    }
    Ok(f)
}

fn check_len(kind: u16, len: u16, ok: impl Fn(u16) -> bool) -> Result<(), ParseError> {
    if ok(len) {
        Ok(())
    } else {
        Err(ParseError::InvalidAttribute { attr: kind })
    }
}

/// Iterator over a message's attributes.
#[derive(Clone, Debug)]
pub struct AttrIter<'a> {
    buf: &'a [u8],
    at: usize,
    protected_end: usize,
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = RawAttribute<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawAttribute<'a>> {
        loop {
            let offset = self.at;
            let (&[t0, t1, l0, l1], rest) = self.buf.get(offset..)?.split_first_chunk::<4>()?;
            let kind = AttrType(u16::from_be_bytes([t0, t1]));
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            let value = rest.get(..len)?;
            self.at = offset + 4 + padded(len);
            let ignored = offset >= self.protected_end
                && !matches!(
                    kind,
                    AttrType::FINGERPRINT | AttrType::MESSAGE_INTEGRITY_SHA256
                );
            if !ignored {
                return Some(RawAttribute {
                    kind,
                    value,
                    offset,
                });
            }
        }
    }
}
