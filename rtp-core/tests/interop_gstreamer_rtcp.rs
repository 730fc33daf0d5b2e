//! GStreamer's `rtpbin` RTCP into our compound parser, on 127.0.0.1 only.
//!
//! A sender `rtpbin` streams VP8 with the transport-wide sequence number extension; we
//! relay its RTP to a receiver `rtpbin` (NACK, PLI and transport-cc enabled), dropping one
//! packet in 40. Both sides send their RTCP to us. Every datagram must parse; every packet
//! must come back through [`Entry::with_repr`] as a typed repr (never the raw fallback)
//! that re-emits it byte for byte; and what the packets say must match what the relay saw:
//! SSRCs, NACKs for every dropped packet, transport-wide feedback reporting exactly the
//! dropped packets as lost.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rtp_core::wire::ext::TransportSequence;
use rtp_core::wire::rtcp::{
    emit_packets, Compound, Entry, PacketRepr, RtcpPacket, RtcpRepr, TwccStatus,
};
use rtp_core::wire::RtpPacket;
use std::collections::{BTreeMap, BTreeSet};
use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};
use support::ChildGuard;

const TWCC_URI: &str = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
const DROP_EVERY: usize = 40;
/// Packets (about 3 s) after which rtpjitterbuffer NACKs every loss.
const SETTLED: usize = 100;

fn bound() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_nonblocking(true).unwrap();
    s
}

fn port(s: &UdpSocket) -> u16 {
    s.local_addr().unwrap().port()
}

fn launch(desc: &str) -> ChildGuard {
    ChildGuard::spawn(
        Command::new("gst-launch-1.0")
            .arg("-e")
            .args(desc.split_whitespace()),
    )
}

/// What the relay saw.
#[derive(Default)]
struct Relay {
    ssrc: Option<u32>,
    forwarded: usize,
    first_seq: Option<u16>,
    total: usize,
    /// (index in the stream, sequence number) of each packet we dropped
    dropped_seq: Vec<(usize, u16)>,
    dropped_twcc: BTreeSet<u16>,
    forwarded_twcc: BTreeSet<u16>,
}

impl Relay {
    fn packet(&mut self, data: &[u8], out: &UdpSocket, to: u16) {
        let p = RtpPacket::new_checked(data).expect("rtpbin sent invalid RTP");
        assert_eq!(
            *self.ssrc.get_or_insert(p.ssrc()),
            p.ssrc(),
            "one media source"
        );
        let first = *self.first_seq.get_or_insert(p.sequence_number());
        assert_eq!(
            usize::from(p.sequence_number().wrapping_sub(first)),
            self.total,
            "reordered on loopback"
        );
        self.total += 1;
        let twcc = p
            .extension(1)
            .and_then(TransportSequence::parse)
            .expect("no transport-wide seq")
            .0;
        if (self.forwarded + self.dropped_seq.len()) % DROP_EVERY == DROP_EVERY / 2 {
            self.dropped_seq.push((self.total - 1, p.sequence_number()));
            self.dropped_twcc.insert(twcc);
        } else {
            out.send_to(data, ("127.0.0.1", to)).unwrap();
            self.forwarded += 1;
            self.forwarded_twcc.insert(twcc);
        }
    }
}

/// What [`capture`] gathered: the RTCP datagrams of the sender and the receiver, and the
/// relay's record.
type Capture = (Vec<Vec<u8>>, Vec<Vec<u8>>, Relay);

/// [`capture`] again when the sender hangs at its end: GStreamer's rtpbin sometimes never
/// completes its end of stream when started on a busy machine (reproduced here: 1 run in
/// about 8 with four busy loops on two cores; all 300 frames sent, then `gst-launch -e`
/// ignores even SIGINT). A capture that completes is checked in full.
fn capture_with_retries() -> Capture {
    for attempt in 1..=3 {
        match capture() {
            Ok(c) => return c,
            Err(why) => eprintln!("capture {attempt}: {why}"),
        }
    }
    panic!("the GStreamer sender hung at its end of stream 3 times in a row");
}

/// Run the two pipelines and the relay; `Err` when the sender does not end within 30 s (its
/// 300 frames take 10).
fn capture() -> Result<Capture, String> {
    let (sr_sock, rr_sock, relay_sock) = (bound(), bound(), bound());
    let rx_port = support::free_udp_port();
    let receiver = launch(&format!(
        "rtpbin name=rx latency=1000 do-retransmission=true \
         udpsrc address=127.0.0.1 port={rx_port} caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96,extmap-1=(string){TWCC_URI},rtcp-fb-transport-cc=(boolean)true,rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true \
         ! rx.recv_rtp_sink_0 rx. ! rtpvp8depay request-keyframe=true ! fakesink \
         rx.send_rtcp_src_0 ! udpsink host=127.0.0.1 port={} sync=false async=false",
        port(&rr_sock)
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while UdpSocket::bind(("127.0.0.1", rx_port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "receiver never bound port {rx_port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut sender = Some(launch(&format!(
        "rtpbin name=tx videotestsrc num-buffers=300 is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 \
         ! vp8enc deadline=1 ! rtpvp8pay ! application/x-rtp,extmap-1=(string){TWCC_URI} ! tx.send_rtp_sink_0 \
         tx.send_rtp_src_0 ! udpsink host=127.0.0.1 port={} \
         tx.send_rtcp_src_0 ! udpsink host=127.0.0.1 port={} sync=false async=false",
        port(&relay_sock),
        port(&sr_sock)
    )));
    let (mut from_sender, mut from_receiver, mut relay) =
        (Vec::new(), Vec::new(), Relay::default());
    let started = Instant::now();
    let mut stop_at = None;
    let mut buf = [0u8; 2048];
    loop {
        let mut idle = true;
        while let Ok(n) = relay_sock.recv(&mut buf) {
            relay.packet(&buf[..n], &relay_sock, rx_port);
            idle = false;
        }
        for (sock, list) in [(&sr_sock, &mut from_sender), (&rr_sock, &mut from_receiver)] {
            while let Ok(n) = sock.recv(&mut buf) {
                list.push(buf[..n].to_vec());
                idle = false;
            }
        }
        if sender
            .as_mut()
            .is_some_and(|s| s.0.try_wait().unwrap().is_some())
        {
            let (status, _, err) = sender.take().unwrap().wait_output(Duration::from_secs(1));
            assert!(status.unwrap().success(), "sender failed: {err}");
            stop_at = Some(Instant::now() + Duration::from_secs(2)); // a last RR, the BYE
        }
        if stop_at.is_some_and(|t| Instant::now() > t) {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let said = |g: Option<ChildGuard>| g.map(|g| g.wait_output(Duration::ZERO).2);
            return Err(format!(
                "the sender never ended ({} RTP packets relayed, {} RTCP from the sender, {} from the receiver); sender said {:?}",
                relay.total,
                from_sender.len(),
                from_receiver.len(),
                said(sender.take()),
            ));
        }
        if idle {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    receiver.interrupt();
    let (_, _, err) = receiver.wait_output(Duration::from_secs(5));
    assert!(!err.contains("ERROR"), "receiver failed: {err}");
    Ok((from_sender, from_receiver, relay))
}

/// Re-emit every packet of `datagram` through its repr; returns the repr kinds. Panics on
/// any difference or raw fallback.
fn reemit(datagram: &[u8]) -> Vec<&'static str> {
    assert!(
        Compound::validate(datagram).is_ok(),
        "does not parse: {datagram:02x?}"
    );
    let entries: Vec<Entry<'_>> = Compound::new(datagram)
        .entries()
        .map(Result::unwrap)
        .collect();
    let mut kinds = Vec::new();
    let mut whole = vec![0u8; datagram.len()];
    let mut pos = 0;
    for e in &entries {
        assert_eq!(e.offset, pos);
        e.with_repr(|p: &PacketRepr<'_>| {
            let kind = match p.repr {
                RtcpRepr::SenderReport(_) => "SR",
                RtcpRepr::ReceiverReport(_) => "RR",
                RtcpRepr::Sdes(_) => "SDES",
                RtcpRepr::Bye(_) => "BYE",
                RtcpRepr::Nack(_) => "NACK",
                RtcpRepr::Pli(_) => "PLI",
                RtcpRepr::Fir(_) => "FIR",
                RtcpRepr::TransportCc(_) => "TWCC",
                _ => panic!("no typed repr for {:?} in {datagram:02x?}", e.packet),
            };
            kinds.push(kind);
            let n = emit_packets(&[*p], &mut whole[pos..]).unwrap();
            assert_eq!(
                &whole[pos..pos + n],
                e.bytes(),
                "{kind} re-emitted differently: {p:?}"
            );
        });
        pos += e.len;
    }
    assert_eq!(whole, datagram);
    kinds
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, rtpbin, vp8enc, rtphdrexttwcc); run `cargo xtask test`"]
fn gstreamer_rtpbin_rtcp_to_our_compound_parser() {
    support::require("gst-launch-1.0");
    support::require_gst_elements(&[
        "rtpbin",
        "vp8enc",
        "rtpvp8pay",
        "rtpvp8depay",
        "rtphdrexttwcc",
    ]);
    let (from_sender, from_receiver, relay) = capture_with_retries();
    let media = relay.ssrc.expect("no RTP reached the relay");
    assert!(
        relay.dropped_seq.len() >= 5,
        "dropped {} packets",
        relay.dropped_seq.len()
    );
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for d in from_sender.iter().chain(&from_receiver) {
        for k in reemit(d) {
            *seen.entry(k).or_default() += 1;
        }
    }
    for k in ["SR", "RR", "SDES", "BYE", "NACK", "PLI", "TWCC"] {
        assert!(seen.contains_key(k), "rtpbin sent no {k}: {seen:?}");
    }
    check_sender(&from_sender, media);
    check_receiver(&from_receiver, media, &relay);
}

/// The sender's SRs and BYE are about the media source; every SDES carries a CNAME.
fn check_sender(datagrams: &[Vec<u8>], media: u32) {
    let mut bye = false;
    for d in datagrams {
        for p in Compound::new(d).map(Result::unwrap) {
            match p {
                RtcpPacket::SenderReport(sr) => assert_eq!(sr.ssrc(), media),
                RtcpPacket::Sdes(s) => {
                    assert!(s.chunks().all(|c| c.ssrc() == media && c.cname().is_some()))
                }
                RtcpPacket::Bye(b) => bye |= b.sources().eq([media]),
                other => panic!("sender sent {other:?}"),
            }
        }
    }
    assert!(bye, "no BYE for {media:08x} at end of stream");
}

/// The receiver reports on the media source, NACKs only what we dropped, and its
/// transport-wide feedback marks exactly the dropped packets as lost.
fn check_receiver(datagrams: &[Vec<u8>], media: u32, relay: &Relay) {
    let (mut nacked, mut reported) = (BTreeSet::new(), 0);
    for d in datagrams {
        for p in Compound::new(d).map(Result::unwrap) {
            match p {
                RtcpPacket::ReceiverReport(rr) => {
                    assert!(rr.report_blocks().all(|b| b.ssrc == media))
                }
                RtcpPacket::Sdes(s) => assert!(s.chunks().all(|c| c.cname().is_some())),
                RtcpPacket::Nack(n) => {
                    assert_eq!(n.media_ssrc(), media);
                    nacked.extend(n.lost());
                }
                RtcpPacket::Pli(p) => assert_eq!(p.media_ssrc, media),
                RtcpPacket::TransportCc(t) => {
                    assert_eq!(t.media_ssrc(), media);
                    for pkt in t.packets() {
                        let lost = pkt.status == TwccStatus::NotReceived;
                        assert_eq!(
                            lost,
                            relay.dropped_twcc.contains(&pkt.seq),
                            "TWCC seq {}: {:?}",
                            pkt.seq,
                            pkt.status
                        );
                        assert!(lost || relay.forwarded_twcc.contains(&pkt.seq));
                        reported += 1;
                    }
                }
                RtcpPacket::Bye(_) => {}
                other => panic!("receiver sent {other:?}"),
            }
        }
    }
    // rtpjitterbuffer also NACKs packets that are only late by its timing estimate (and,
    // at the end, the packets it expected after the last one), so a NACK may name a packet
    // we forwarded; and in its first seconds it may not NACK yet. Every packet we dropped
    // after that must be NACKed.
    let first = relay.first_seq.unwrap();
    let strangers: Vec<&u16> = nacked
        .iter()
        .filter(|&&s| usize::from(s.wrapping_sub(first)) > relay.total + 8)
        .collect();
    assert!(
        strangers.is_empty(),
        "NACKed {strangers:?}: not in the stream"
    );
    let settled: Vec<u16> = relay
        .dropped_seq
        .iter()
        .filter(|(i, _)| *i >= SETTLED)
        .map(|(_, s)| *s)
        .collect();
    assert!(settled.len() >= 4, "dropped {:?}", relay.dropped_seq);
    let missed: Vec<&u16> = settled.iter().filter(|s| !nacked.contains(s)).collect();
    assert!(
        missed.is_empty(),
        "dropped {missed:?} never NACKed (NACKed {nacked:?})"
    );
    assert!(
        reported > relay.forwarded / 2,
        "TWCC reported {reported} of {} packets",
        relay.forwarded
    );
}
