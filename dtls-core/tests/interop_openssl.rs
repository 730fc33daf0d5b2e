//! Interop with OpenSSL 3 (`openssl s_server` / `s_client -dtls1_2`): our client against
//! their server and their client against our server, with an ECDSA P-256 certificate on each
//! side, `use_srtp` SRTP_AES128_CM_SHA1_80, extended master secret, data both ways, and the
//! exported SRTP keying material equal to OpenSSL's `-keymatexport EXTRACTOR-dtls_srtp`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, DtlsRole, Endpoint, Fingerprint, SrtpProfile};
use support::real::{hex, Live, OsEntropy, Peer};

const IGNORE: &str = "interop: needs openssl (cargo xtask test installs it)";

/// A fresh ECDSA P-256 certificate for OpenSSL in a temporary directory; its fingerprint.
fn openssl_cert(dir: &std::path::Path) -> Fingerprint {
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "30", "-subj", "/CN=openssl-peer"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("INTEROP PEER MISSING: openssl (cargo xtask test installs it)");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(dir.join("cert.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    Fingerprint::parse(text.trim().split('=').nth(1).unwrap()).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dtls-core-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn our_cert() -> Certificate {
    Certificate::generate(&RustCrypto, &mut OsEntropy, &CertParams::default()).unwrap()
}

/// The 60-byte `Keying material:` line OpenSSL printed.
fn keying_material(peer: &Peer) -> String {
    peer.lines()
        .iter()
        .find_map(|l| l.strip_prefix("    Keying material: ").map(str::to_owned))
        .unwrap_or_else(|| panic!("no keying material in {:#?}", peer.lines()))
}

/// What OpenSSL printed about the session agrees with ours. `s_client` prints "Cipher is" and
/// "Extended master secret: yes"; `s_server` prints "CIPHER is" (the Finished exchange could
/// not succeed if only one side used the extended master secret).
/// Waits for `line` from OpenSSL and checks it arrived intact. Whether `s_client` and
/// `s_server` keep the typed newline depends on how their stdin read splits the line (seen
/// both ways, on this machine and on CI), so the text must match and a newline may follow.
fn assert_line_arrives(live: &mut Live<OsEntropy>, line: &str) {
    let arrived = live.run(Duration::from_secs(5), |l| {
        l.data.concat().starts_with(line.as_bytes())
    });
    let got = live.data.concat();
    assert!(arrived, "{:?}", String::from_utf8_lossy(&got));
    assert_eq!(
        got.strip_suffix(b"\n").unwrap_or(&got),
        line.as_bytes(),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
}

fn check_session(live: &Live<OsEntropy>, peer: &Peer, openssl_is_client: bool) {
    let cipher = "ECDHE-ECDSA-AES128-GCM-SHA256";
    check_session_with(
        live,
        peer,
        openssl_is_client,
        cipher,
        SrtpProfile::Aes128CmHmacSha1_80,
    );
}

fn check_session_with(
    live: &Live<OsEntropy>,
    peer: &Peer,
    openssl_is_client: bool,
    cipher: &str,
    profile: SrtpProfile,
) {
    let name = match profile {
        SrtpProfile::Aes128CmHmacSha1_80 => "SRTP_AES128_CM_SHA1_80",
        SrtpProfile::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
        other => panic!("{other:?}"),
    };
    let srtp = format!("SRTP Extension negotiated, profile={name}");
    assert!(
        peer.wait_line(&srtp, Duration::from_secs(5)),
        "{:#?}",
        peer.lines()
    );
    let label = if openssl_is_client {
        "Cipher is "
    } else {
        "CIPHER is "
    };
    assert!(
        peer.has_line(&format!("{label}{cipher}")),
        "{:#?}",
        peer.lines()
    );
    if openssl_is_client {
        assert!(
            peer.has_line("Extended master secret: yes"),
            "{:#?}",
            peer.lines()
        );
    }
    assert_eq!(live.ep.srtp_profile(), Some(profile));
    let mut km = [0u8; 88];
    let n = profile.keying_material_len();
    live.ep.export_srtp_keying_material(&mut km).unwrap();
    assert_eq!(hex(&km[..n]), keying_material(peer));
}

#[test]
#[ignore = "interop: needs openssl (cargo xtask test installs it)"]
fn our_client_against_openssl_server() {
    let _ = IGNORE;
    let dir = temp_dir("s_server");
    let their_fp = openssl_cert(&dir);
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let mut server = Peer::spawn(
        "openssl",
        &[
            "s_server",
            "-dtls1_2",
            "-accept",
            &accept,
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "-use_srtp",
            "SRTP_AES128_CM_SHA1_80",
            "-keymatexport",
            "EXTRACTOR-dtls_srtp",
            "-keymatexportlen",
            "60",
            "-verify",
            "1",
        ],
    );
    assert!(
        server.wait_line("ACCEPT", Duration::from_secs(10)),
        "{:#?}",
        server.lines()
    );

    let mut ep = Endpoint::new(DtlsRole::Client, Config::default(), our_cert(), OsEntropy);
    ep.set_remote_fingerprint(their_fp);
    let mut live = Live::new(ep, UdpSocket::bind("127.0.0.1:0").unwrap());
    let now = live.now();
    let path = live.local_path(accept.parse().unwrap());
    live.ep.start(now, path);
    assert!(
        live.run(Duration::from_secs(10), |l| l.ep.is_connected()),
        "client: {:?} {:?}\nopenssl: {:#?}",
        live.ep.state(),
        live.events,
        server.lines()
    );
    check_session(&live, &server, false);

    // OpenSSL prints what it receives as is: end it with a newline to see a whole line.
    live.send(b"hello from dtls-core\n");
    assert!(
        server.wait_line("hello from dtls-core", Duration::from_secs(5)),
        "{:#?}",
        server.lines()
    );
    server.type_line("hello from openssl");
    assert_line_arrives(&mut live, "hello from openssl");
    live.ep.close(live.now());
    live.run(Duration::from_millis(100), |_| false);
    assert!(
        server.wait_line("DONE", Duration::from_secs(5)) || server.has_line("shutting down"),
        "{:#?}",
        server.lines()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "interop: needs openssl (cargo xtask test installs it)"]
fn openssl_client_against_our_server() {
    let dir = temp_dir("s_client");
    let their_fp = openssl_cert(&dir);
    let mut ep = Endpoint::new(DtlsRole::Server, Config::default(), our_cert(), OsEntropy);
    ep.set_remote_fingerprint(their_fp);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let mut live = Live::new(ep, socket);
    let now = live.now();
    let path = live.local_path("127.0.0.1:9".parse().unwrap());
    live.ep.start(now, path);

    let connect = format!("127.0.0.1:{port}");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let mut client = Peer::spawn(
        "openssl",
        &[
            "s_client",
            "-dtls1_2",
            "-connect",
            &connect,
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
            "-use_srtp",
            "SRTP_AES128_CM_SHA1_80",
            "-keymatexport",
            "EXTRACTOR-dtls_srtp",
            "-keymatexportlen",
            "60",
        ],
    );
    assert!(
        live.run(Duration::from_secs(10), |l| l.ep.is_connected()),
        "server: {:?} {:?} {:?}\nopenssl: {:#?}",
        live.ep.state(),
        live.events,
        live.ep.stats(),
        client.lines()
    );
    assert_eq!(
        live.ep.stats().hello_verify_requests,
        1,
        "the cookie exchange ran"
    );
    check_session(&live, &client, true);

    client.type_line("hello from openssl");
    assert_line_arrives(&mut live, "hello from openssl");
    live.send(b"hello from dtls-core\n");
    assert!(
        client.wait_line("hello from dtls-core", Duration::from_secs(5)),
        "{:#?}",
        client.lines()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "interop: needs openssl (cargo xtask test installs it)"]
fn openssl_reads_our_certificate_and_verifies_its_signature() {
    let dir = temp_dir("x509");
    let cert = our_cert();
    let der = dir.join("ours.der");
    std::fs::write(&der, cert.der()).unwrap();
    let pem = dir.join("ours.pem");
    let out = Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-text",
            "-in",
        ])
        .arg(&der)
        .output()
        .expect("INTEROP PEER MISSING: openssl (cargo xtask test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("sha256 Fingerprint={}", cert.fingerprint())),
        "{text}"
    );
    assert!(
        text.contains("ASN1 OID: prime256v1") && text.contains("ecdsa-with-SHA256"),
        "{text}"
    );
    let conv = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(&der)
        .arg("-out")
        .arg(&pem)
        .status()
        .unwrap();
    assert!(conv.success());
    // A self-signed certificate verifies against itself only if its signature is right.
    let verify = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&pem)
        .arg(&pem)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "interop: needs openssl (cargo xtask test installs it)"]
fn chacha20_and_srtp_aead_gcm_with_openssl_server() {
    let dir = temp_dir("s_server_chacha");
    let their_fp = openssl_cert(&dir);
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let server = Peer::spawn(
        "openssl",
        &[
            "s_server",
            "-dtls1_2",
            "-accept",
            &accept,
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
            "-cipher",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "-use_srtp",
            "SRTP_AEAD_AES_128_GCM",
            "-keymatexport",
            "EXTRACTOR-dtls_srtp",
            "-keymatexportlen",
            "56",
            "-verify",
            "1",
        ],
    );
    assert!(
        server.wait_line("ACCEPT", Duration::from_secs(10)),
        "{:#?}",
        server.lines()
    );
    let mut config = Config::default();
    config.cipher_suites.reverse();
    let mut ep = Endpoint::new(DtlsRole::Client, config, our_cert(), OsEntropy);
    ep.set_remote_fingerprint(their_fp);
    let mut live = Live::new(ep, UdpSocket::bind("127.0.0.1:0").unwrap());
    let now = live.now();
    let path = live.local_path(accept.parse().unwrap());
    live.ep.start(now, path);
    assert!(
        live.run(Duration::from_secs(10), |l| l.ep.is_connected()),
        "{:#?}",
        server.lines()
    );
    assert_eq!(
        live.ep.cipher_suite(),
        Some(dtls_core::CipherSuite::EcdheEcdsaChacha20Poly1305Sha256)
    );
    check_session_with(
        &live,
        &server,
        false,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        SrtpProfile::AeadAes128Gcm,
    );
    live.send(b"chacha from dtls-core\n");
    assert!(
        server.wait_line("chacha from dtls-core", Duration::from_secs(5)),
        "{:#?}",
        server.lines()
    );
    let _ = std::fs::remove_dir_all(dir);
}
