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

/// The sans-IO contract.
///
/// Call order: one `handle_*` call (or a command of the concrete type), then drain
/// [`poll_transmit`](SansIo::poll_transmit), then drain [`poll_event`](SansIo::poll_event),
/// then read [`poll_timeout`](SansIo::poll_timeout) and call
/// [`handle_timeout`](SansIo::handle_timeout) when it passes. Skipping a drain may delay
/// output, never corrupt state.
pub trait SansIo {
    /// What the machine reports to its owner.
    type Event;

    /// Feed one datagram received on `path` at `now`.
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected>;

    /// Let timers fire. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant);

    /// Write the next datagram to send into `out`; its bytes are `out[..len]`.
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
