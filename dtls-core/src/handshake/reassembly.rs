//! Handshake message reassembly with fixed memory (RFC 6347 §4.2.3).
//!
//! Fragments of the next few messages are copied into one arena at the message's offset and
//! tracked byte by byte in a bitmap, so overlapping, duplicated, reordered and arbitrarily
//! split fragments all work. Memory never grows: a message longer than the arena, a message
//! too far ahead, or a fragment that contradicts an earlier one (other type or length) is
//! dropped. The arena empties when every message in it has been taken.

use crate::wire::{Fragment, HandshakeType};

/// Bytes of handshake message bodies buffered at once (a browser's ClientHello with
/// post-quantum key shares is about 1.8 KB; a peer's flight with a self-signed certificate
/// about 1 KB).
pub const ARENA_LEN: usize = 4096;
/// Messages buffered at once (a server's second flight has five).
pub const SLOTS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    seq: u16,
    msg_type: HandshakeType,
    epoch: u16,
    len: usize,
    start: usize,
}

/// What [`Reassembler::insert`] did with a fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// Stored (or a duplicate of bytes already held).
    Stored,
    /// Belongs to a message already taken: the peer is retransmitting.
    Old,
    /// Dropped: too far ahead, too long for the arena, or inconsistent with earlier fragments.
    Dropped,
}

/// A complete message ready to be processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// Its type.
    pub msg_type: HandshakeType,
    /// Its `message_seq`.
    pub seq: u16,
    /// The epoch its (first) fragment arrived in.
    pub epoch: u16,
    /// Its body.
    pub body: &'a [u8],
}

/// Fixed-memory reassembly of the next handshake messages: its arena and its
/// [`Reassembly`] bookkeeping together.
#[derive(Clone)]
pub struct Reassembler {
    arena: [u8; ARENA_LEN],
    state: Reassembly,
}

impl core::fmt::Debug for Reassembler {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.state.fmt(f)
    }
}

impl Reassembler {
    /// Empty, expecting `message_seq` `next_seq` first.
    pub const fn new(next_seq: u16) -> Self {
        Reassembler {
            arena: [0; ARENA_LEN],
            state: Reassembly::new(next_seq),
        }
    }

    /// The `message_seq` expected next.
    pub fn next_seq(&self) -> u16 {
        self.state.next_seq()
    }

    /// Forget everything and expect `next_seq` next.
    pub fn reset(&mut self, next_seq: u16) {
        self.state.reset(next_seq);
    }

    /// Take a fragment received in `epoch`.
    pub fn insert(&mut self, frag: &Fragment<'_>, epoch: u16) -> Inserted {
        self.state.insert(&mut self.arena, frag, epoch)
    }

    /// The next message if all of it has arrived. Call [`advance`](Reassembler::advance) once
    /// it has been processed.
    pub fn peek(&self) -> Option<Message<'_>> {
        self.state.peek(&self.arena)
    }

    /// Done with the message [`peek`](Reassembler::peek) returned: expect the one after it.
    pub fn advance(&mut self) {
        self.state.advance();
    }
}

/// The bookkeeping of a reassembly without its arena: which bytes arrived, where each
/// message is. Its owner keeps the arena (at most [`ARENA_LEN`] bytes: a smaller one holds
/// smaller messages) and passes it in, so that the arena can be memory it also uses
/// otherwise (a DTLS endpoint's receive buffer once the handshake is over) and starting a
/// handshake again builds only this small part.
#[derive(Clone)]
pub struct Reassembly {
    received: [u64; ARENA_LEN / 64],
    slots: [Option<Slot>; SLOTS],
    used: usize,
    /// The next `message_seq` to hand out.
    next_seq: u16,
}

impl core::fmt::Debug for Reassembly {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reassembler")
            .field("next_seq", &self.next_seq)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

impl Reassembly {
    /// Empty, expecting `message_seq` `next_seq` first.
    pub const fn new(next_seq: u16) -> Self {
        Reassembly {
            received: [0; ARENA_LEN / 64],
            slots: [None; SLOTS],
            used: 0,
            next_seq,
        }
    }

    /// The `message_seq` expected next.
    pub fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// Forget everything and expect `next_seq` next.
    pub fn reset(&mut self, next_seq: u16) {
        self.slots = [None; SLOTS];
        self.used = 0;
        self.received = [0; ARENA_LEN / 64];
        self.next_seq = next_seq;
    }

    /// Take a fragment received in `epoch`, its bytes into `arena`.
    pub fn insert(&mut self, arena: &mut [u8], frag: &Fragment<'_>, epoch: u16) -> Inserted {
        let h = &frag.header;
        if h.message_seq < self.next_seq {
            return Inserted::Old;
        }
        if usize::from(h.message_seq - self.next_seq) >= SLOTS {
            return Inserted::Dropped;
        }
        let room = arena.len().min(ARENA_LEN);
        let Some(slot) = self.slot_for(h.message_seq, h.msg_type, h.length as usize, epoch, room)
        else {
            return Inserted::Dropped;
        };
        let from = slot.start + h.fragment_offset as usize;
        let to = from + frag.body.len();
        // The header parse checked offset + length <= message length.
        match arena.get_mut(from..to) {
            Some(dst) => dst.copy_from_slice(frag.body),
            None => return Inserted::Dropped,
        }
        self.mark(from, to);
        Inserted::Stored
    }

    /// The slot of message `seq`, allocated on its first fragment; `None` if it contradicts
    /// what earlier fragments said or does not fit.
    fn slot_for(
        &mut self,
        seq: u16,
        msg_type: HandshakeType,
        len: usize,
        epoch: u16,
        room: usize,
    ) -> Option<Slot> {
        if let Some(s) = self.slots.iter().flatten().find(|s| s.seq == seq) {
            let same = s.msg_type == msg_type && s.len == len && s.epoch == epoch;
            return same.then_some(*s);
        }
        if len > room.saturating_sub(self.used) {
            return None;
        }
        let free = self.slots.iter_mut().find(|s| s.is_none())?;
        let slot = Slot {
            seq,
            msg_type,
            epoch,
            len,
            start: self.used,
        };
        *free = Some(slot);
        self.used += len;
        Some(slot)
    }

    fn mark(&mut self, from: usize, to: usize) {
        for i in from..to {
            if let Some(w) = self.received.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        }
    }

    fn complete(&self, from: usize, to: usize) -> bool {
        (from..to).all(|i| {
            self.received
                .get(i / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
        })
    }

    /// The next message if all of it has arrived. Call [`advance`](Reassembly::advance) once
    /// it has been processed.
    pub fn peek<'a>(&self, arena: &'a [u8]) -> Option<Message<'a>> {
        let slot = self
            .slots
            .iter()
            .flatten()
            .find(|s| s.seq == self.next_seq)?;
        let (from, to) = (slot.start, slot.start + slot.len);
        if !self.complete(from, to) {
            return None;
        }
        Some(Message {
            msg_type: slot.msg_type,
            seq: slot.seq,
            epoch: slot.epoch,
            body: arena.get(from..to)?,
        })
    }

    /// Done with the message [`peek`](Reassembly::peek) returned: expect the one after it.
    pub fn advance(&mut self) {
        let seq = self.next_seq;
        for s in self.slots.iter_mut() {
            if s.is_some_and(|s| s.seq == seq) {
                *s = None;
            }
        }
        self.next_seq = seq.wrapping_add(1);
        if self.slots.iter().all(Option::is_none) {
            self.used = 0;
            self.received = [0; ARENA_LEN / 64];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::HandshakeHeader;

    fn frag(seq: u16, len: u32, off: u32, body: &[u8]) -> Fragment<'_> {
        Fragment {
            header: HandshakeHeader {
                msg_type: HandshakeType::Certificate,
                length: len,
                message_seq: seq,
                fragment_offset: off,
                fragment_length: body.len() as u32,
            },
            body,
        }
    }

    #[test]
    fn out_of_order_overlapping_fragments_reassemble() {
        let msg: std::vec::Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut r = Reassembler::new(1);
        assert_eq!(
            r.insert(&frag(1, 1000, 600, &msg[600..]), 0),
            Inserted::Stored
        );
        assert!(r.peek().is_none());
        assert_eq!(
            r.insert(&frag(1, 1000, 0, &msg[..300]), 0),
            Inserted::Stored
        );
        assert!(r.peek().is_none());
        assert_eq!(
            r.insert(&frag(1, 1000, 250, &msg[250..650]), 0),
            Inserted::Stored
        );
        let m = r.peek().unwrap();
        assert_eq!((m.seq, m.body), (1, &msg[..]));
        r.advance();
        assert_eq!(r.next_seq(), 2);
        assert_eq!(r.insert(&frag(1, 1000, 0, &msg[..10]), 0), Inserted::Old);
    }

    #[test]
    fn later_messages_wait_and_the_arena_empties() {
        let mut r = Reassembler::new(0);
        assert_eq!(r.insert(&frag(1, 2, 0, &[1, 2]), 0), Inserted::Stored);
        assert!(r.peek().is_none(), "message 0 comes first");
        assert_eq!(r.insert(&frag(0, 0, 0, &[]), 0), Inserted::Stored);
        assert_eq!(r.peek().unwrap().body, &[] as &[u8]);
        r.advance();
        assert_eq!(r.peek().unwrap().body, &[1, 2]);
        r.advance();
        assert_eq!(r.state.used, 0);
        assert_eq!(r.state.received, [0; ARENA_LEN / 64]);
    }

    /// A smaller arena (an endpoint's `MEM`) holds smaller messages: what does not fit in
    /// what is left of it is dropped.
    #[test]
    fn a_smaller_arena_bounds_the_messages() {
        let mut arena = [0u8; 2048];
        let mut r = Reassembly::new(0);
        assert_eq!(
            r.insert(&mut arena, &frag(0, 2049, 0, &[1]), 0),
            Inserted::Dropped
        );
        assert_eq!(
            r.insert(&mut arena, &frag(0, 1500, 0, &[1]), 0),
            Inserted::Stored
        );
        assert_eq!(
            r.insert(&mut arena, &frag(1, 549, 0, &[2]), 0),
            Inserted::Dropped,
            "1500 + 549 > 2048"
        );
        assert_eq!(
            r.insert(&mut arena, &frag(1, 548, 0, &[2]), 0),
            Inserted::Stored
        );
    }

    #[test]
    fn bounds_hold_against_hostile_fragments() {
        let mut r = Reassembler::new(0);
        // Too long for the arena.
        assert_eq!(
            r.insert(&frag(0, ARENA_LEN as u32 + 1, 0, &[0]), 0),
            Inserted::Dropped
        );
        // Too far ahead.
        assert_eq!(
            r.insert(&frag(SLOTS as u16, 1, 0, &[0]), 0),
            Inserted::Dropped
        );
        // A fragment contradicting the first one's length, type or epoch.
        assert_eq!(r.insert(&frag(0, 10, 0, &[0]), 0), Inserted::Stored);
        assert_eq!(r.insert(&frag(0, 11, 0, &[0]), 0), Inserted::Dropped);
        assert_eq!(r.insert(&frag(0, 10, 1, &[0]), 1), Inserted::Dropped);
        let mut other = frag(0, 10, 1, &[0]);
        other.header.msg_type = HandshakeType::Finished;
        assert_eq!(r.insert(&other, 0), Inserted::Dropped);
        // The arena fills up; further messages are dropped, nothing grows.
        assert_eq!(
            r.insert(&frag(1, (ARENA_LEN - 10) as u32, 0, &[0]), 0),
            Inserted::Stored
        );
        assert_eq!(r.insert(&frag(2, 1, 0, &[0]), 0), Inserted::Dropped);
        // An endless stream of one-byte fragments of the same message stays bounded.
        for i in 0..100_000u32 {
            r.insert(
                &frag(
                    1,
                    (ARENA_LEN - 10) as u32,
                    i % (ARENA_LEN as u32 - 10),
                    &[1],
                ),
                0,
            );
        }
        assert!(r.peek().is_none());
    }
}
