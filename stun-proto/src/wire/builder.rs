//! Writing a message into a caller's buffer.

use super::attr::{AttrType, Attribute};
use super::message::fingerprint;
use super::{be16, MAX_MESSAGE_LEN};
use super::{padded, EmitError, MessageType, TransactionId, HEADER_LEN, MAGIC_COOKIE};
use crate::auth::IntegrityKey;

/// Builds one message in place in a caller-provided buffer.
///
/// Attributes are appended in order; [`add_message_integrity`](Self::add_message_integrity),
/// [`add_message_integrity_sha256`](Self::add_message_integrity_sha256) and
/// [`add_fingerprint`](Self::add_fingerprint) compute their values over what was written
/// before them. A call that fails leaves the message as it was (`BufferTooSmall { needed }`
/// reports the total size the message would have needed).
///
/// ```
/// use stun_proto::wire::{Message, MessageBuilder, MessageType, TransactionId};
/// use stun_proto::wire::attr::Attribute;
/// let mut buf = [0u8; 128];
/// let tid = TransactionId([1; 12]);
/// let mut b = MessageBuilder::new(&mut buf, MessageType::BINDING_REQUEST, tid).unwrap();
/// b.add(&Attribute::Software("example")).unwrap();
/// b.add_fingerprint().unwrap();
/// let len = b.finish();
/// let msg = Message::new_checked(&buf[..len]).unwrap();
/// assert!(msg.fingerprint_ok());
/// ```
#[derive(Debug)]
pub struct MessageBuilder<'b> {
    buf: &'b mut [u8],
    len: usize,
    tid: TransactionId,
    sealed: Sealed,
    pad: u8,
}

/// What integrity attributes are in already (they restrict what may follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sealed {
    Open,
    Integrity,
    IntegritySha256,
    Fingerprint,
}

impl<'b> MessageBuilder<'b> {
    /// Start a message of type `kind` with transaction ID `tid`: writes the header.
    pub fn new(
        buf: &'b mut [u8],
        kind: MessageType,
        tid: TransactionId,
    ) -> Result<Self, EmitError> {
        let header = buf
            .get_mut(..HEADER_LEN)
            .ok_or(EmitError::BufferTooSmall { needed: HEADER_LEN })?;
        let (t, rest) = header.split_at_mut(2);
        t.copy_from_slice(&kind.to_u16().to_be_bytes());
        let (l, rest) = rest.split_at_mut(2);
        l.copy_from_slice(&[0, 0]);
        let (c, id) = rest.split_at_mut(4);
        c.copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        id.copy_from_slice(&tid.0);
        Ok(MessageBuilder {
            buf,
            len: HEADER_LEN,
            tid,
            sealed: Sealed::Open,
            pad: 0,
        })
    }

    /// Fill attribute padding with `byte` instead of zero from now on. Receivers must ignore
    /// padding (RFC 8489 §14); RFC 5769's vectors pad with spaces to check that they do.
    pub fn set_padding_byte(&mut self, byte: u8) {
        self.pad = byte;
    }

    /// The transaction ID being written.
    pub fn transaction_id(&self) -> TransactionId {
        self.tid
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether only the header is written.
    pub fn is_empty(&self) -> bool {
        self.len == HEADER_LEN
    }

    /// Append a typed attribute.
    pub fn add(&mut self, attr: &Attribute<'_>) -> Result<(), EmitError> {
        if !attr.value_fits() {
            return Err(EmitError::ValueTooLong {
                attr: attr.kind().0,
            });
        }
        let tid = self.tid;
        self.add_with(attr.kind(), attr.value_len(), |out| {
            attr.write_value(out, &tid)
        })
    }

    /// Append an attribute with raw value bytes.
    pub fn add_raw(&mut self, kind: AttrType, value: &[u8]) -> Result<(), EmitError> {
        self.add_with(kind, value.len(), |out| out.copy_from_slice(value))
    }

    /// Append an attribute whose `len`-byte value `write` fills in place (the builder writes
    /// the padding).
    pub fn add_with(
        &mut self,
        kind: AttrType,
        len: usize,
        write: impl FnOnce(&mut [u8]),
    ) -> Result<(), EmitError> {
        if self.sealed != Sealed::Open {
            return Err(EmitError::AfterIntegrity);
        }
        self.append(kind, len, write)
    }

    fn append(
        &mut self,
        kind: AttrType,
        len: usize,
        write: impl FnOnce(&mut [u8]),
    ) -> Result<(), EmitError> {
        let value_len = u16::try_from(len).map_err(|_| EmitError::ValueTooLong { attr: kind.0 })?;
        let end = self.len + 4 + padded(len);
        if end > MAX_MESSAGE_LEN {
            return Err(EmitError::ValueTooLong { attr: kind.0 });
        }
        let slot = self
            .buf
            .get_mut(self.len..end)
            .ok_or(EmitError::BufferTooSmall { needed: end })?;
        let (head, body) = slot.split_at_mut(4);
        let [t0, t1] = kind.0.to_be_bytes();
        let [l0, l1] = value_len.to_be_bytes();
        head.copy_from_slice(&[t0, t1, l0, l1]);
        let (value, pad) = body.split_at_mut(len);
        write(value);
        pad.fill(self.pad);
        self.len = end;
        self.set_length(end);
        Ok(())
    }

    fn set_length(&mut self, end: usize) {
        let [a, b] = ((end - HEADER_LEN) as u16).to_be_bytes();
        if let Some(l) = self.buf.get_mut(2..4) {
            l.copy_from_slice(&[a, b]);
        }
    }

    /// Append MESSAGE-INTEGRITY (HMAC-SHA1 over everything so far, RFC 8489 §14.5).
    pub fn add_message_integrity(&mut self, key: &IntegrityKey) -> Result<(), EmitError> {
        if self.sealed >= Sealed::Integrity {
            return Err(EmitError::AfterIntegrity);
        }
        let start = self.len;
        self.append(AttrType::MESSAGE_INTEGRITY, 20, |_| {})?;
        let mac = key.sha1_parts(&[self.buf.get(..start).unwrap_or(&[])]);
        self.value_mut(start, 20).copy_from_slice(&mac);
        self.sealed = Sealed::Integrity;
        Ok(())
    }

    /// Append MESSAGE-INTEGRITY-SHA256 with the full 32-byte HMAC-SHA256 (RFC 8489 §14.6).
    pub fn add_message_integrity_sha256(&mut self, key: &IntegrityKey) -> Result<(), EmitError> {
        if self.sealed >= Sealed::IntegritySha256 {
            return Err(EmitError::AfterIntegrity);
        }
        let start = self.len;
        self.append(AttrType::MESSAGE_INTEGRITY_SHA256, 32, |_| {})?;
        let mac = key.sha256_parts(&[self.buf.get(..start).unwrap_or(&[])]);
        self.value_mut(start, 32).copy_from_slice(&mac);
        self.sealed = Sealed::IntegritySha256;
        Ok(())
    }

    /// Append FINGERPRINT (CRC-32 over everything so far, RFC 8489 §14.7). Must be last.
    pub fn add_fingerprint(&mut self) -> Result<(), EmitError> {
        if self.sealed >= Sealed::Fingerprint {
            return Err(EmitError::AfterIntegrity);
        }
        let start = self.len;
        self.append(AttrType::FINGERPRINT, 4, |_| {})?;
        let crc = fingerprint(self.buf.get(..start).unwrap_or(&[]));
        self.value_mut(start, 4).copy_from_slice(&crc.to_be_bytes());
        self.sealed = Sealed::Fingerprint;
        Ok(())
    }

    fn value_mut(&mut self, attr_at: usize, len: usize) -> &mut [u8] {
        self.buf
            .get_mut(attr_at + 4..attr_at + 4 + len)
            .unwrap_or(&mut [])
    }

    /// Finish: the message is `buf[..n]` for the returned `n`.
    pub fn finish(self) -> usize {
        debug_assert_eq!(
            be16(self.buf, 2).map(usize::from),
            Some(self.len - HEADER_LEN)
        );
        self.len
    }
}
