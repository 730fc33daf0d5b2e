//! RFC 5780 NAT behaviour discovery against NATs that really behave differently: every one
//! of the nine RFC 4787 mapping × filtering combinations of the simulator, and no NAT at all.
//! The verdict must name the NAT's configuration, and arrive well within `p2p stun`'s default
//! 10 s timeout even when the filtering probes are (rightly) never answered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use netsim::{Filtering, Mapping, NatConfig, Network, Sim};
use sansio::{Instant, SeededEntropy};
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::client::ClientConfig;
use stun_proto::discovery::{Behaviour, BehaviourDiscovery, DiscoveryEvent};
use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer};

type Discovery = BehaviourDiscovery<SeededEntropy>;

const PRIMARY: &str = "198.51.100.1:3478";
const ALTERNATE: &str = "198.51.100.2:3479";

/// Run discovery from `client_ip:5000` (behind `nat` when given) to an RFC 5780 server on
/// two public IPs; the events and the virtual time it took.
fn discover(seed: u64, nat: Option<NatConfig>) -> (Vec<DiscoveryEvent>, Duration) {
    let mut net = Network::new(seed);
    let internet = net.internet();
    let server = net.add_host(internet, "198.51.100.1");
    net.add_interface(server, internet, "198.51.100.2");
    let (client, local): (_, SocketAddr) = match nat {
        Some(cfg) => {
            let lan = net.add_nat(internet, "203.0.113.1", "192.168.1.0/24", cfg);
            (
                net.add_host(lan, "192.168.1.10"),
                "192.168.1.10:5000".parse().unwrap(),
            )
        }
        None => (
            net.add_host(internet, "203.0.113.50"),
            "203.0.113.50:5000".parse().unwrap(),
        ),
    };
    let mut sim = Sim::new(net);
    let config = ServerConfig {
        nat_discovery: Some(NatDiscovery {
            primary: PRIMARY.parse().unwrap(),
            alternate: ALTERNATE.parse().unwrap(),
        }),
        ..ServerConfig::default()
    };
    let stun: StunServer = StunServer::new(config, ServerAuth::None);
    sim.add_machine(server, stun);
    let d: Discovery = BehaviourDiscovery::new(
        ClientConfig::default(),
        local,
        PRIMARY.parse().unwrap(),
        SeededEntropy::new(seed),
    )
    .unwrap();
    let node = sim.add_machine(client, d);
    sim.with::<Discovery, _>(node, |d, now| d.start(now).unwrap());
    let deadline = Instant::from_secs(60);
    sim.run_until(deadline, |s| s.machine::<Discovery>(node).is_done());
    let events: Vec<DiscoveryEvent> = sim
        .events::<Discovery>(node)
        .iter()
        .map(|(_, e)| *e)
        .collect();
    (events, sim.now() - Instant::ZERO)
}

fn behaviour_of_mapping(m: Mapping) -> Behaviour {
    match m {
        Mapping::EndpointIndependent => Behaviour::EndpointIndependent,
        Mapping::AddressDependent => Behaviour::AddressDependent,
        Mapping::AddressAndPortDependent => Behaviour::AddressAndPortDependent,
    }
}

fn behaviour_of_filtering(f: Filtering) -> Behaviour {
    match f {
        Filtering::EndpointIndependent => Behaviour::EndpointIndependent,
        Filtering::AddressDependent => Behaviour::AddressDependent,
        Filtering::AddressAndPortDependent => Behaviour::AddressAndPortDependent,
    }
}

#[test]
fn every_rfc4787_nat_is_classified_as_configured() {
    let mut failures = Vec::new();
    let mut seed = 1;
    for m in [
        Mapping::EndpointIndependent,
        Mapping::AddressDependent,
        Mapping::AddressAndPortDependent,
    ] {
        for f in [
            Filtering::EndpointIndependent,
            Filtering::AddressDependent,
            Filtering::AddressAndPortDependent,
        ] {
            seed += 1;
            let (events, took) = discover(seed, Some(NatConfig::new(m, f)));
            let ok = matches!(events.as_slice(),
                [DiscoveryEvent::Mapped(a), DiscoveryEvent::Mapping(gm), DiscoveryEvent::Filtering(gf)]
                if a.ip().to_string() == "203.0.113.1"
                    && *gm == behaviour_of_mapping(m)
                    && *gf == behaviour_of_filtering(f));
            // Two unanswered filtering probes at 3 s each, plus round trips.
            if !ok || took > Duration::from_secs(7) {
                failures.push(format!("{m:?}/{f:?}: {events:?} after {took:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn no_nat_is_endpoint_independent_with_the_local_address_mapped() {
    let (events, _) = discover(99, None);
    assert_eq!(
        events,
        [
            DiscoveryEvent::Mapped("203.0.113.50:5000".parse().unwrap()),
            DiscoveryEvent::Mapping(Behaviour::EndpointIndependent),
            DiscoveryEvent::Filtering(Behaviour::EndpointIndependent),
        ]
    );
}

#[test]
fn a_server_without_rfc5780_is_reported() {
    let mut net = Network::new(5);
    let internet = net.internet();
    let server = net.add_host(internet, "198.51.100.1");
    let client = net.add_host(internet, "203.0.113.50");
    let mut sim = Sim::new(net);
    let plain: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    sim.add_machine(server, plain);
    let d: Discovery = BehaviourDiscovery::new(
        ClientConfig::default(),
        "203.0.113.50:5000".parse().unwrap(),
        PRIMARY.parse().unwrap(),
        SeededEntropy::new(5),
    )
    .unwrap();
    let node = sim.add_machine(client, d);
    sim.with::<Discovery, _>(node, |d, now| d.start(now).unwrap());
    sim.run_until(Instant::from_secs(60), |s| {
        s.machine::<Discovery>(node).is_done()
    });
    let events: Vec<_> = sim
        .events::<Discovery>(node)
        .iter()
        .map(|(_, e)| *e)
        .collect();
    assert_eq!(
        events,
        [DiscoveryEvent::Failed(
            stun_proto::discovery::DiscoveryError::NotRfc5780
        )]
    );
}
