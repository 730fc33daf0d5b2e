//! An endpoint's working memory is its `MEM` parameter: a device that is always the DTLS
//! client can take 2 KiB (the receive buffer; a server's flight with a self-signed
//! certificate is about 1 KB). That a message which does not fit is dropped is the
//! reassembly's unit test `a_smaller_arena_bounds_the_messages`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use core::time::Duration;
use dtls_core::{Config, RX_LEN};
use sansio::Carrier;
use support::{pair_in, EpIn, Net};

/// A handshake between a client and a server working in `CM` and `SM` bytes; whether both
/// connected, and the net.
fn connect<const CM: usize, const SM: usize>(seed: u64) -> (bool, Net<CM, SM>) {
    let (c, s) = pair_in::<CM, SM>(seed, Config::default(), Config::default());
    let mut net = Net::new(c, s);
    net.start();
    let ok = net.run_until(Duration::from_secs(20), Net::both_connected);
    (ok, net)
}

#[test]
fn a_client_in_2_kib_connects_and_receives_full_size_records() {
    assert!(core::mem::size_of::<EpIn<RX_LEN>>() + 2048 <= core::mem::size_of::<support::Ep>());
    let (ok, mut net) = connect::<RX_LEN, { dtls_core::MEMORY }>(1);
    assert!(ok, "{:?} / {:?}", net.client.state(), net.server.state());
    let mut out = [0u8; 1500];
    let t = net
        .server
        .send(net.now, (), &[9u8; 1200], &mut out)
        .unwrap();
    let bytes = out[..t.len].to_vec();
    net.deliver(true, &bytes);
    assert_eq!(net.client_data, [vec![9u8; 1200]]);
}

#[test]
fn a_server_in_2_kib_takes_a_clienthello_of_ours() {
    let (ok, net) = connect::<{ dtls_core::MEMORY }, RX_LEN>(2);
    assert!(ok, "{:?} / {:?}", net.client.state(), net.server.state());
}
