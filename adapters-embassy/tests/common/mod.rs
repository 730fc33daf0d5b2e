//! Two embassy-net stacks joined by an in-memory IP link (no TUN, no root), each with one
//! UDP socket, for the integration tests. Addresses are in 198.18.0.0/15, and nothing leaves
//! the process.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use adapters_embassy::EmbassyUdp;
use core::net::SocketAddr;
use embassy_net::driver::{Capabilities, Driver, HardwareAddress, LinkState, RxToken, TxToken};
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Waker};

/// The link: each side's inbox of IP packets and the waker of the stack reading it.
#[derive(Default)]
pub struct Link {
    inbox: [RefCell<VecDeque<Vec<u8>>>; 2],
    waker: [RefCell<Option<Waker>>; 2],
    /// Packets carried, both ways.
    pub carried: Cell<u64>,
}

/// One end of a [`Link`], as embassy-net's driver.
pub struct Port {
    link: Rc<Link>,
    side: usize,
}

/// A received packet.
pub struct Rx(Vec<u8>);

/// Room for a packet to the other side.
pub struct Tx<'a> {
    link: &'a Link,
    to: usize,
}

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(mut self, f: F) -> R {
        f(&mut self.0)
    }
}

impl TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut packet = vec![0; len];
        let r = f(&mut packet);
        self.link.inbox[self.to].borrow_mut().push_back(packet);
        self.link.carried.set(self.link.carried.get() + 1);
        if let Some(w) = self.link.waker[self.to].borrow_mut().take() {
            w.wake();
        }
        r
    }
}

impl Driver for Port {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, cx: &mut Context<'_>) -> Option<(Rx, Tx<'_>)> {
        let packet = self.link.inbox[self.side].borrow_mut().pop_front();
        match packet {
            Some(p) => Some((
                Rx(p),
                Tx {
                    link: &self.link,
                    to: 1 - self.side,
                },
            )),
            None => {
                *self.link.waker[self.side].borrow_mut() = Some(cx.waker().clone());
                None
            }
        }
    }

    fn transmit(&mut self, _cx: &mut Context<'_>) -> Option<Tx<'_>> {
        Some(Tx {
            link: &self.link,
            to: 1 - self.side,
        })
    }

    fn link_state(&mut self, _cx: &mut Context<'_>) -> LinkState {
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::default();
        c.max_transmission_unit = 1500;
        c
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ip
    }
}

/// Both ends of a new link.
pub fn link() -> (Rc<Link>, Port, Port) {
    let link = Rc::new(Link::default());
    let a = Port {
        link: link.clone(),
        side: 0,
    };
    let b = Port {
        link: link.clone(),
        side: 1,
    };
    (link, a, b)
}

/// 198.18.0.`host`.
pub fn ip(host: u8) -> Ipv4Address {
    Ipv4Address::new(198, 18, 0, host)
}

/// A stack on `port` at 198.18.0.`host`/24.
pub fn stack<'d>(
    port: Port,
    host: u8,
    resources: &'d mut StackResources<2>,
) -> (Stack<'d>, Runner<'d, Port>) {
    let config = Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ip(host), 24),
        gateway: None,
        dns_servers: Default::default(),
    });
    embassy_net::new(port, config, resources, u64::from(host))
}

/// A socket's buffers: 8 datagrams and 4 KiB each way.
pub struct Buffers {
    rx_meta: [PacketMetadata; 8],
    rx: [u8; 4096],
    tx_meta: [PacketMetadata; 8],
    tx: [u8; 4096],
}

impl Buffers {
    /// Empty buffers.
    pub fn new() -> Self {
        Buffers {
            rx_meta: [PacketMetadata::EMPTY; 8],
            rx: [0; 4096],
            tx_meta: [PacketMetadata::EMPTY; 8],
            tx: [0; 4096],
        }
    }

    /// A socket on `stack` bound to `port`, in these buffers.
    pub fn socket<'a>(&'a mut self, stack: Stack<'a>, port: u16) -> UdpSocket<'a> {
        let mut s = UdpSocket::new(
            stack,
            &mut self.rx_meta,
            &mut self.rx,
            &mut self.tx_meta,
            &mut self.tx,
        );
        s.bind(port).unwrap();
        s
    }
}

/// 198.18.0.`host`:`port`.
pub fn addr(host: u8, port: u16) -> SocketAddr {
    SocketAddr::from((ip(host), port))
}

/// Two hosts on one new link, 198.18.0.1 and 198.18.0.2: the storage their stacks and
/// sockets borrow.
pub struct Net {
    link: Rc<Link>,
    ports: Option<(Port, Port)>,
    resources: [StackResources<2>; 2],
    buffers: [Buffers; 2],
}

/// One host of a [`Net`]: its UDP socket, its stack's runner, and a driver for the socket.
pub struct Host<'a> {
    pub socket: UdpSocket<'a>,
    pub runner: Runner<'a, Port>,
    pub driver: EmbassyUdp,
}

impl Net {
    /// A link and storage for its two hosts.
    pub fn new() -> Self {
        let (link, a, b) = link();
        Net {
            link,
            ports: Some((a, b)),
            resources: [StackResources::new(), StackResources::new()],
            buffers: [Buffers::new(), Buffers::new()],
        }
    }

    /// The link, for its counters.
    pub fn link(&self) -> Rc<Link> {
        self.link.clone()
    }

    /// Both hosts (once), each with a socket bound to its port.
    pub fn hosts(&mut self, port_a: u16, port_b: u16) -> (Host<'_>, Host<'_>) {
        let (pa, pb) = self.ports.take().expect("the hosts are made once");
        let [ra, rb] = &mut self.resources;
        let [ba, bb] = &mut self.buffers;
        (host(pa, 1, port_a, ra, ba), host(pb, 2, port_b, rb, bb))
    }
}

fn host<'a>(
    port: Port,
    n: u8,
    udp: u16,
    resources: &'a mut StackResources<2>,
    buffers: &'a mut Buffers,
) -> Host<'a> {
    let (stack, runner) = stack(port, n, resources);
    Host {
        socket: buffers.socket(stack, udp),
        runner,
        driver: EmbassyUdp::new(addr(n, udp)),
    }
}
