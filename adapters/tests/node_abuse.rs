//! `p2p node` under bad input and many viewers, watched by `p2p view` processes: viewers past
//! `--max-viewers` get HTTP 503, garbage and oversized offers get 400 and 413, a flood of 1,000
//! offers at once is answered (201 up to the limit, 503 past it) while a viewer keeps
//! watching, and a viewer killed mid-stream is freed by consent freshness (RFC 7675).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::peer::offer;
use common::{free_port, p2p, run, Proc};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A node on a free loopback port, ready; its address.
fn node(extra: &[&str]) -> (Proc, SocketAddr) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec!["node", "--listen", &listen];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    p.wait_for("node ready", Duration::from_secs(20));
    (p, listen.parse().unwrap())
}

/// `p2p view` in the background, its output captured.
fn viewer(addr: SocketAddr, extra: &[&str]) -> Child {
    Command::new(p2p())
        .arg("view")
        .arg(format!("http://{addr}/whep"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait for a background viewer: exit code, stdout, stderr.
fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn number(summary: &str, key: &str) -> u64 {
    let at = summary
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {summary}"));
    summary[at + key.len() + 3..]
        .split([',', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// One raw HTTP/1.1 POST to /whep; the status code (0 when the connection failed).
async fn post(addr: SocketAddr, body: Vec<u8>) -> u16 {
    let mut s = match tokio::net::TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connect: {e}");
            return 0;
        }
    };
    let head = format!(
        "POST /whep HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if let Err(e) = s.write_all(head.as_bytes()).await {
        eprintln!("write: {e}");
    }
    if let Err(e) = s.write_all(&body).await {
        eprintln!("write: {e}");
    }
    let mut resp = Vec::new();
    if let Err(e) = s.read_to_end(&mut resp).await {
        eprintln!("read: {e}");
    }
    if resp.is_empty() {
        eprintln!("empty response");
    }
    String::from_utf8_lossy(&resp)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn viewers_past_the_limit_get_503_and_the_others_keep_watching() {
    let (node, addr) = node(&["--max-viewers", "2"]);
    let a = viewer(addr, &["--duration", "8", "--quiet"]);
    let b = viewer(addr, &["--duration", "8", "--quiet"]);
    node.wait_for("(2 watching)", Duration::from_secs(15));
    let out = run(p2p(), &["view", &format!("http://{addr}/whep")], 30);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(node.output().contains("session limit reached"));
    for v in [a, b] {
        let (code, out, err) = finish(v);
        assert_eq!(code, 0, "{out}\n{err}");
        let summary = out.lines().last().unwrap();
        assert!(number(summary, "thermal_frames") >= 16, "{summary}");
    }
    // Both left: a new viewer gets in.
    node.wait_for("; 0 watching)", Duration::from_secs(10));
    let out = run(
        p2p(),
        &["view", &format!("http://{addr}/whep"), "--frames", "2"],
        30,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn garbage_oversized_and_1000_offers_at_once_get_status_codes_while_a_viewer_watches() {
    let (node, addr) = node(&["--max-viewers", "16"]);
    let watcher = viewer(addr, &["--duration", "15", "--quiet"]);
    node.wait_for("(1 watching)", Duration::from_secs(15));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let offer = offer();
    let statuses = rt.block_on(async {
        assert_eq!(post(addr, b"v=0\r\nthis is not SDP".to_vec()).await, 400);
        assert_eq!(post(addr, vec![0xff, 0xfe, 0x00, 0x80]).await, 400);
        assert_eq!(post(addr, vec![b'a'; 200 * 1024]).await, 413);
        let tasks: Vec<_> = (0..1000)
            .map(|_| tokio::spawn(post(addr, offer.clone().into_bytes())))
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses
    });
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 503).count();
    assert_eq!(
        created + refused,
        1000,
        "every offer answered 201 or 503: {:?}",
        statuses
            .iter()
            .filter(|s| **s != 201 && **s != 503)
            .take(10)
            .collect::<Vec<_>>()
    );
    assert!(created <= 15, "at most the limit: {created} created");
    assert!(refused >= 985, "{refused} refused");
    let (code, out, err) = finish(watcher);
    assert_eq!(code, 0, "{out}\n{err}");
    let summary = out.lines().last().unwrap();
    // 15 s at 4 frames a second: the viewer kept receiving through the flood.
    assert!(number(summary, "thermal_frames") >= 40, "{summary}");
    assert!(number(summary, "readings") >= 20, "{summary}");
    let log = node.output();
    assert!(log.contains("session limit reached"), "{log}");
    // Rate-limited: a few lines a second, not one per refused offer.
    let lines = log.matches("session limit reached").count();
    assert!(lines <= 60, "{lines} lines for the flood");
    assert!(log.contains("offer refused"), "{log}");
}

#[test]
fn a_viewer_that_vanishes_is_freed_by_consent_freshness() {
    let (node, addr) = node(&["--consent-timeout", "3"]);
    let mut gone = viewer(addr, &[]);
    node.wait_for("(1 watching)", Duration::from_secs(15));
    let stay = viewer(addr, &["--duration", "25", "--quiet"]);
    node.wait_for("(2 watching)", Duration::from_secs(15));
    let killed = std::time::Instant::now();
    gone.kill().unwrap(); // SIGKILL: no DELETE, no DTLS close, nothing
    gone.wait().unwrap();
    node.wait_for(
        "viewer left (gone: no answer to consent checks; 1 watching)",
        Duration::from_secs(30),
    );
    // Not before consent could expire (3 s without an answer), and not much later.
    let after = killed.elapsed();
    assert!(after >= Duration::from_secs(2), "{after:?}");
    assert!(after <= Duration::from_secs(15), "{after:?}");
    let (code, out, err) = finish(stay);
    assert_eq!(code, 0, "{out}\n{err}");
    let summary = out.lines().last().unwrap();
    assert!(number(summary, "thermal_frames") >= 80, "{summary}");
}
