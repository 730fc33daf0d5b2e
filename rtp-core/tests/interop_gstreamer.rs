//! Media interop with GStreamer, on 127.0.0.1 only.
//!
//! * GStreamer's `rtph264pay` sends H.264 to our jitter buffer and depacketizer, which must
//!   rebuild every access unit exactly as `x264enc` produced it (compared NAL by NAL).
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
use rtp_core::packetize::opus::{packet_samples, OpusPacketizer};
use rtp_core::packetize::vp8::Vp8Packetizer;
use rtp_core::packetize::{Depacketizer, FrameWriter, Packetizer, RtpPacketizer};
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
