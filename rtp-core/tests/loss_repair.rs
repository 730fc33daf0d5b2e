//! End-to-end loss repair in virtual time: a VP8 sender with an RTX buffer and a receiver
//! with a jitter buffer, NACK tracker and keyframe requester, both driven by RTP sessions,
//! over a link with 20 ms delay and seeded random loss (retransmissions are lost too), then a
//! 1.5 s blackout — longer than the sender keeps packets — that only a keyframe can repair.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::time::Duration;
use rtp_core::jitter::{JitterBuffer, JitterConfig};
use rtp_core::keyframe::{KeyframeRequest, KeyframeRequester};
use rtp_core::nack::{NackConfig, NackTracker};
use rtp_core::ntp::NtpTime;
use rtp_core::packetize::vp8::{Vp8Depacketizer, Vp8Packetizer};
use rtp_core::packetize::{Depacketizer, FrameWriter, RtpPacketizer};
use rtp_core::rtx::{unwrap_rtx, RtxBuffer, RtxStream};
use rtp_core::session::{RtpSession, SessionConfig, SessionEvent};
use rtp_core::wire::rtcp::NackEntry;
use rtp_core::wire::RtpPacket;
use sansio::{Entropy, Instant, Path, SeededEntropy};

const MEDIA: u32 = 0x1111;
const RTX: u32 = 0x2222;
const RECV: u32 = 0x3333;
const PT: u8 = 96;
const RTX_PT: u8 = 97;
const DELAY: Duration = Duration::from_millis(20);

fn config(ssrc: u32) -> SessionConfig {
    SessionConfig {
        local_ssrc: ssrc,
        cname: heapless::String::try_from("x").unwrap(),
        clock_rate: 90_000,
        remote_clock_rate: 90_000,
        session_bandwidth: 2_000_000,
        min_interval: Duration::from_millis(500),
        ntp_at_zero: NtpTime(1 << 63),
        path: Path::udp(
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        ),
        probation: 0,
        reduced_size: true,
    }
}

/// A synthetic VP8 frame: byte 0 bit 0 clear on keyframes; the rest identifies the frame.
fn frame(n: u32, key: bool) -> Vec<u8> {
    let mut f = vec![if key { 0x00 } else { 0x01 }];
    f.extend((0..2999u32).map(|i| (n.wrapping_mul(31).wrapping_add(i) % 251) as u8));
    f
}

struct Link {
    queue: Vec<(Instant, bool, Vec<u8>)>, // (arrival, to_receiver, bytes)
    loss: u32,                            // per mille
    blackout: Option<(Instant, Instant)>,
    rng: SeededEntropy,
}

impl Link {
    fn send(&mut self, now: Instant, to_receiver: bool, bytes: &[u8]) {
        let dark = self.blackout.is_some_and(|(a, b)| now >= a && now < b);
        if dark || self.rng.below(1000) < self.loss {
            return;
        }
        self.queue.push((now + DELAY, to_receiver, bytes.to_vec()));
    }
}

#[derive(Default)]
struct Outcome {
    frames_ok: Vec<u32>,
    broken_frames: usize,
    nack_recovered: u64,
    plis_at_sender: usize,
    keyframes_sent: usize,
    rtx_sent: usize,
}

/// The buffers are built on the stack in debug builds: give them room.
fn run(loss: u32, blackout: Option<(u64, u64)>, seconds: u64) -> Outcome {
    let t = std::thread::Builder::new().stack_size(64 << 20);
    t.spawn(move || simulate(loss, blackout, seconds))
        .unwrap()
        .join()
        .unwrap()
}

fn simulate(loss: u32, blackout: Option<(u64, u64)>, seconds: u64) -> Outcome {
    let t0 = Instant::from_secs(1);
    let mut link = Link {
        queue: Vec::new(),
        loss,
        blackout: blackout
            .map(|(a, b)| (t0 + Duration::from_millis(a), t0 + Duration::from_millis(b))),
        rng: SeededEntropy::new(99),
    };
    let mut send_sess = RtpSession::<_, 4>::new(config(MEDIA), t0, SeededEntropy::new(1));
    let mut recv_sess = RtpSession::<_, 4>::new(config(RECV), t0, SeededEntropy::new(2));
    let mut pk = RtpPacketizer::new(Vp8Packetizer::new(5), PT, MEDIA, 1000, 1200);
    let mut rtx_buf = Box::new(RtxBuffer::<512, 1500>::new(Duration::from_secs(1)));
    let mut rtx_stream = RtxStream {
        ssrc: RTX,
        payload_type: RTX_PT,
        next_seq: 0,
    };
    let mut jb = Box::new(JitterBuffer::<512, 1500>::new(JitterConfig {
        max_delay: Duration::from_millis(300),
        ..JitterConfig::video()
    }));
    let mut nack = NackTracker::<256>::new(NackConfig::default());
    let mut kf = KeyframeRequester::new(KeyframeRequest::Pli, Duration::from_millis(200));
    let mut depack = Vp8Depacketizer::default();
    let mut out = Outcome::default();
    let mut waiting_key = false;
    let mut force_key = false;
    let mut buf = [0u8; 1500];
    let mut fbuf = vec![0u8; 8192];
    let end = t0 + Duration::from_secs(seconds);
    let mut now = t0;
    let mut frame_no = 0u32;
    while now < end {
        // Sender: a frame every 33 ms (keyframe every 10 s, or when asked).
        if (now - t0).as_millis() % 33 == 0 {
            let key = frame_no % 300 == 0 || std::mem::take(&mut force_key);
            out.keyframes_sent += usize::from(key);
            let f = frame(frame_no, key);
            let ts = frame_no * 3000;
            while let Some(n) = pk.next_packet(&f, ts, &mut buf).unwrap() {
                rtx_buf.insert(now, &buf[..n]);
                send_sess.on_rtp_sent(now, ts, n - 12);
                link.send(now, true, &buf[..n]);
            }
            frame_no += 1;
        }
        // Deliver what arrives now.
        let arrived: Vec<_> = link.queue.iter().filter(|q| q.0 <= now).cloned().collect();
        link.queue.retain(|q| q.0 > now);
        for (_, to_receiver, bytes) in arrived {
            if !to_receiver {
                send_sess
                    .handle_datagram(now, config(MEDIA).path, &bytes)
                    .unwrap();
                continue;
            }
            let mut restored = [0u8; 1500];
            let p = RtpPacket::new_checked(&bytes[..]).unwrap();
            let bytes = if p.ssrc() == RTX {
                let n = unwrap_rtx(&bytes, MEDIA, PT, &mut restored).unwrap();
                restored[..n].to_vec()
            } else {
                recv_sess
                    .handle_datagram(now, config(RECV).path, &bytes)
                    .unwrap();
                bytes
            };
            let p = RtpPacket::new_checked(&bytes[..]).unwrap();
            nack.on_packet(now, p.sequence_number());
            jb.push(now, &p);
        }
        // Receiver: play frames, check them, request repair.
        while let Some(f) = jb.pop_frame(now) {
            let info = f.info();
            if info.after_loss {
                depack.reset();
                waiting_key = true;
                kf.on_decoder_broken();
            }
            let first = f.payloads().next().unwrap();
            let key = depack.is_keyframe(first);
            if key {
                waiting_key = false;
                kf.on_keyframe();
            }
            let mut w = FrameWriter::new(&mut fbuf);
            let ok = f
                .payloads()
                .try_for_each(|p| depack.push(p, &mut w))
                .is_ok();
            let n = info.timestamp / 3000;
            if ok && !waiting_key && w.as_slice() == &frame(n, key)[..] {
                out.frames_ok.push(n);
            } else {
                out.broken_frames += 1;
                depack.reset();
            }
        }
        nack.set_rtt(recv_sess.rtt().unwrap_or(Duration::from_millis(40)));
        let mut entries = heapless::Vec::<NackEntry, 16>::new();
        if nack.poll_nack(now, &mut entries) > 0 {
            recv_sess.request_nack(MEDIA, &entries);
        }
        if nack.take_keyframe_request() {
            kf.on_decoder_broken();
        }
        if kf.poll_request(now).is_some() {
            recv_sess.request_pli(MEDIA);
        }
        // Sessions: timers, RTCP both ways, feedback events at the sender.
        for (sess, to_receiver) in [(&mut send_sess, true), (&mut recv_sess, false)] {
            if sess.poll_timeout().is_some_and(|t| t <= now) {
                sess.handle_timeout(now);
            }
            while let Some(t) = sess.poll_transmit(now, &mut buf) {
                link.send(now, to_receiver, &buf[..t.len]);
            }
        }
        while recv_sess.poll_event().is_some() {}
        while let Some(e) = send_sess.poll_event() {
            match e {
                SessionEvent::Nack { entry, .. } => {
                    for seq in entry.lost() {
                        let rtt = send_sess.rtt().unwrap_or(Duration::from_millis(40));
                        if let Ok(n) =
                            rtx_buf.retransmit(now, seq, rtt, Some(&mut rtx_stream), &mut buf)
                        {
                            out.rtx_sent += 1;
                            link.send(now, true, &buf[..n]);
                        }
                    }
                }
                SessionEvent::PictureLoss { .. } => {
                    out.plis_at_sender += 1;
                    force_key = true;
                }
                _ => {}
            }
        }
        now += Duration::from_millis(1);
    }
    out.nack_recovered = nack.stats().recovered;
    out
}

#[test]
fn nack_and_rtx_repair_random_loss() {
    let o = run(50, None, 20); // 5 % loss each way, retransmissions included
    let sent = 20 * 1000 / 33;
    eprintln!(
        "5% loss: {} of {sent} frames intact, {} broken, {} RTX, {} recovered",
        o.frames_ok.len(),
        o.broken_frames,
        o.rtx_sent,
        o.nack_recovered
    );
    assert!(o.rtx_sent > 50, "only {} retransmissions", o.rtx_sent);
    assert!(o.nack_recovered > 50, "only {} recovered", o.nack_recovered);
    // Nearly every frame plays intact, in order.
    assert!(
        o.frames_ok.len() * 100 >= sent * 97,
        "{} of {sent} frames intact, {} broken",
        o.frames_ok.len(),
        o.broken_frames
    );
    assert!(o.frames_ok.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn unrepairable_blackout_gets_a_keyframe_via_pli() {
    let o = run(0, Some((4000, 5500)), 9);
    assert!(o.plis_at_sender >= 1, "no PLI reached the sender");
    // Keyframes: t=0, then the one forced by the PLI (the next periodic one is at 10 s).
    assert!(
        (2..=4).contains(&o.keyframes_sent),
        "{} keyframes",
        o.keyframes_sent
    );
    // Nothing broken plays: frames from the blackout up to the keyframe are dropped.
    let before = o.frames_ok.iter().filter(|&&n| n < 4000 / 33).count() as u32;
    assert!(
        before >= 4000 / 33 - 1,
        "{before} frames before the blackout"
    );
    // Playback resumed within about half a second of the link coming back.
    let resumed = o
        .frames_ok
        .iter()
        .find(|&&n| n > 5500 / 33)
        .copied()
        .unwrap();
    eprintln!(
        "blackout: {} PLIs, resumed at frame {resumed} ({} ms)",
        o.plis_at_sender,
        resumed * 33
    );
    assert!(
        resumed < 6000 / 33,
        "playback resumed only at frame {resumed}"
    );
    // And everything after it plays.
    let after = o.frames_ok.iter().filter(|&&n| n >= resumed).count() as u32;
    assert!(
        after >= (9000 / 33 - resumed) - 2,
        "{after} frames after resuming at {resumed}"
    );
}
