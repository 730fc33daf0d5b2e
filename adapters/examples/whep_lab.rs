//! A WHEP endpoint for browser tests: every viewer gets a data channel "server" that greets
//! it, and every message the viewer sends on any channel comes back on the same channel.
//! Serves the test pages in `adapters/tests/browser/` too.
//!
//! `whep_lab LISTEN [BIND_IP]`: HTTP on LISTEN; sessions bind UDP on BIND_IP (default: the
//! IP of LISTEN). Prints `ready http://LISTEN` when listening; logs per session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use adapters::whep::{router, serve, Session, SessionApp, WhepConfig};
use axum::response::Html;
use axum::routing::get;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use peer_core::data::ChannelConfig;
use peer_core::{MessageKind, PeerConfig, PeerEvent};
use std::net::{IpAddr, SocketAddr};

#[derive(Default)]
struct Echo {
    greeted: bool,
    echoed: usize,
}

impl SessionApp for Echo {
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
            PeerEvent::MessageReady(_) => self.echo(s),
            PeerEvent::StateChanged(st) => println!("state {st:?}"),
            _ => {}
        }
    }
}

impl Echo {
    fn echo(&mut self, s: &mut Session<'_, '_>) {
        let mut buf = vec![0u8; 300 * 1024];
        while let Ok(Some(m)) = s.peer().poll_message(&mut buf) {
            let data = buf[..m.len].to_vec();
            if let Err(e) = s.send(m.channel, m.kind, &data) {
                println!("echo failed: {e}");
            }
            self.echoed += 1;
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let mut args = std::env::args().skip(1);
    let listen: SocketAddr = args
        .next()
        .unwrap_or("127.0.0.1:8080".into())
        .parse()
        .unwrap();
    let bind: IpAddr = args.next().map_or(listen.ip(), |a| a.parse().unwrap());
    let cert = Certificate::generate(
        &RustCrypto,
        &mut adapters::OsEntropy,
        &CertParams::default(),
    )
    .unwrap();
    let config = WhepConfig {
        bind_ip: bind,
        peer: PeerConfig {
            max_message_size: 256 * 1024,
            ..PeerConfig::default()
        },
        max_sessions: 8,
        max_body: 64 * 1024,
        sctp_buffer: 1024 * 1024,
        certificate: cert,
    };
    let pages = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
    let app = router(config, || Box::new(Echo::default())).route(
        "/{page}",
        get(
            move |axum::extract::Path(page): axum::extract::Path<String>| async move {
                let path = std::path::Path::new(pages).join(page.replace("..", ""));
                Html(std::fs::read_to_string(path).unwrap_or_default())
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    println!("ready http://{}", listener.local_addr().unwrap());
    serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .unwrap();
}
