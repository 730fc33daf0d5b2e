//! RFC 5780 §4.3–4.4 NAT behaviour discovery from the client side.

use crate::exit::{Failure, Outcome};
use crate::stun_client::{ask, client, mapped, udp_driver, Answer, Client};
use adapters::driver::Driver;
use sansio::Path;
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::wire::attr::{Attribute, ChangeRequest};

/// How a NAT maps or filters, per RFC 4787.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    EndpointIndependent,
    AddressDependent,
    AddressAndPortDependent,
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Behaviour::EndpointIndependent => "endpoint-independent",
            Behaviour::AddressDependent => "address-dependent",
            Behaviour::AddressAndPortDependent => "address-and-port-dependent",
        })
    }
}

struct Probe {
    driver: Driver<Client>,
    bound: SocketAddr,
}

/// How long a filtering probe waits for an answer that may rightly never come: a few
/// retransmissions, not the whole RFC 8489 schedule (about 15.8 s at the default RTO).
const FILTERING_DEADLINE: Duration = Duration::from_secs(3);

impl Probe {
    async fn ask(
        &mut self,
        to: SocketAddr,
        attrs: &[Attribute<'_>],
        quick: bool,
    ) -> Result<Answer, Failure> {
        let path = Path::udp(self.bound, to);
        let deadline = quick.then_some(FILTERING_DEADLINE);
        ask(&mut self.driver, path, attrs, deadline).await
    }
}

/// Run the tests and print the result.
pub async fn run(
    server: SocketAddr,
    local: Option<SocketAddr>,
    rto_ms: u64,
    limit: Duration,
) -> Outcome {
    let (driver, bound) = udp_driver(client(rto_ms, None)?, server, local, false)?;
    let mut probe = Probe { driver, bound };
    tokio::time::timeout(limit, discover(&mut probe, server))
        .await
        .map_err(|_| {
            Failure::Timeout(format!(
                "NAT behaviour discovery with {server} did not finish in time"
            ))
        })?
}

async fn discover(p: &mut Probe, server: SocketAddr) -> Outcome {
    // Test I: plain binding to the primary address.
    let r1 = p.ask(server, &[], false).await?;
    let m1 = mapped(&r1, server)?;
    let Some(other) = r1.other else {
        return Err(Failure::Refused(format!(
            "{server} does not support RFC 5780 (no OTHER-ADDRESS)"
        )));
    };
    println!("mapped address: {m1}");
    let no_nat = m1 == p.bound;
    let mapping = if no_nat {
        Behaviour::EndpointIndependent
    } else {
        // Test II: the alternate IP, primary port.
        let m2 = mapped(
            &p.ask(SocketAddr::new(other.ip(), server.port()), &[], false)
                .await?,
            server,
        )?;
        if m2 == m1 {
            Behaviour::EndpointIndependent
        } else {
            // Test III: the alternate IP and port.
            let m3 = mapped(&p.ask(other, &[], false).await?, server)?;
            if m3 == m2 {
                Behaviour::AddressDependent
            } else {
                Behaviour::AddressAndPortDependent
            }
        }
    };
    let suffix = if no_nat {
        " (no NAT: the mapped address is the local address)"
    } else {
        ""
    };
    println!("mapping behavior: {mapping}{suffix}");
    let both = ChangeRequest {
        change_ip: true,
        change_port: true,
    };
    let port = ChangeRequest {
        change_ip: false,
        change_port: true,
    };
    let filtering = if answered(p.ask(server, &[Attribute::ChangeRequest(both)], true).await)? {
        Behaviour::EndpointIndependent
    } else if answered(p.ask(server, &[Attribute::ChangeRequest(port)], true).await)? {
        Behaviour::AddressDependent
    } else {
        Behaviour::AddressAndPortDependent
    };
    println!("filtering behavior: {filtering}");
    Ok(())
}

/// Whether a filtering probe got through: a timeout is a valid result, not an error.
fn answered(r: Result<Answer, Failure>) -> Result<bool, Failure> {
    match r {
        Ok(resp) if resp.success => Ok(true),
        Ok(resp) => Err(Failure::Refused(format!(
            "CHANGE-REQUEST refused: {:?}",
            resp.error
        ))),
        Err(Failure::Timeout(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
