//! Foreign SCTP stacks (sctp-proto, dcsctp) as netsim nodes, with a tiny DCEP layer in the
//! harness (those crates are plain SCTP; WebRTC stacks put DCEP on top, as this does).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansio::{Instant, Path, Rejected, Transmit};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The operations the harness needs from a stack.
pub trait Stack {
    fn connect(&mut self, now: Instant);
    fn input(&mut self, now: Instant, pkt: &[u8]);
    fn output(&mut self, now: Instant) -> Option<Vec<u8>>;
    fn timeout(&self) -> Option<Instant>;
    fn tick(&mut self, now: Instant);
    fn connected(&self) -> bool;
    fn send(&mut self, now: Instant, stream: u16, ppid: u32, data: &[u8], unordered: bool);
    fn recv(&mut self) -> Option<(u16, u32, Vec<u8>)>;
}

/// A stack plus DCEP: answers OPEN with ACK, records channels, queues user messages.
pub struct Foreign<S: Stack> {
    pub s: S,
    pub path: Path,
    pub inbox: VecDeque<(u16, u32, Vec<u8>)>,
    pub opened_by_peer: Vec<(u16, String)>,
    pub acked: Vec<u16>,
}

impl<S: Stack> Foreign<S> {
    pub fn new(s: S, path: Path) -> Self {
        Foreign {
            s,
            path,
            inbox: VecDeque::new(),
            opened_by_peer: vec![],
            acked: vec![],
        }
    }

    fn pump(&mut self, now: Instant) {
        while let Some((sid, ppid, data)) = self.s.recv() {
            if ppid == 50 {
                match data.first() {
                    Some(3) => {
                        let llen = u16::from_be_bytes([data[8], data[9]]) as usize;
                        let label = String::from_utf8_lossy(&data[12..12 + llen]).into_owned();
                        self.opened_by_peer.push((sid, label));
                        self.s.send(now, sid, 50, &[2], false);
                    }
                    Some(2) => self.acked.push(sid),
                    _ => {}
                }
            } else {
                self.inbox.push_back((sid, ppid, data));
            }
        }
    }

    /// Open a channel the DCEP way.
    pub fn open(&mut self, now: Instant, sid: u16, label: &str, ordered: bool) {
        let mut m = vec![3, if ordered { 0 } else { 0x80 }, 1, 0, 0, 0, 0, 0];
        m.extend_from_slice(&(label.len() as u16).to_be_bytes());
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(label.as_bytes());
        self.s.send(now, sid, 50, &m, false);
    }
}

impl<S: Stack + 'static> netsim::Node for Foreign<S> {
    fn handle_datagram(&mut self, now: Instant, _path: Path, data: &[u8]) -> Result<(), Rejected> {
        self.s.input(now, data);
        self.pump(now);
        Ok(())
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.s.tick(now);
        self.pump(now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let p = self.s.output(now)?;
        out[..p.len()].copy_from_slice(&p);
        Some(Transmit {
            path: self.path,
            len: p.len(),
        })
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.s.timeout()
    }
}

// ---------------------------------------------------------------- sctp-proto

pub struct Proto {
    ep: sctp_proto::Endpoint,
    assoc: Option<(sctp_proto::AssociationHandle, sctp_proto::Association)>,
    base: std::time::Instant,
    remote: SocketAddr,
    out: VecDeque<Vec<u8>>,
    up: bool,
    msgs: VecDeque<(u16, u32, Vec<u8>)>,
    transport: Arc<sctp_proto::TransportConfig>,
}

impl Proto {
    pub fn new(server: bool, remote: SocketAddr) -> Self {
        let transport = Arc::new(
            sctp_proto::TransportConfig::default()
                .with_max_send_message_size(1 << 20)
                .with_max_receive_message_size(1 << 20)
                .with_max_receive_buffer_size(4 << 20),
        );
        let mut sc = sctp_proto::ServerConfig::new();
        sc.transport = transport.clone();
        let ep = sctp_proto::Endpoint::new(
            Arc::new(sctp_proto::EndpointConfig::new()),
            server.then(|| Arc::new(sc)),
        );
        Proto {
            ep,
            assoc: None,
            base: std::time::Instant::now(),
            remote,
            out: VecDeque::new(),
            up: false,
            msgs: VecDeque::new(),
            transport,
        }
    }

    fn t(&self, now: Instant) -> std::time::Instant {
        self.base + Duration::from_micros(now.as_micros())
    }

    fn pump(&mut self) {
        let Some((h, a)) = self.assoc.as_mut() else {
            return;
        };
        while let Some(ev) = a.poll_endpoint_event() {
            if let Some(back) = self.ep.handle_event(*h, ev) {
                a.handle_event(back);
            }
        }
        while let Some(ev) = a.poll() {
            match ev {
                sctp_proto::Event::Connected => self.up = true,
                sctp_proto::Event::Stream(sctp_proto::StreamEvent::Readable { id })
                | sctp_proto::Event::Stream(sctp_proto::StreamEvent::Opened { id }) => {
                    while a.accept_stream().is_some() {}
                    if let Ok(mut s) = a.stream(id) {
                        while let Ok(Some(c)) = s.read_sctp() {
                            let mut buf = vec![0u8; c.len()];
                            let n = c.read(&mut buf).unwrap();
                            buf.truncate(n);
                            self.msgs.push_back((id, c.ppi as u32, buf));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

impl Stack for Proto {
    fn connect(&mut self, _now: Instant) {
        let mut cc = sctp_proto::ClientConfig::new();
        cc.transport = self.transport.clone();
        self.assoc = Some(self.ep.connect(cc, self.remote).unwrap());
    }
    fn input(&mut self, now: Instant, pkt: &[u8]) {
        let t = self.t(now);
        match self.ep.handle(
            t,
            self.remote,
            None,
            None,
            bytes::Bytes::copy_from_slice(pkt),
        ) {
            Some((h, sctp_proto::DatagramEvent::NewAssociation(a))) => self.assoc = Some((h, a)),
            Some((_, sctp_proto::DatagramEvent::AssociationEvent(ev))) => {
                if let Some((_, a)) = self.assoc.as_mut() {
                    a.handle_event(ev);
                }
            }
            None => {}
        }
        self.pump();
    }
    fn output(&mut self, now: Instant) -> Option<Vec<u8>> {
        if let Some(p) = self.out.pop_front() {
            return Some(p);
        }
        while let Some(t) = self.ep.poll_transmit() {
            if let sctp_proto::Payload::RawEncode(v) = t.payload {
                self.out.extend(v.into_iter().map(|b| b.to_vec()));
            }
        }
        let t = self.t(now);
        if let Some((_, a)) = self.assoc.as_mut() {
            while let Some(tx) = a.poll_transmit(t) {
                if let sctp_proto::Payload::RawEncode(v) = tx.payload {
                    self.out.extend(v.into_iter().map(|b| b.to_vec()));
                }
            }
        }
        self.pump();
        self.out.pop_front()
    }
    fn timeout(&self) -> Option<Instant> {
        let (_, a) = self.assoc.as_ref()?;
        let t = a.poll_timeout()?;
        Some(Instant::from_micros(
            t.saturating_duration_since(self.base).as_micros() as u64,
        ))
    }
    fn tick(&mut self, now: Instant) {
        let t = self.t(now);
        if let Some((_, a)) = self.assoc.as_mut() {
            a.handle_timeout(t);
        }
        self.pump();
    }
    fn connected(&self) -> bool {
        self.up
    }
    fn send(&mut self, _now: Instant, sid: u16, ppid: u32, data: &[u8], unordered: bool) {
        let (_, a) = self.assoc.as_mut().unwrap();
        let ppi = sctp_proto::PayloadProtocolIdentifier::from(ppid);
        if a.stream(sid).is_err() {
            a.open_stream(sid, ppi).unwrap();
        }
        let mut s = a.stream(sid).unwrap();
        s.set_reliability_params(unordered, sctp_proto::ReliabilityType::Reliable, 0)
            .unwrap();
        s.write_sctp(&bytes::Bytes::copy_from_slice(data), ppi)
            .unwrap();
    }
    fn recv(&mut self) -> Option<(u16, u32, Vec<u8>)> {
        self.msgs.pop_front()
    }
}

// ---------------------------------------------------------------- dcsctp

pub struct Dc {
    s: Box<dyn dcsctp::api::DcSctpSocket>,
    out: VecDeque<Vec<u8>>,
    up: bool,
}

impl Dc {
    pub fn new(name: &str, interleaving: bool) -> Self {
        Self::with_zero_checksum(name, interleaving, false)
    }

    /// dcsctp with RFC 9653 zero checksum (method: DTLS) announced.
    pub fn with_zero_checksum(name: &str, interleaving: bool, zero: bool) -> Self {
        let opts = dcsctp::api::Options {
            enable_message_interleaving: interleaving,
            max_message_size: 1 << 20,
            zero_checksum_alternate_error_detection_method: if zero {
                dcsctp::api::ZERO_CHECKSUM_ALTERNATE_ERROR_DETECTION_METHOD_LOWER_LAYER_DTLS
            } else {
                dcsctp::api::ZERO_CHECKSUM_ALTERNATE_ERROR_DETECTION_METHOD_NONE
            },
            ..Default::default()
        };
        Dc {
            s: dcsctp::new_socket(name, &opts),
            out: VecDeque::new(),
            up: false,
        }
    }

    fn pump(&mut self) {
        while let Some(ev) = self.s.poll_event() {
            match ev {
                dcsctp::api::SocketEvent::SendPacket(p) => self.out.push_back(p),
                dcsctp::api::SocketEvent::OnConnected()
                | dcsctp::api::SocketEvent::OnConnectionRestarted() => self.up = true,
                dcsctp::api::SocketEvent::OnClosed() | dcsctp::api::SocketEvent::OnAborted(..) => {
                    self.up = false
                }
                _ => {}
            }
        }
    }
}

fn socket_time(now: Instant) -> dcsctp::api::SocketTime {
    dcsctp::api::SocketTime::zero() + Duration::from_micros(now.as_micros())
}

impl Stack for Dc {
    fn connect(&mut self, now: Instant) {
        self.s.advance_time(socket_time(now));
        self.s.connect();
        self.pump();
    }
    fn input(&mut self, now: Instant, pkt: &[u8]) {
        self.s.advance_time(socket_time(now));
        self.s.handle_input(pkt);
        self.pump();
    }
    fn output(&mut self, now: Instant) -> Option<Vec<u8>> {
        self.s.advance_time(socket_time(now));
        self.pump();
        self.out.pop_front()
    }
    fn timeout(&self) -> Option<Instant> {
        let t = self.s.poll_timeout();
        if t == dcsctp::api::SocketTime::infinite_future() {
            return None;
        }
        Some(Instant::from_micros(
            (t - dcsctp::api::SocketTime::zero()).as_micros() as u64,
        ))
    }
    fn tick(&mut self, now: Instant) {
        self.s.advance_time(socket_time(now));
        self.pump();
    }
    fn connected(&self) -> bool {
        self.up
    }
    fn send(&mut self, now: Instant, sid: u16, ppid: u32, data: &[u8], unordered: bool) {
        self.s.advance_time(socket_time(now));
        let m = dcsctp::api::Message::new(
            dcsctp::api::StreamId(sid),
            dcsctp::api::PpId(ppid),
            data.to_vec(),
        );
        let o = dcsctp::api::SendOptions {
            unordered,
            ..Default::default()
        };
        self.s.send(m, &o).unwrap();
        self.pump();
    }
    fn recv(&mut self) -> Option<(u16, u32, Vec<u8>)> {
        let m = self.s.get_next_message()?;
        Some((m.stream_id.0, m.ppid.0, m.payload))
    }
}
