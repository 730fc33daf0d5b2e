//! Two smoltcp hosts on an in-memory Ethernet segment, each with one UDP socket driven by a
//! `UdpDriver`; time is simulated.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use adapters_smoltcp::memory::{wire, MemoryNic};
use adapters_smoltcp::smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use adapters_smoltcp::smoltcp::phy::Medium;
use adapters_smoltcp::smoltcp::socket::udp;
use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use adapters_smoltcp::smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};
use adapters_smoltcp::{deadline, UdpDriver};
use core::net::SocketAddr;
use sansio::SansIo;

/// One host: interface, device, sockets, the driver of its UDP socket.
pub struct Host {
    pub iface: Interface,
    pub nic: MemoryNic<32>,
    pub sockets: SocketSet<'static>,
    pub driver: UdpDriver,
    pub scratch: Vec<u8>,
}

fn leak<T: Clone>(v: T, n: usize) -> &'static mut [T] {
    Vec::leak(vec![v; n])
}

impl Host {
    /// Host 198.18.0.`n` with a UDP socket on `port`.
    pub fn new(n: u8, port: u16) -> Host {
        Host::with_send_buffer(n, port, 16 * 1500)
    }

    /// Host 198.18.0.`n` with a UDP socket on `port` whose send buffer holds `tx` bytes.
    pub fn with_send_buffer(n: u8, port: u16, tx: usize) -> Host {
        let mut nic = MemoryNic::new(Medium::Ethernet);
        let mac = EthernetAddress([0x02, 0, 0, 0, 0, n]);
        let mut iface = Interface::new(
            Config::new(HardwareAddress::Ethernet(mac)),
            &mut nic,
            Instant::ZERO,
        );
        let ip = Ipv4Address::new(198, 18, 0, n);
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(ip.into(), 24)).unwrap();
        });
        let mut sockets =
            SocketSet::new(Box::leak(Box::new([SocketStorage::EMPTY; 2])).as_mut_slice());
        let rx = udp::PacketBuffer::new(leak(udp::PacketMetadata::EMPTY, 16), leak(0u8, 16 * 1500));
        let tx = udp::PacketBuffer::new(leak(udp::PacketMetadata::EMPTY, 16), leak(0u8, tx));
        let mut socket = udp::Socket::new(rx, tx);
        socket.bind(port).unwrap();
        let handle = sockets.add(socket);
        let local = SocketAddr::from((ip, port));
        Host {
            iface,
            nic,
            sockets,
            driver: UdpDriver::new(handle, local),
            scratch: vec![0; 1500],
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.driver.local()
    }

    /// One turn: frames in, the machine, frames out. Returns how long it may wait.
    pub fn turn<M: SansIo>(
        &mut self,
        now: Instant,
        m: &mut M,
        on_data: impl FnMut(M::Data<'_>),
        on_event: impl FnMut(M::Event),
    ) -> Option<Duration> {
        self.iface.poll(now, &mut self.nic, &mut self.sockets);
        let next = self.driver.poll(
            now,
            &mut self.sockets,
            m,
            &mut self.scratch,
            on_data,
            on_event,
        );
        self.iface.poll(now, &mut self.nic, &mut self.sockets);
        deadline(now, self.iface.poll_delay(now, &self.sockets), next)
    }
}

/// Run `step` (one turn of each host, returning the sooner wait and whether the test is
/// done) until done or `limit` of simulated time: frames cross the wire after each step,
/// time jumps to the next deadline (at least 1 ms) when nothing moved.
pub fn run(
    a: &mut Host,
    b: &mut Host,
    now: &mut Instant,
    limit: Duration,
    mut step: impl FnMut(Instant, &mut Host, &mut Host) -> (Option<Duration>, bool),
) -> bool {
    let end = *now + limit;
    while *now < end {
        let mut wait = None;
        for _ in 0..1000 {
            let (w, done) = step(*now, a, b);
            if done {
                return true;
            }
            wait = w;
            if wire(&mut a.nic, &mut b.nic) == 0 {
                break;
            }
        }
        let wait = wait
            .unwrap_or(Duration::from_millis(100))
            .max(Duration::from_millis(1));
        *now = (*now + wait).min(end);
    }
    false
}

/// The sooner of two waits.
pub fn sooner(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}
