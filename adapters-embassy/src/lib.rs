//! Drives any machine of the stack (`sansio::SansIo`: STUN, TURN, ICE, a peer connection…)
//! over an [embassy-net](https://docs.embassy.dev/embassy-net) UDP socket: the async
//! counterpart of `adapters-smoltcp`'s `UdpDriver`, for firmware built on embassy.
//!
//! `#![no_std]`, no allocator, no `unsafe`. The machine sees each datagram where the socket
//! holds it (`recv_from_with`), not a copy. Time is embassy-time's clock, in the machines'
//! unit (`sansio::Instant`, microseconds); the board's time driver is the application's.
//!
//! ```ignore
//! let mut driver = EmbassyUdp::new(SocketAddr::from(([198, 18, 5, 2], 5004)));
//! loop {
//!     driver.step(&mut socket, &mut peer, &mut scratch, |media| { /* RTP in */ }).await;
//!     while let Some(event) = peer.poll_event() { /* commands to the machine */ }
//! }
//! ```
#![no_std]

use core::net::{IpAddr, SocketAddr};
use embassy_futures::select::{select, Either};
use embassy_net::udp::{UdpMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint};
use embassy_time::{Instant as EmbassyInstant, Timer};
use sansio::{Path, SansIo, Transmit, Transport};

/// What an [`EmbassyUdp`] did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Datagrams handed to the machine.
    pub received: u64,
    /// Datagrams the machine took as its own (`Ok`).
    pub accepted: u64,
    /// Datagrams the machine refused (malformed, unauthenticated, not for it).
    pub rejected: u64,
    /// Timeouts handed to the machine.
    pub timeouts: u64,
    /// Datagrams queued on the socket.
    pub sent: u64,
    /// Datagrams dropped: too large for the socket's buffer, no route, or an address this
    /// stack cannot express (UDP is lossy; the machines retransmit).
    pub send_dropped: u64,
    /// Datagrams the machine wanted sent from another port or over another transport than
    /// this socket's (dropped).
    pub misrouted: u64,
}

/// embassy-time's clock as the machines' instant.
pub fn now() -> sansio::Instant {
    from_embassy(EmbassyInstant::now())
}

/// embassy-time's instant as the machines'.
pub fn from_embassy(t: EmbassyInstant) -> sansio::Instant {
    sansio::Instant::from_micros(t.as_micros())
}

/// The machines' instant as embassy-time's.
pub fn to_embassy(t: sansio::Instant) -> EmbassyInstant {
    EmbassyInstant::from_micros(t.as_micros())
}

/// Drives one [`SansIo`] machine over one embassy-net UDP socket bound to `local`'s port.
#[derive(Debug)]
pub struct EmbassyUdp {
    local: SocketAddr,
    stats: DriverStats,
}

impl EmbassyUdp {
    /// A driver for a socket bound to `local`'s port, whose address the machine knows as
    /// `local` (its host candidate).
    pub fn new(local: SocketAddr) -> Self {
        EmbassyUdp {
            local,
            stats: DriverStats::default(),
        }
    }

    /// The socket's address as the machine sees it.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// Counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// One step of the machine's loop: send what it has queued (formatted in `scratch`,
    /// which bounds the largest datagram), then wait for whichever comes first — a datagram
    /// (handed to the machine where the socket holds it; its data to `on_data`) or the
    /// machine's next timeout — and send what that produced. Returns so that the owner can
    /// read the machine's events and command it between steps.
    pub async fn step<M: SansIo + ?Sized>(
        &mut self,
        socket: &mut UdpSocket<'_>,
        machine: &mut M,
        scratch: &mut [u8],
        mut on_data: impl FnMut(M::Data<'_>),
    ) {
        // A due timer first: a steady stream of datagrams must not starve it.
        if machine.poll_timeout().is_some_and(|at| at <= now()) {
            self.timeout(machine);
        }
        self.flush(socket, machine, scratch).await;
        let wake = machine.poll_timeout();
        let timer = async {
            match wake {
                Some(at) => Timer::at(to_embassy(at)).await,
                None => core::future::pending().await,
            }
        };
        let (local, stats) = (self.local, &mut self.stats);
        let datagram = socket.recv_from_with(|data, meta: UdpMetadata| {
            let path = Path::udp(local, SocketAddr::from(meta.endpoint));
            stats.received += 1;
            match machine.handle_datagram(now(), path, data) {
                Ok(Some(d)) => {
                    stats.accepted += 1;
                    on_data(d);
                }
                Ok(None) => stats.accepted += 1,
                Err(_) => stats.rejected += 1,
            }
        });
        let woke = select(datagram, timer).await;
        if let Either::Second(()) = woke {
            self.timeout(machine);
        }
        self.flush(socket, machine, scratch).await;
    }

    /// [`step`](Self::step) forever, handing the machine's events to `on_event` after each.
    pub async fn run<M: SansIo + ?Sized>(
        &mut self,
        socket: &mut UdpSocket<'_>,
        machine: &mut M,
        scratch: &mut [u8],
        mut on_data: impl FnMut(M::Data<'_>),
        mut on_event: impl FnMut(M::Event),
    ) -> ! {
        loop {
            self.step(socket, machine, scratch, &mut on_data).await;
            while let Some(event) = machine.poll_event() {
                on_event(event);
            }
        }
    }

    /// Send one datagram the owner made itself (for example with `sansio::Carrier::send`,
    /// which formats application data for the selected path into the owner's buffer),
    /// waiting for room in the socket's buffer. Returns whether it was queued (counted in
    /// [`DriverStats`] either way).
    pub async fn send(&mut self, socket: &UdpSocket<'_>, tx: Transmit, bytes: &[u8]) -> bool {
        let ours = tx.path.transport == Transport::Udp && tx.path.local.port() == self.local.port();
        if !ours {
            self.stats.misrouted += 1;
            return false;
        }
        let local = tx.path.local.ip();
        // An unspecified local address lets the stack choose; any other must be expressible.
        let local_address = match local.is_unspecified() {
            true => Some(None),
            false => address(local).map(Some),
        };
        let (Some(remote), Some(local_address), Some(bytes)) = (
            address(tx.path.remote.ip()),
            local_address,
            bytes.get(..tx.len),
        ) else {
            self.stats.send_dropped += 1;
            return false;
        };
        let mut meta = UdpMetadata::from(IpEndpoint::new(remote, tx.path.remote.port()));
        meta.local_address = local_address;
        match socket.send_to(bytes, meta).await {
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

    fn timeout<M: SansIo + ?Sized>(&mut self, machine: &mut M) {
        self.stats.timeouts += 1;
        machine.handle_timeout(now());
    }

    /// Send every datagram the machine has ready.
    async fn flush<M: SansIo + ?Sized>(
        &mut self,
        socket: &UdpSocket<'_>,
        machine: &mut M,
        scratch: &mut [u8],
    ) {
        while let Some(tx) = machine.poll_transmit(now(), scratch) {
            self.send(socket, tx, scratch).await;
        }
    }
}

/// embassy-net's address for `ip`: `None` for IPv6 when it is built without (feature `ipv6`
/// off).
fn address(ip: IpAddr) -> Option<IpAddress> {
    match ip {
        IpAddr::V4(v4) => Some(IpAddress::Ipv4(v4)),
        #[cfg(feature = "ipv6")]
        IpAddr::V6(v6) => Some(IpAddress::Ipv6(v6)),
        #[cfg(not(feature = "ipv6"))]
        IpAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_convert_both_ways() {
        let t = sansio::Instant::from_micros(1_234_567);
        assert_eq!(from_embassy(to_embassy(t)), t);
        assert_eq!(to_embassy(t).as_micros(), 1_234_567);
    }

    #[test]
    fn ipv4_is_expressible_and_ipv6_only_with_the_feature() {
        let v4 = IpAddr::from([198, 18, 0, 1]);
        assert_eq!(address(v4), Some(IpAddress::Ipv4([198, 18, 0, 1].into())));
        let v6 = IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(address(v6).is_some(), cfg!(feature = "ipv6"));
    }
}
