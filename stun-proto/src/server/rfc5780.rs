//! RFC 5780 NAT behaviour discovery: answering from another address or port, and to another
//! port.

use crate::wire::attr::{AttrType, Attribute};
use crate::wire::Message;
use core::net::SocketAddr;
use sansio::{Path, Transport};

/// The two addresses of an RFC 5780 server: it listens on all four combinations of
/// {primary IP, alternate IP} × {primary port, alternate port}.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NatDiscovery {
    /// Primary address and port (where clients are told to start).
    pub primary: SocketAddr,
    /// Alternate address and port (OTHER-ADDRESS as seen from the primary).
    pub alternate: SocketAddr,
}

impl NatDiscovery {
    /// Whether `local` is one of the four listening combinations.
    pub fn serves(&self, local: SocketAddr) -> bool {
        let ip_ok = local.ip() == self.primary.ip() || local.ip() == self.alternate.ip();
        let port_ok = local.port() == self.primary.port() || local.port() == self.alternate.port();
        ip_ok && port_ok
    }

    /// The four transport addresses to listen on.
    pub fn listen_addresses(&self) -> [SocketAddr; 4] {
        let (p, a) = (self.primary, self.alternate);
        [
            p,
            SocketAddr::new(p.ip(), a.port()),
            SocketAddr::new(a.ip(), p.port()),
            a,
        ]
    }

    /// `local` with the IP and/or port swapped for the other one.
    fn changed(&self, local: SocketAddr, ip: bool, port: bool) -> SocketAddr {
        let other_ip = if local.ip() == self.primary.ip() {
            self.alternate.ip()
        } else {
            self.primary.ip()
        };
        let other_port = if local.port() == self.primary.port() {
            self.alternate.port()
        } else {
            self.primary.port()
        };
        SocketAddr::new(
            if ip { other_ip } else { local.ip() },
            if port { other_port } else { local.port() },
        )
    }
}

/// Where and from where to answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// The path the response goes on (its `local` is the source address).
    pub(crate) reply_path: Path,
    /// RESPONSE-ORIGIN and OTHER-ADDRESS, in RFC 5780 mode.
    pub(crate) origin_and_other: Option<(SocketAddr, SocketAddr)>,
}

/// Plan the response; `None` means 400 (a CHANGE-REQUEST over TCP, or a RESPONSE-PORT of 0).
pub(crate) fn plan(msg: &Message<'_>, path: Path, discovery: Option<NatDiscovery>) -> Option<Plan> {
    let Some(d) = discovery else {
        return Some(Plan {
            reply_path: path,
            origin_and_other: None,
        });
    };
    let change = msg
        .find_map(AttrType::CHANGE_REQUEST, |a| match a {
            Attribute::ChangeRequest(c) => Some(c),
            _ => None,
        })
        .unwrap_or_default();
    let response_port = msg.find_map(AttrType::RESPONSE_PORT, |a| match a {
        Attribute::ResponsePort(p) => Some(p),
        _ => None,
    });
    let changing = change.change_ip || change.change_port || response_port.is_some();
    if changing && path.transport != Transport::Udp || response_port == Some(0) {
        return None;
    }
    let source = d.changed(path.local, change.change_ip, change.change_port);
    let mut remote = path.remote;
    if let Some(p) = response_port {
        remote.set_port(p);
    }
    let other = d.changed(path.local, true, true);
    Some(Plan {
        reply_path: Path {
            transport: path.transport,
            local: source,
            remote,
        },
        origin_and_other: Some((source, other)),
    })
}
