//! RFC 5780 §4.3–4.4 NAT behaviour discovery from the client side: `stun_proto`'s
//! [`BehaviourDiscovery`] machine on the generic driver.

use crate::exit::{Failure, Outcome};
use adapters::driver::{Driver, Input};
use adapters::OsEntropy;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;
use stun_proto::client::{ClientConfig, RetransmitConfig};
use stun_proto::discovery::{BehaviourDiscovery, DiscoveryError, DiscoveryEvent};
use tokio::sync::mpsc;

type Discovery = BehaviourDiscovery<OsEntropy>;

/// The local address to probe from: `local`, or the address of the interface that routes
/// to `server` (a UDP `connect` sends nothing), so that "no NAT" can be recognised.
fn local_address(server: SocketAddr, local: Option<SocketAddr>) -> SocketAddr {
    if let Some(l) = local {
        return l;
    }
    let any: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    std::net::UdpSocket::bind(any)
        .and_then(|s| {
            s.connect(server)?;
            s.local_addr()
        })
        .map(|a| SocketAddr::new(a.ip(), 0))
        .unwrap_or(any)
}

fn failure(server: SocketAddr, e: DiscoveryError) -> Failure {
    match e {
        DiscoveryError::NoAnswer => Failure::Timeout(format!("no answer from {server}")),
        DiscoveryError::NotRfc5780
        | DiscoveryError::Refused(_)
        | DiscoveryError::NoMappedAddress => Failure::Refused(format!("{server}: {e}")),
        _ => Failure::Internal(format!("{server}: {e}")),
    }
}

/// Run the tests and print the result.
pub async fn run(
    server: SocketAddr,
    local: Option<SocketAddr>,
    rto_ms: u64,
    limit: Duration,
) -> Outcome {
    let config = ClientConfig {
        retransmit: RetransmitConfig {
            rto: Duration::from_millis(rto_ms.max(1)),
            ..Default::default()
        },
        ..Default::default()
    };
    let make = |bound| {
        Discovery::new(config, bound, server, OsEntropy)
            .map_err(|e| Failure::Internal(e.to_string()))
    };
    let want = local_address(server, local);
    let mut d = Driver::new(make(want)?);
    let bound = d
        .ctx()
        .bind_udp(want)
        .map_err(|e| Failure::Network(format!("cannot bind {want}: {e}")))?;
    // The machine must know the port the socket got.
    *d.ctx().machine() = make(bound)?;
    let now = d.ctx().now();
    d.ctx()
        .machine()
        .start(now)
        .map_err(|e| Failure::Internal(format!("{e:?}")))?;
    let mut no_nat = false;
    let work = d.run(None::<mpsc::Receiver<()>>, |_, input| match input {
        Input::Event(DiscoveryEvent::Mapped(m)) => {
            println!("mapped address: {m}");
            no_nat = m == bound;
            ControlFlow::Continue(())
        }
        Input::Event(DiscoveryEvent::Mapping(b)) => {
            let suffix = if no_nat {
                " (no NAT: the mapped address is the local address)"
            } else {
                ""
            };
            println!("mapping behavior: {b}{suffix}");
            ControlFlow::Continue(())
        }
        Input::Event(DiscoveryEvent::Filtering(b)) => {
            println!("filtering behavior: {b}");
            ControlFlow::Break(Ok(()))
        }
        Input::Event(DiscoveryEvent::Failed(e)) => ControlFlow::Break(Err(failure(server, e))),
        _ => ControlFlow::Continue(()),
    });
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r.map_err(|e| Failure::Network(format!("{server}: {e}")))?,
        Err(_) => Err(Failure::Timeout(format!(
            "NAT behaviour discovery with {server} did not finish in time"
        ))),
    }
}
