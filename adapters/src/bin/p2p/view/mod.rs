//! `p2p view URL`: watch a node without a browser.
//!
//! The viewer is a peer-core connection on the tokio driver, like the node's own sessions but
//! on the offering side: it POSTs an offer (receive-only PCMU audio and a data-channel
//! section) to the node's WHEP endpoint, applies the answer, and prints what arrives — one
//! line per reading (the JSON the node sent), one per thermal frame, a summary at the end.
//! It stops after `--frames` thermal frames, after `--duration` seconds, or on Ctrl-C, and
//! DELETEs its session on the way out.

mod http;

use crate::exit::{Failure, Outcome};
use adapters::driver::{Ctx, Driver, Input};
use adapters::whep::Peer;
use axum::http::Method;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint as Dtls};
use peer_core::{Delivered, MediaConfig, PeerConfig, PeerConnection, PeerEvent, PeerState};
use sansio::DtlsRole;
use sdp_core::negotiate::CodecCap;
use sdp_core::Direction;
use std::net::{IpAddr, SocketAddr};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Options of `p2p view`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The node's WHEP endpoint, e.g. `http://127.0.0.1:8080/whep` (a URL without a path
    /// means its `/whep`).
    pub url: String,
    /// Stop after this many seconds (exit 0 when readings or frames arrived, else 3).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Stop after this many thermal frames (exit 0).
    #[arg(long)]
    pub frames: Option<u64>,
    /// Give up when not connected after this many seconds (exit 3).
    #[arg(long, default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// The IP of the viewer's UDP socket (its ICE host candidate); default: the address this
    /// host would use to reach the node.
    #[arg(long)]
    pub local_ip: Option<IpAddr>,
    /// Print only the summary, not every reading and frame.
    #[arg(long)]
    pub quiet: bool,
}

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

/// What arrived.
#[derive(Debug, Default)]
struct Counts {
    thermal: u64,
    bad_thermal: u64,
    readings: u64,
    audio_packets: u64,
    audio_bytes: u64,
    audio: Level,
    pair: Option<String>,
    connected_at: Option<Instant>,
}

/// Why the viewer stopped.
#[derive(Debug)]
enum Stop {
    Frames,
    Duration,
    Signal,
    NotConnected,
    Failed(String),
    Closed,
}

/// A command to the running viewer.
#[derive(Debug)]
enum Command {
    Tick,
    Signal,
}

/// Run until the frames, the duration, Ctrl-C or the connection ends.
pub async fn run(args: Args) -> Outcome {
    let bad = |what: &str| Failure::Usage(format!("{what} must be a positive number of seconds"));
    let connect_timeout = secs(args.connect_timeout).ok_or_else(|| bad("--connect-timeout"))?;
    let duration = match args.duration {
        Some(d) => Some(secs(d).ok_or_else(|| bad("--duration"))?),
        None => None,
    };
    let endpoint = http::Endpoint::parse(&args.url).await?;
    let local_ip = match args.local_ip {
        Some(ip) => ip,
        None => route_to(endpoint.addr)?,
    };
    let (mut driver, offer) = offerer(local_ip)?;
    let answer = http::request(&endpoint, Method::POST, &endpoint.path, offer).await?;
    if answer.status != 201 {
        return Err(Failure::Refused(format!(
            "the node answered HTTP {}: {}",
            answer.status,
            answer.body.trim()
        )));
    }
    let now = driver.ctx().now();
    driver
        .ctx()
        .machine()
        .accept_answer(now, &answer.body)
        .map_err(|e| Failure::Refused(format!("unusable answer: {e}")))?;
    eprintln!("p2p view: offer accepted by {}", endpoint.addr);
    let limits = Limits {
        started: Instant::now(),
        connect_timeout,
        duration,
        frames: args.frames,
        quiet: args.quiet,
    };
    let mut counts = Counts::default();
    let stop = watch(&mut driver, &limits, &mut counts).await;
    if let Some(location) = &answer.location {
        let _ = http::request(&endpoint, Method::DELETE, location, String::new()).await;
    }
    summary(&counts, &limits);
    outcome(stop, &counts)
}

fn secs(s: f64) -> Option<Duration> {
    (s.is_finite() && s > 0.0).then(|| Duration::from_secs_f64(s))
}

/// The local address this host would send from to reach `to` (no packet is sent).
fn route_to(to: SocketAddr) -> Result<IpAddr, Failure> {
    let any: SocketAddr = if to.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = std::net::UdpSocket::bind(any).map_err(|e| Failure::Network(e.to_string()))?;
    s.connect(to)
        .and_then(|()| s.local_addr())
        .map(|a| a.ip())
        .map_err(|e| Failure::Network(format!("no route to {to}: {e}")))
}

/// The viewer's connection on its socket, and its offer.
fn offerer(local_ip: IpAddr) -> Result<(Driver<Peer>, String), Failure> {
    let certificate = Certificate::generate(
        &RustCrypto,
        &mut adapters::OsEntropy,
        &CertParams::default(),
    )
    .map_err(|e| Failure::Internal(format!("certificate: {e:?}")))?;
    let dtls = Dtls::new(
        DtlsRole::Client,
        DtlsConfig::default(),
        certificate,
        adapters::OsEntropy,
    );
    let config = PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO).with_direction(Direction::RecvOnly)),
        max_message_size: 64 * 1024,
        cname: "p2p-view",
        ..PeerConfig::default()
    };
    let buf = || vec![0u8; 256 * 1024].into_boxed_slice();
    let peer: Peer = PeerConnection::new(config, adapters::OsEntropy, dtls, buf(), buf());
    let mut driver = Driver::new(peer);
    let mut ctx = driver.ctx();
    let local = ctx
        .bind_udp(SocketAddr::new(local_ip, 0))
        .map_err(|e| Failure::Network(format!("cannot bind a UDP socket on {local_ip}: {e}")))?;
    let now = ctx.now();
    let peer = ctx.machine();
    peer.add_host(now, local)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    peer.hosts_done(now);
    let mut out = vec![0u8; 16 * 1024];
    let n = peer
        .create_offer(now, &mut out)
        .map_err(|e| Failure::Internal(format!("offer: {e}")))?;
    let offer = String::from_utf8_lossy(out.get(..n).unwrap_or(&[])).into_owned();
    Ok((driver, offer))
}

/// When to stop.
#[derive(Debug)]
struct Limits {
    started: Instant,
    connect_timeout: Duration,
    duration: Option<Duration>,
    frames: Option<u64>,
    quiet: bool,
}

/// Run the connection, counting and printing what arrives, until a limit is reached.
async fn watch(driver: &mut Driver<Peer>, limits: &Limits, counts: &mut Counts) -> Stop {
    let (tx, rx) = mpsc::channel(8);
    let ticks = tx.clone();
    let ticker = tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_millis(100));
        while ticks.send(Command::Tick).await.is_ok() {
            t.tick().await;
        }
    });
    let signal = tokio::spawn(async move {
        crate::stun_server::shutdown_signal().await;
        let _ = tx.send(Command::Signal).await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    let r = driver
        .run(Some(rx), |ctx, input| {
            on_input(ctx, input, limits, counts, &mut buf)
        })
        .await;
    ticker.abort();
    signal.abort();
    r.unwrap_or_else(|e| Stop::Failed(e.to_string()))
}

fn on_input(
    ctx: &mut Ctx<'_, Peer>,
    input: Input<'_, Peer, Command>,
    limits: &Limits,
    counts: &mut Counts,
    buf: &mut [u8],
) -> ControlFlow<Stop> {
    match input {
        Input::Event(ev) => return on_event(ctx, ev, limits, counts, buf),
        Input::Data(_, Delivered::Rtp { .. }) => {
            if let Some((_, p)) = ctx.machine().rtp_packet() {
                counts.audio_packets += 1;
                counts.audio_bytes += p.payload().len() as u64;
                if p.payload_type() == 0 {
                    counts.audio.add(p.payload());
                }
            }
        }
        Input::Command(Command::Signal) => return ControlFlow::Break(Stop::Signal),
        Input::Command(Command::Tick) => return check_time(limits, counts),
        _ => {}
    }
    ControlFlow::Continue(())
}

fn check_time(limits: &Limits, counts: &Counts) -> ControlFlow<Stop> {
    let elapsed = limits.started.elapsed();
    if counts.connected_at.is_none() && elapsed > limits.connect_timeout {
        return ControlFlow::Break(Stop::NotConnected);
    }
    if limits.duration.is_some_and(|d| elapsed > d) {
        return ControlFlow::Break(Stop::Duration);
    }
    ControlFlow::Continue(())
}

fn on_event(
    ctx: &mut Ctx<'_, Peer>,
    ev: PeerEvent,
    limits: &Limits,
    counts: &mut Counts,
    buf: &mut [u8],
) -> ControlFlow<Stop> {
    tracing::debug!(?ev, "peer event");
    match ev {
        PeerEvent::SelectedPair(p) => {
            let pair = format!("{}/{}", p.local_kind.token(), p.remote_kind.token());
            println!(
                "pair {pair}: {} {} -> {} {}",
                p.local_kind.token(),
                p.local_addr,
                p.remote_kind.token(),
                p.remote
            );
            counts.pair = Some(pair);
        }
        PeerEvent::StateChanged(st) => {
            println!("state {st:?}");
            match st {
                PeerState::Connected if counts.connected_at.is_none() => {
                    counts.connected_at = Some(Instant::now());
                }
                PeerState::Failed(f) => return ControlFlow::Break(Stop::Failed(f.to_string())),
                PeerState::Closed => return ControlFlow::Break(Stop::Closed),
                _ => {}
            }
        }
        PeerEvent::ChannelOpen(ch) => {
            let label = ctx.machine().channel_label(ch).unwrap_or("?").to_string();
            println!("channel {label} open");
        }
        PeerEvent::MessageReady(_) => return read_messages(ctx, limits, counts, buf),
        _ => {}
    }
    ControlFlow::Continue(())
}

/// Read every message waiting; print it unless quiet.
fn read_messages(
    ctx: &mut Ctx<'_, Peer>,
    limits: &Limits,
    counts: &mut Counts,
    buf: &mut [u8],
) -> ControlFlow<Stop> {
    while let Ok(Some(m)) = ctx.machine().poll_message(buf) {
        let data = buf.get(..m.len).unwrap_or(&[]);
        match ctx.machine().channel_label(m.channel) {
            Some("thermal") => match thermal_line(data) {
                Some(line) => {
                    counts.thermal += 1;
                    if !limits.quiet {
                        println!("{line}");
                    }
                }
                None => counts.bad_thermal += 1,
            },
            Some("readings") => {
                counts.readings += 1;
                if !limits.quiet {
                    println!("reading {}", String::from_utf8_lossy(data).trim_end());
                }
            }
            _ => {}
        }
        if limits.frames.is_some_and(|n| counts.thermal >= n) {
            return ControlFlow::Break(Stop::Frames);
        }
    }
    ControlFlow::Continue(())
}

/// `thermal #N WxH min … max … °C` for a well-formed frame (the README's layout).
fn thermal_line(f: &[u8]) -> Option<String> {
    let header: &[u8; 12] = f.get(..12)?.try_into().ok()?;
    let [version, w, h, _, n0, n1, n2, n3, lo0, lo1, hi0, hi1] = *header;
    let pixels = usize::from(w) * usize::from(h);
    if version != 1 || f.len() != 12 + 2 * pixels {
        return None;
    }
    let number = u32::from_be_bytes([n0, n1, n2, n3]);
    let min = f32::from(i16::from_be_bytes([lo0, lo1])) / 100.0;
    let max = f32::from(i16::from_be_bytes([hi0, hi1])) / 100.0;
    Some(format!(
        "thermal #{number} {w}x{h} min {min:.2} max {max:.2} °C"
    ))
}

/// The level and pitch of the PCMU audio received: RMS (full scale 1.0) and a frequency
/// estimate from zero crossings.
#[derive(Debug, Default)]
struct Level {
    samples: u64,
    squares: f64,
    crossings: u64,
    last: f32,
}

impl Level {
    fn add(&mut self, pcmu: &[u8]) {
        for b in pcmu {
            let v = f32::from(ulaw_decode(*b)) / 32_768.0;
            self.squares += f64::from(v * v);
            if (v < 0.0) != (self.last < 0.0) {
                self.crossings += 1;
            }
            self.last = v;
            self.samples += 1;
        }
    }

    fn rms(&self) -> f64 {
        (self.squares / self.samples.max(1) as f64).sqrt()
    }

    /// Two zero crossings a period, 8000 samples a second.
    fn hz(&self) -> f64 {
        self.crossings as f64 / 2.0 / (self.samples.max(1) as f64 / 8000.0)
    }
}

/// G.711 µ-law to a 16-bit sample.
fn ulaw_decode(b: u8) -> i16 {
    let u = !b;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if u & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

fn summary(c: &Counts, limits: &Limits) {
    let connect_ms = c
        .connected_at
        .map_or(-1, |t| t.duration_since(limits.started).as_millis() as i64);
    println!(
        "{{\"thermal_frames\":{},\"bad_thermal_frames\":{},\"readings\":{},\"audio_packets\":{},\"audio_bytes\":{},\"audio_rms\":{:.4},\"audio_hz\":{:.0},\"pair\":\"{}\",\"connect_ms\":{},\"seconds\":{:.1}}}",
        c.thermal,
        c.bad_thermal,
        c.readings,
        c.audio_packets,
        c.audio_bytes,
        c.audio.rms(),
        c.audio.hz(),
        c.pair.as_deref().unwrap_or("none"),
        connect_ms,
        limits.started.elapsed().as_secs_f64()
    );
}

fn outcome(stop: Stop, c: &Counts) -> Outcome {
    match stop {
        Stop::Frames | Stop::Signal => Ok(()),
        Stop::Duration if c.thermal + c.readings > 0 => Ok(()),
        Stop::Duration => Err(Failure::Timeout("no readings or frames arrived".into())),
        Stop::NotConnected => Err(Failure::Timeout("not connected in time".into())),
        Stop::Failed(why) => Err(Failure::Network(format!("connection failed: {why}"))),
        Stop::Closed => Err(Failure::Network("the node closed the connection".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_decodes_the_g711_table() {
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32_124);
        assert_eq!(ulaw_decode(0x00), -32_124);
        // 1000 encodes as 0xCE, which stands for 988.
        assert_eq!(ulaw_decode(0xCE), 988);
    }
}
