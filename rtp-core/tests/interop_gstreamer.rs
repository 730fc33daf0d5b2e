//! Media interop with GStreamer, on 127.0.0.1 only.
//!
//! * GStreamer's `rtph264pay` sends H.264 to our jitter buffer and depacketizer, which must
//!   rebuild every access unit exactly as `x264enc` produced it (compared NAL by NAL).
//! * GStreamer's `rtpvp8pay` and `rtpopuspay` packets, captured once to a file
//!   (`rtpstreampay`, RFC 4571 framing), go both to GStreamer's own `rtpvp8depay` /
//!   `rtpopusdepay` and to our depacketizers: every frame must come out bit for bit the
//!   same, and our payload views must report what GStreamer was asked for and did (VP8
//!   keyframes exactly where `vp8enc` flagged them, their width and height, 15-bit picture
//!   IDs; Opus TOC configuration, frame count and duration for three `opusenc` settings,
//!   matching the payloader's RTP timestamps).
//! * `rtpbin`'s RTCP (a VP8 sender; a receiver with NACK, PLI and transport-cc behind a
//!   lossy relay we run) goes to our compound parser: every datagram parses, every packet
//!   re-emits byte for byte through its typed repr, and what the packets say matches the
//!   relay's record (NACKs and TWCC losses name exactly the packets we dropped).
//! * Our H.264, VP8 and Opus packetizers feed `rtph264depay ! avdec_h264`,
//!   `rtpvp8depay ! vp8dec` and `rtpopusdepay ! opusdec`. Video must decode to exactly the
//!   frames GStreamer decodes from the encoder's own output (byte-identical YUV, every
//!   frame); audio must decode to exactly one 20 ms frame per packet of the encoded sine.
//!
//! A broken packetizer fails these: a corrupted or misordered fragment changes the decoded
//! pixels or drops frames; a wrong timestamp or marker bit makes the depayloader merge or
//! split frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rtp_core::jitter::{JitterBuffer, JitterConfig};
use rtp_core::packetize::h264::{nal_units, H264Depacketizer, H264Packetizer};
use rtp_core::packetize::opus::{packet_samples, OpusDepacketizer, OpusPacketizer};
use rtp_core::packetize::vp8::{Vp8Depacketizer, Vp8Packetizer};
use rtp_core::packetize::{Depacketizer, FrameWriter, Packetizer, RtpPacketizer};
use rtp_core::wire::payload::opus::{Bandwidth, Mode, Toc};
use rtp_core::wire::payload::vp8::{FrameHeaderRepr, PayloadDescriptor, PictureId};
use rtp_core::wire::RtpPacket;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::ChildGuard;

const W: usize = 640;
const H: usize = 480;
const FRAMES: usize = 60;

fn gst(args: &[String]) {
    support::require("gst-launch-1.0");
    let mut cmd = Command::new("gst-launch-1.0");
    cmd.arg("-q").args(args);
    let (_, err) = support::run(&mut cmd, Duration::from_secs(120));
    assert!(
        !err.contains("ERROR"),
        "gst-launch-1.0 {args:?} failed:\n{err}"
    );
}

fn pipeline(desc: &str) -> Vec<String> {
    desc.split_whitespace().map(str::to_owned).collect()
}

/// The files written by `multifilesink`, in order.
fn frame_files(dir: &Path, prefix: &str) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// NAL units of an Annex-B access unit, access unit delimiters left out.
fn nals(au: &[u8]) -> Vec<Vec<u8>> {
    nal_units(au)
        .map(|(s, e)| au[s..e].to_vec())
        .filter(|n| n[0] & 0x1F != 9)
        .collect()
}

/// Packetize `frames` and send them to 127.0.0.1:`port`, paced like a live source.
fn send_frames<P: Packetizer>(
    mut pk: RtpPacketizer<P>,
    frames: &[Vec<u8>],
    step: impl Fn(&[u8]) -> u32,
    port: u16,
) -> usize {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut ts = 0x1000u32;
    let mut buf = [0u8; 1500];
    let mut sent = 0;
    for f in frames {
        while let Some(n) = pk.next_packet(f, ts, &mut buf).unwrap() {
            assert!(n <= 1200);
            sock.send_to(&buf[..n], ("127.0.0.1", port)).unwrap();
            sent += 1;
            if sent % 20 == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        ts = ts.wrapping_add(step(f));
        std::thread::sleep(Duration::from_millis(3));
    }
    sent
}

/// Start a receiving pipeline, wait until its UDP port is bound.
fn start_receiver(port: u16, rest: &str, out: &Path) -> ChildGuard {
    support::require("gst-launch-1.0");
    let desc = format!("udpsrc address=127.0.0.1 port={port} buffer-size=4194304 {rest} ! filesink buffer-mode=unbuffered location={}", out.display());
    let guard = ChildGuard::spawn(
        Command::new("gst-launch-1.0")
            .arg("-e")
            .args(pipeline(&desc)),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while UdpSocket::bind(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "receiver never bound port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300)); // let it reach PLAYING
    guard
}

/// Wait for `out` to reach `want` bytes, then EOS the receiver; returns its stderr.
fn finish_receiver(guard: ChildGuard, out: &Path, want: usize) -> String {
    // Until the output is complete, or stopped growing for a second (the decoder may hold
    // its last frames until EOS).
    let deadline = Instant::now() + Duration::from_secs(20);
    let size = || std::fs::metadata(out).map_or(0, |m| m.len() as usize);
    let (mut last, mut since) = (size(), Instant::now());
    while size() < want && Instant::now() < deadline && since.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(100));
        if size() != last {
            (last, since) = (size(), Instant::now());
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    guard.interrupt();
    let (_, _, err) = guard.wait_output(Duration::from_secs(10));
    err
}

fn assert_same_video(out: &Path, reference: &Path, stderr: &str) {
    let got = std::fs::read(out).unwrap();
    let want = std::fs::read(reference).unwrap();
    let frame = W * H * 3 / 2;
    assert_eq!(want.len(), FRAMES * frame, "reference decode incomplete");
    assert!(
        !stderr.contains("WARNING") && !stderr.contains("ERROR"),
        "receiver complained:\n{stderr}"
    );
    assert_eq!(
        got.len(),
        want.len(),
        "decoded {} of {FRAMES} frames\n{stderr}",
        got.len() / frame
    );
    for (i, (g, w)) in got.chunks(frame).zip(want.chunks(frame)).enumerate() {
        assert!(
            g == w,
            "decoded frame {i} differs from the reference decode"
        );
    }
}

fn video_source() -> String {
    format!("videotestsrc num-buffers={FRAMES} pattern=smpte horizontal-speed=5 ! video/x-raw,width={W},height={H},framerate=30/1,format=I420")
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, x264enc, avdec_h264); run `cargo xtask test`"]
fn gstreamer_h264_to_our_depacketizer() {
    // The 1.5 MB jitter buffer is built on the stack in debug builds.
    let t = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(h264_in)
        .unwrap();
    if let Err(e) = t.join() {
        std::panic::resume_unwind(e);
    }
}

fn h264_in() {
    let dir = support::scratch("gst-h264-in");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    support::require("gst-launch-1.0");
    let desc = format!(
        "{} ! x264enc tune=zerolatency key-int-max=30 bitrate=2000 ! video/x-h264,stream-format=byte-stream,alignment=au \
         ! tee name=t ! queue ! rtph264pay mtu=1200 pt=96 aggregate-mode=zero-latency ! udpsink host=127.0.0.1 port={port} sync=true \
         t. ! queue ! multifilesink location={}/g%05d.h264",
        video_source().replace("videotestsrc", "videotestsrc is-live=true"),
        dir.display()
    );
    let sender = ChildGuard::spawn(Command::new("gst-launch-1.0").args(pipeline(&desc)));

    let mut jb = Box::new(JitterBuffer::<1024, 1500>::new(JitterConfig::video()));
    let mut depack = H264Depacketizer::new();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut frame_buf = vec![0u8; 1 << 20];
    let mut buf = [0u8; 2048];
    let (mut packets, mut stap, mut fu) = (0, 0, 0);
    let started = Instant::now();
    let mut quiet_since: Option<Instant> = None;
    let mut sender = Some(sender);
    loop {
        if let Ok(n) = sock.recv(&mut buf) {
            quiet_since = None;
            let p = RtpPacket::new_checked(&buf[..n]).expect("GStreamer sent invalid RTP");
            packets += 1;
            match p.payload()[0] & 0x1F {
                24 => stap += 1,
                28 => fu += 1,
                _ => {}
            }
            jb.push(
                sansio::Instant::from_micros(started.elapsed().as_micros() as u64),
                &p,
            );
        } else if sender
            .as_mut()
            .is_some_and(|s| s.0.try_wait().unwrap().is_some())
        {
            let (status, _, err) = sender.take().unwrap().wait_output(Duration::from_secs(1));
            assert!(status.unwrap().success(), "sender failed: {err}");
            quiet_since = Some(Instant::now());
        }
        let now = sansio::Instant::from_micros(started.elapsed().as_micros() as u64);
        while let Some(f) = jb.pop_frame(now) {
            assert!(!f.info().after_loss, "packets lost on loopback");
            let mut w = FrameWriter::new(&mut frame_buf);
            for p in f.payloads() {
                depack.push(p, &mut w).unwrap();
            }
            frames.push(w.as_slice().to_vec());
        }
        if sender.is_none() && quiet_since.is_some_and(|t| t.elapsed() > Duration::from_millis(500))
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "timed out");
    }
    let want = frame_files(&dir, "g");
    assert_eq!(want.len(), FRAMES);
    assert!(
        stap > 0 && fu > 0,
        "expected STAP-A and FU-A packets (got {stap}, {fu} of {packets})"
    );
    assert_eq!(
        frames.len(),
        FRAMES,
        "reassembled {} of {FRAMES} frames from {packets} packets",
        frames.len()
    );
    for (i, (got, want)) in frames.iter().zip(&want).enumerate() {
        assert_eq!(nals(got), nals(want), "access unit {i} differs");
    }
    assert_eq!(jb.stats().lost, 0);
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, x264enc, avdec_h264); run `cargo xtask test`"]
fn our_h264_packetizer_to_gstreamer() {
    let dir = support::scratch("gst-h264-out");
    let d = dir.display();
    let src = video_source();
    gst(&pipeline(&format!(
        "{src} ! x264enc tune=zerolatency key-int-max=30 bitrate=2000 ! video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline ! multifilesink location={d}/f%05d.h264"
    )));
    gst(&pipeline(&format!(
        "multifilesrc location={d}/f%05d.h264 stop-index={} caps=video/x-h264,stream-format=byte-stream,alignment=au,width={W},height={H},framerate=30/1 ! avdec_h264 ! video/x-raw,format=I420 ! filesink location={d}/ref.yuv",
        FRAMES - 1
    )));
    let frames = frame_files(&dir, "f");
    assert_eq!(frames.len(), FRAMES);
    assert!(frames[0].len() > 3000, "first frame should need FU-A");
    let port = support::free_udp_port();
    let out = dir.join("out.yuv");
    let rx = start_receiver(port, "caps=application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96 ! rtph264depay ! avdec_h264 ! video/x-raw,format=I420", &out);
    let pk = RtpPacketizer::new(H264Packetizer::new(), 96, 0x5151_5151, 40_000, 1200);
    let sent = send_frames(pk, &frames, |_| 3000, port);
    assert!(sent > FRAMES);
    let err = finish_receiver(rx, &out, FRAMES * W * H * 3 / 2);
    assert_same_video(&out, &dir.join("ref.yuv"), &err);
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, vp8enc, vp8dec); run `cargo xtask test`"]
fn our_vp8_packetizer_to_gstreamer() {
    let dir = support::scratch("gst-vp8-out");
    let d = dir.display();
    let src = video_source();
    gst(&pipeline(&format!("{src} ! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=2000000 ! multifilesink location={d}/v%05d.vp8")));
    gst(&pipeline(&format!(
        "multifilesrc location={d}/v%05d.vp8 stop-index={} caps=video/x-vp8,width={W},height={H},framerate=30/1 ! vp8dec ! video/x-raw,format=I420 ! filesink location={d}/ref.yuv",
        FRAMES - 1
    )));
    let frames = frame_files(&dir, "v");
    assert_eq!(frames.len(), FRAMES);
    assert!(
        frames[0].len() > 3000,
        "the keyframe should span several packets"
    );
    let port = support::free_udp_port();
    let out = dir.join("out.yuv");
    let rx = start_receiver(port, "caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 ! rtpvp8depay ! vp8dec ! video/x-raw,format=I420", &out);
    let pk = RtpPacketizer::new(Vp8Packetizer::new(1234), 96, 0x7878_7878, 7, 1200);
    send_frames(pk, &frames, |_| 3000, port);
    let err = finish_receiver(rx, &out, FRAMES * W * H * 3 / 2);
    assert_same_video(&out, &dir.join("ref.yuv"), &err);
}

/// Frequency of a mono S16LE signal from its zero crossings.
fn frequency(pcm: &[u8], rate: f64) -> f64 {
    let s: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    let crossings = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    crossings as f64 / 2.0 / (s.len() as f64 / rate)
}

/// The pre-skip of the Ogg Opus stream (RFC 7845 §5.1), in samples.
fn pre_skip(ogg: &[u8]) -> usize {
    let at = ogg
        .windows(8)
        .position(|w| w == b"OpusHead")
        .expect("no OpusHead");
    usize::from(u16::from_le_bytes([ogg[at + 10], ogg[at + 11]]))
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, opusenc, opusdec); run `cargo xtask test`"]
fn our_opus_packetizer_to_gstreamer() {
    let dir = support::scratch("gst-opus-out");
    let d = dir.display();
    // The same packets go to per-packet files (for us) and to an Ogg file (for a reference
    // decode by GStreamer itself).
    gst(&pipeline(&format!(
        "audiotestsrc num-buffers=100 samplesperbuffer=960 wave=sine freq=440 volume=0.5 ! audio/x-raw,rate=48000,channels=1 \
         ! opusenc frame-size=20 ! tee name=t ! queue ! multifilesink location={d}/o%05d.opus t. ! queue ! oggmux ! filesink location={d}/ref.ogg"
    )));
    gst(&pipeline(&format!(
        "filesrc location={d}/ref.ogg ! oggdemux ! opusdec ! audio/x-raw,format=S16LE,channels=1 ! filesink location={d}/ref.pcm"
    )));
    let packets = frame_files(&dir, "o");
    assert!(packets.len() >= 100, "{} Opus packets", packets.len());
    let samples: u32 = packets.iter().map(|p| packet_samples(p).unwrap()).sum();
    assert_eq!(samples, packets.len() as u32 * 960);
    let port = support::free_udp_port();
    let out = dir.join("out.pcm");
    let rx = start_receiver(port, "caps=application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111 ! rtpopusdepay ! opusdec plc=true ! audio/x-raw,format=S16LE,channels=1", &out);
    let pk = RtpPacketizer::new(OpusPacketizer::new(), 111, 0x0905_0905, 1, 1200);
    send_frames(pk, &packets, |p| packet_samples(p).unwrap(), port);
    let want = samples as usize * 2;
    let err = finish_receiver(rx, &out, want);
    assert!(
        !err.contains("WARNING") && !err.contains("ERROR"),
        "receiver complained:\n{err}"
    );
    let pcm = std::fs::read(&out).unwrap();
    assert_eq!(
        pcm.len(),
        want,
        "decoded {} samples, want {samples} (one 20 ms frame per packet, no concealment)",
        pcm.len() / 2
    );
    // Bit-exact against GStreamer's own decode of the same packets: the Ogg path drops the
    // encoder's pre-skip, the RTP path (rightly, RFC 7587 has no pre-skip) does not.
    let reference = std::fs::read(dir.join("ref.pcm")).unwrap();
    let skip = pre_skip(&std::fs::read(dir.join("ref.ogg")).unwrap()) * 2;
    assert!(reference.len() >= 90_000 * 2, "reference decode too short");
    assert!(
        pcm[skip..skip + reference.len()] == reference[..],
        "decoded audio differs from the reference decode"
    );
    let f = frequency(&reference, 48_000.0);
    assert!(
        (f - 440.0).abs() < 5.0,
        "decoded tone is {f:.1} Hz, not 440 Hz"
    );
}

/// The packets of an RFC 4571 stream (`rtpstreampay`): 16-bit length, packet, repeated.
fn rtp_stream(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap();
    let mut rest = &data[..];
    let mut packets = Vec::new();
    while let [a, b, tail @ ..] = rest {
        let n = usize::from(u16::from_be_bytes([*a, *b]));
        assert!(tail.len() >= n, "truncated RFC 4571 stream");
        packets.push(tail[..n].to_vec());
        rest = &tail[n..];
    }
    assert!(!packets.is_empty(), "no packets in {}", path.display());
    packets
}

/// What the payload views say about one reassembled VP8 frame.
struct Vp8Frame {
    data: Vec<u8>,
    picture_id: PictureId,
    header: FrameHeaderRepr,
    depacketizer_keyframe: bool,
}

/// Reassemble VP8 frames with our depacketizer (marker bit = end of frame), reading each
/// frame's facts through the payload views.
fn our_vp8_frames(packets: &[Vec<u8>]) -> Vec<Vp8Frame> {
    let mut depack = Vp8Depacketizer::default();
    let mut buf = vec![0u8; 1 << 20];
    let mut w = FrameWriter::new(&mut buf);
    let mut frames: Vec<Vp8Frame> = Vec::new();
    let mut current: Option<Vp8Frame> = None;
    for p in packets {
        let rtp = RtpPacket::new_checked(&p[..]).expect("GStreamer wrote invalid RTP");
        let payload = rtp.payload();
        let d = PayloadDescriptor::new_checked(payload).expect("invalid VP8 descriptor");
        let pid = d.picture_id().expect("asked for picture IDs");
        if d.is_frame_start() {
            assert!(
                current.is_none() && w.is_empty(),
                "frame start before the marker"
            );
            let h = d
                .frame_header()
                .expect("frame start without a VP8 frame header");
            current = Some(Vp8Frame {
                data: Vec::new(),
                picture_id: pid,
                header: FrameHeaderRepr::parse(&h),
                depacketizer_keyframe: depack.is_keyframe(payload),
            });
        }
        let f = current.as_ref().expect("packet before any frame start");
        assert_eq!(pid, f.picture_id, "picture ID changed inside a frame");
        depack.push(payload, &mut w).unwrap();
        if rtp.marker() {
            let mut f = current.take().unwrap();
            f.data = w.as_slice().to_vec();
            w.clear();
            frames.push(f);
        }
    }
    assert!(current.is_none(), "last frame has no marker bit");
    frames
}

/// `identity silent=false` under `gst-launch-1.0 -v`: whether each buffer was a keyframe
/// (no `delta-unit` flag), in order.
fn gst_keyframe_flags(verbose_stdout: &str) -> Vec<bool> {
    verbose_stdout
        .lines()
        .filter(|l| l.contains("(identity0:sink) (") && l.contains("chain"))
        .map(|l| !l.contains("delta-unit"))
        .collect()
}

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, vp8enc, rtpvp8pay, rtpvp8depay); run `cargo xtask test`"]
fn gstreamer_vp8_to_our_depacketizer() {
    support::require("gst-launch-1.0");
    support::require_gst_elements(&[
        "vp8enc",
        "rtpvp8pay",
        "rtpvp8depay",
        "rtpstreampay",
        "rtpstreamdepay",
    ]);
    let dir = support::scratch("gst-vp8-in");
    let d = dir.display();
    // Encode and payload once; keep the encoder's frames and its keyframe flags too.
    let desc = format!(
        "{} ! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=2000000 ! identity silent=false \
         ! tee name=t ! queue ! rtpvp8pay mtu=1200 pt=96 picture-id-mode=15-bit ! rtpstreampay ! filesink location={d}/vp8.rtp \
         t. ! queue ! multifilesink location={d}/e%05d.vp8",
        video_source()
    );
    let mut cmd = Command::new("gst-launch-1.0");
    cmd.arg("-v").args(pipeline(&desc));
    let (verbose, _) = support::run(&mut cmd, Duration::from_secs(120));
    let keyframes = gst_keyframe_flags(&verbose);
    assert_eq!(
        keyframes.len(),
        FRAMES,
        "identity saw {} buffers",
        keyframes.len()
    );
    // GStreamer's own depayloader on the same packets is the reference.
    gst(&pipeline(&format!(
        "filesrc location={d}/vp8.rtp ! application/x-rtp-stream,media=video,encoding-name=VP8,clock-rate=90000,payload=96 \
         ! rtpstreamdepay ! rtpvp8depay ! multifilesink location={d}/g%05d.vp8"
    )));
    let reference = frame_files(&dir, "g");
    assert_eq!(
        reference.len(),
        FRAMES,
        "rtpvp8depay gave {} frames",
        reference.len()
    );
    assert_eq!(
        reference,
        frame_files(&dir, "e"),
        "rtpvp8depay differs from vp8enc"
    );

    let packets = rtp_stream(&dir.join("vp8.rtp"));
    assert!(packets.len() > 2 * FRAMES, "{} packets", packets.len());
    let frames = our_vp8_frames(&packets);
    assert_eq!(
        frames.len(),
        FRAMES,
        "reassembled {} of {FRAMES} frames",
        frames.len()
    );
    for (i, (f, want)) in frames.iter().zip(&reference).enumerate() {
        assert!(
            f.data == *want,
            "frame {i} differs from rtpvp8depay's ({} vs {} bytes)",
            f.data.len(),
            want.len()
        );
        let h = f.header;
        assert_eq!(
            h.keyframe.is_some(),
            keyframes[i],
            "frame {i}: keyframe bit vs vp8enc's flag"
        );
        assert_eq!(
            f.depacketizer_keyframe, keyframes[i],
            "frame {i}: Vp8Depacketizer::is_keyframe"
        );
        assert!(h.show_frame && h.version == 0, "frame {i}: {h:?}");
        assert!(
            (h.first_partition_size as usize) < f.data.len(),
            "frame {i}: {h:?}"
        );
        if let Some(k) = h.keyframe {
            assert_eq!(
                (k.width, k.height),
                (W as u16, H as u16),
                "frame {i}: caps were {W}x{H}"
            );
            assert_eq!((k.horizontal_scale, k.vertical_scale), (0, 0));
        }
        if i > 0 {
            assert!(
                matches!(f.picture_id, PictureId::Long(_)),
                "asked for 15-bit picture IDs"
            );
            assert_eq!(
                frames[i - 1].picture_id.next(),
                f.picture_id,
                "frame {i}: picture IDs not consecutive"
            );
        }
    }
    assert!(
        keyframes[0] && keyframes[30],
        "keyframe-max-dist=30: keyframes at 0 and 30"
    );
    assert_eq!(keyframes.iter().filter(|&&k| k).count(), 2, "{keyframes:?}");
}

/// One `opusenc` setting and what its packets' TOC must say.
struct OpusCase {
    args: &'static str,
    config: u8,
    mode: Mode,
    bandwidth: Bandwidth,
    code: u8,
    frames: u32,
    samples: u32,
}

const OPUS_CASES: [OpusCase; 3] = [
    // CELT only, fullband, 20 ms: configuration 31, one frame per packet
    OpusCase {
        args: "audio-type=restricted-lowdelay bandwidth=fullband frame-size=20",
        config: 31,
        mode: Mode::Celt,
        bandwidth: Bandwidth::Full,
        code: 0,
        frames: 1,
        samples: 960,
    },
    // CELT frames are at most 20 ms: a 60 ms packet is code 3 with three frames
    OpusCase {
        args: "audio-type=restricted-lowdelay bandwidth=fullband frame-size=60 bitrate-type=cbr",
        config: 31,
        mode: Mode::Celt,
        bandwidth: Bandwidth::Full,
        code: 3,
        frames: 3,
        samples: 2880,
    },
    // SILK narrowband 40 ms: configuration 2
    OpusCase {
        args: "audio-type=voice bandwidth=narrowband frame-size=40 bitrate=12000",
        config: 2,
        mode: Mode::Silk,
        bandwidth: Bandwidth::Narrow,
        code: 0,
        frames: 1,
        samples: 1920,
    },
];

#[test]
#[ignore = "interop: needs GStreamer (gst-launch-1.0, opusenc, rtpopuspay, rtpopusdepay); run `cargo xtask test`"]
fn gstreamer_opus_to_our_depacketizer() {
    support::require("gst-launch-1.0");
    support::require_gst_elements(&[
        "opusenc",
        "rtpopuspay",
        "rtpopusdepay",
        "rtpstreampay",
        "rtpstreamdepay",
    ]);
    for (n, case) in OPUS_CASES.iter().enumerate() {
        let dir = support::scratch(&format!("gst-opus-in-{n}"));
        let d = dir.display();
        gst(&pipeline(&format!(
            "audiotestsrc num-buffers=100 samplesperbuffer=960 wave=sine freq=440 volume=0.5 ! audio/x-raw,rate=48000,channels=1 \
             ! opusenc {} ! tee name=t ! queue ! rtpopuspay pt=111 ! rtpstreampay ! filesink location={d}/opus.rtp \
             t. ! queue ! multifilesink location={d}/e%05d.opus",
            case.args
        )));
        gst(&pipeline(&format!(
            "filesrc location={d}/opus.rtp ! application/x-rtp-stream,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111 \
             ! rtpstreamdepay ! rtpopusdepay ! multifilesink location={d}/g%05d.opus"
        )));
        let reference = frame_files(&dir, "g");
        assert_eq!(
            reference,
            frame_files(&dir, "e"),
            "{}: rtpopusdepay differs from opusenc",
            case.args
        );
        let packets = rtp_stream(&dir.join("opus.rtp"));
        assert_eq!(packets.len(), reference.len(), "{}", case.args);
        assert!(
            packets.len() * case.samples as usize >= 100 * 960,
            "{}: too few packets",
            case.args
        );
        let mut buf = vec![0u8; 4096];
        let mut last: Option<(u32, u32)> = None; // (timestamp, samples) of the previous packet
        for (i, (p, want)) in packets.iter().zip(&reference).enumerate() {
            let rtp = RtpPacket::new_checked(&p[..]).expect("GStreamer wrote invalid RTP");
            let mut w = FrameWriter::new(&mut buf);
            OpusDepacketizer.push(rtp.payload(), &mut w).unwrap();
            assert!(
                w.as_slice() == &want[..],
                "{}: packet {i} differs from rtpopusdepay's",
                case.args
            );
            let toc = Toc::new_checked(rtp.payload()).expect("invalid Opus TOC");
            let got = (
                toc.config(),
                toc.mode(),
                toc.bandwidth(),
                toc.code(),
                toc.stereo(),
            );
            assert_eq!(
                got,
                (case.config, case.mode, case.bandwidth, case.code, false),
                "{}: packet {i}",
                case.args
            );
            assert_eq!(
                (toc.frame_count(), toc.samples_per_packet()),
                (case.frames, case.samples),
                "{}: packet {i}",
                case.args
            );
            assert_eq!(packet_samples(rtp.payload()), Some(case.samples));
            if case.code == 3 {
                assert_eq!(
                    toc.vbr(),
                    Some(false),
                    "{}: CBR frames are equal",
                    case.args
                );
            }
            // opusenc dates its first buffer after the encoder's lookahead, so the first
            // step is shorter; from then on each packet advances by its TOC duration.
            if let Some((ts, samples)) = last.filter(|_| i >= 2) {
                assert_eq!(
                    rtp.timestamp().wrapping_sub(ts),
                    samples,
                    "{}: packet {i}: RTP timestamp step",
                    case.args
                );
            }
            last = Some((rtp.timestamp(), toc.samples_per_packet()));
        }
    }
}
