//! Built without the `dtls-server` feature (`cargo test -p peer-core --no-default-features
//! --features std --test client_only`; `cargo xtask test` runs it so): a connection that
//! answers an `actpass` offer answers `a=setup:active` — it will be the DTLS client — and
//! one whose offer says `a=setup:active`, which would make it the server, is refused.
#![cfg(not(feature = "dtls-server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use peer_core::{PeerConfig, PeerError};
use sansio::Instant;

/// `b`'s answer to `a`'s offer, with the offer's `a=setup` edited by `edit`.
fn answer(edit: impl Fn(String) -> String) -> Result<String, PeerError> {
    let (mut a, mut b) = (
        common::peer(1, PeerConfig::default()),
        common::peer(2, PeerConfig::default()),
    );
    let now = Instant::ZERO;
    b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
    b.hosts_done(now);
    let mut buf = vec![0u8; 8192];
    let n = a.create_offer(now, &mut buf).unwrap();
    let offer = edit(String::from_utf8(buf[..n].to_vec()).unwrap());
    let n = b.accept_offer(now, &offer, &mut buf)?;
    Ok(String::from_utf8(buf[..n].to_vec()).unwrap())
}

#[test]
fn an_actpass_offer_is_answered_as_the_dtls_client() {
    let sdp = answer(|o| o).unwrap();
    assert!(sdp.contains("a=setup:active"), "{sdp}");
}

#[test]
fn an_offer_that_makes_us_the_dtls_server_is_refused() {
    let active = answer(|o| {
        assert!(o.contains("a=setup:actpass"), "{o}");
        o.replace("a=setup:actpass", "a=setup:active")
    });
    assert_eq!(active, Err(PeerError::Negotiation));
}
