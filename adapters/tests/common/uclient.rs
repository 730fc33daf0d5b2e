//! coturn's `turnutils_uclient` against our TURN server over TLS or DTLS (`-S`, with or
//! without `-t`): 2 clients × 20 messages of channel data, echoed by `turnutils_peer`.

use super::{free_port, require, Proc};
use std::process::Command;
use std::time::Duration;

/// The secure transport uclient uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secure {
    /// `-S -t`: TLS over TCP.
    Tls,
    /// `-S`: DTLS over UDP.
    Dtls,
}

/// Run uclient (user alice / pw) against our server's secure `port` on 127.0.0.1 and require
/// every one of its 40 messages relayed and echoed, none lost; `server_log` is shown when
/// not.
pub fn relays_every_message(port: u16, secure: Secure, server_log: impl Fn() -> String) {
    let peer_port = free_port("127.0.0.1");
    let _peer = Proc::start(
        require("turnutils_peer").to_str().unwrap(),
        &["-L", "127.0.0.1", "-p", &peer_port.to_string()],
    );
    std::thread::sleep(Duration::from_millis(300));
    let uclient = require("turnutils_uclient");
    let (port, peer_port) = (port.to_string(), peer_port.to_string());
    let mut args = vec!["60", uclient.to_str().unwrap()];
    if secure == Secure::Tls {
        args.push("-t");
    }
    args.extend([
        "-S",
        "-p",
        &port,
        "-e",
        "127.0.0.1",
        "-r",
        &peer_port,
        "-u",
        "alice",
        "-w",
        "pw",
        "-n",
        "20",
        "-m",
        "2",
        "-c",
        "127.0.0.1",
    ]);
    let out = Command::new("timeout").args(&args).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let number = |key: &str| super::last_number_after(&text, key);
    let sent = number("tot_send_msgs=");
    let received = number("tot_recv_msgs=");
    let lost = number("Total lost packets");
    assert!(
        out.status.success() && sent == Some(40) && received == Some(40) && lost == Some(0),
        "sent {sent:?} received {received:?} lost {lost:?}\n{}\nserver:\n{}",
        text.lines().rev().take(12).collect::<Vec<_>>().join("\n"),
        server_log()
    );
}
