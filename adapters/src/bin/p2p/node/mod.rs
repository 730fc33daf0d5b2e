//! `p2p node`: a machine-monitoring node a browser watches over WebRTC.
//!
//! It serves a page (`/`) and a WHEP endpoint (`/whep`); each viewer's peer connection gets
//! two data channels the node opens in-band (DCEP) — `thermal` (unordered, no
//! retransmission: a late frame is worthless) carrying 32×24 thermal frames, and `readings`
//! (reliable) carrying one JSON line per reading — and a PCMU audio track with the
//! machine's microphone. The sensors are simulated (see [`sim`]) unless the user gives real
//! ones.

mod camera;
mod child;
mod nat;
mod relay;
mod sensor;
mod status;
mod wav;

use crate::exit::{Failure, Outcome};
use adapters::driver::UdpFilter;
use adapters::whep::{router, serve, Session, SessionApp, WhepConfig};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use ice_core::{IceConfig, TurnServerConfig};
use machine_sim as sim;
use peer_core::data::{ChannelConfig, Reliability};
use peer_core::session::TrackKind;
use peer_core::{ChannelId, MediaConfig, MessageKind, PeerConfig, PeerEvent, PeerState, TrackId};
use sdp_core::negotiate::CodecCap;
use sdp_core::Direction;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant, SystemTime, UNIX_EPOCH};

/// The page a browser opens (one file, plain JavaScript, no fetches beyond the node).
const PAGE: &str = include_str!("page.html");

/// Options of `p2p node`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to serve the page and the WHEP endpoint.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address the viewers' media and data sockets bind to (default: the IP of --listen).
    #[arg(long)]
    pub media_ip: Option<IpAddr>,
    /// Most viewers at once; more are refused with HTTP 503.
    #[arg(long, default_value_t = 16)]
    pub max_viewers: usize,
    /// Thermal frames per second (an MLX90640 gives 0.5 to 64).
    #[arg(long, default_value_t = 4)]
    pub thermal_fps: u32,
    /// Readings per second.
    #[arg(long, default_value_t = 2)]
    pub readings_per_second: u32,
    /// Seconds without an answer to our consent checks before a viewer counts as gone
    /// (RFC 7675: 30); its session is freed 10 s later.
    #[arg(long, default_value_t = 30)]
    pub consent_timeout: u64,
    /// Readings from a program instead of the simulation: `sh -c CMD`, one reading per line
    /// on its stdout (`bearing_c=71.5 rpm=1480`, or a bare number); restarted when it exits.
    #[arg(long, value_name = "CMD")]
    pub sensor_cmd: Option<String>,
    /// The microphone from a WAV file (PCM, any rate and channels: mixed to mono, resampled
    /// to 8 kHz), looped.
    #[arg(long, value_name = "FILE")]
    pub mic_wav: Option<std::path::PathBuf>,
    /// A video camera (V4L2, e.g. /dev/video0) as a VP8 track, captured and encoded by
    /// GStreamer (`gst-launch-1.0` with v4l2src and vp8enc must be installed).
    #[arg(long, value_name = "DEVICE", conflicts_with = "video_cmd")]
    pub camera: Option<std::path::PathBuf>,
    /// A video track from a program: `sh -c CMD` writing VP8 in IVF on its stdout (e.g. a
    /// GStreamer pipeline ending in `avmux_ivf ! fdsink fd=1`); restarted when it exits.
    #[arg(long, value_name = "CMD")]
    pub video_cmd: Option<String>,
    /// Run a STUN and TURN server beside the node (on the media IP, `--turn-port`): the page
    /// and the node gather server-reflexive and relayed candidates from it.
    #[arg(long)]
    pub turn: bool,
    /// Where the `--turn` server listens and relays from (default: the media IP, port
    /// 3478). On its own IP a TURN server relays only to its relay ports, so off loopback a
    /// viewer's relay reaches the node's host candidate only when this IP is not the node's
    /// media IP (the node's relayed candidate it reaches either way).
    #[arg(long, value_name = "IP:PORT")]
    pub turn_listen: Option<SocketAddr>,
    /// Make the node's sockets filter like this NAT (loopback and test networks): the cone
    /// types end on a direct pair, `symmetric` only through `--turn`'s relay.
    #[arg(long, value_enum)]
    pub nat: Option<nat::NatKind>,
    /// When stdout is not a terminal: seconds between plain status lines (one per viewer).
    #[arg(long, default_value_t = 10)]
    pub status_every: u64,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            media_ip: None,
            max_viewers: 16,
            thermal_fps: 4,
            readings_per_second: 2,
            consent_timeout: 30,
            sensor_cmd: None,
            mic_wav: None,
            camera: None,
            video_cmd: None,
            turn: false,
            turn_listen: None,
            nat: None,
            status_every: 10,
        }
    }
}

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];
static VIDEO: [CodecCap<'static>; 1] = [CodecCap::vp8(96, Some(97))];

/// What every viewer session shares: the start of the simulation and the viewer count.
#[derive(Debug)]
struct Node {
    started: StdInstant,
    viewers: AtomicUsize,
    thermal_every: u32,
    readings_every: u32,
    /// The latest reading of `--sensor-cmd`.
    sensor: Option<sensor::Latest>,
    /// The microphone's file, `--mic-wav`.
    clip: Option<wav::Clip>,
    /// The camera's frames, `--camera` or `--video-cmd`.
    video: Option<camera::Frames>,
    /// The emulated NAT, `--nat`.
    nat: Option<nat::NatKind>,
    /// The embedded STUN/TURN server, `--turn`.
    relay: Option<relay::Relay>,
    /// The viewers' status lines.
    board: status::Board,
}

/// Run until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> Outcome {
    check(&args)?;
    let media_ip = args.media_ip.unwrap_or(args.listen.ip());
    let relay = start_relay(&args, media_ip)?;
    let config = whep_config(&args, media_ip, relay.as_ref())?;
    let Inputs {
        clip,
        sensor,
        video,
        running,
    } = inputs(&args)?;
    let has_camera = video.is_some();
    // Every 20 ms tick sends audio; thermal and readings every so many ticks.
    let node = Arc::new(Node {
        started: StdInstant::now(),
        viewers: AtomicUsize::new(0),
        thermal_every: (50 / args.thermal_fps).max(1),
        readings_every: (50 / args.readings_per_second).max(1),
        sensor,
        clip,
        video,
        nat: args.nat,
        relay: relay.clone(),
        board: status::Board::new(
            std::io::IsTerminal::is_terminal(&std::io::stdout()),
            Duration::from_secs(args.status_every.max(1)),
        ),
    });
    let ticking = node.clone();
    let ticker = tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(1));
        loop {
            t.tick().await;
            ticking.board.tick();
        }
    });
    let shared = node.clone();
    let servers_json: Arc<str> = relay
        .as_ref()
        .map_or("[]".into(), |r| r.ice_servers_json())
        .into();
    let app = router(config, move || {
        Box::new(Viewer::new(shared.clone())) as Box<dyn SessionApp>
    })
    .route("/", get(page))
    .route(
        "/ice-servers",
        get(move || json_reply(servers_json.clone())),
    )
    .route(
        "/camera",
        get(move || json_reply(format!("{{\"camera\":{has_camera}}}").into())),
    );
    let listener = listen(args.listen)
        .map_err(|e| Failure::Network(format!("cannot listen on {}: {e}", args.listen)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::Network(e.to_string()))?;
    println!("p2p node: open http://{bound}/ in a browser (WHEP endpoint: http://{bound}/whep)");
    tracing::info!(%bound, max_viewers = args.max_viewers, "node ready");
    let served = serve(listener, app, crate::stun_server::shutdown_signal()).await;
    for r in running {
        r.stop();
    }
    ticker.abort();
    served.map_err(|e| Failure::Network(e.to_string()))?;
    println!("{}", node.board.summary(node.started.elapsed()));
    Ok(())
}

/// Refuse settings clap cannot check.
fn check(args: &Args) -> Outcome {
    if args.thermal_fps == 0 || args.thermal_fps > 50 || args.readings_per_second == 0 {
        return Err(Failure::Usage(
            "--thermal-fps must be 1..=50 and --readings-per-second at least 1".into(),
        ));
    }
    if !(2..=3600).contains(&args.consent_timeout) {
        return Err(Failure::Usage(
            "--consent-timeout must be 2..=3600 s".into(),
        ));
    }
    if let Some(dev) = &args.camera {
        if !dev.exists() {
            return Err(Failure::Usage(format!("no camera at {}", dev.display())));
        }
        if !camera::on_path("gst-launch-1.0") {
            return Err(Failure::Usage(
                "--camera needs GStreamer: gst-launch-1.0 with v4l2src and vp8enc \
                 (Debian: gstreamer1.0-tools, gstreamer1.0-plugins-good, gstreamer1.0-libav)"
                    .into(),
            ));
        }
    }
    if args.nat == Some(nat::NatKind::Symmetric) && !args.turn {
        tracing::warn!("--nat symmetric without --turn: no viewer can connect");
    }
    Ok(())
}

/// The embedded STUN/TURN server, with `--turn`.
fn start_relay(args: &Args, media_ip: IpAddr) -> Result<Option<relay::Relay>, Failure> {
    if !args.turn {
        return Ok(None);
    }
    let at = args.turn_listen.unwrap_or(SocketAddr::new(media_ip, 3478));
    let r = relay::start(at, media_ip)?;
    println!(
        "p2p node: STUN and TURN on {} (relay ports {}-{})",
        r.servers.server,
        relay::RELAY_PORTS.0,
        relay::RELAY_PORTS.1
    );
    Ok(Some(r))
}

/// What every viewer's session is: a certificate, ICE settings, send-only PCMU and data.
fn whep_config(
    args: &Args,
    media_ip: IpAddr,
    relay: Option<&relay::Relay>,
) -> Result<WhepConfig, Failure> {
    let certificate = Certificate::generate(
        &RustCrypto,
        &mut adapters::OsEntropy,
        &CertParams::default(),
    )
    .map_err(|e| Failure::Internal(format!("certificate: {e:?}")))?;
    let mut ice = IceConfig::default();
    // The node asks its STUN server for its mapped address and allocates a relay there, so
    // a viewer without a relay of its own still gets through a symmetric NAT.
    if let Some(r) = relay {
        let _ = ice.stun_servers.push(r.servers.server);
        if let Some(t) = TurnServerConfig::new(r.servers.server, &r.user, &r.password) {
            let _ = ice.turn_servers.push(t);
        }
    }
    ice.consent_timeout = Duration::from_secs(args.consent_timeout);
    // Several checks per timeout, never rarer than RFC 7675's 5 s.
    ice.consent_interval = (ice.consent_timeout / 6).min(ice.consent_interval);
    Ok(WhepConfig {
        bind_ip: media_ip,
        peer: PeerConfig {
            ice,
            audio: Some(MediaConfig::send_recv(&AUDIO).with_direction(Direction::SendOnly)),
            video: (args.camera.is_some() || args.video_cmd.is_some())
                .then(|| MediaConfig::send_recv(&VIDEO).with_direction(Direction::SendOnly)),
            max_message_size: 64 * 1024,
            cname: "p2p-node",
            ..PeerConfig::default()
        },
        max_sessions: args.max_viewers,
        max_body: 64 * 1024,
        sctp_buffer: 256 * 1024,
        certificate,
    })
}

/// The real inputs the user gave: the microphone's file, the sensor command, the camera
/// (or video command), and the programs running for them.
struct Inputs {
    clip: Option<wav::Clip>,
    sensor: Option<sensor::Latest>,
    video: Option<camera::Frames>,
    running: Vec<child::Running>,
}

fn inputs(args: &Args) -> Result<Inputs, Failure> {
    let clip = match &args.mic_wav {
        Some(path) => Some(wav::load(path).map_err(Failure::Usage)?),
        None => None,
    };
    let thread = |e: std::io::Error| Failure::Internal(format!("input thread: {e}"));
    let mut running = Vec::new();
    let sensor = match args.sensor_cmd.clone() {
        Some(cmd) => {
            let (latest, r) = sensor::spawn(cmd).map_err(thread)?;
            running.push(r);
            Some(latest)
        }
        None => None,
    };
    let video_cmd = args.camera.as_deref().map(camera::camera_cmd);
    let video = match video_cmd.or_else(|| args.video_cmd.clone()) {
        Some(cmd) => {
            let (frames, r) = camera::spawn(cmd).map_err(thread)?;
            running.push(r);
            Some(frames)
        }
        None => None,
    };
    Ok(Inputs {
        clip,
        sensor,
        video,
        running,
    })
}

/// A TCP listener with a deep accept queue (the kernel caps it at `net.core.somaxconn`): a
/// burst of a thousand viewers at once is answered (201 or 503), not reset.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// A JSON document not to be cached: the STUN and TURN servers the page gives its
/// `RTCPeerConnection` (`[]` without `--turn`), whether there is a camera.
async fn json_reply(json: Arc<str>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        json.to_string(),
    )
}

async fn page() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE)
}

/// Where a viewer's audio comes from.
#[derive(Debug)]
enum Mic {
    Sim(sim::Microphone),
    File(wav::Player),
}

/// One viewer's session: the channels the node opened, and what it sent.
struct Viewer {
    node: Arc<Node>,
    thermal: Option<ChannelId>,
    readings: Option<ChannelId>,
    audio: Option<TrackId>,
    video: Option<TrackId>,
    /// The camera's frames for this viewer, once it has a video track.
    feed: Option<camera::Feed>,
    mic: Mic,
    sensor: Option<sensor::Latest>,
    ticks: u32,
    frames: u32,
    counted: bool,
    /// Its line on the board, from its first event on.
    line: Option<u64>,
    /// Bytes handed to the connection since the board last heard.
    sent: u64,
}

impl Viewer {
    fn new(node: Arc<Node>) -> Self {
        Viewer {
            thermal: None,
            readings: None,
            audio: None,
            video: None,
            feed: node.video.as_ref().map(camera::Feed::new),
            mic: match &node.clip {
                Some(clip) => {
                    let at = node.started.elapsed().as_secs_f64() * f64::from(sim::SAMPLE_RATE);
                    Mic::File(wav::Player::new(clip.clone(), at as usize))
                }
                None => Mic::Sim(sim::Microphone::default()),
            },
            sensor: node.sensor.clone(),
            ticks: 0,
            frames: 0,
            counted: false,
            line: None,
            sent: 0,
            node,
        }
    }

    fn machine(&self) -> sim::Machine {
        sim::Machine::at(self.node.started.elapsed().as_secs_f32())
    }

    /// The reading to send now, if any: the command's latest when it has a new one, or the
    /// simulation's every so many ticks.
    fn next_reading(&mut self, machine: &sim::Machine) -> Option<String> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        match &mut self.sensor {
            Some(latest) => {
                if !latest.has_changed().unwrap_or(false) {
                    return None;
                }
                let reading = latest.borrow_and_update().clone()?;
                Some(sensor::reading_json(
                    &machine.readings(),
                    ms,
                    &reading.fields,
                ))
            }
            None => (self.ticks % self.node.readings_every == 0).then(|| {
                let mut json = String::new();
                let _ = machine.write_reading(ms, &mut json);
                json
            }),
        }
    }

    /// Every camera frame that came since the last tick, in order.
    fn send_video(&mut self, s: &mut Session<'_, '_>) {
        let (Some(track), Some(feed)) = (self.video, self.feed.as_mut()) else {
            return;
        };
        while let Some(frame) = feed.next() {
            if s.send_frame(track, frame.rtp_time, &frame.data).is_ok() {
                self.sent += frame.data.len() as u64;
            }
        }
    }

    fn open_channels(&mut self, s: &mut Session<'_, '_>) {
        let now = s.now();
        let thermal = ChannelConfig {
            label: "thermal",
            ordered: false,
            reliability: Reliability::MaxRetransmits(0),
            ..Default::default()
        };
        let readings = ChannelConfig {
            label: "readings",
            ..Default::default()
        };
        self.thermal = s.peer().open_channel(now, thermal).ok();
        self.readings = s.peer().open_channel(now, readings).ok();
    }
}

impl SessionApp for Viewer {
    fn tick(&self) -> Option<Duration> {
        Some(Duration::from_millis(20))
    }

    fn on_event(&mut self, s: &mut Session<'_, '_>, ev: &PeerEvent) {
        let line = *self.line.get_or_insert_with(|| self.node.board.join());
        match ev {
            PeerEvent::StateChanged(st) => {
                let name = format!("{st:?}").to_lowercase();
                self.node.board.update(line, Some(&name), None, 0);
            }
            PeerEvent::SelectedPair(p) => {
                let pair = format!("{}/{}", p.local_kind.token(), p.remote_kind.token());
                self.node.board.update(line, None, Some(pair), 0);
            }
            _ => {}
        }
        match ev {
            PeerEvent::DataChannelsReady => self.open_channels(s),
            PeerEvent::StateChanged(PeerState::Connected) => {
                let tracks = s.peer().tracks();
                let sending = |kind| {
                    tracks
                        .iter()
                        .position(|t| t.kind == kind && t.sends())
                        .map(TrackId)
                };
                self.audio = sending(TrackKind::Audio);
                self.video = sending(TrackKind::Video);
                if !self.counted {
                    self.counted = true;
                    let n = self.node.viewers.fetch_add(1, Ordering::Relaxed) + 1;
                    let msg = format!("p2p node: viewer connected ({n} watching)");
                    self.node.board.say(&msg);
                }
            }
            _ => {}
        }
    }

    fn on_tick(&mut self, s: &mut Session<'_, '_>) {
        self.ticks = self.ticks.wrapping_add(1);
        let machine = self.machine();
        if let Some(track) = self.audio {
            let pcm = match &mut self.mic {
                Mic::Sim(m) => {
                    let mut pcm = [0u8; sim::SAMPLES_PER_PACKET];
                    m.next_packet(&machine, &mut pcm);
                    pcm
                }
                Mic::File(p) => p.next_packet(),
            };
            let ts = self.ticks.wrapping_mul(sim::SAMPLES_PER_PACKET as u32);
            if s.send_frame(track, ts, &pcm).is_ok() {
                self.sent += pcm.len() as u64;
            }
        }
        self.send_video(s);
        if let Some(ch) = self
            .thermal
            .filter(|_| self.ticks % self.node.thermal_every == 0)
        {
            self.frames = self.frames.wrapping_add(1);
            let mut frame = [0u8; sim::FRAME];
            machine.thermal_frame(self.frames, &mut frame);
            if s.send(ch, MessageKind::Binary, &frame).is_ok() {
                self.sent += frame.len() as u64;
            }
        }
        if let Some(ch) = self.readings {
            if let Some(json) = self.next_reading(&machine) {
                if s.send(ch, MessageKind::String, json.as_bytes()).is_ok() {
                    self.sent += json.len() as u64;
                }
            }
        }
        if let Some(line) = self.line.filter(|_| self.ticks % 50 == 0) {
            self.node.board.update(line, None, None, self.sent);
            self.sent = 0;
        }
    }

    fn udp_filter(&mut self) -> Option<Box<dyn UdpFilter>> {
        let kind = self.node.nat?;
        let servers = self.node.relay.as_ref().map(|r| r.servers);
        Some(Box::new(nat::Nat::new(kind, servers)))
    }

    fn on_end(&mut self, state: PeerState) {
        if self.counted {
            let n = self
                .node
                .viewers
                .fetch_sub(1, Ordering::Relaxed)
                .saturating_sub(1);
            let why = match state {
                PeerState::Closed => "closed".to_string(),
                // Once connected, ICE fails when consent checks go unanswered (RFC 7675).
                PeerState::Failed(peer_core::Failure::Ice) => {
                    "gone: no answer to consent checks".to_string()
                }
                PeerState::Disconnected => "gone: disconnected too long".to_string(),
                other => format!("{other:?}"),
            };
            self.node
                .board
                .say(&format!("p2p node: viewer left ({why}; {n} watching)"));
        }
        if let Some(line) = self.line {
            self.node.board.leave(line, self.counted);
        }
    }
}
