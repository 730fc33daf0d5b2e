//! Machines of the stack over two embassy-net stacks joined in memory: a STUN Binding
//! transaction, then two ICE agents that connect and carry application data, each machine
//! in its own task-like future driven by `EmbassyUdp` on the host's embassy-time clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use adapters_embassy::now;
use common::{addr, Net};
use embassy_futures::block_on;
use embassy_futures::join::join;
use embassy_futures::select::{select3, Either3};
use embassy_time::{with_timeout, Duration, Timer};
use ice_core::{IceAgent, IceConfig, IceEvent, IceRole};
use sansio::{Carrier, Path, SansIo, SeededEntropy};
use std::cell::{Cell, RefCell};
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::server::{NoUsers, ServerAuth, ServerConfig, StunServer};
use stun_proto::wire::Method;

#[test]
fn a_binding_request_crosses_two_embassy_stacks_and_maps_the_client() {
    let mut net = Net::new();
    let link = net.link();
    let (ha, hb) = net.hosts(40_000, 3478);
    let (mut sock_a, mut run_a, mut da) = (ha.socket, ha.runner, ha.driver);
    let (mut sock_b, mut run_b, mut db) = (hb.socket, hb.runner, hb.driver);
    let mut server: StunServer<NoUsers> =
        StunServer::new(ServerConfig::default(), ServerAuth::None);
    let mut client: StunClient<_, 2, 256> = StunClient::new(
        ClientConfig::default(),
        Credentials::None,
        SeededEntropy::new(3),
    )
    .unwrap();
    let id = client
        .start_request(
            now(),
            Path::udp(da.local(), db.local()),
            Method::BINDING,
            &[],
        )
        .unwrap();
    let mapped = Cell::new(None);
    let client_side = async {
        while mapped.get().is_none() {
            let (scratch, m) = (&mut [0u8; 1500], &mapped);
            da.step(&mut sock_a, &mut client, scratch, |r| {
                if r.id == id && r.is_success() {
                    m.set(r.mapped_address());
                }
            })
            .await;
        }
    };
    let server_side = async {
        let mut scratch = [0u8; 1500];
        loop {
            db.step(&mut sock_b, &mut server, &mut scratch, |_| {})
                .await;
        }
    };
    let done = block_on(with_timeout(
        Duration::from_secs(5),
        select3(join(run_a.run(), run_b.run()), server_side, client_side),
    ));
    assert!(
        matches!(done, Ok(Either3::Third(()))),
        "no response in 5 s: {:?} / {:?}",
        da.stats(),
        db.stats()
    );
    assert_eq!(mapped.get(), Some(addr(1, 40_000)));
    assert_eq!((da.stats().sent, db.stats().received), (1, 1));
    assert_eq!(db.stats().sent, 1);
    assert!(link.carried.get() >= 2);
}

type Agent = IceAgent<SeededEntropy, 4, 8, 4, 0>;

fn agents(a_addr: core::net::SocketAddr, b_addr: core::net::SocketAddr) -> (Agent, Agent) {
    let t = now();
    let mut a: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(1),
    );
    let mut b: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlled,
        SeededEntropy::new(2),
    );
    a.add_host(t, a_addr, 65535).unwrap();
    b.add_host(t, b_addr, 65535).unwrap();
    a.set_remote_credentials(t, b.local_credentials().clone(), false);
    b.set_remote_credentials(t, a.local_credentials().clone(), false);
    let (ca, cb) = (
        a.local_candidates()[0].clone(),
        b.local_candidates()[0].clone(),
    );
    a.add_remote_candidate(t, cb).unwrap();
    b.add_remote_candidate(t, ca).unwrap();
    (a, b)
}

#[test]
fn two_ice_agents_connect_over_embassy_and_carry_data() {
    let mut net = Net::new();
    let (ha, hb) = net.hosts(5000, 6000);
    let (mut sock_a, mut run_a, mut da) = (ha.socket, ha.runner, ha.driver);
    let (mut sock_b, mut run_b, mut db) = (hb.socket, hb.runner, hb.driver);
    let (mut a, mut b) = agents(da.local(), db.local());
    let b_selected = Cell::new(false);
    let got = RefCell::new(Vec::new());
    let a_side = async {
        let mut scratch = [0u8; 1500];
        // Checks and nomination until both ends selected the pair.
        let mut selected = false;
        while !(selected && b_selected.get()) {
            da.step(&mut sock_a, &mut a, &mut scratch, |_| {}).await;
            while let Some(e) = a.poll_event() {
                selected |= matches!(e, IceEvent::Selected(_));
            }
        }
        // Application data over the selected pair; a's next timer is seconds away (consent),
        // so wait for the data here rather than in a step.
        let mut out = [0u8; 128];
        let t = a.send(now(), (), b"23.5 C", &mut out).unwrap();
        assert!(da.send(&sock_a, t, &out).await);
        while got.borrow().is_empty() {
            Timer::after(Duration::from_millis(1)).await;
        }
    };
    let b_side = async {
        let mut scratch = [0u8; 1500];
        loop {
            db.step(&mut sock_b, &mut b, &mut scratch, |d| {
                got.borrow_mut().push(d.to_vec())
            })
            .await;
            while let Some(e) = b.poll_event() {
                if matches!(e, IceEvent::Selected(_)) {
                    b_selected.set(true);
                }
            }
        }
    };
    let done = block_on(with_timeout(
        Duration::from_secs(10),
        select3(join(run_a.run(), run_b.run()), b_side, a_side),
    ));
    assert!(
        matches!(done, Ok(Either3::Third(()))),
        "ICE did not connect and carry data in 10 s: {:?} / {:?}",
        da.stats(),
        db.stats()
    );
    assert_eq!(
        a.selected_path().map(|p| (p.local, p.remote)),
        Some((da.local(), db.local()))
    );
    assert_eq!(got.into_inner(), [b"23.5 C".to_vec()]);
    assert_eq!((da.stats().misrouted, da.stats().send_dropped), (0, 0));
    assert!(da.stats().timeouts > 0, "checks are paced by timers");
    assert!(da.stats().received >= 1 && db.stats().received >= 2);
}
