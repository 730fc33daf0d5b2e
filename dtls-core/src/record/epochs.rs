//! Both epochs of one connection: write sequence numbers, the epoch-1 keys and the replay
//! windows.

use super::{seal_plaintext, Protection, ReplayWindow};
use crate::crypto::{CryptoError, RecordAead, TAG_LEN};
use crate::wire::record::{ContentType, RecordHeader, HEADER_LEN, MAX_SEQUENCE};
use crate::wire::{EmitError, DTLS_1_2};
use core::fmt;

/// Why a record could not be protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealError {
    /// `out` is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// No keys for that epoch yet.
    NoKeys,
    /// The 48-bit sequence numbers of the epoch are used up (the connection must end).
    SequenceExhausted,
}

impl From<EmitError> for SealError {
    fn from(e: EmitError) -> Self {
        match e {
            EmitError::BufferTooSmall { needed } => SealError::BufferTooSmall { needed },
            EmitError::TooLong => SealError::BufferTooSmall { needed: usize::MAX },
        }
    }
}

/// Epoch 0 (plaintext) and epoch 1 (the negotiated keys).
pub struct Epochs<A> {
    write_epoch: u16,
    next_seq: [u64; 2],
    write: Option<Protection<A>>,
    read: Option<Protection<A>>,
    replay: [ReplayWindow; 2],
}

impl<A> fmt::Debug for Epochs<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Epochs")
            .field("write_epoch", &self.write_epoch)
            .field("next_seq", &self.next_seq)
            .field("keys", &self.write.is_some())
            .finish()
    }
}

impl<A> Default for Epochs<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A> Epochs<A> {
    /// Epoch 0 only.
    pub const fn new() -> Self {
        Epochs {
            write_epoch: 0,
            next_seq: [0, 0],
            write: None,
            read: None,
            replay: [ReplayWindow::new(), ReplayWindow::new()],
        }
    }
}

impl<A: RecordAead> Epochs<A> {
    /// Install the epoch-1 keys (after the key exchange).
    pub fn install(&mut self, write: Protection<A>, read: Protection<A>) {
        self.write = Some(write);
        self.read = Some(read);
    }

    /// Drop the epoch-1 keys (their schedules are zeroized): the connection ended.
    pub fn forget_keys(&mut self) {
        self.write = None;
        self.read = None;
    }

    /// Whether epoch-1 keys are installed.
    pub fn has_keys(&self) -> bool {
        self.read.is_some()
    }

    /// Send alerts and application data in epoch 1 from now on (after our ChangeCipherSpec).
    pub fn switch_write_epoch(&mut self) {
        if self.write.is_some() {
            self.write_epoch = 1;
        }
    }

    /// The epoch new non-handshake records go out in.
    pub fn write_epoch(&self) -> u16 {
        self.write_epoch
    }

    /// Set the next epoch-0 sequence number (a stateless server continues from the
    /// ClientHello's, RFC 6347 §4.2.1).
    pub fn set_epoch0_sequence(&mut self, seq: u64) {
        self.next_seq[0] = seq.max(self.next_seq[0]);
    }

    /// Where a record's plaintext starts in `epoch`.
    pub fn payload_offset(&self, epoch: u16) -> usize {
        match (&self.write, epoch) {
            (Some(p), 1) => HEADER_LEN + p.suite().explicit_nonce_len(),
            _ => HEADER_LEN,
        }
    }

    /// Bytes after a record's plaintext in `epoch` (the tag).
    pub fn trailer_len(&self, epoch: u16) -> usize {
        if epoch == 0 {
            0
        } else {
            TAG_LEN
        }
    }

    /// Protect the record whose plaintext is at `out[payload_offset(epoch)..][..len]`, with the
    /// epoch's next sequence number. Returns the record length.
    pub fn seal(
        &mut self,
        epoch: u16,
        content_type: ContentType,
        out: &mut [u8],
        len: usize,
    ) -> Result<usize, SealError> {
        let index = usize::from(epoch.min(1));
        let seq = *self.next_seq.get(index).ok_or(SealError::NoKeys)?;
        if seq > MAX_SEQUENCE {
            return Err(SealError::SequenceExhausted);
        }
        let n = match epoch {
            0 => seal_plaintext(content_type, DTLS_1_2, seq, out, len)?,
            _ => {
                let p = self.write.as_ref().ok_or(SealError::NoKeys)?;
                p.seal(content_type, 1, seq, out, len)?
            }
        };
        if let Some(s) = self.next_seq.get_mut(index) {
            *s = seq + 1;
        }
        Ok(n)
    }

    /// Whether an epoch-`epoch` record with `seq` may be new (before decrypting).
    pub fn fresh(&self, epoch: u16, seq: u64) -> bool {
        self.replay
            .get(usize::from(epoch))
            .is_some_and(|w| w.check(seq))
    }

    /// Mark a record as received (after it authenticated).
    pub fn accept(&mut self, epoch: u16, seq: u64) {
        if let Some(w) = self.replay.get_mut(usize::from(epoch)) {
            w.accept(seq);
        }
    }

    /// Decrypt an epoch-1 record's payload in place; the plaintext's range in `payload`.
    pub fn open(
        &self,
        header: &RecordHeader,
        payload: &mut [u8],
    ) -> Result<core::ops::Range<usize>, CryptoError> {
        let read = self.read.as_ref().ok_or(CryptoError::BadLength)?;
        read.open(header, payload)
    }

    /// Bytes an epoch-1 record adds to its plaintext (0 before keys).
    pub fn overhead(&self) -> usize {
        self.write
            .as_ref()
            .map_or(0, |p| HEADER_LEN + p.suite().overhead())
    }
}
