//! A STUN Binding transaction between two smoltcp hosts: the client machine on one, the
//! server machine on the other, both driven by `UdpDriver` (ARP included).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use common::{run, sooner, Host};
use sansio::{Path, SeededEntropy};
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::server::{NoUsers, ServerAuth, ServerConfig, StunServer};
use stun_proto::wire::Method;

#[test]
fn a_binding_request_crosses_two_smoltcp_interfaces_and_maps_the_client() {
    let (mut a, mut b) = (Host::new(1, 40_000), Host::new(2, 3478));
    let mut server: StunServer<NoUsers> =
        StunServer::new(ServerConfig::default(), ServerAuth::None);
    let mut client: StunClient<_, 2, 256> = StunClient::new(
        ClientConfig::default(),
        Credentials::None,
        SeededEntropy::new(3),
    )
    .unwrap();
    let path = Path::udp(a.addr(), b.addr());
    let id = client
        .start_request(sansio::Instant::ZERO, path, Method::BINDING, &[])
        .unwrap();
    let mut now = Instant::ZERO;
    let mut mapped = None;
    let done = run(
        &mut a,
        &mut b,
        &mut now,
        Duration::from_secs(5),
        |now, a, b| {
            let wa = a.turn(
                now,
                &mut client,
                |r| {
                    if r.id == id && r.is_success() {
                        mapped = r.mapped_address();
                    }
                },
                |ev| panic!("client event {ev:?}"),
            );
            let wb = b.turn(now, &mut server, |_| {}, |_| {});
            (sooner(wa, wb), mapped.is_some())
        },
    );
    assert!(
        done,
        "no response in 5 s: {:?} / {:?}",
        a.driver.stats(),
        b.driver.stats()
    );
    assert_eq!(mapped, Some(a.addr()));
    assert_eq!(b.driver.stats().received, 1);
    assert_eq!(a.driver.stats().sent, 1);
    assert!(now < Instant::from_millis(100), "took {now}");
}
