//! Two peer connections of this crate, offer and answer in SDP text, datagrams carried by a
//! loop in memory: ICE, DTLS, SRTP, SCTP and DCEP must all come up, data channel messages
//! and media frames must arrive intact both ways.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use dtls_core::Endpoint;
use peer_core::data::ChannelConfig;
use peer_core::{
    ChannelId, Delivered, MediaConfig, MessageKind, PeerConfig, PeerConnection, PeerEvent,
    PeerState, TrackId,
};
use sansio::{Instant, SansIo, SeededEntropy};
use sdp_core::negotiate::CodecCap;
use std::time::Duration;

type Peer = PeerConnection<SeededEntropy, Endpoint<SeededEntropy>, Box<[u8]>, 16, 2048>;

static AUDIO: [CodecCap<'static>; 2] = [CodecCap::opus(111), CodecCap::pcmu()];

fn peer(seed: u64, audio: bool) -> Peer {
    let dtls = common::dtls(seed);
    let config = PeerConfig {
        audio: audio.then(|| MediaConfig::send_recv(&AUDIO)),
        max_message_size: 256 * 1024,
        ..PeerConfig::default()
    };
    let buf = || vec![0u8; 1024 * 1024].into_boxed_slice();
    PeerConnection::new(config, SeededEntropy::new(seed + 200), dtls, buf(), buf())
}

struct Pair {
    a: Peer,
    b: Peer,
    now: Instant,
    events: (Vec<PeerEvent>, Vec<PeerEvent>),
    media: (Vec<Vec<u8>>, Vec<Vec<u8>>),
}

impl Pair {
    fn new(audio: bool) -> Self {
        let mut a = peer(1, audio);
        let mut b = peer(2, audio);
        let now = Instant::ZERO;
        a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
        a.hosts_done(now);
        b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
        b.hosts_done(now);
        let mut offer = vec![0u8; 8192];
        let n = a.create_offer(now, &mut offer).unwrap();
        let offer = std::str::from_utf8(&offer[..n]).unwrap().to_string();
        let mut answer = vec![0u8; 8192];
        let n = b.accept_offer(now, &offer, &mut answer).unwrap();
        let answer = std::str::from_utf8(&answer[..n]).unwrap().to_string();
        a.accept_answer(now, &answer).unwrap();
        Pair {
            a,
            b,
            now,
            events: (Vec::new(), Vec::new()),
            media: (Vec::new(), Vec::new()),
        }
    }

    /// Move datagrams both ways (1 ms apart) and fire timers until `done` or `limit`.
    fn run(&mut self, limit: Duration, done: impl Fn(&Pair) -> bool) -> bool {
        let end = self.now + limit;
        let mut out = vec![0u8; 2048];
        while self.now < end {
            let mut moved = true;
            while moved {
                moved = false;
                while let Some(t) = self.a.poll_transmit(self.now, &mut out) {
                    moved = true;
                    if let Ok(Some(Delivered::Rtp { .. })) =
                        self.b
                            .handle_datagram(self.now, t.path.reversed(), &out[..t.len])
                    {
                        let (_, p) = self.b.rtp_packet().unwrap();
                        self.media.1.push(p.payload().to_vec());
                    }
                }
                while let Some(t) = self.b.poll_transmit(self.now, &mut out) {
                    moved = true;
                    if let Ok(Some(Delivered::Rtp { .. })) =
                        self.a
                            .handle_datagram(self.now, t.path.reversed(), &out[..t.len])
                    {
                        let (_, p) = self.a.rtp_packet().unwrap();
                        self.media.0.push(p.payload().to_vec());
                    }
                }
                while let Some(e) = self.a.poll_event() {
                    self.events.0.push(e);
                }
                while let Some(e) = self.b.poll_event() {
                    self.events.1.push(e);
                }
            }
            if done(self) {
                return true;
            }
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(end);
            self.now = next.max(self.now + Duration::from_millis(1)).min(end);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
        done(self)
    }

    fn connected(&self) -> bool {
        self.a.state() == PeerState::Connected && self.b.state() == PeerState::Connected
    }
}

fn opened(events: &[PeerEvent]) -> Option<ChannelId> {
    events.iter().find_map(|e| match e {
        PeerEvent::ChannelOpen(c) => Some(*c),
        _ => None,
    })
}

#[test]
fn data_channel_messages_both_ways_after_ice_dtls_and_sctp() {
    let mut p = Pair::new(false);
    assert!(
        p.run(Duration::from_secs(10), Pair::connected),
        "{:?} / {:?}",
        p.a,
        p.b
    );
    // The connection takes the ICE agent's events after every call: its small queue
    // (peer_core::ICE_EVENTS) never overflowed.
    assert_eq!(
        (p.a.ice().events_dropped(), p.b.ice().events_dropped()),
        (0, 0)
    );
    let now = p.now;
    let ch =
        p.a.open_channel(
            now,
            ChannelConfig {
                label: "chat",
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        p.run(Duration::from_secs(5), |p| opened(&p.events.1).is_some()
            && opened(&p.events.0).is_some())
    );
    let theirs = opened(&p.events.1).unwrap();
    assert_eq!(p.b.channel_label(theirs), Some("chat"));
    // 1 B to 60 KiB, string and binary, both ways.
    let sizes = [1usize, 100, 1200, 5000, 60_000, 262_144];
    for (i, &size) in sizes.iter().enumerate() {
        let msg: Vec<u8> = (0..size).map(|j| (i * 31 + j) as u8).collect();
        let now = p.now;
        p.a.send(now, ch, MessageKind::Binary, &msg).unwrap();
        p.b.send(now, theirs, MessageKind::String, b"ack").unwrap();
        let mut got = None;
        let mut back = None;
        let mut buf = vec![0u8; 300 * 1024];
        let ok = p.run(Duration::from_secs(5), |_| true);
        assert!(ok);
        for _ in 0..50 {
            if let Some(r) = p.b.poll_message(&mut buf).unwrap() {
                got = Some((r.kind, buf[..r.len].to_vec()));
            }
            if let Some(r) = p.a.poll_message(&mut buf).unwrap() {
                back = Some((r.kind, buf[..r.len].to_vec()));
            }
            if got.is_some() && back.is_some() {
                break;
            }
            p.run(Duration::from_millis(50), |_| false);
        }
        let digest = |v: &[u8]| {
            v.iter().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
            })
        };
        assert_eq!(
            got.map(|(k, v)| (k, v.len(), digest(&v))),
            Some((MessageKind::Binary, msg.len(), digest(&msg))),
            "size {size}: states {:?} / {:?}",
            p.a.state(),
            p.b.state()
        );
        assert_eq!(back, Some((MessageKind::String, b"ack".to_vec())));
    }
}

#[test]
fn audio_frames_arrive_srtp_protected_and_decrypted_both_ways() {
    let mut p = Pair::new(true);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    let track = p.a.track_by_mid("0").unwrap();
    assert_eq!(track, TrackId(0));
    let mut out = vec![0u8; 2048];
    let mut sent = Vec::new();
    for i in 0..20u32 {
        let frame: Vec<u8> = (0..160).map(|j| (i as u8).wrapping_add(j as u8)).collect();
        let now = p.now;
        let mut fs = p.a.send_frame(now, track, i * 960, &frame).unwrap();
        let mut wire = Vec::new();
        // Every other frame, the caller takes its one packet and drops the sender without
        // asking for the end (`Ok(None)`): the next frame must come out all the same.
        let take = if i % 2 == 1 { 1 } else { usize::MAX };
        while wire.len() < take {
            let Some(t) = fs.next(&mut out).unwrap() else {
                break;
            };
            // What goes on the wire is SRTP: the payload is not in the clear.
            assert!(!out[..t.len].windows(16).any(|w| w == &frame[..16]));
            wire.push((t, out[..t.len].to_vec()));
        }
        for (t, bytes) in wire {
            if let Ok(Some(Delivered::Rtp { .. })) =
                p.b.handle_datagram(now, t.path.reversed(), &bytes)
            {
                let (tr, pkt) = p.b.rtp_packet().unwrap();
                assert_eq!(tr, TrackId(0));
                p.media.1.push(pkt.payload().to_vec());
                if i == 19 {
                    // It lies where the connection sends from: once b sends (here an RTCP
                    // report is due), it is gone — `None`, not stale bytes.
                    let mut sink = vec![0u8; 2048];
                    p.b.handle_timeout(now + Duration::from_secs(10));
                    let mut sent_any = false;
                    while p.b.poll_transmit(now, &mut sink).is_some() {
                        sent_any = true;
                    }
                    assert!(sent_any);
                    assert!(p.b.rtp_packet().is_none());
                }
            }
        }
        sent.push(frame);
    }
    assert_eq!(p.media.1, sent);
}

#[test]
fn a_server_peer_keeps_its_big_sctp_tables_off_the_stack() {
    // With `alloc`, the association (hundreds of KiB of chunk tables at 2048 chunks) is boxed:
    // the connection itself stays small enough to move around freely.
    let assoc = std::mem::size_of::<
        sctp_core::association::Association<SeededEntropy, Box<[u8]>, 16, 2048>,
    >();
    let peer = std::mem::size_of::<Peer>();
    assert!(assoc > 200_000, "{assoc}");
    assert!(peer < 100_000, "a peer connection is {peer} bytes");
}

/// A connected pair with a channel "chat" that `a` opened and both sides see open.
fn connected_with_channel() -> (Pair, ChannelId) {
    let mut p = Pair::new(false);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    let now = p.now;
    let config = ChannelConfig {
        label: "chat",
        ..Default::default()
    };
    let ch = p.a.open_channel(now, config).unwrap();
    let open = p.run(Duration::from_secs(5), |p| {
        opened(&p.events.1).is_some() && opened(&p.events.0).is_some()
    });
    assert!(open);
    (p, ch)
}

/// Closing one side as a browser's `pc.close()` does — SCTP ABORT, then DTLS close_notify —
/// ends the other side `Closed`, not `Failed`, after its channel closed. Each side in turn.
#[test]
fn closing_one_side_closes_the_other_and_its_channels() {
    for a_closes in [true, false] {
        let (mut p, _) = connected_with_channel();
        let now = p.now;
        if a_closes {
            p.a.close(now);
        } else {
            p.b.close(now);
        }
        let other = |p: &Pair| if a_closes { p.b.state() } else { p.a.state() };
        let ended = p.run(Duration::from_secs(5), |p| other(p) != PeerState::Connected);
        assert!(ended, "the other side never noticed");
        assert_eq!(other(&p), PeerState::Closed, "a_closes: {a_closes}");
        let events = if a_closes { &p.events.1 } else { &p.events.0 };
        assert!(
            events
                .iter()
                .any(|e| matches!(e, PeerEvent::ChannelClosed(_))),
            "{events:?}"
        );
    }
}

/// ICE restart by a new offer, from either side (RFC 8839 §4.4.1.1.1): both sides take new
/// credentials, a pair is selected again, and the data channel carries messages before,
/// during and after.
#[test]
fn ice_restart_by_a_new_offer_from_either_side_keeps_the_channel() {
    for answerer_restarts in [true, false] {
        let (mut p, ch) = connected_with_channel();
        let before = (
            p.a.ice().local_credentials().clone(),
            p.b.ice().local_credentials().clone(),
        );
        let selections = |events: &[PeerEvent]| {
            events
                .iter()
                .filter(|e| matches!(e, PeerEvent::SelectedPair(_)))
                .count()
        };
        let selected_before = (selections(&p.events.0), selections(&p.events.1));
        // The restarting side offers; the other answers.
        let now = p.now;
        let mut buf = vec![0u8; 8192];
        let (offerer, answerer) = if answerer_restarts {
            (&mut p.b, &mut p.a)
        } else {
            (&mut p.a, &mut p.b)
        };
        offerer.restart_ice(now);
        let n = offerer.create_offer(now, &mut buf).unwrap();
        let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
        let n = answerer.accept_offer(now, &offer, &mut buf).unwrap();
        let answer = String::from_utf8(buf[..n].to_vec()).unwrap();
        // Data still flows on the old pair while the answer travels.
        p.a.send(now, ch, MessageKind::String, b"during").unwrap();
        let offerer = if answerer_restarts {
            &mut p.b
        } else {
            &mut p.a
        };
        offerer.accept_answer(now, &answer).unwrap();
        let reselected = p.run(Duration::from_secs(10), |p| {
            selections(&p.events.0) > selected_before.0
                && selections(&p.events.1) > selected_before.1
        });
        assert!(reselected, "restart never selected a new pair");
        assert_ne!(p.a.ice().local_credentials(), &before.0);
        assert_ne!(p.b.ice().local_credentials(), &before.1);
        assert!(p.connected(), "{:?} / {:?}", p.a.state(), p.b.state());
        let now = p.now;
        p.a.send(now, ch, MessageKind::String, b"after").unwrap();
        p.run(Duration::from_millis(500), |_| false);
        let mut got = Vec::new();
        let mut buf = vec![0u8; 1024];
        while let Some(r) = p.b.poll_message(&mut buf).unwrap() {
            got.push(buf[..r.len].to_vec());
        }
        assert_eq!(
            got,
            [b"during".to_vec(), b"after".to_vec()],
            "restart by b: {answerer_restarts}"
        );
    }
}
