//! The stream table: one slot per data channel (or stream seen in use), with its ordering
//! counters, buffered amount and reset state.

use super::config::{ChannelConfig, DtlsRole, Reliability, MAX_LABEL, MAX_PROTOCOL};
use super::tx::TxHooks;

/// Where a channel is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChanState {
    /// Data arrived on the stream but no channel was opened on it.
    Bare,
    /// We sent DATA_CHANNEL_OPEN and wait for the ACK.
    Opening,
    /// Open.
    Open,
    /// Being closed by stream reset.
    Closing,
}

/// Our outgoing stream reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResetOut {
    None,
    /// To be requested once the stream's queued data is sent.
    Wanted,
    /// In an outstanding RE-CONFIG request.
    Sent,
    /// Performed.
    Done,
}

#[derive(Clone, Debug)]
pub(crate) struct Stream {
    pub(crate) id: u16,
    pub(crate) state: ChanState,
    pub(crate) label: heapless::String<MAX_LABEL>,
    pub(crate) protocol: heapless::String<MAX_PROTOCOL>,
    pub(crate) ordered: bool,
    pub(crate) reliability: Reliability,
    pub(crate) priority: u16,
    pub(crate) negotiated: bool,
    pub(crate) out_mid: u32,
    pub(crate) out_umid: u32,
    pub(crate) in_mid: u32,
    pub(crate) buffered: u32,
    pub(crate) low_threshold: u32,
    pub(crate) low_pending: bool,
    pub(crate) reset_out: ResetOut,
    pub(crate) reset_in: bool,
}

impl Stream {
    fn new(id: u16, state: ChanState) -> Self {
        Stream {
            id,
            state,
            label: heapless::String::new(),
            protocol: heapless::String::new(),
            ordered: true,
            reliability: Reliability::Reliable,
            priority: 256,
            negotiated: false,
            out_mid: 0,
            out_umid: 0,
            in_mid: 0,
            buffered: 0,
            low_threshold: 0,
            low_pending: false,
            reset_out: ResetOut::None,
            reset_in: false,
        }
    }

    /// Set label, protocol and policy from a configuration; `false` if a string is too long.
    pub(crate) fn configure(&mut self, c: &ChannelConfig<'_>) -> bool {
        self.label.clear();
        self.protocol.clear();
        let ok = self.label.push_str(c.label).is_ok() && self.protocol.push_str(c.protocol).is_ok();
        self.ordered = c.ordered;
        self.reliability = c.reliability;
        self.priority = c.priority;
        self.negotiated = c.negotiated_id.is_some();
        ok
    }

    /// A channel the owner can use.
    pub(crate) fn is_channel(&self) -> bool {
        matches!(self.state, ChanState::Opening | ChanState::Open)
    }
}

#[derive(Debug)]
pub(crate) struct Streams<const N: usize> {
    slots: [Option<Stream>; N],
    /// DATA (16-bit SSN) rather than I-DATA (32-bit MID).
    pub(crate) ssn16: bool,
}

impl<const N: usize> Streams<N> {
    pub(crate) fn new() -> Self {
        Streams {
            slots: core::array::from_fn(|_| None),
            ssn16: true,
        }
    }

    pub(crate) fn get(&self, id: u16) -> Option<&Stream> {
        self.slots.iter().flatten().find(|s| s.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: u16) -> Option<&mut Stream> {
        self.slots.iter_mut().flatten().find(|s| s.id == id)
    }

    /// The stream, created bare if absent; `None` when the table is full.
    pub(crate) fn get_or_create(&mut self, id: u16) -> Option<&mut Stream> {
        if self.get(id).is_none() {
            let free = self.slots.iter_mut().find(|s| s.is_none())?;
            *free = Some(Stream::new(id, ChanState::Bare));
        }
        self.get_mut(id)
    }

    /// A fresh stream in `state`; `None` when the id is taken or the table is full.
    pub(crate) fn create(&mut self, id: u16, state: ChanState) -> Option<&mut Stream> {
        if let Some(s) = self.get_mut(id) {
            if s.state != ChanState::Bare {
                return None;
            }
            s.state = state;
            return self.get_mut(id);
        }
        let free = self.slots.iter_mut().find(|s| s.is_none())?;
        *free = Some(Stream::new(id, state));
        free.as_mut()
    }

    pub(crate) fn remove(&mut self, id: u16) {
        for s in self.slots.iter_mut() {
            if s.as_ref().is_some_and(|x| x.id == id) {
                *s = None;
            }
        }
    }

    /// The lowest free stream id of our parity.
    pub(crate) fn free_id(&self, role: DtlsRole) -> Option<u16> {
        let start = match role {
            DtlsRole::Client => 0u16,
            DtlsRole::Server => 1,
        };
        (start..=65534)
            .step_by(2)
            .find(|id| self.get(*id).is_none())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Stream> + '_ {
        self.slots.iter().flatten()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Stream> + '_ {
        self.slots.iter_mut().flatten()
    }

    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = None);
    }
}

impl<const N: usize> TxHooks for Streams<N> {
    fn next_mid(&mut self, stream: u16, unordered: bool) -> u32 {
        let wrap16 = self.ssn16;
        let Some(s) = self.get_mut(stream) else {
            return 0;
        };
        let c = if unordered && !wrap16 {
            &mut s.out_umid
        } else if unordered {
            // Unordered DATA carries no meaningful SSN.
            return 0;
        } else {
            &mut s.out_mid
        };
        let v = *c;
        *c = if wrap16 {
            (v + 1) & 0xFFFF
        } else {
            v.wrapping_add(1)
        };
        v
    }

    fn sent(&mut self, stream: u16, bytes: u32) {
        let Some(s) = self.get_mut(stream) else {
            return;
        };
        let before = s.buffered;
        s.buffered = s.buffered.saturating_sub(bytes);
        if before > s.low_threshold && s.buffered <= s.low_threshold {
            s.low_pending = true;
        }
    }
}
