//! `p2p node --nat KIND` on loopback, watched by `p2p view` (which has no relay): the cone
//! types filter what comes in but still end on a direct pair; behind `symmetric` no direct
//! pair works, so a viewer without a relay connects only through the relay the node
//! allocates with `--turn` (the browser test shows the page's relay way: `browser_node`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, Proc};
use std::time::Duration;

fn node(extra: &[&str]) -> (Proc, String) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec!["node", "--listen", &listen];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    p.wait_for("node ready", Duration::from_secs(20));
    (p, format!("http://{listen}/whep"))
}

/// A plain HTTP/1.1 GET; the whole response.
fn get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn cone_nats_end_on_a_direct_pair() {
    for kind in ["full-cone", "restricted", "port-restricted"] {
        let (_node, url) = node(&["--nat", kind]);
        let out = run(p2p(), &["view", &url, "--frames", "4", "--quiet"], 30);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{kind}: {text}");
        assert!(text.contains("\"pair\":\"host/host\""), "{kind}: {text}");
        assert!(text.contains("\"thermal_frames\":4"), "{kind}: {text}");
    }
}

#[test]
fn behind_a_symmetric_nat_without_turn_a_viewer_without_a_relay_cannot_connect() {
    let (node, url) = node(&["--nat", "symmetric"]);
    let out = run(
        p2p(),
        &["view", &url, "--frames", "4", "--connect-timeout", "6"],
        30,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("\"thermal_frames\":0"), "{text}");
    assert!(
        !node.output().contains("viewer connected"),
        "{}",
        node.output()
    );
}

/// With `--turn` the node allocates a relay on its own server: a viewer without a relay ends
/// on the pair to the node's relayed candidate (the node's DTLS client gets the viewer's
/// HelloVerifyRequest back through its allocation) and receives frames.
#[test]
fn behind_a_symmetric_nat_a_viewer_without_a_relay_connects_through_the_nodes_relay() {
    let turn = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let (node, url) = node(&["--nat", "symmetric", "--turn", "--turn-listen", &turn]);
    let out = run(
        p2p(),
        &["view", &url, "--frames", "4", "--connect-timeout", "10"],
        40,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", node.output());
    assert!(text.contains("\"pair\":\"host/relay\""), "{text}");
    assert!(text.contains("\"thermal_frames\":4"), "{text}");
    assert!(
        node.output().contains("viewer connected"),
        "{}",
        node.output()
    );
    // The node's STUN/TURN server is up and tells the page about itself.
    let json = get(&url.replace("/whep", "/ice-servers"));
    assert!(
        json.contains(&format!("\"urls\":\"stun:{turn}\"")),
        "{json}"
    );
    assert!(
        json.contains(&format!("\"urls\":\"turn:{turn}?transport=udp\"")),
        "{json}"
    );
    assert!(json.contains("\"credential\":\""), "{json}");
}
