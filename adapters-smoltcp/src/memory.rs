//! An in-memory network device: frames wait in fixed queues until [`wire`] moves them to the
//! other side. Two [`MemoryNic`]s under two smoltcp `Interface`s make a two-host Ethernet (or
//! IP) segment for host tests and simulators: no root, no TAP, no allocator.

use heapless::Deque;
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// Largest frame: an Ethernet MTU of 1500 plus its 14-byte header.
pub const MAX_FRAME: usize = 1514;

/// One frame.
pub type Frame = heapless::Vec<u8, MAX_FRAME>;

/// A network device whose "wire" is two queues of `Q` frames each.
#[derive(Debug)]
pub struct MemoryNic<const Q: usize> {
    rx: Deque<Frame, Q>,
    tx: Deque<Frame, Q>,
    medium: Medium,
    dropped: u64,
}

impl<const Q: usize> MemoryNic<Q> {
    /// An empty device of `medium` (`Medium::Ethernet` or `Medium::Ip`).
    pub const fn new(medium: Medium) -> Self {
        MemoryNic {
            rx: Deque::new(),
            tx: Deque::new(),
            medium,
            dropped: 0,
        }
    }

    /// Frames lost because a queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Take the oldest frame sent (to bridge this device to something other than a
    /// [`MemoryNic`]).
    pub fn take_sent(&mut self) -> Option<Frame> {
        self.tx.pop_front()
    }

    /// Deliver `frame` as received; `false` (and counted as dropped) when the queue is full
    /// or the frame is larger than [`MAX_FRAME`].
    pub fn deliver(&mut self, frame: &[u8]) -> bool {
        let ok = Frame::from_slice(frame)
            .ok()
            .is_some_and(|f| self.rx.push_back(f).is_ok());
        if !ok {
            self.dropped += 1;
        }
        ok
    }

    /// Frames sent and not yet carried by [`wire`].
    pub fn pending(&self) -> usize {
        self.tx.len()
    }
}

/// Carry every frame sent by `a` to `b` and back, in order; frames that find the other
/// side's queue full are dropped (and counted there). Returns the frames carried.
pub fn wire<const Q: usize>(a: &mut MemoryNic<Q>, b: &mut MemoryNic<Q>) -> usize {
    carry(a, b) + carry(b, a)
}

fn carry<const Q: usize>(from: &mut MemoryNic<Q>, to: &mut MemoryNic<Q>) -> usize {
    let mut moved = 0;
    while let Some(f) = from.tx.pop_front() {
        moved += 1;
        if to.rx.push_back(f).is_err() {
            to.dropped += 1;
        }
    }
    moved
}

/// Received frame.
#[derive(Debug)]
pub struct RxToken(Frame);

/// Where a sent frame goes.
#[derive(Debug)]
pub struct TxToken<'a, const Q: usize> {
    queue: &'a mut Deque<Frame, Q>,
    dropped: &'a mut u64,
}

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl<const Q: usize> phy::TxToken for TxToken<'_, Q> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = Frame::new();
        // smoltcp never asks for more than the MTU advertised below.
        let _ = frame.resize_default(len.min(MAX_FRAME));
        let r = f(&mut frame);
        if self.queue.push_back(frame).is_err() {
            *self.dropped += 1;
        }
        r
    }
}

impl<const Q: usize> phy::Device for MemoryNic<Q> {
    type RxToken<'a>
        = RxToken
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a, Q>
    where
        Self: 'a;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_, Q>)> {
        let frame = self.rx.pop_front()?;
        Some((
            RxToken(frame),
            TxToken {
                queue: &mut self.tx,
                dropped: &mut self.dropped,
            },
        ))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_, Q>> {
        if self.tx.is_full() {
            return None;
        }
        Some(TxToken {
            queue: &mut self.tx,
            dropped: &mut self.dropped,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = self.medium;
        caps.max_transmission_unit = match self.medium {
            Medium::Ethernet => MAX_FRAME,
            #[allow(unreachable_patterns)] // without `medium-ip`, Ethernet is the only medium
            _ => MAX_FRAME - 14,
        };
        caps
    }
}
