//! Our outgoing flight: its handshake messages (and ChangeCipherSpec) kept unprotected so they
//! can be retransmitted, and packed into datagrams of at most the path MTU with fragmentation
//! (RFC 6347 §4.2.3, §4.2.4). Each transmission protects the records afresh with new record
//! sequence numbers.

use crate::record::Epochs;
use crate::wire::codec::Writer;
use crate::wire::record::ContentType;
use crate::wire::{EmitError, HandshakeHeader, HandshakeType};

/// Bytes of handshake message bodies one flight holds (a flight with a 1 KB certificate,
/// ServerKeyExchange and the hellos fits).
pub const FLIGHT_LEN: usize = 1536;
/// Entries of one flight (the client's third flight has five: Certificate, ClientKeyExchange,
/// CertificateVerify, ChangeCipherSpec, Finished).
pub const ENTRIES: usize = 6;
/// Smallest handshake fragment worth a record; less room than this ends the datagram.
const MIN_FRAGMENT: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Handshake { msg_type: HandshakeType, seq: u16 },
    ChangeCipherSpec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    kind: Kind,
    epoch: u16,
    start: usize,
    len: usize,
}

/// Our current flight and where its transmission stands.
#[derive(Clone)]
pub struct Flight {
    buf: [u8; FLIGHT_LEN],
    entries: heapless::Vec<Entry, ENTRIES>,
    used: usize,
    /// Next entry and offset to transmit; `None` when the flight is fully sent.
    cursor: Option<(usize, usize)>,
}

impl core::fmt::Debug for Flight {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Flight")
            .field("entries", &self.entries.len())
            .field("used", &self.used)
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl Default for Flight {
    fn default() -> Self {
        Self::new()
    }
}

impl Flight {
    /// An empty flight.
    pub const fn new() -> Self {
        Flight {
            buf: [0; FLIGHT_LEN],
            entries: heapless::Vec::new(),
            used: 0,
            cursor: None,
        }
    }

    /// Start a new flight, forgetting the previous one.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.used = 0;
        self.cursor = None;
    }

    /// Whether the flight holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Append handshake message `seq` of `msg_type`, sent in `epoch`, whose body `body`
    /// writes. Returns the body as written (for the transcript).
    pub fn push(
        &mut self,
        msg_type: HandshakeType,
        seq: u16,
        epoch: u16,
        body: impl FnOnce(&mut Writer<'_>) -> Result<(), EmitError>,
    ) -> Result<&[u8], EmitError> {
        let start = self.used;
        let room = self.buf.get_mut(start..).unwrap_or(&mut []);
        let mut w = Writer::new(room);
        body(&mut w)?;
        let len = w.len();
        self.entries
            .push(Entry {
                kind: Kind::Handshake { msg_type, seq },
                epoch,
                start,
                len,
            })
            .map_err(|_| EmitError::TooLong)?;
        self.used += len;
        Ok(self.buf.get(start..start + len).unwrap_or(&[]))
    }

    /// Append a ChangeCipherSpec (sent in epoch 0).
    pub fn push_change_cipher_spec(&mut self) -> Result<(), EmitError> {
        self.entries
            .push(Entry {
                kind: Kind::ChangeCipherSpec,
                epoch: 0,
                start: self.used,
                len: 1,
            })
            .map_err(|_| EmitError::TooLong)
    }

    /// The body of the first message of type `msg_type`, if the flight holds one.
    pub fn body_of(&self, msg_type: HandshakeType) -> Option<(u16, &[u8])> {
        self.entries.iter().find_map(|e| match e.kind {
            Kind::Handshake { msg_type: t, seq } if t == msg_type => {
                Some((seq, self.buf.get(e.start..e.start + e.len)?))
            }
            _ => None,
        })
    }

    /// (Re)start transmission from the first message.
    pub fn rewind(&mut self) {
        self.cursor = (!self.entries.is_empty()).then_some((0, 0));
    }

    /// Whether part of the flight waits to be sent.
    pub fn pending(&self) -> bool {
        self.cursor.is_some()
    }

    /// Write the next datagram of the flight into `out` (at most `mtu` bytes), protecting each
    /// record with `epochs`. Returns its length, or `None` when the flight is fully sent (or
    /// `out` cannot hold even one fragment).
    pub fn next_datagram<A: crate::crypto::RecordAead>(
        &mut self,
        epochs: &mut Epochs<A>,
        out: &mut [u8],
        mtu: usize,
    ) -> Option<usize> {
        let limit = mtu.min(out.len());
        let mut written = 0;
        while let Some((index, offset)) = self.cursor {
            let entry = *self.entries.get(index)?;
            let dst = out.get_mut(written..limit).unwrap_or(&mut []);
            let Some((n, sent)) = self.write_record(epochs, &entry, offset, dst) else {
                break;
            };
            written += n;
            let next = offset + sent;
            self.cursor = if next < entry.len {
                Some((index, next))
            } else if index + 1 < self.entries.len() {
                Some((index + 1, 0))
            } else {
                None
            };
        }
        (written > 0).then_some(written)
    }

    /// One record with as much of `entry` from `offset` as fits in `dst`: (record length,
    /// body bytes carried).
    fn write_record<A: crate::crypto::RecordAead>(
        &self,
        epochs: &mut Epochs<A>,
        entry: &Entry,
        offset: usize,
        dst: &mut [u8],
    ) -> Option<(usize, usize)> {
        let at = epochs.payload_offset(entry.epoch);
        let overhead = at + epochs.trailer_len(entry.epoch);
        match entry.kind {
            Kind::ChangeCipherSpec => {
                *dst.get_mut(at)? = 1;
                let n = epochs
                    .seal(entry.epoch, ContentType::ChangeCipherSpec, dst, 1)
                    .ok()?;
                Some((n, 1))
            }
            Kind::Handshake { msg_type, seq } => {
                let room = dst
                    .len()
                    .checked_sub(overhead + crate::wire::handshake::HEADER_LEN)?;
                let remaining = entry.len - offset;
                if room < remaining.min(MIN_FRAGMENT) {
                    return None;
                }
                let take = remaining.min(room);
                let header = HandshakeHeader {
                    msg_type,
                    length: entry.len as u32,
                    message_seq: seq,
                    fragment_offset: offset as u32,
                    fragment_length: take as u32,
                };
                let body = self
                    .buf
                    .get(entry.start + offset..entry.start + offset + take)?;
                let payload = dst.get_mut(at..)?;
                payload.get_mut(..12)?.copy_from_slice(&header.to_bytes());
                payload.get_mut(12..12 + take)?.copy_from_slice(body);
                let n = epochs
                    .seal(entry.epoch, ContentType::Handshake, dst, 12 + take)
                    .ok()?;
                Some((n, take))
            }
        }
    }
}
