//! A minimal WHEP viewer made of this workspace's own stack: `peer_core` (ICE, DTLS client,
//! SRTP, SCTP) over a std UDP socket, the offer POSTed with a plain HTTP/1.1 request. It
//! watches a sensor node (`p2p node` or `examples/sensor-node`) and counts what arrives:
//! thermal frames (checked: 1548 bytes, version 1, 32×24), readings (JSON with `bearing_c`)
//! and PCMU audio packets, then ends the session (DELETE on the `Location`). Prints one JSON
//! line; exits 0 when at least 4 frames, 2 readings and 100 audio packets arrived.
//!
//! usage: `whep_view HOST:PORT LOCAL_IP SECONDS`
#![allow(clippy::print_stdout)]

use adapters::{Clock, OsEntropy};
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::{Delivered, MediaConfig, PeerConfig, PeerConnection, PeerEvent, PeerState};
use sansio::{DtlsRole, Path, SansIo};
use sdp_core::negotiate::CodecCap;
use sdp_core::Direction;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

type Peer = PeerConnection<OsEntropy, Endpoint<OsEntropy>, Box<[u8]>, 4, 256>;

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

#[derive(Debug, Default)]
struct Counts {
    thermal: u32,
    bad_thermal: u32,
    readings: u32,
    audio_packets: u32,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("whep_view: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, local_ip, secs] = args.as_slice() else {
        return Err("usage: whep_view HOST:PORT LOCAL_IP SECONDS".into());
    };
    let secs: u64 = secs.parse().map_err(|_| "SECONDS")?;
    let socket = UdpSocket::bind((local_ip.as_str(), 0)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(2)))
        .map_err(|e| e.to_string())?;
    let local = socket.local_addr().map_err(|e| e.to_string())?;
    let clock = Clock::new();
    let mut peer = new_peer()?;
    let now = clock.now();
    peer.add_host(now, local).map_err(|e| e.to_string())?;
    peer.hosts_done(now);
    let mut sdp = vec![0u8; 16 * 1024];
    let n = peer
        .create_offer(now, &mut sdp)
        .map_err(|e| e.to_string())?;
    let offer = String::from_utf8_lossy(sdp.get(..n).unwrap_or(&[])).to_string();
    let (answer, location) = post_offer(server, &offer)?;
    peer.accept_answer(clock.now(), &answer)
        .map_err(|e| format!("answer: {e}"))?;
    let counts = watch(&mut peer, &socket, &clock, Duration::from_secs(secs));
    let deleted = request(
        server,
        &format!("DELETE {location} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n"),
    )
    .map(|(head, _)| head.starts_with("HTTP/1.1 200"))
    .unwrap_or(false);
    println!(
        "{{\"state\":\"{:?}\",\"thermal\":{},\"bad_thermal\":{},\"readings\":{},\"audio_packets\":{},\"deleted\":{deleted}}}",
        peer.state(),
        counts.thermal,
        counts.bad_thermal,
        counts.readings,
        counts.audio_packets
    );
    Ok(peer.state() == PeerState::Connected
        && deleted
        && counts.thermal >= 4
        && counts.bad_thermal == 0
        && counts.readings >= 2
        && counts.audio_packets >= 100)
}

fn new_peer() -> Result<Peer, String> {
    let cert = Certificate::generate(&RustCrypto, &mut OsEntropy, &CertParams::default())
        .map_err(|e| format!("certificate: {e:?}"))?;
    let dtls = Endpoint::new(DtlsRole::Client, DtlsConfig::default(), cert, OsEntropy);
    let config = PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO).with_direction(Direction::RecvOnly)),
        ..PeerConfig::default()
    };
    let buf = || vec![0u8; 64 * 1024].into_boxed_slice();
    Ok(PeerConnection::new(config, OsEntropy, dtls, buf(), buf()))
}

/// POST the offer to `/whep`: the answer and the session's `Location` on 201.
fn post_offer(server: &str, offer: &str) -> Result<(String, String), String> {
    let req = format!(
        "POST /whep HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{offer}",
        offer.len()
    );
    let (head, body) = request(server, &req)?;
    if !head.starts_with("HTTP/1.1 201") {
        return Err(format!("WHEP refused: {head}"));
    }
    let location = header(&head, "location").ok_or("no Location")?;
    Ok((body, location))
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// One HTTP/1.1 request: the response's head and body (Content-Length bytes).
fn request(server: &str, req: &str) -> Result<(String, String), String> {
    let mut c = TcpStream::connect(server).map_err(|e| format!("connect {server}: {e}"))?;
    c.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    c.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let (mut resp, mut buf) = (Vec::new(), [0u8; 4096]);
    loop {
        let n = c.read(&mut buf).map_err(|e| e.to_string())?;
        resp.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        let text = String::from_utf8_lossy(&resp).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = header(head, "content-length")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= len {
                return Ok((
                    head.to_string(),
                    body.get(..len).unwrap_or(body).to_string(),
                ));
            }
        }
        if n == 0 {
            return Err("connection closed before the whole response".into());
        }
    }
}

/// Run the connection for `limit`, counting what arrives.
fn watch(peer: &mut Peer, socket: &UdpSocket, clock: &Clock, limit: Duration) -> Counts {
    let end = std::time::Instant::now() + limit;
    let (mut counts, mut buf, mut out) = (Counts::default(), [0u8; 2048], [0u8; 2048]);
    let mut msg = vec![0u8; 64 * 1024];
    let local = socket
        .local_addr()
        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
    while std::time::Instant::now() < end {
        let now = clock.now();
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            let data = buf.get(..n).unwrap_or(&[]);
            if let Ok(Some(Delivered::Rtp { .. })) =
                peer.handle_datagram(now, Path::udp(local, from), data)
            {
                counts.audio_packets += 1;
            }
        }
        if peer.poll_timeout().is_some_and(|t| t <= now) {
            peer.handle_timeout(now);
        }
        while let Some(t) = peer.poll_transmit(now, &mut out) {
            let _ = socket.send_to(out.get(..t.len).unwrap_or(&[]), t.path.remote);
        }
        while let Some(ev) = peer.poll_event() {
            if let PeerEvent::MessageReady(_) = ev {
                while let Ok(Some(r)) = peer.poll_message(&mut msg) {
                    count(
                        &mut counts,
                        peer.channel_label(r.channel),
                        msg.get(..r.len).unwrap_or(&[]),
                    );
                }
            }
        }
    }
    counts
}

fn count(counts: &mut Counts, label: Option<&str>, m: &[u8]) {
    match label {
        Some("thermal") if m.len() == 12 + 2 * 32 * 24 && m.starts_with(&[1, 32, 24, 0]) => {
            counts.thermal += 1;
        }
        Some("thermal") => counts.bad_thermal += 1,
        Some("readings") if String::from_utf8_lossy(m).contains("\"bearing_c\":") => {
            counts.readings += 1;
        }
        _ => {}
    }
}
