//! The one call contract every protocol machine follows.

use crate::{Instant, Path, Transmit};
use core::fmt;

/// Why a machine did not take a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejected {
    /// Not addressed to this machine (another protocol, another transaction, another 5-tuple):
    /// offer it to the next machine sharing the socket.
    NotForUs,
    /// Addressed to this machine but malformed; dropped, state unchanged.
    Malformed,
    /// Well-formed but failed authentication or integrity; dropped, state unchanged.
    Unauthenticated,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rejected::NotForUs => "datagram not for this machine",
            Rejected::Malformed => "malformed datagram",
            Rejected::Unauthenticated => "datagram failed authentication",
        })
    }
}

impl core::error::Error for Rejected {}

/// The [`SansIo::Data`] of a machine that hands nothing up: it consumes every datagram it
/// accepts. `Option<NoData>` is always `None`.
pub type NoData = core::convert::Infallible;

/// The sans-IO contract: see the [crate documentation](crate) for the whole page.
///
/// Call order: one input — [`handle_datagram`](SansIo::handle_datagram),
/// [`handle_timeout`](SansIo::handle_timeout) or a command of the concrete type — then drain
/// [`poll_transmit`](SansIo::poll_transmit), then drain [`poll_event`](SansIo::poll_event), then
/// read [`poll_timeout`](SansIo::poll_timeout) and call `handle_timeout` when it passes.
/// Skipping a drain may delay output, never corrupt state.
pub trait SansIo {
    /// What the machine reports to its owner (outcomes, state changes, resource requests).
    type Event;

    /// Application data a datagram carries up to the owner: the payload an ICE agent received
    /// on a valid pair, the data a TURN client's peer sent through the relay. It borrows from
    /// the datagram only (never from the machine), so the owner can keep using the machine —
    /// and hand the data to the next machine — while holding it. A machine that transforms
    /// what it receives (decryption) keeps the result in its own bounded buffer and reports it
    /// with an event or a read method. [`NoData`] for a machine that consumes everything it
    /// accepts.
    type Data<'a>;

    /// Feed one datagram received on `path` at `now`.
    ///
    /// `Ok(None)`: the machine took it. `Ok(Some(data))`: it took it and hands `data` up.
    /// `Err(_)`: it did not take it, and its state is unchanged; [`Rejected::NotForUs`] lets
    /// another machine sharing the socket try.
    fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<Self::Data<'a>>, Rejected>;

    /// Let timers fire. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant);

    /// Write the next datagram to send into `out`; its bytes are `out[..len]`, to be sent from
    /// `path.local` to `path.remote`.
    ///
    /// A datagram that does not fit in `out` is dropped (as a link would drop it); pass a
    /// buffer of at least the path MTU.
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit>;

    /// The next event, if any.
    fn poll_event(&mut self) -> Option<Self::Event>;

    /// When [`handle_timeout`](SansIo::handle_timeout) should next be called; `None` when
    /// nothing is scheduled.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Why a [`Carrier`] could not send the owner's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// There is no path to send on yet (no selected ICE pair, no allocation, no handshake).
    NotConnected,
    /// The destination is not allowed (no TURN permission for that peer, unknown stream).
    NotPermitted,
    /// `out` is too small: `needed` bytes are needed. `out` is untouched.
    BufferTooSmall {
        /// Bytes needed for the whole datagram.
        needed: usize,
    },
    /// The data can never fit one datagram of this machine (over its MTU or format limit).
    TooLarge,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NotConnected => f.write_str("not connected"),
            SendError::NotPermitted => f.write_str("destination not permitted"),
            SendError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            SendError::TooLarge => f.write_str("data too large for one datagram"),
        }
    }
}

impl core::error::Error for SendError {}

/// A machine that carries its owner's datagrams: an ICE agent over the selected pair, a TURN
/// client through its relay, DTLS as application data.
///
/// [`send`](Carrier::send) is a command like any other: it takes `now`, writes the wrapped
/// datagram straight into `out` (no copy is queued inside the machine) and says where to send
/// it. Data coming the other way is [`SansIo::Data`].
pub trait Carrier: SansIo {
    /// Where the owner's data goes: `()` when the machine knows (ICE's selected pair), a peer
    /// address for a TURN client.
    type To;

    /// Wrap `data` for the wire into `out`; the datagram is `out[..t.len]` on `t.path`.
    fn send(
        &mut self,
        now: Instant,
        to: Self::To,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError>;
}

/// A machine lent out is driven like the machine: an owner can keep a large machine where it
/// lives (a `static` on a microcontroller) and hand a composite machine a `&mut` to it.
impl<M: SansIo + ?Sized> SansIo for &mut M {
    type Event = M::Event;
    type Data<'a> = M::Data<'a>;

    fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<Self::Data<'a>>, Rejected> {
        (**self).handle_datagram(now, path, data)
    }

    fn handle_timeout(&mut self, now: Instant) {
        (**self).handle_timeout(now)
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        (**self).poll_transmit(now, out)
    }

    fn poll_event(&mut self) -> Option<Self::Event> {
        (**self).poll_event()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (**self).poll_timeout()
    }
}

/// See the [`SansIo`] implementation for `&mut M`.
impl<M: Carrier + ?Sized> Carrier for &mut M {
    type To = M::To;

    fn send(
        &mut self,
        now: Instant,
        to: Self::To,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError> {
        (**self).send(now, to, data, out)
    }
}
