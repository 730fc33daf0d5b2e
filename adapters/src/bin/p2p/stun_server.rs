//! `p2p stun-server`: a STUN Binding server on UDP and TCP, optionally RFC 5780.

use crate::exit::{Failure, Outcome};
use adapters::stream::FrameReader;
use adapters::{Clock, OsEntropy};
use sansio::Path;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use stun_proto::auth::{IntegrityKey, KeyLookup, NonceIssuer, SecurityFeatures};
use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use stun_proto::wire::attr::PasswordAlgorithm;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;

/// Options of `p2p stun-server`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on, UDP and TCP (repeat for several).
    #[arg(long, default_value = "127.0.0.1:3478")]
    listen: Vec<SocketAddr>,
    /// RFC 5780 NAT behaviour discovery: the alternate address and port (another IP of this
    /// host, e.g. 127.0.0.2:3479). The server then also listens on the other three
    /// combinations of the primary and alternate IPs and ports (UDP).
    #[arg(long)]
    alternate: Option<SocketAddr>,
    /// Require long-term credentials in this realm (needs --user).
    #[arg(long, requires = "user")]
    realm: Option<String>,
    /// A user NAME:PASSWORD for long-term credentials (repeatable).
    #[arg(long, value_name = "NAME:PASS", requires = "realm")]
    user: Vec<String>,
    /// Offer SHA-256 password algorithms and MESSAGE-INTEGRITY-SHA256 (RFC 8489).
    #[arg(long)]
    sha256: bool,
    /// Do not listen on TCP.
    #[arg(long)]
    no_tcp: bool,
    /// Most simultaneous TCP connections.
    #[arg(long, default_value_t = 1024)]
    max_tcp_connections: usize,
    /// Close TCP connections idle for this many seconds.
    #[arg(long, default_value_t = 30)]
    tcp_idle_timeout: u64,
}

/// Long-term keys precomputed per user (one HMAC per request, no hashing of passwords).
#[derive(Debug)]
struct Users {
    keys: HashMap<String, (IntegrityKey, IntegrityKey)>,
}

impl KeyLookup for Users {
    fn long_term_key(
        &self,
        user: &str,
        _realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        let (md5, sha) = self.keys.get(user)?;
        Some(if alg == PasswordAlgorithm::Sha256 {
            sha.clone()
        } else {
            md5.clone()
        })
    }
}

type Server = StunServer<Arc<Users>>;

/// What every socket task needs to build its own server instance.
#[derive(Clone)]
struct Factory {
    config: ServerConfig,
    realm: Option<(heapless::String<128>, Arc<Users>, NonceIssuer)>,
}

impl Factory {
    fn make(&self) -> Server {
        let auth = match &self.realm {
            None => ServerAuth::None,
            Some((realm, users, nonces)) => ServerAuth::LongTerm {
                realm: realm.clone(),
                lookup: users.clone(),
                nonces: nonces.clone(),
            },
        };
        StunServer::new(self.config, auth)
    }
}

fn factory(args: &Args) -> Result<Factory, Failure> {
    let nat_discovery = match (args.alternate, args.listen.as_slice()) {
        (None, _) => None,
        (Some(alternate), [primary])
            if alternate.ip() != primary.ip() && alternate.port() != primary.port() =>
        {
            Some(NatDiscovery {
                primary: *primary,
                alternate,
            })
        }
        (Some(_), _) => {
            return Err(Failure::Usage(
                "--alternate needs exactly one --listen, with a different IP and port".into(),
            ))
        }
    };
    let config = ServerConfig {
        software: Some(concat!("p2p ", env!("CARGO_PKG_VERSION"))),
        nat_discovery,
    };
    let realm = match &args.realm {
        None => None,
        Some(r) => {
            let realm = heapless::String::try_from(r.as_str())
                .map_err(|_| Failure::Usage("--realm is longer than 128 bytes".into()))?;
            let mut keys = HashMap::new();
            for u in &args.user {
                let (name, pass) = u
                    .split_once(':')
                    .ok_or_else(|| Failure::Usage(format!("--user {u:?} is not NAME:PASSWORD")))?;
                let key = |alg| {
                    IntegrityKey::long_term(name.as_bytes(), r.as_bytes(), pass.as_bytes(), alg)
                };
                keys.insert(
                    name.to_string(),
                    (key(PasswordAlgorithm::Md5), key(PasswordAlgorithm::Sha256)),
                );
            }
            let features = SecurityFeatures {
                password_algorithms: args.sha256,
                username_anonymity: false,
            };
            let nonces = NonceIssuer::new(&mut OsEntropy, Duration::from_secs(600), features);
            Some((realm, Arc::new(Users { keys }), nonces))
        }
    };
    Ok(Factory { config, realm })
}

/// Run until SIGINT or SIGTERM.
pub async fn run(args: Args) -> Outcome {
    let factory = factory(&args)?;
    let clock = Clock::new();
    let udp_addrs: Vec<SocketAddr> = match factory.config.nat_discovery {
        Some(d) => d.listen_addresses().to_vec(),
        None => args.listen.clone(),
    };
    let mut sockets = Vec::new();
    for a in &udp_addrs {
        let s = UdpSocket::bind(a)
            .await
            .map_err(|e| Failure::Network(format!("cannot bind UDP {a}: {e}")))?;
        sockets.push((*a, s));
    }
    let sockets = Arc::new(sockets);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..sockets.len() {
        let (sockets, server) = (sockets.clone(), factory.make());
        tasks.spawn(async move { udp_loop(sockets, i, server, clock).await });
    }
    if !args.no_tcp {
        let limit = Arc::new(Semaphore::new(args.max_tcp_connections));
        let idle = Duration::from_secs(args.tcp_idle_timeout);
        for a in &args.listen {
            let l = TcpListener::bind(a)
                .await
                .map_err(|e| Failure::Network(format!("cannot bind TCP {a}: {e}")))?;
            let (f, limit) = (factory.clone(), limit.clone());
            tasks.spawn(async move { tcp_accept(l, f, clock, limit, idle).await });
        }
    }
    for (a, _) in sockets.iter() {
        tracing::info!(udp = %a, tcp = !args.no_tcp, "STUN server listening");
    }
    tokio::select! {
        _ = shutdown_signal() => tracing::info!("shutting down"),
        Some(r) = tasks.join_next() => {
            if let Ok(Err(e)) = r { return Err(Failure::Network(e)); }
        }
    }
    tasks.abort_all();
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

async fn udp_loop(
    sockets: Arc<Vec<(SocketAddr, UdpSocket)>>,
    me: usize,
    mut server: Server,
    clock: Clock,
) -> Result<(), String> {
    let Some((local, socket)) = sockets.get(me) else {
        return Ok(());
    };
    let mut buf = vec![0u8; 65_536];
    let mut out = [0u8; MAX_RESPONSE];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(v) => v,
            // ICMP errors from earlier sends surface here on some systems: keep serving.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
            Err(e) => return Err(format!("UDP {local}: {e}")),
        };
        let path = Path::udp(*local, from);
        let data = buf.get(..n).unwrap_or(&[]);
        tracing::debug!(%from, to = %local, "UDP datagram");
        let Ok(Some(t)) = server.respond(clock.now(), path, data, &mut out) else {
            continue;
        };
        // RFC 5780 may answer from another of our sockets.
        let sender = sockets
            .iter()
            .find(|(a, _)| *a == t.path.local)
            .map_or(socket, |(_, s)| s);
        if let Err(e) = sender
            .send_to(out.get(..t.len).unwrap_or(&[]), t.path.remote)
            .await
        {
            tracing::debug!(to = %t.path.remote, "send failed: {e}");
        }
    }
}

async fn tcp_accept(
    l: TcpListener,
    f: Factory,
    clock: Clock,
    limit: Arc<Semaphore>,
    idle: Duration,
) -> Result<(), String> {
    let local = l.local_addr().map_err(|e| e.to_string())?;
    loop {
        let (stream, from) = l.accept().await.map_err(|e| format!("TCP {local}: {e}"))?;
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            tracing::warn!(%from, "too many TCP connections; closing");
            continue;
        };
        let server = f.make();
        tokio::spawn(async move {
            let path = Path::tcp(local, from);
            if let Err(e) = tcp_conn(stream, path, server, clock, idle).await {
                tracing::debug!(%from, "TCP connection closed: {e}");
            }
            drop(permit);
        });
    }
}

async fn tcp_conn(
    stream: TcpStream,
    path: Path,
    mut server: Server,
    clock: Clock,
    idle: Duration,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut frames = FrameReader::new(r);
    let mut out = [0u8; MAX_RESPONSE];
    loop {
        let frame = match tokio::time::timeout(idle, frames.next()).await {
            Err(_) => return Ok(()),
            Ok(f) => f?,
        };
        let Some(msg) = frame else { return Ok(()) };
        if let Ok(Some(t)) = server.respond(clock.now(), path, msg, &mut out) {
            w.write_all(out.get(..t.len).unwrap_or(&[])).await?;
        }
    }
}
