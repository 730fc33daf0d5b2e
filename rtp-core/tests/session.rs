//! Two RTP sessions over a simulated link with virtual time: reports, RTT, loss, NTP/RTP
//! mapping, feedback and BYE, end to end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::time::Duration;
use rtp_core::ntp::NtpTime;
use rtp_core::session::{RtpSession, SessionConfig, SessionEvent};
use rtp_core::wire::rtcp::{Compound, NackEntry, RtcpPacket};
use rtp_core::wire::RtpHeader;
use sansio::{Instant, Path, SeededEntropy};

const A: u32 = 0xAAAA_0001;
const B: u32 = 0xBBBB_0002;
const DELAY: Duration = Duration::from_millis(25);
const NTP0: NtpTime = NtpTime(0xE000_0000_0000_0000);

fn config(ssrc: u32) -> SessionConfig {
    SessionConfig {
        local_ssrc: ssrc,
        cname: heapless::String::try_from("peer@example").unwrap(),
        clock_rate: 90_000,
        remote_clock_rate: 90_000,
        session_bandwidth: 2_000_000,
        min_interval: Duration::from_secs(1),
        ntp_at_zero: NTP0,
        path: Path::udp(
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        ),
        probation: 0,
        reduced_size: false,
    }
}

type Session = RtpSession<SeededEntropy, 4>;

struct Sim {
    now: Instant,
    a: Session,
    b: Session,
    /// (deliver at, to_b, bytes)
    wire: Vec<(Instant, bool, Vec<u8>)>,
    events_a: Vec<SessionEvent>,
    events_b: Vec<SessionEvent>,
    rtcp_from_a: usize,
    sent_ts: Vec<(Instant, u32)>,
}

impl Sim {
    fn new() -> Self {
        Sim {
            now: Instant::ZERO,
            a: Session::new(config(A), Instant::ZERO, SeededEntropy::new(1)),
            b: Session::new(config(B), Instant::ZERO, SeededEntropy::new(2)),
            wire: Vec::new(),
            events_a: Vec::new(),
            events_b: Vec::new(),
            rtcp_from_a: 0,
            sent_ts: Vec::new(),
        }
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 1500];
        for to_b in [true, false] {
            let s = if to_b { &mut self.a } else { &mut self.b };
            if s.poll_timeout().is_some_and(|t| t <= self.now) {
                s.handle_timeout(self.now);
            }
            while let Some(t) = s.poll_transmit(self.now, &mut buf) {
                if to_b {
                    self.rtcp_from_a += 1;
                }
                self.wire
                    .push((self.now + DELAY, to_b, buf[..t.len].to_vec()));
            }
        }
        let now = self.now;
        let due: Vec<_> = self.wire.iter().filter(|w| w.0 <= now).cloned().collect();
        self.wire.retain(|w| w.0 > now);
        let path = config(A).path;
        for (_, to_b, bytes) in due {
            let s = if to_b { &mut self.b } else { &mut self.a };
            s.handle_datagram(now, path, &bytes).unwrap();
        }
        while let Some(e) = self.a.poll_event() {
            self.events_a.push(e);
        }
        while let Some(e) = self.b.poll_event() {
            self.events_b.push(e);
        }
    }

    /// Run for `d`, A sending a 90 kHz video packet every 20 ms, dropping every 10th.
    fn run(&mut self, d: Duration, send: bool) {
        let end = self.now + d;
        let mut seq = 0u16;
        while self.now < end {
            let ms = self.now.as_millis();
            if send && ms % 20 == 0 {
                let ts = (ms * 90) as u32;
                let h = RtpHeader {
                    payload_type: 96,
                    sequence_number: seq,
                    timestamp: ts,
                    ssrc: A,
                    ..Default::default()
                };
                let mut buf = [0u8; 200];
                let n = h.emit(&[0u8; 100], &mut buf).unwrap();
                self.a.on_rtp_sent(self.now, ts, 100);
                self.sent_ts.push((self.now, ts));
                if seq % 10 != 9 {
                    self.wire.push((self.now + DELAY, true, buf[..n].to_vec()));
                }
                seq = seq.wrapping_add(1);
            }
            self.pump();
            self.now += Duration::from_millis(1);
        }
    }
}

#[test]
fn reports_rtt_loss_and_lip_sync() {
    let mut sim = Sim::new();
    sim.run(Duration::from_secs(20), true);
    // RTT: two 25 ms hops.
    let rtts: Vec<Duration> = sim
        .events_a
        .iter()
        .filter_map(|e| match e {
            SessionEvent::RoundTripTime { rtt } => Some(*rtt),
            _ => None,
        })
        .collect();
    assert!(!rtts.is_empty(), "no RTT measured: {:?}", sim.events_a);
    for r in &rtts {
        assert!(
            r.abs_diff(Duration::from_millis(50)) < Duration::from_millis(2),
            "rtt {r:?}"
        );
    }
    assert_eq!(
        sim.a.rtt().map(|r| r.as_millis()),
        Some(rtts.last().unwrap().as_millis())
    );
    // Loss: 10 % → fraction about 26/256, cumulative about a tenth of the packets.
    let blocks: Vec<_> = sim
        .events_a
        .iter()
        .filter_map(|e| match e {
            SessionEvent::ReceptionReport { reporter: B, block } => Some(*block),
            _ => None,
        })
        .collect();
    let last = blocks.last().unwrap();
    assert!((20..=32).contains(&last.fraction_lost), "{last:?}");
    let expected_lost = i64::from(last.extended_highest_seq + 1) / 10;
    assert!(
        (i64::from(last.cumulative_lost) - expected_lost).abs() <= 1,
        "{last:?}"
    );
    assert!(
        last.jitter < 10,
        "no jitter on a fixed-delay link: {last:?}"
    );
    // Interval: 1 s minimum, randomised ×[0.5, 1.5]/1.218 → between about 13 and 40 in 20 s.
    assert!(
        (13..=40).contains(&sim.rtcp_from_a),
        "{} reports",
        sim.rtcp_from_a
    );
    // Lip sync: B maps A's RTP timestamps back to the NTP time they were sent.
    assert!(sim
        .events_b
        .iter()
        .any(|e| matches!(e, SessionEvent::SenderReport { ssrc: A, .. })));
    assert!(sim.events_b.contains(&SessionEvent::NewSource { ssrc: A }));
    let (sent_at, ts) = sim.sent_ts[sim.sent_ts.len() - 5];
    let ntp = sim.b.rtp_to_ntp(A, ts, 90_000).unwrap();
    let want = NtpTime::at(sent_at, NTP0);
    let diff_us = ((ntp.0 as i128 - want.0 as i128).abs() * 1_000_000) >> 32;
    assert!(diff_us < 1000, "lip sync off by {diff_us} µs");
    let st = sim.b.source_stats(A).unwrap();
    assert!((880..=900).contains(&st.received()), "{}", st.received());
}

#[test]
fn feedback_reaches_the_sender() {
    let mut sim = Sim::new();
    sim.run(Duration::from_millis(100), true);
    sim.b.request_nack(A, &[NackEntry { pid: 9, blp: 0b1 }]);
    sim.b.request_pli(A);
    sim.b.request_fir(A);
    sim.b.send_remb(750_000, &[A]);
    sim.run(Duration::from_millis(100), true);
    let ev = &sim.events_a;
    assert!(
        ev.contains(&SessionEvent::Nack {
            media_ssrc: A,
            entry: NackEntry { pid: 9, blp: 1 }
        }),
        "{ev:?}"
    );
    assert!(ev.contains(&SessionEvent::PictureLoss { media_ssrc: A }));
    assert!(ev.contains(&SessionEvent::FullIntraRequest {
        media_ssrc: A,
        seq: 1
    }));
    assert!(ev.iter().any(
        |e| matches!(e, SessionEvent::Remb { bitrate } if (740_000..=750_000).contains(bitrate))
    ));
}

#[test]
fn bye_and_timeout_remove_sources() {
    let mut sim = Sim::new();
    sim.run(Duration::from_secs(3), true);
    sim.a.close();
    sim.run(Duration::from_millis(100), false);
    assert!(sim.a.is_closed());
    assert!(
        sim.events_b.contains(&SessionEvent::SourceLeft { ssrc: A }),
        "{:?}",
        sim.events_b
    );
    assert_eq!(sim.a.poll_timeout(), None);
    // B is silent towards a fresh A': after 5 intervals B times A' out.
    let mut sim = Sim::new();
    sim.run(Duration::from_secs(2), true);
    sim.a.close();
    let mut buf = [0u8; 1500];
    let _ = sim.a.poll_transmit(sim.now, &mut buf); // the BYE is lost on the way
    sim.run(Duration::from_secs(40), false);
    assert!(
        sim.events_b
            .contains(&SessionEvent::SourceTimedOut { ssrc: A }),
        "{:?}",
        sim.events_b
    );
}

#[test]
fn garbage_is_rejected_without_state_change() {
    let mut s = Session::new(config(A), Instant::ZERO, SeededEntropy::new(1));
    let path = config(A).path;
    assert_eq!(
        s.handle_datagram(Instant::ZERO, path, &[0, 1, 0, 0]),
        Err(sansio::Rejected::NotForUs)
    );
    assert_eq!(
        s.handle_datagram(Instant::ZERO, path, &[0x81, 201, 0, 9]),
        Err(sansio::Rejected::Malformed)
    );
    assert_eq!(
        s.handle_datagram(Instant::ZERO, path, &[0x80, 96, 0]),
        Err(sansio::Rejected::Malformed)
    );
    assert!(s.poll_event().is_none());
    assert_eq!(s.stats().rtcp_received, 0);
}

/// An RTP packet with 8 bytes of payload from `ssrc`.
fn packet(ssrc: u32, sequence_number: u16) -> Vec<u8> {
    let h = RtpHeader {
        payload_type: 96,
        sequence_number,
        ssrc,
        ..Default::default()
    };
    let mut buf = [0u8; 64];
    let n = h.emit(&[0; 8], &mut buf).unwrap();
    buf[..n].to_vec()
}

#[test]
fn ssrc_flood_is_bounded() {
    let mut s = Session::new(config(A), Instant::ZERO, SeededEntropy::new(1));
    let path = config(A).path;
    for i in 0..1000u32 {
        let p = packet(0x1000 + i, i as u16);
        s.handle_datagram(Instant::from_millis(u64::from(i)), path, &p)
            .unwrap();
    }
    // 4 sources tracked, the rest counted and ignored; events are bounded too.
    assert_eq!(s.stats().sources_ignored, 996);
    assert!(s.source_stats(0x1000).is_some() && s.source_stats(0x1000 + 999).is_none());
    let mut events = 0;
    while s.poll_event().is_some() {
        events += 1;
    }
    assert_eq!(events, 4);
}

/// `EV` bounds the event queue: new sources beyond it are still tracked, their events
/// dropped and counted; each slot saved is a whole event.
#[test]
fn the_event_queue_is_sized_by_ev() {
    type Small = RtpSession<SeededEntropy, 4, 2>;
    let event = core::mem::size_of::<SessionEvent>();
    assert!(
        core::mem::size_of::<Small>() + 30 * event <= core::mem::size_of::<Session>(),
        "{} vs {}",
        core::mem::size_of::<Small>(),
        core::mem::size_of::<Session>()
    );
    let mut s = Small::new(config(A), Instant::ZERO, SeededEntropy::new(1));
    let path = config(A).path;
    for i in 0..3u32 {
        s.handle_datagram(Instant::ZERO, path, &packet(0x1000 + i, 0))
            .unwrap();
    }
    assert!(s.source_stats(0x1002).is_some());
    assert_eq!(s.stats().events_dropped, 1);
    let got: Vec<SessionEvent> = core::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(
        got,
        [
            SessionEvent::NewSource { ssrc: 0x1000 },
            SessionEvent::NewSource { ssrc: 0x1001 }
        ]
    );
}

/// `FB` bounds the feedback queue: what does not fit is dropped and counted, what fits goes
/// out, one message with each RTCP packet; each slot saved is a whole message.
#[test]
fn the_feedback_queue_is_sized_by_fb() {
    type Tight = RtpSession<SeededEntropy, 4, { rtp_core::session::EVENTS }, 2>;
    assert!(
        core::mem::size_of::<Tight>() + 6 * 60 <= core::mem::size_of::<Session>(),
        "{} vs {}",
        core::mem::size_of::<Tight>(),
        core::mem::size_of::<Session>()
    );
    let mut s = Tight::new(config(A), Instant::ZERO, SeededEntropy::new(1));
    s.request_pli(B);
    s.request_fir(B);
    s.request_pli(B);
    assert_eq!(s.stats().feedback_dropped, 1);
    let mut out = [0u8; 1500];
    let mut sent = Vec::new();
    while let Some(t) = s.poll_transmit(Instant::ZERO, &mut out) {
        sent.push(out[..t.len].to_vec());
    }
    assert_eq!(sent.len(), 2, "one feedback message a packet, two queued");
    let kinds = |p: &[u8]| -> Vec<(bool, bool)> {
        Compound::new(p)
            .map(|r| r.unwrap())
            .map(|r| {
                (
                    matches!(r, RtcpPacket::Pli(_)),
                    matches!(r, RtcpPacket::Fir(_)),
                )
            })
            .filter(|&(pli, fir)| pli || fir)
            .collect()
    };
    assert_eq!(kinds(&sent[0]), [(true, false)], "the PLI first");
    assert_eq!(kinds(&sent[1]), [(false, true)], "then the FIR");
}
