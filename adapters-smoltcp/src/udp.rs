//! One machine over one smoltcp UDP socket.

use crate::time::from_smoltcp;
use core::net::SocketAddr;
use sansio::{Path, SansIo, Transport};
use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::udp;
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::IpEndpoint;

/// Datagrams received from the socket per [`UdpDriver::poll`] at most (the socket's own
/// buffer bounds them anyway; this bounds the work of one call).
const MAX_RX_PER_POLL: usize = 64;

/// What a [`UdpDriver`] did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Datagrams handed to the machine.
    pub received: u64,
    /// Datagrams the machine took as its own (`Ok`).
    pub accepted: u64,
    /// Datagrams the machine refused (malformed, unauthenticated, not for it).
    pub rejected: u64,
    /// Datagrams queued on the socket.
    pub sent: u64,
    /// Datagrams dropped because the socket's send buffer was full or the destination was
    /// unaddressable (UDP is lossy; the machines retransmit).
    pub send_dropped: u64,
    /// Datagrams the machine wanted sent from another address or over another transport
    /// than this socket's (dropped).
    pub misrouted: u64,
    /// Times the driver left the machine's output where it was because the socket's send
    /// buffer might not take another datagram (the next turn, after `Interface::poll` has
    /// sent what is queued, takes it).
    pub deferred: u64,
    /// The most bytes seen waiting in the socket's receive buffer (at the start of a turn):
    /// how much of it a deployment uses.
    pub rx_peak: usize,
    /// The most bytes seen queued in the socket's send buffer (after a turn).
    pub tx_peak: usize,
}

/// Drives one [`SansIo`] machine over one smoltcp UDP socket bound to `local`.
///
/// The machine's output is taken only while the socket's send buffer can surely hold one
/// more datagram of the largest size (the scratch buffer's length): a burst larger than the
/// buffer waits in the machine, not dropped, and goes out over the next turns. So the send
/// buffer need only hold one turn's steady output, not its largest burst.
#[derive(Debug)]
pub struct UdpDriver {
    handle: SocketHandle,
    local: SocketAddr,
    stats: DriverStats,
    /// The last flush stopped before the machine ran out of output.
    backlog: bool,
}

impl UdpDriver {
    /// A driver for the (already bound) UDP socket `handle`, whose address the machine knows
    /// as `local` (its host candidate).
    pub fn new(handle: SocketHandle, local: SocketAddr) -> Self {
        UdpDriver {
            handle,
            local,
            stats: DriverStats::default(),
            backlog: false,
        }
    }

    /// The socket's address as the machine sees it.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The socket.
    pub fn handle(&self) -> SocketHandle {
        self.handle
    }

    /// Counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// Whether the machine still has output the socket had no room for: the owner should
    /// poll the interface (which sends what is queued) and turn again without waiting.
    pub fn backlogged(&self) -> bool {
        self.backlog
    }

    /// One turn of the loop at `now`, after `Interface::poll`: fire the machine's timer if it
    /// is due, hand it every datagram the socket holds (its data to `on_data`), queue what
    /// it wants sent (formatted in `scratch`, which bounds the largest datagram), hand its
    /// events to `on_event`. Returns when the machine next needs a turn without input.
    pub fn poll<M: SansIo + ?Sized>(
        &mut self,
        now: SmolInstant,
        sockets: &mut SocketSet<'_>,
        machine: &mut M,
        scratch: &mut [u8],
        on_data: impl FnMut(M::Data<'_>),
        mut on_event: impl FnMut(M::Event),
    ) -> Option<sansio::Instant> {
        self.poll_io(now, sockets, machine, scratch, on_data);
        while let Some(ev) = machine.poll_event() {
            on_event(ev);
        }
        // Events may have been answered by commands inside `on_event` only by the caller,
        // after this returns; anything queued meanwhile goes out on the next turn.
        match self.backlog {
            true => Some(from_smoltcp(now)),
            false => machine.poll_timeout(),
        }
    }

    /// [`poll`](Self::poll) without draining the machine's events: the owner reads them with
    /// `poll_event` afterwards, where it may also command the machine (no copy of the events
    /// is collected on the stack meanwhile).
    pub fn poll_io<M: SansIo + ?Sized>(
        &mut self,
        now: SmolInstant,
        sockets: &mut SocketSet<'_>,
        machine: &mut M,
        scratch: &mut [u8],
        mut on_data: impl FnMut(M::Data<'_>),
    ) {
        let t = from_smoltcp(now);
        if machine.poll_timeout().is_some_and(|at| at <= t) {
            machine.handle_timeout(t);
        }
        let socket = sockets.get_mut::<udp::Socket<'_>>(self.handle);
        self.stats.rx_peak = self.stats.rx_peak.max(socket.recv_queue());
        for _ in 0..MAX_RX_PER_POLL {
            let Ok((data, meta)) = socket.recv() else {
                break;
            };
            let local = match meta.local_address {
                Some(ip) => SocketAddr::new(ip.into(), self.local.port()),
                None => self.local,
            };
            let path = Path::udp(local, SocketAddr::from(meta.endpoint));
            self.stats.received += 1;
            match machine.handle_datagram(t, path, data) {
                Ok(Some(d)) => {
                    self.stats.accepted += 1;
                    on_data(d);
                }
                Ok(None) => self.stats.accepted += 1,
                Err(_) => self.stats.rejected += 1,
            }
            self.flush(t, socket, machine, scratch);
        }
        self.flush(t, socket, machine, scratch);
    }

    /// Queue one datagram the owner made itself (for example with `sansio::Carrier::send`,
    /// which formats application data for the selected path into the owner's buffer).
    /// Returns whether it was queued (counted in [`DriverStats`] either way).
    pub fn send(&mut self, sockets: &mut SocketSet<'_>, t: sansio::Transmit, out: &[u8]) -> bool {
        let socket = sockets.get_mut::<udp::Socket<'_>>(self.handle);
        let Some(bytes) = out.get(..t.len) else {
            self.stats.send_dropped += 1;
            return false;
        };
        self.queue(socket, t, bytes)
    }

    fn queue(&mut self, socket: &mut udp::Socket<'_>, tx: sansio::Transmit, bytes: &[u8]) -> bool {
        let ours = tx.path.transport == Transport::Udp && tx.path.local.port() == self.local.port();
        if !ours {
            self.stats.misrouted += 1;
            return false;
        }
        let local = tx.path.local.ip();
        // An unspecified local address lets smoltcp choose; any other must be expressible.
        let local_address = match local.is_unspecified() {
            true => Some(None),
            false => address(local).map(Some),
        };
        let (Some(endpoint), Some(local_address)) = (endpoint(tx.path.remote), local_address)
        else {
            self.stats.send_dropped += 1; // IPv6, and smoltcp has no IPv6 here
            return false;
        };
        let meta = udp::UdpMetadata {
            endpoint,
            local_address,
            meta: Default::default(),
        };
        match socket.send_slice(bytes, meta) {
            Ok(()) => {
                self.stats.sent += 1;
                true
            }
            Err(_) => {
                self.stats.send_dropped += 1;
                false
            }
        }
    }

    /// Queue on the socket every datagram the machine has ready, while one more surely fits.
    fn flush<M: SansIo + ?Sized>(
        &mut self,
        t: sansio::Instant,
        socket: &mut udp::Socket<'_>,
        machine: &mut M,
        scratch: &mut [u8],
    ) {
        self.backlog = false;
        loop {
            if !has_room(socket, scratch.len()) {
                self.backlog = true;
                self.stats.deferred += 1;
                break;
            }
            let Some(tx) = machine.poll_transmit(t, scratch) else {
                break;
            };
            match scratch.get(..tx.len) {
                Some(bytes) => {
                    self.queue(socket, tx, bytes);
                }
                None => self.stats.send_dropped += 1,
            }
        }
        self.stats.tx_peak = self.stats.tx_peak.max(socket.send_queue());
    }
}

/// Whether `socket` can surely take one more datagram of up to `largest` bytes (capped at
/// its buffer's size, so that a buffer smaller than the scratch still moves). smoltcp keeps
/// a datagram contiguous: an empty buffer takes any that fits; otherwise twice the room
/// guarantees it, wherever the ring wraps.
fn has_room(socket: &udp::Socket<'_>, largest: usize) -> bool {
    let capacity = socket.payload_send_capacity();
    let largest = largest.min(capacity);
    let queued = socket.send_queue();
    socket.can_send()
        && (queued == 0 || capacity.saturating_sub(queued) >= largest.saturating_mul(2))
}

/// smoltcp's endpoint for `addr`: `None` for an IPv6 one when smoltcp is built without IPv6
/// (feature `ipv6` off).
fn endpoint(addr: SocketAddr) -> Option<IpEndpoint> {
    Some(IpEndpoint::new(address(addr.ip())?, addr.port()))
}

/// smoltcp's address for `ip` (see [`endpoint`]).
fn address(ip: core::net::IpAddr) -> Option<smoltcp::wire::IpAddress> {
    match ip {
        core::net::IpAddr::V4(v4) => Some(v4.into()),
        #[cfg(feature = "ipv6")]
        core::net::IpAddr::V6(v6) => Some(v6.into()),
        #[cfg(not(feature = "ipv6"))]
        core::net::IpAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{address, endpoint};
    use core::net::SocketAddr;

    #[test]
    fn ipv6_destinations_are_addressable_only_with_ipv6() {
        let v4: SocketAddr = "198.18.0.1:5004"
            .parse()
            .unwrap_or(SocketAddr::from(([0; 4], 0)));
        let v6: SocketAddr = "[::1]:5004".parse().unwrap_or(v4);
        assert_eq!(endpoint(v4).map(|e| e.port), Some(5004));
        assert_eq!(endpoint(v6).is_some(), cfg!(feature = "ipv6"));
        assert_eq!(address(v6.ip()).is_some(), cfg!(feature = "ipv6"));
    }
}
