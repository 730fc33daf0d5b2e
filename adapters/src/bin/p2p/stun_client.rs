//! `p2p stun SERVER`: print this host's mapped address as a STUN server sees it.

use crate::exit::{Failure, Outcome};
use adapters::stream::FrameReader;
use adapters::udp::{self, Output};
use adapters::{Clock, OsEntropy};
use sansio::Path;
use sansio::SansIo as _;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;
use stun_proto::client::{
    ClientConfig, ClientEvent, Credentials, Response, RetransmitConfig, StunClient,
};
use stun_proto::wire::attr::ErrorCode;
use stun_proto::wire::Method;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

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

/// Parse `HOST[:PORT]` or `stun:HOST[:PORT]` and resolve it.
pub async fn resolve(server: &str) -> Result<SocketAddr, Failure> {
    let s = server.strip_prefix("stun:").unwrap_or(server);
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let with_port = if s.parse::<std::net::IpAddr>().is_ok() || !s.contains(':') {
        match s.parse::<std::net::Ipv6Addr>() {
            Ok(v6) => format!("[{v6}]:3478"),
            Err(_) => format!("{s}:3478"),
        }
    } else {
        s.to_string()
    };
    let mut addrs = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| Failure::Network(format!("cannot resolve {server:?}: {e}")))?;
    addrs
        .next()
        .ok_or_else(|| Failure::Network(format!("{server:?} has no address")))
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
    let mut client = client(args.rto_ms, args.user.as_deref())?;
    let work = async {
        if args.tcp {
            binding_tcp(&mut client, server, args.local).await
        } else {
            binding_udp(&mut client, server, args.local).await
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
    /// A success response.
    pub success: bool,
    /// ERROR-CODE of an error response.
    pub error: Option<ErrorCode>,
    /// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS).
    pub mapped: Option<SocketAddr>,
    /// OTHER-ADDRESS (RFC 5780).
    pub other: Option<SocketAddr>,
}

impl Answer {
    fn of(r: &Response<'_>) -> Self {
        Answer {
            success: r.is_success(),
            error: r.error_code(),
            mapped: r.mapped_address(),
            other: r.message.other_address(),
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

/// A UDP socket bound for talking to `server`.
pub async fn bind_udp(
    server: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<(UdpSocket, SocketAddr), Failure> {
    let local = local.unwrap_or_else(|| unspecified(server));
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|e| Failure::Network(format!("cannot bind {local}: {e}")))?;
    let bound = socket
        .local_addr()
        .map_err(|e| Failure::Network(e.to_string()))?;
    Ok((socket, bound))
}

fn unspecified(server: SocketAddr) -> SocketAddr {
    if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    }
}

async fn binding_udp(
    client: &mut Client,
    server: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<Answer, Failure> {
    let (socket, bound) = bind_udp(server, local).await?;
    // Connected, so an ICMP port-unreachable surfaces as an error instead of a timeout.
    socket
        .connect(server)
        .await
        .map_err(|e| Failure::Network(format!("cannot reach {server}: {e}")))?;
    let clock = Clock::new();
    let path = Path::udp(bound, server);
    transact(&socket, bound, &clock, client, path).await
}

/// Run one Binding transaction on `path` over `socket` and return its response.
pub async fn transact(
    socket: &UdpSocket,
    bound: SocketAddr,
    clock: &Clock,
    client: &mut Client,
    path: Path,
) -> Result<Answer, Failure> {
    transact_with(socket, bound, clock, client, path, &[]).await
}

/// Like [`transact`] with extra request attributes.
pub async fn transact_with(
    socket: &UdpSocket,
    bound: SocketAddr,
    clock: &Clock,
    client: &mut Client,
    path: Path,
    attrs: &[stun_proto::wire::attr::Attribute<'_>],
) -> Result<Answer, Failure> {
    let id = client
        .start_request(clock.now(), path, Method::BINDING, attrs)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let outcome = udp::drive(socket, bound, clock, client, |_, out| match out {
        Output::Data(_, r) if r.id == id => ControlFlow::Break(Ok(Answer::of(&r))),
        Output::Event(ClientEvent::TimedOut { id: i }) if i == id => ControlFlow::Break(Err(
            Failure::Timeout(format!("no answer from {}", path.remote)),
        )),
        Output::Event(ClientEvent::Failed { id: i, reason }) if i == id => {
            ControlFlow::Break(Err(Failure::Refused(format!("{}: {reason}", path.remote))))
        }
        _ => ControlFlow::Continue(()),
    })
    .await;
    match outcome {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(Failure::Network(format!(
                "{} refused the datagram (no STUN server listening?)",
                path.remote
            )))
        }
        Err(e) => Err(Failure::Network(format!("{}: {e}", path.remote))),
    }
}

async fn binding_tcp(
    client: &mut Client,
    server: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<Answer, Failure> {
    let stream = match local {
        None => TcpStream::connect(server).await,
        Some(l) => {
            let sock = if l.is_ipv4() {
                tokio::net::TcpSocket::new_v4()
            } else {
                tokio::net::TcpSocket::new_v6()
            }
            .map_err(|e| Failure::Network(e.to_string()))?;
            sock.bind(l)
                .map_err(|e| Failure::Network(format!("cannot bind {l}: {e}")))?;
            sock.connect(server).await
        }
    }
    .map_err(|e| Failure::Network(format!("cannot connect to {server}: {e}")))?;
    let bound = stream
        .local_addr()
        .map_err(|e| Failure::Network(e.to_string()))?;
    let clock = Clock::new();
    let path = Path::tcp(bound, server);
    let id = client
        .start_request(clock.now(), path, Method::BINDING, &[])
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let (r, mut w) = stream.into_split();
    let mut frames = FrameReader::new(r);
    let mut out = vec![0u8; 1280];
    let net = |e: std::io::Error| Failure::Network(format!("{server}: {e}"));
    loop {
        while let Some(t) = client.poll_transmit(clock.now(), &mut out) {
            w.write_all(out.get(..t.len).unwrap_or(&[]))
                .await
                .map_err(net)?;
        }
        if let Some(ev) = client.poll_event() {
            match ev {
                ClientEvent::TimedOut { .. } => {
                    return Err(Failure::Timeout(format!("no answer from {server}")))
                }
                ClientEvent::Failed { reason, .. } => {
                    return Err(Failure::Refused(format!("{server}: {reason}")))
                }
            }
        }
        let Some(frame) = frames.next().await.map_err(net)? else {
            return Err(Failure::Network(format!("{server} closed the connection")));
        };
        if let Ok(Some(r)) = client.handle_datagram(clock.now(), path, frame) {
            if r.id == id {
                return Ok(Answer::of(&r));
            }
        }
    }
}
