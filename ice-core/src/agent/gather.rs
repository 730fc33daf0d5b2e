//! Gathering server-reflexive candidates from STUN servers (RFC 8445 §5.1.1.2).

use super::{IceAgent, IceConfig, GATHER_MSG};
use crate::candidate::Candidate;
use crate::event::IceEvent;
use sansio::{Entropy, Instant, Path};
use stun_proto::client::{ClientConfig, ClientEvent, Credentials, StunClient};
use stun_proto::wire::Method;

/// The client asking STUN servers for our mapped addresses.
pub(crate) fn client<E: Entropy>(config: &IceConfig, entropy: E) -> StunClient<E, 4, GATHER_MSG> {
    let cfg = ClientConfig {
        software: config.software,
        ..ClientConfig::default()
    };
    match StunClient::new(cfg, Credentials::None, entropy) {
        Ok(c) => c,
        // Credentials::None has nothing that can be too long.
        Err(_) => unreachable_client(),
    }
}

#[cold]
fn unreachable_client<T>() -> T {
    #[allow(clippy::panic)]
    {
        panic!("a STUN client without credentials was refused")
    }
}

/// Ask every STUN server of the host candidate's family for its mapping.
pub(crate) fn start<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
    local: usize,
) {
    let Some(base) = agent.local.get(local).map(|c| c.base) else {
        return;
    };
    let servers = agent.config.stun_servers.clone();
    for server in servers.iter().filter(|s| s.is_ipv4() == base.is_ipv4()) {
        let path = Path::udp(base, *server);
        if let Ok(id) = agent
            .gatherer
            .start_request(now, path, Method::BINDING, &[])
        {
            let _ = agent.gathering.push((id, base, *server));
        }
    }
}

/// Turn gathering outcomes into server-reflexive candidates.
pub(crate) fn drain_events<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    _now: Instant,
) {
    while let Some(ev) = agent.gatherer.poll_event() {
        let id = ev.id();
        let Some(i) = agent.gathering.iter().position(|g| g.0 == id) else {
            continue;
        };
        let (_, base, server) = agent.gathering.swap_remove(i);
        if let ClientEvent::Response(r) = ev {
            if let (true, Some(mapped)) = (r.is_success(), r.mapped_address()) {
                let pref = agent
                    .local
                    .iter()
                    .find(|c| c.base == base)
                    .map_or(65535, |c| (c.priority >> 8) as u16);
                // Behind no NAT the mapped address is the host address: nothing new to offer.
                if mapped != base {
                    let _ = agent.push_local(Candidate::server_reflexive(
                        mapped,
                        base,
                        server.ip(),
                        pref,
                    ));
                }
            }
        }
    }
    check_complete(agent);
}

/// Report completion once hosts are done and no STUN request is outstanding.
pub(crate) fn check_complete<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
) {
    if agent.hosts_done
        && agent.gathering.is_empty()
        && super::relay::settled(agent)
        && !agent.gathering_reported
    {
        agent.gathering_reported = true;
        agent.emit(IceEvent::GatheringComplete);
        agent.update_state();
    }
}
