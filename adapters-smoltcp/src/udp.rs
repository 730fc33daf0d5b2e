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
}

/// Drives one [`SansIo`] machine over one smoltcp UDP socket bound to `local`.
#[derive(Debug)]
pub struct UdpDriver {
    handle: SocketHandle,
    local: SocketAddr,
    stats: DriverStats,
}

impl UdpDriver {
    /// A driver for the (already bound) UDP socket `handle`, whose address the machine knows
    /// as `local` (its host candidate).
    pub fn new(handle: SocketHandle, local: SocketAddr) -> Self {
        UdpDriver {
            handle,
            local,
            stats: DriverStats::default(),
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
        machine.poll_timeout()
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

    /// Queue on the socket every datagram the machine has ready.
    fn flush<M: SansIo + ?Sized>(
        &mut self,
        t: sansio::Instant,
        socket: &mut udp::Socket<'_>,
        machine: &mut M,
        scratch: &mut [u8],
    ) {
        while let Some(tx) = machine.poll_transmit(t, scratch) {
            match scratch.get(..tx.len) {
                Some(bytes) => {
                    self.queue(socket, tx, bytes);
                }
                None => self.stats.send_dropped += 1,
            }
        }
    }
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
