//! `p2p stun SERVER`: print this host's mapped address as a STUN server sees it.

use crate::exit::{Failure, Outcome};
use adapters::driver::{Driver, Input};
use adapters::OsEntropy;
use sansio::Path;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;
use stun_proto::client::{
    ClientConfig, ClientEvent, Credentials, Response, RetransmitConfig, StunClient,
};
use stun_proto::wire::attr::{Attribute, ErrorCode};
use stun_proto::wire::Method;
use tokio::sync::mpsc;

/// A client with room for a handful of transactions.
pub type Client = StunClient<OsEntropy, 8, 1280>;

/// Options of `p2p stun`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The STUN server: HOST, HOST:PORT or stun:HOST:PORT (port 3478 by default).
    server: String,
    /// Use TCP instead of UDP.
    #[arg(long)]
    tcp: bool,
    /// Local address to send from.
    #[arg(long)]
    local: Option<SocketAddr>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Initial retransmission timeout in milliseconds (RFC 8489: 500).
    #[arg(long, default_value_t = 500)]
    rto_ms: u64,
    /// Long-term credentials NAME:PASSWORD, for servers that require them.
    #[arg(long, value_name = "NAME:PASS")]
    user: Option<String>,
    /// Run RFC 5780 NAT behaviour discovery (needs a server started with an alternate
    /// address) and print the mapping and filtering behaviour.
    #[arg(long)]
    nat_behavior: bool,
}

/// Parse `HOST[:PORT]` or `stun:HOST[:PORT]` and resolve it (port 3478 by default).
pub async fn resolve(server: &str) -> Result<SocketAddr, Failure> {
    resolve_with_port(server, 3478).await
}

/// [`resolve`] with another default port (5349 for TURN over TLS); `turn:` and `turns:`
/// prefixes are accepted too.
pub async fn resolve_with_port(server: &str, port: u16) -> Result<SocketAddr, Failure> {
    let s = ["stun:", "turns:", "turn:"]
        .iter()
        .find_map(|p| server.strip_prefix(p))
        .unwrap_or(server);
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let with_port = if s.parse::<std::net::IpAddr>().is_ok() || !s.contains(':') {
        match s.parse::<std::net::Ipv6Addr>() {
            Ok(v6) => format!("[{v6}]:{port}"),
            Err(_) => format!("{s}:{port}"),
        }
    } else {
        s.to_string()
    };
    if !well_formed(&with_port) {
        return Err(Failure::Usage(format!(
            "{server:?} is not an address (HOST[:PORT], IP[:PORT] or [IPv6]:PORT)"
        )));
    }
    let mut addrs = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| Failure::Network(format!("cannot resolve {server:?}: {e}")))?;
    addrs
        .next()
        .ok_or_else(|| Failure::Network(format!("{server:?} has no address")))
}

/// Whether `host:port` is shaped like an address: a port from 1 to 65535 and a DNS name of
/// letters, digits, `-`, `_` and `.` (a malformed address is a usage error, not a network
/// one).
fn well_formed(host_port: &str) -> bool {
    let Some((host, port)) = host_port.rsplit_once(':') else {
        return false;
    };
    let port_ok = port.parse::<u16>().is_ok_and(|p| p != 0);
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.trim_end_matches('.').split('.').all(|l| !l.is_empty())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    port_ok && host_ok
}

/// A client configured from the command line.
pub fn client(rto_ms: u64, user: Option<&str>) -> Result<Client, Failure> {
    let retransmit = RetransmitConfig {
        rto: Duration::from_millis(rto_ms.max(1)),
        ..Default::default()
    };
    let config = ClientConfig {
        retransmit,
        ..Default::default()
    };
    let creds = match user {
        None => Credentials::None,
        Some(u) => {
            let (username, password) = u
                .split_once(':')
                .ok_or_else(|| Failure::Usage(format!("--user {u:?} is not NAME:PASSWORD")))?;
            Credentials::LongTerm { username, password }
        }
    };
    StunClient::new(config, creds, OsEntropy).map_err(|e| Failure::Usage(e.to_string()))
}

pub async fn run(args: Args) -> Outcome {
    let server = resolve(&args.server).await?;
    if args.timeout.is_nan() || args.timeout <= 0.0 {
        return Err(Failure::Usage("--timeout must be positive".into()));
    }
    let limit = Duration::from_secs_f64(args.timeout);
    if args.nat_behavior {
        return crate::nat_behavior::run(server, args.local, args.rto_ms, limit).await;
    }
    let client = client(args.rto_ms, args.user.as_deref())?;
    let work = async {
        if args.tcp {
            binding_tcp(client, server, args.local).await
        } else {
            binding_udp(client, server, args.local).await
        }
    };
    let response = tokio::time::timeout(limit, work).await.map_err(|_| {
        Failure::Timeout(format!(
            "no answer from {server} within {:.1} s",
            args.timeout
        ))
    })??;
    let mapped = mapped(&response, server)?;
    println!("{mapped}");
    Ok(())
}

/// What this program reads from a Binding response, taken from the parsed message while
/// the datagram is at hand.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    /// ERROR-CODE of an error response.
    pub error: Option<ErrorCode>,
    /// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS).
    pub mapped: Option<SocketAddr>,
}

impl Answer {
    fn of(r: &Response<'_>) -> Self {
        Answer {
            error: r.error_code(),
            mapped: r.mapped_address(),
        }
    }
}

/// The mapped address of a response, or the failure it stands for.
pub fn mapped(r: &Answer, server: SocketAddr) -> Result<SocketAddr, Failure> {
    if let Some(code) = r.error {
        return Err(Failure::Refused(format!("{server} answered {code}")));
    }
    r.mapped
        .ok_or_else(|| Failure::Refused(format!("{server} sent no mapped address")))
}

fn unspecified(server: SocketAddr) -> SocketAddr {
    if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    }
}

/// The client on the generic driver, with a UDP socket for talking to `server` (bound at
/// `local`, any port when absent); `connected`: ICMP errors from `server` end a transaction
/// at once instead of timing out.
pub fn udp_driver(
    client: Client,
    server: SocketAddr,
    local: Option<SocketAddr>,
    connected: bool,
) -> Result<(Driver<Client>, SocketAddr), Failure> {
    let local = local.unwrap_or_else(|| unspecified(server));
    let mut d = Driver::new(client);
    let bound = if connected {
        d.ctx().bind_udp_connected(local, server)
    } else {
        d.ctx().bind_udp(local)
    }
    .map_err(|e| Failure::Network(format!("cannot bind {local}: {e}")))?;
    Ok((d, bound))
}

async fn binding_udp(
    client: Client,
    server: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<Answer, Failure> {
    let (mut d, bound) = udp_driver(client, server, local, true)?;
    ask(&mut d, Path::udp(bound, server), &[]).await
}

async fn binding_tcp(
    client: Client,
    server: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<Answer, Failure> {
    let mut d = Driver::new(client);
    d.ctx().connect_tcp(local, server);
    let path = d
        .run(None::<mpsc::Receiver<()>>, |_, input| match input {
            Input::Connected(p) => ControlFlow::Break(Ok(p)),
            Input::ConnectFailed(_, e) => ControlFlow::Break(Err(Failure::Network(format!(
                "cannot connect to {server}: {e}"
            )))),
            _ => ControlFlow::Continue(()),
        })
        .await
        .map_err(|e| Failure::Internal(e.to_string()))??;
    ask(&mut d, path, &[]).await
}

/// Run one Binding transaction on `path` with `attrs` and return what the response says.
pub async fn ask(
    d: &mut Driver<Client>,
    path: Path,
    attrs: &[Attribute<'_>],
) -> Result<Answer, Failure> {
    let now = d.ctx().now();
    let id = d
        .ctx()
        .machine()
        .start_request(now, path, Method::BINDING, attrs)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let server = path.remote;
    d.run(None::<mpsc::Receiver<()>>, |_, input| match input {
        Input::Data(_, r) if r.id == id => ControlFlow::Break(Ok(Answer::of(&r))),
        Input::Event(ClientEvent::TimedOut { id: i }) if i == id => {
            ControlFlow::Break(Err(Failure::Timeout(format!("no answer from {server}"))))
        }
        Input::Event(ClientEvent::Failed { id: i, reason }) if i == id => {
            ControlFlow::Break(Err(Failure::Refused(format!("{server}: {reason}"))))
        }
        Input::Unreachable(_) => ControlFlow::Break(Err(Failure::Network(format!(
            "{server} refused the datagram (no STUN server listening?)"
        )))),
        Input::Closed(_) => ControlFlow::Break(Err(Failure::Network(format!(
            "{server} closed the connection"
        )))),
        _ => ControlFlow::Continue(()),
    })
    .await
    .map_err(|e| Failure::Network(format!("{server}: {e}")))?
}
