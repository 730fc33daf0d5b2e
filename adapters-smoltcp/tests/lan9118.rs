//! The LAN9118 driver against a register-level model of the controller (the FIFO semantics
//! of QEMU's `hw/net/lan9118.c`): bring-up, frame packing both ways, bad frames, the clock,
//! and a STUN transaction between a smoltcp host on the driver and one on a `MemoryNic`.
#![cfg(feature = "lan9118")] // a default feature
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use adapters_smoltcp::lan9118::{reg, Lan9118, Registers};
use adapters_smoltcp::memory::MemoryNic;
use adapters_smoltcp::smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use adapters_smoltcp::smoltcp::phy::Medium;
use adapters_smoltcp::smoltcp::socket::udp;
use adapters_smoltcp::smoltcp::time::Instant;
use adapters_smoltcp::smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};
use adapters_smoltcp::UdpDriver;
use sansio::{Path, SeededEntropy};
use std::collections::VecDeque;
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::server::{NoUsers, ServerAuth, ServerConfig, StunServer};
use stun_proto::wire::Method;

/// The controller as QEMU models it, reduced to what the driver touches.
#[derive(Default)]
struct Model {
    mac_regs: [u32; 16],
    mac_cmd: u32,
    mac_data: u32,
    /// Frames on the wire towards the controller (without FCS).
    incoming: VecDeque<(u32, Vec<u8>)>,
    rx_words: VecDeque<u32>,
    /// TX FIFO parsing: (cmd A, cmd B, bytes so far).
    tx_cmd: Vec<u32>,
    tx_bytes: Vec<u8>,
    /// Frames the controller put on the wire.
    sent: VecDeque<Vec<u8>>,
    free_run: u32,
    resets: u32,
}

impl Model {
    fn receive(&mut self, frame: &[u8]) {
        self.incoming.push_back((0, frame.to_vec()));
    }
}

impl Registers for Model {
    fn read(&mut self, offset: usize) -> u32 {
        match offset {
            reg::RX_DATA => self.rx_words.pop_front().expect("RX FIFO underflow"),
            reg::RX_STATUS => {
                let (flags, f) = self.incoming.pop_front().expect("RX status underflow");
                let mut bytes = f.clone();
                bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]); // FCS
                for c in bytes.chunks(4) {
                    let mut w = [0u8; 4];
                    w[..c.len()].copy_from_slice(c);
                    self.rx_words.push_back(u32::from_le_bytes(w));
                }
                (((f.len() + 4) as u32) << 16) | flags
            }
            reg::TX_STATUS => 0,
            reg::ID_REV => 0x0118_0001,
            reg::BYTE_TEST => reg::BYTE_TEST_VALUE,
            reg::HW_CFG => 0x0005_0004,
            reg::PMT_CTRL => 1,
            reg::RX_FIFO_INF => (self.incoming.len() as u32) << 16,
            reg::TX_FIFO_INF => 4608,
            reg::FREE_RUN => self.free_run,
            reg::MAC_CSR_CMD => self.mac_cmd & !(1 << 31),
            reg::MAC_CSR_DATA => self.mac_data,
            _ => 0,
        }
    }

    fn write(&mut self, offset: usize, value: u32) {
        match offset {
            reg::TX_DATA => self.tx_word(value),
            reg::HW_CFG if value & 1 == 1 => self.resets += 1,
            reg::MAC_CSR_DATA => self.mac_data = value,
            reg::MAC_CSR_CMD => {
                self.mac_cmd = value;
                let i = (value & 0xf) as usize;
                if value & (1 << 30) != 0 {
                    self.mac_data = self.mac_regs[i];
                } else {
                    self.mac_regs[i] = self.mac_data;
                }
            }
            _ => {}
        }
    }
}

impl Model {
    fn tx_word(&mut self, w: u32) {
        if self.tx_cmd.len() < 2 {
            self.tx_cmd.push(w);
            return;
        }
        let (a, b) = (self.tx_cmd[0], self.tx_cmd[1]);
        assert_eq!(
            a & 0x3000,
            0x3000,
            "one buffer per frame: first and last segment"
        );
        assert_eq!(a & 0x7ff, b & 0x7ff, "command A and B lengths agree");
        let len = (a & 0x7ff) as usize;
        let take = (len - self.tx_bytes.len()).min(4);
        self.tx_bytes.extend_from_slice(&w.to_le_bytes()[..take]);
        if self.tx_bytes.len() == len {
            self.sent.push_back(std::mem::take(&mut self.tx_bytes));
            self.tx_cmd.clear();
        }
    }
}

const OURS: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 5, 2]);

#[test]
fn bring_up_resets_sets_the_mac_and_enables_rx_and_tx() {
    let mut nic = Lan9118::new(Model::default(), Some(OURS)).unwrap();
    assert_eq!(nic.mac().unwrap(), OURS);
    assert_eq!(nic.id() >> 16, 0x0118);
    let m = nic.registers();
    assert_eq!(m.resets, 1);
    assert_eq!(m.mac_regs[1] & 0b1100, 0b1100, "RXEN and TXEN");
    assert_eq!(m.mac_regs[1] & (1 << 18), 0, "not promiscuous");
}

#[test]
fn no_controller_is_an_error() {
    struct Nothing;
    impl Registers for Nothing {
        fn read(&mut self, _: usize) -> u32 {
            0xffff_ffff
        }
        fn write(&mut self, _: usize, _: u32) {}
    }
    assert!(Lan9118::new(Nothing, None).is_err());
}

#[test]
fn the_free_running_counter_becomes_a_64_bit_clock() {
    let mut nic = Lan9118::new(Model::default(), None).unwrap();
    nic.registers().free_run = u32::MAX - 24;
    let before = nic.ticks();
    nic.registers().free_run = 25; // wrapped
    assert_eq!(nic.ticks() - before, 50);
    assert_eq!(
        nic.now(),
        Instant::from_micros(((1u64 << 32) + 25) as i64 / 25)
    );
}

#[test]
fn bad_and_oversized_frames_are_dropped_and_the_next_one_is_read() {
    use adapters_smoltcp::smoltcp::phy::{Device, RxToken};
    let mut nic = Lan9118::new(Model::default(), None).unwrap();
    let good: Vec<u8> = (0..61u8).collect();
    let m = nic.registers();
    m.incoming.push_back((1 << 15, vec![7; 60])); // error summary
    m.incoming.push_back((0, vec![9; 1600])); // too large
    m.receive(&good);
    let (rx, _tx) = nic.receive(Instant::ZERO).unwrap();
    assert_eq!(rx.consume(|f| f.to_vec()), good);
    assert_eq!(nic.stats().rx_dropped, 2);
    assert_eq!(nic.stats().rx_frames, 1);
    assert!(
        nic.registers().rx_words.is_empty(),
        "every word of every frame read out"
    );
    assert!(nic.receive(Instant::ZERO).is_none());
}

#[test]
fn a_frame_left_unconsumed_is_read_out_and_the_next_one_arrives_whole() {
    use adapters_smoltcp::smoltcp::phy::{Device, RxToken};
    let mut nic = Lan9118::new(Model::default(), None).unwrap();
    let first: Vec<u8> = (0..99u8).collect();
    let second: Vec<u8> = (100..170u8).collect();
    nic.registers().receive(&first);
    nic.registers().receive(&second);
    let (rx, _tx) = nic.receive(Instant::ZERO).unwrap();
    drop(rx);
    assert!(
        nic.registers().rx_words.is_empty(),
        "the dropped frame's words (and FCS) are read out of the FIFO"
    );
    let (rx, _tx) = nic.receive(Instant::ZERO).unwrap();
    assert_eq!(rx.consume(|f| f.to_vec()), second);
    assert_eq!(nic.stats().rx_frames, 2);
    assert!(nic.receive(Instant::ZERO).is_none());
}

fn iface(
    dev: &mut impl adapters_smoltcp::smoltcp::phy::Device,
    mac: EthernetAddress,
    ip: u8,
) -> Interface {
    let mut i = Interface::new(
        Config::new(HardwareAddress::Ethernet(mac)),
        dev,
        Instant::ZERO,
    );
    i.update_ip_addrs(|a| {
        a.push(IpCidr::new(Ipv4Address::new(198, 18, 5, ip).into(), 24))
            .unwrap()
    });
    i
}

fn udp_socket(
    sockets: &mut SocketSet<'static>,
    port: u16,
) -> adapters_smoltcp::smoltcp::iface::SocketHandle {
    let buf = || {
        udp::PacketBuffer::new(
            Vec::leak(vec![udp::PacketMetadata::EMPTY; 4]),
            Vec::leak(vec![0u8; 4096]),
        )
    };
    let mut s = udp::Socket::new(buf(), buf());
    s.bind(port).unwrap();
    sockets.add(s)
}

#[test]
fn a_stun_transaction_runs_between_the_driver_and_a_memory_host() {
    let mut nic = Lan9118::new(Model::default(), Some(OURS)).unwrap();
    let mut peer_nic: MemoryNic<16> = MemoryNic::new(Medium::Ethernet);
    let mut ours = iface(&mut nic, OURS, 2);
    let mut theirs = iface(&mut peer_nic, EthernetAddress([0x02, 0, 0, 0, 5, 1]), 1);
    let storage = || SocketSet::new(Box::leak(Box::new([SocketStorage::EMPTY])).as_mut_slice());
    let (mut s_ours, mut s_theirs): (SocketSet<'static>, SocketSet<'static>) =
        (storage(), storage());
    let mut server_drv = UdpDriver::new(
        udp_socket(&mut s_ours, 3478),
        "198.18.5.2:3478".parse().unwrap(),
    );
    let mut client_drv = UdpDriver::new(
        udp_socket(&mut s_theirs, 40_000),
        "198.18.5.1:40000".parse().unwrap(),
    );
    let mut server: StunServer<NoUsers> =
        StunServer::new(ServerConfig::default(), ServerAuth::None);
    let mut client: StunClient<_, 2, 256> = StunClient::new(
        ClientConfig::default(),
        Credentials::None,
        SeededEntropy::new(5),
    )
    .unwrap();
    let path = Path::udp(client_drv.local(), server_drv.local());
    client
        .start_request(sansio::Instant::ZERO, path, Method::BINDING, &[])
        .unwrap();
    let mut scratch = [0u8; 1500];
    let mut mapped = None;
    for ms in 0..200 {
        let now = Instant::from_millis(ms);
        theirs.poll(now, &mut peer_nic, &mut s_theirs);
        client_drv.poll(
            now,
            &mut s_theirs,
            &mut client,
            &mut scratch,
            |r| mapped = r.mapped_address(),
            |_| {},
        );
        theirs.poll(now, &mut peer_nic, &mut s_theirs);
        while let Some(f) = peer_nic.take_sent() {
            nic.registers().receive(&f);
        }
        ours.poll(now, &mut nic, &mut s_ours);
        server_drv.poll(now, &mut s_ours, &mut server, &mut scratch, |_| {}, |_| {});
        ours.poll(now, &mut nic, &mut s_ours);
        while let Some(f) = nic.registers().sent.pop_front() {
            assert!(peer_nic.deliver(&f));
        }
        if mapped.is_some() {
            break;
        }
    }
    assert_eq!(mapped, Some(client_drv.local()));
    assert_eq!(server_drv.stats().received, 1);
    // ARP request + reply, STUN request + response crossed the controller.
    assert!(
        nic.stats().rx_frames >= 2 && nic.stats().tx_frames >= 2,
        "{:?}",
        nic.stats()
    );
}
