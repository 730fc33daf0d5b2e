//! A WHEP and WHIP endpoint for browser and aiortc tests. What a session does follows from
//! what its offer negotiated:
//! * data channels: we open "server" and greet on it; every message on any other channel
//!   comes back on the same channel; on a channel labelled "control" the texts `stats` (a
//!   JSON line of counters), `pli` (ask the sender of our received video for a keyframe) and
//!   `close` (close the connection from our side) are commands;
//! * video we send (a WHEP viewer): frames from `--vp8 FILE.ivf` or `--h264 FILE.264`
//!   (Annex B with access-unit delimiters), 30 per second, looped; a keyframe request skips
//!   to the next keyframe of the file; audio we send: a 440 Hz tone in G.711 µ-law, 20 ms
//!   per packet;
//! * video we receive (a WHIP publisher): reassembled with peer-core's `FrameAssembler`
//!   (jitter buffer + depacketizer), frames and keyframes counted.
//!
//! `whep_lab LISTEN [BIND_IP] [--vp8 FILE] [--h264 FILE] [--turn IP:PORT:USER:PASS]`: HTTP on
//! LISTEN; sessions bind UDP on BIND_IP (default: the IP of LISTEN); `--relay-only` keeps
//! them to their relayed candidate; with `--turn`, sessions
//! also allocate a relayed candidate there. Prints `ready http://LISTEN` when listening;
//! logs per session. Serves the pages in `adapters/tests/browser/` too. Sessions also start
//! from our offer (`POST /whep/offer`, the answer by `PATCH`); the same logic runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use adapters::whep::{router, serve, Session, SessionApp, WhepConfig};
use axum::routing::get;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use ice_core::TurnServerConfig;
use peer_core::data::ChannelConfig;
use peer_core::session::{CodecKind, TrackKind};
use peer_core::{
    ChannelId, FrameAssembler, MediaConfig, MessageKind, PeerConfig, PeerEvent, PeerState, TrackId,
};
use rtp_core::wire::RtpPacket;
use sansio::Instant;
use sdp_core::fmtp::H264Params;
use sdp_core::negotiate::CodecCap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

static VIDEO: [CodecCap<'static>; 2] = [
    CodecCap::vp8(96, Some(97)),
    CodecCap::h264(102, H264Params::constrained_baseline(31), Some(103)),
];
static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

/// A frame of a file and whether it is a keyframe.
type Frame = (Vec<u8>, bool);

/// Encoded video to send, per codec.
#[derive(Default)]
struct Library {
    vp8: Vec<Frame>,
    h264: Vec<Frame>,
    /// `--drop-every N`: every Nth video packet is not sent the first time (loss repair
    /// by NACK and RTX is what the browser then shows).
    drop_every: Option<u64>,
}

/// The VP8 frames of an IVF file (32-byte header, then 12-byte frame headers).
fn read_ivf(bytes: &[u8]) -> Vec<Frame> {
    assert_eq!(&bytes[..4], b"DKIF", "not an IVF file");
    let mut pos = usize::from(u16::from_le_bytes([bytes[6], bytes[7]]));
    let mut frames = Vec::new();
    while pos + 12 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let Some(frame) = bytes.get(pos + 12..pos + 12 + size) else {
            break;
        };
        // RFC 6386 §9.1: bit 0 of the frame tag is 0 for a keyframe.
        frames.push((frame.to_vec(), frame.first().is_some_and(|b| b & 1 == 0)));
        pos += 12 + size;
    }
    frames
}

/// The access units of an H.264 Annex B stream, split at access-unit delimiters (which are
/// left out); a keyframe holds an IDR slice.
fn read_annex_b(bytes: &[u8]) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    for (start, end) in rtp_core::packetize::h264::nal_units(bytes) {
        let nal = &bytes[start..end];
        let kind = nal[0] & 0x1F;
        if kind == 9 || frames.is_empty() {
            frames.push((Vec::new(), false));
        }
        if kind == 9 {
            continue;
        }
        let last = frames.last_mut().unwrap();
        last.0.extend_from_slice(&[0, 0, 0, 1]);
        last.0.extend_from_slice(nal);
        last.1 |= kind == 5;
    }
    frames.retain(|f| !f.0.is_empty());
    frames
}

/// G.711 µ-law of one linear sample (ITU-T G.711, with the usual bias and clip).
fn ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32_635;
    let mut s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    s = s.abs().min(CLIP) + BIAS;
    let mut exponent = 7;
    while exponent > 0 && s & (0x80 << exponent) == 0 {
        exponent -= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// 20 ms (160 samples at 8 kHz) of a 440 Hz tone, packet `n`.
fn tone(n: u64) -> [u8; 160] {
    let mut out = [0u8; 160];
    for (i, o) in out.iter_mut().enumerate() {
        let t = (n * 160 + i as u64) as f64 / 8000.0;
        *o = ulaw((8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16);
    }
    out
}

/// What a session sends.
struct Outgoing {
    track: TrackId,
    frames: Arc<Vec<Frame>>,
    next: u64,
    pos: usize,
    /// Video packets made so far (sent or dropped).
    packets: u64,
    /// Of those, dropped on purpose (`--drop-every`).
    dropped: u64,
}

type Assembler = Box<FrameAssembler<256, 1200>>;

/// One line a second on the video we send: packets, dropped on purpose, NACKed, resent,
/// the payload rate so far and the bandwidth estimate.
fn report_video_out(s: &mut Session<'_, '_>, v: &Outgoing, elapsed: Duration) {
    let Some(t) = s.peer().track_stats(v.track) else {
        return;
    };
    let target = s.peer().stats().target_bitrate.unwrap_or(0);
    let rate = (t.bytes_sent * 8) as f64 / elapsed.as_secs_f64().max(0.001);
    println!(
        "video out: {} packets, {} dropped, {} NACKed, {} resent, {} on RTX; sending {rate:.0} bit/s, target bitrate {target}",
        v.packets, v.dropped, t.nacks_received, t.retransmitted, t.rtx_sent
    );
}

/// The lab's per-session logic.
struct Lab {
    library: Arc<Library>,
    greeted: bool,
    start: Option<Instant>,
    video: Option<Outgoing>,
    audio: Option<(TrackId, u64)>,
    incoming: Vec<(TrackId, Assembler)>,
    frame: Vec<u8>,
    frames_in: u64,
    keyframes_in: u64,
    pli_commands: u64,
}

impl Lab {
    fn new(library: Arc<Library>) -> Self {
        Lab {
            library,
            greeted: false,
            start: None,
            video: None,
            audio: None,
            incoming: Vec::new(),
            frame: vec![0; 1 << 20],
            frames_in: 0,
            keyframes_in: 0,
            pli_commands: 0,
        }
    }

    /// Connected: decide what to send and receive from the negotiated tracks.
    fn on_connected(&mut self, s: &mut Session<'_, '_>) {
        let stats = s.peer().stats();
        if let Some(p) = stats.selected_pair {
            println!(
                "selected pair local {:?} {} remote {:?} {}",
                p.local_kind, p.local_addr, p.remote_kind, p.remote
            );
        }
        // Who controls ICE follows who offered (`POST /whep/offer`: we do).
        let dtls = s.peer().session().map(|x| x.dtls_role);
        println!("roles: ice {:?} dtls {dtls:?}", s.peer().ice().role());
        let kinds: Vec<String> = s
            .peer()
            .ice()
            .local_candidates()
            .iter()
            .map(|c| format!("{:?}", c.kind))
            .collect();
        println!("local candidates: {}", kinds.join(" "));
        let tracks = s.peer().tracks().to_vec();
        for (i, t) in tracks.iter().enumerate() {
            let track = TrackId(i);
            let codec = t.send_codec().map(|c| c.kind);
            println!("track {i} {:?} {:?} {codec:?}", t.kind, t.direction);
            if let Some(ssrc) = t.local_rtx_ssrc {
                let pt = t.send_codec().and_then(|c| c.rtx_pt);
                println!("track {i} resends on RTX: ssrc {ssrc} pt {pt:?}");
            }
            if t.receives() {
                self.incoming
                    .push((track, Box::new(FrameAssembler::for_track(t))));
            }
            if !t.sends() {
                continue;
            }
            match (t.kind, codec) {
                (TrackKind::Audio, Some(CodecKind::Pcmu)) => self.audio = Some((track, 0)),
                (TrackKind::Video, Some(c @ (CodecKind::Vp8 | CodecKind::H264))) => {
                    let frames = match c {
                        CodecKind::Vp8 => self.library.vp8.clone(),
                        _ => self.library.h264.clone(),
                    };
                    if frames.is_empty() {
                        println!("no {c:?} file to send");
                        continue;
                    }
                    self.video = Some(Outgoing {
                        track,
                        frames: Arc::new(frames),
                        next: 0,
                        pos: 0,
                        packets: 0,
                        dropped: 0,
                    });
                }
                _ => {}
            }
        }
    }

    /// Send the frames that are due: video at 30 per second, audio every 20 ms.
    fn pace(&mut self, s: &mut Session<'_, '_>) {
        let now = s.now();
        let elapsed = now.saturating_duration_since(*self.start.get_or_insert(now));
        if let Some(v) = self.video.as_mut() {
            while Duration::from_micros(v.next * 33_333) <= elapsed {
                let (frame, _) = &v.frames[v.pos];
                let every = self.library.drop_every;
                let (packets, dropped) = (&mut v.packets, &mut v.dropped);
                let keep = |_| {
                    *packets += 1;
                    let drop = every.is_some_and(|n| *packets % n == 0);
                    *dropped += u64::from(drop);
                    !drop
                };
                if let Err(e) = s.send_frame_with(v.track, (v.next * 3000) as u32, frame, keep) {
                    println!("video frame {}: {e}", v.next);
                }
                if v.next % 30 == 29 {
                    report_video_out(s, v, elapsed);
                }
                v.next += 1;
                v.pos = (v.pos + 1) % v.frames.len();
            }
        }
        if let Some((track, next)) = self.audio.as_mut() {
            while Duration::from_millis(*next * 20) <= elapsed {
                let _ = s.send_frame(*track, (*next * 160) as u32, &tone(*next));
                *next += 1;
            }
        }
    }

    /// Frames that came out of the jitter buffers.
    fn assemble(&mut self, s: &mut Session<'_, '_>) {
        let now = s.now();
        for (track, a) in self.incoming.iter_mut() {
            while let Some(r) = a.pop(now, &mut self.frame) {
                match r {
                    Ok(f) if f.keyframe => {
                        self.frames_in += 1;
                        self.keyframes_in += 1;
                        println!("keyframe {} ({} B)", self.keyframes_in, f.len);
                    }
                    Ok(_) => self.frames_in += 1,
                    Err(e) => println!("broken frame: {e}"),
                }
            }
            if a.needs_keyframe() && a.stats().frames > 0 {
                let _ = s.peer().request_keyframe(*track);
            }
        }
    }

    fn on_keyframe_request(&mut self, track: TrackId) {
        let Some(v) = self.video.as_mut().filter(|v| v.track == track) else {
            return;
        };
        let n = v.frames.len();
        if let Some(k) = (1..=n).map(|d| (v.pos + d) % n).find(|&i| v.frames[i].1) {
            println!("keyframe requested: skipping from frame {} to {k}", v.pos);
            v.pos = k;
        }
    }

    fn command(&mut self, s: &mut Session<'_, '_>, ch: ChannelId, text: &str) {
        let reply = match text {
            "close" => {
                // Close from our side, as a server ending a session would.
                let now = s.now();
                s.peer().close(now);
                println!("closing on request");
                return;
            }
            "pli" => {
                self.pli_commands += 1;
                let video = s
                    .peer()
                    .tracks()
                    .iter()
                    .position(|t| t.kind == TrackKind::Video && t.receives());
                match video.map(|v| s.peer().request_keyframe(TrackId(v))) {
                    Some(Ok(())) => "pli sent".to_string(),
                    other => format!("pli refused: {other:?}"),
                }
            }
            _ => self.stats_json(s),
        };
        let _ = s.send(ch, MessageKind::String, reply.as_bytes());
    }

    fn stats_json(&self, s: &mut Session<'_, '_>) -> String {
        let peer = s.peer().stats();
        let mut plis = 0;
        let mut packets = 0;
        let mut sent = 0;
        for i in 0..s.peer().tracks().len() {
            if let Some(t) = s.peer().track_stats(TrackId(i)) {
                plis += t.plis_sent;
                packets += t.packets_received;
                sent += t.frames_sent;
            }
        }
        format!(
            "{{\"frames\":{},\"keyframes\":{},\"plis\":{plis},\"packets\":{packets},\"frames_sent\":{sent},\"rtcp_sent\":{},\"dropped_unknown_ssrc\":{}}}",
            self.frames_in, self.keyframes_in, peer.rtcp_sent, peer.dropped_unknown_ssrc
        )
    }

    fn on_messages(&mut self, s: &mut Session<'_, '_>) {
        let mut buf = vec![0u8; 300 * 1024];
        while let Ok(Some(m)) = s.peer().poll_message(&mut buf) {
            let data = buf[..m.len].to_vec();
            if s.peer().channel_label(m.channel) == Some("control") {
                self.command(s, m.channel, &String::from_utf8_lossy(&data));
            } else if let Err(e) = s.send(m.channel, m.kind, &data) {
                println!("echo failed: {e}");
            }
        }
    }
}

impl SessionApp for Lab {
    fn tick(&self) -> Option<Duration> {
        Some(Duration::from_millis(10))
    }

    fn on_event(&mut self, s: &mut Session<'_, '_>, ev: &PeerEvent) {
        match ev {
            PeerEvent::DataChannelsReady if !self.greeted => {
                self.greeted = true;
                let now = s.now();
                let cfg = ChannelConfig {
                    label: "server",
                    ..Default::default()
                };
                match s.peer().open_channel(now, cfg) {
                    Ok(ch) => println!("opened channel {ch:?}"),
                    Err(e) => println!("open failed: {e}"),
                }
            }
            PeerEvent::ChannelOpen(ch) => {
                let label = s.peer().channel_label(*ch).unwrap_or("").to_string();
                println!("channel open {ch:?} {label}");
                if label == "server" {
                    let _ = s.send(*ch, MessageKind::String, b"hello from peer-core");
                }
            }
            PeerEvent::MessageReady(_) => self.on_messages(s),
            PeerEvent::KeyframeRequested(t) => self.on_keyframe_request(*t),
            PeerEvent::TargetBitrate(bps) => println!("target bitrate now {bps}"),
            PeerEvent::StateChanged(st) => {
                println!("state {st:?}");
                if *st == PeerState::Connected && self.start.is_none() {
                    self.on_connected(s);
                }
            }
            _ => {}
        }
    }

    fn on_tick(&mut self, s: &mut Session<'_, '_>) {
        if s.peer().state() != PeerState::Connected {
            return;
        }
        self.pace(s);
        self.assemble(s);
    }

    fn on_rtp_at(&mut self, now: Instant, track: TrackId, packet: &RtpPacket<&[u8]>) {
        if let Some((_, a)) = self.incoming.iter_mut().find(|(t, _)| *t == track) {
            a.push(now, packet);
        }
    }

    fn on_end(&mut self, state: PeerState) {
        println!(
            "session ended {state:?}: {} frames, {} keyframes received; {} PLI commands",
            self.frames_in, self.keyframes_in, self.pli_commands
        );
    }
}

struct Args {
    listen: SocketAddr,
    bind: IpAddr,
    library: Library,
    turn: Option<TurnServerConfig>,
    /// `--relay-only`: use (and announce) only the relayed candidate.
    relay_only: bool,
}

fn args() -> Args {
    let mut positional = Vec::new();
    let mut library = Library::default();
    let mut turn = None;
    let mut relay_only = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--vp8" => library.vp8 = read_ivf(&std::fs::read(it.next().unwrap()).unwrap()),
            "--h264" => library.h264 = read_annex_b(&std::fs::read(it.next().unwrap()).unwrap()),
            "--drop-every" => library.drop_every = Some(it.next().unwrap().parse().unwrap()),
            "--relay-only" => relay_only = true,
            "--turn" => {
                let spec = it.next().unwrap();
                let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
                let [pass, user, server] = parts[..] else {
                    panic!("--turn IP:PORT:USER:PASS");
                };
                turn = TurnServerConfig::new(server.parse().unwrap(), user, pass);
            }
            _ => positional.push(a),
        }
    }
    let listen: SocketAddr = positional
        .first()
        .map_or("127.0.0.1:8080", String::as_str)
        .parse()
        .unwrap();
    let bind = positional
        .get(1)
        .map_or(listen.ip(), |a| a.parse().unwrap());
    Args {
        listen,
        bind,
        library,
        turn,
        relay_only,
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = args();
    println!(
        "library: {} VP8 frames ({} key), {} H.264 frames ({} key)",
        args.library.vp8.len(),
        args.library.vp8.iter().filter(|f| f.1).count(),
        args.library.h264.len(),
        args.library.h264.iter().filter(|f| f.1).count()
    );
    let cert = Certificate::generate(
        &RustCrypto,
        &mut adapters::OsEntropy,
        &CertParams::default(),
    )
    .unwrap();
    let mut peer = PeerConfig {
        max_message_size: 256 * 1024,
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..PeerConfig::default()
    };
    if let Some(t) = args.turn {
        peer.ice.turn_servers.push(t).unwrap();
    }
    peer.ice.relay_only = args.relay_only;
    let config = WhepConfig {
        bind_ip: args.bind,
        peer,
        max_sessions: 8,
        max_body: 64 * 1024,
        sctp_buffer: 1024 * 1024,
        certificate: cert,
    };
    let library = Arc::new(args.library);
    let pages = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
    let app = router(config, move || Box::new(Lab::new(library.clone()))).route(
        "/{page}",
        get(
            move |axum::extract::Path(page): axum::extract::Path<String>| async move {
                let path = std::path::Path::new(pages).join(page.replace("..", ""));
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let kind = if page.ends_with(".js") {
                    "text/javascript"
                } else {
                    "text/html; charset=utf-8"
                };
                ([(axum::http::header::CONTENT_TYPE, kind)], text)
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(args.listen).await.unwrap();
    println!("ready http://{}", listener.local_addr().unwrap());
    serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .unwrap();
}
