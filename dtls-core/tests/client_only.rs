//! dtls-core built without its `server` feature (a device that is always the DTLS client):
//! the client still connects — to dimpl's server here — and an endpoint asked to be a server
//! fails at once with `Failure::RoleNotBuilt` and says beforehand that it cannot serve.
//! Run by `cargo xtask test` as
//! `cargo test -p dtls-core --no-default-features --features dimpl --test client_only`.
#![cfg(all(not(feature = "server"), feature = "dimpl"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use dtls_core::{Config, DimplDtls, DimplVersion, Dtls, DtlsRole, Endpoint, Event, Failure, State};
use sansio::{Instant, Path, SansIo, SeededEntropy};

fn path() -> Path {
    Path::udp(
        "198.51.100.1:5000".parse().unwrap(),
        "198.51.100.2:6000".parse().unwrap(),
    )
}

/// Move `from`'s datagrams to `to`.
fn carry(from: &mut impl Dtls, to: &mut impl Dtls, to_path: Path, now: Instant) -> bool {
    let mut out = [0u8; 2048];
    let mut moved = false;
    while let Some(t) = from.poll_transmit(now, &mut out) {
        let _ = to.handle_datagram(now, to_path, &out[..t.len]);
        moved = true;
    }
    moved
}

#[test]
fn a_client_only_build_connects_to_a_server() {
    let (our_cert, their_cert) = (support::cert(1), support::cert(2));
    let mut ours = Endpoint::new(
        DtlsRole::Client,
        Config::default(),
        our_cert.clone(),
        SeededEntropy::new(3),
    );
    let dimpl = Arc::new(dimpl::Config::builder().build().unwrap());
    let mut theirs = DimplDtls::new(DtlsRole::Server, &their_cert, dimpl, DimplVersion::Dtls12);
    ours.set_remote_fingerprint(their_cert.fingerprint());
    theirs.set_remote_fingerprint(our_cert.fingerprint());
    assert!(!ours.can_serve());
    let mut now = Instant::ZERO;
    theirs.start(now, path().reversed());
    ours.start(now, path());
    for _ in 0..200 {
        let a = carry(&mut ours, &mut theirs, path().reversed(), now);
        let b = carry(&mut theirs, &mut ours, path(), now);
        if ours.is_connected() && theirs.is_connected() {
            break;
        }
        if !a && !b {
            now += Duration::from_millis(50);
            ours.handle_timeout(now);
            theirs.handle_timeout(now);
        }
    }
    assert!(ours.is_connected(), "{:?}", ours.state());
    assert!(theirs.is_connected());
    assert_eq!(
        ours.srtp_keys().unwrap().as_bytes(),
        theirs.srtp_keys().unwrap().as_bytes()
    );
}

#[test]
fn a_server_fails_at_start_with_role_not_built() {
    let mut ep = Endpoint::new(
        DtlsRole::Server,
        Config::default(),
        support::cert(4),
        SeededEntropy::new(5),
    );
    assert!(!ep.can_serve());
    ep.start(Instant::ZERO, path());
    assert_eq!(ep.state(), State::Failed(Failure::RoleNotBuilt));
    assert_eq!(ep.poll_event(), Some(Event::Failed(Failure::RoleNotBuilt)));
}
