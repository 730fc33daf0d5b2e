//! Gathering server-reflexive candidates from STUN servers (RFC 8445 §5.1.1.2).

use super::{IceAgent, IceConfig, GATHER_MSG};
use crate::candidate::Candidate;
use crate::event::IceEvent;
use sansio::{Entropy, Instant, Path, SansIo};
use stun_proto::client::{ClientConfig, Credentials, Response, StunClient};
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

impl<E: Entropy + Clone, const C: usize, const P: usize, const T: usize, const R: usize>
    IceAgent<E, C, P, T, R>
{
    /// Ask every STUN server of the host candidate's family for its mapping.
    pub(crate) fn gather_from(&mut self, now: Instant, local: usize) {
        let Some(base) = self.local.get(local).map(|c| c.base) else {
            return;
        };
        let servers = self.config.stun_servers.clone();
        for server in servers.iter().filter(|s| s.is_ipv4() == base.is_ipv4()) {
            let path = Path::udp(base, *server);
            if let Ok(id) = self.gatherer.start_request(now, path, Method::BINDING, &[]) {
                let _ = self.gathering.push((id, base, *server));
            }
        }
    }

    /// A gathering response, handed up by the gatherer (parsed once): a server-reflexive
    /// candidate.
    pub(crate) fn on_gather_response(&mut self, r: &Response<'_>) {
        let Some(i) = self.gathering.iter().position(|g| g.0 == r.id) else {
            return;
        };
        let (_, base, server) = self.gathering.swap_remove(i);
        if let (true, Some(mapped)) = (r.is_success(), r.mapped_address()) {
            let pref = self
                .local
                .iter()
                .find(|c| c.base == base)
                .map_or(65535, Candidate::local_preference);
            // Behind no NAT the mapped address is the host address: nothing new to offer.
            if mapped != base {
                let _ =
                    self.push_local(Candidate::server_reflexive(mapped, base, server.ip(), pref));
            }
        }
        self.check_gathering_complete();
    }

    /// Gathering requests that ended without a response.
    pub(crate) fn drain_gather_events(&mut self, _now: Instant) {
        while let Some(ev) = self.gatherer.poll_event() {
            let id = ev.id();
            if let Some(i) = self.gathering.iter().position(|g| g.0 == id) {
                self.gathering.swap_remove(i);
            }
        }
        self.check_gathering_complete();
    }

    /// Report completion once hosts are done and no STUN request is outstanding.
    pub(crate) fn check_gathering_complete(&mut self) {
        if self.hosts_done
            && self.gathering.is_empty()
            && self.relays_settled()
            && !self.gathering_reported
        {
            self.gathering_reported = true;
            self.emit(IceEvent::GatheringComplete);
            self.update_state();
        }
    }
}
