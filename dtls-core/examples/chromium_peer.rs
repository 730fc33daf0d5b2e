//! A WebRTC answerer just far enough for a browser's DTLS client: ICE-lite (STUN Binding
//! answers with short-term credentials, via stun-proto) and a dtls-core server, on one UDP
//! socket. Every datagram is logged (hex, `c2s`/`s2c`) to a capture file; what happens is
//! printed. Used by `tests/chromium/live.sh` to record a Chromium ClientHello and to run a
//! full handshake with Chromium.
//!
//! `chromium_peer ADDR:PORT UFRAG PWD CAPTURE_FILE`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::net::UdpSocket;
use std::time::{Duration, Instant as StdInstant};

use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, DtlsRole, Endpoint, Event};
use sansio::{Entropy, Instant, Path, SansIo};
use stun_proto::auth::IntegrityKey;
use stun_proto::server::{ServerAuth, ServerConfig, StunServer};

struct OsEntropy;
impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .unwrap()
            .read_exact(buf)
            .unwrap();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (addr, pwd, capture) = (&args[1], &args[3], &args[4]);
    let socket = UdpSocket::bind(addr).expect("bind");
    let mut log = std::fs::File::create(capture).expect("capture file");
    let cert = Certificate::generate(&RustCrypto, &mut OsEntropy, &CertParams::default()).unwrap();
    println!("FINGERPRINT {}", cert.fingerprint());
    std::io::stdout().flush().unwrap();
    let mut stun: StunServer = StunServer::new(
        ServerConfig::default(),
        ServerAuth::ShortTerm(IntegrityKey::short_term(pwd.as_bytes())),
    );
    let mut dtls = Endpoint::new(DtlsRole::Server, Config::default(), cert, OsEntropy);
    let start = StdInstant::now();
    let now = || Instant::from_micros(start.elapsed().as_micros() as u64);
    let local = socket.local_addr().unwrap();
    dtls.start(now(), Path::udp(local, local));
    let (mut buf, mut out) = ([0u8; 65536], [0u8; 2048]);
    while start.elapsed() < Duration::from_secs(25) {
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            let path = Path::udp(local, from);
            let data = &buf[..n];
            if let Ok(Some(t)) = stun.respond(now(), path, data, &mut out) {
                socket.send_to(&out[..t.len], t.path.remote).unwrap();
                continue;
            }
            writeln!(log, "c2s {}", hex(data)).unwrap();
            match dtls.handle_datagram(now(), path, data) {
                Ok(Some(app)) => {
                    println!(
                        "APPDATA {} records, first {} bytes",
                        app.records,
                        dtls_core::Dtls::received(&dtls).first().len()
                    );
                    std::io::stdout().flush().unwrap();
                    std::process::exit(0);
                }
                Ok(None) => {}
                Err(e) => println!("rejected: {e}"),
            }
        } else {
            dtls.handle_timeout(now());
        }
        while let Some(t) = dtls.poll_transmit(now(), &mut out) {
            writeln!(log, "s2c {}", hex(&out[..t.len])).unwrap();
            socket.send_to(&out[..t.len], t.path.remote).unwrap();
        }
        while let Some(e) = dtls.poll_event() {
            match e {
                Event::Connected(c) => {
                    println!("CONNECTED {:?} {:?}", c.cipher_suite, c.srtp_profile)
                }
                other => println!("EVENT {other:?}"),
            }
            std::io::stdout().flush().unwrap();
        }
        if dtls.state() == dtls_core::State::AwaitingFingerprint {
            // The page cannot tell us the browser's fingerprint: this harness trusts the
            // certificate it presented (a peer connection takes it from the SDP offer).
            let fp = dtls.peer_fingerprint().unwrap();
            println!("HANDSHAKE COMPLETE, browser certificate {fp}");
            dtls.set_remote_fingerprint(fp);
        }
    }
    println!("TIMEOUT state {:?} stats {:?}", dtls.state(), dtls.stats());
    std::process::exit(1);
}
