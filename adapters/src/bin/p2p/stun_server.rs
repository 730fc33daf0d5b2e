//! `p2p stun-server`: a STUN Binding server on UDP and TCP, optionally RFC 5780.

use crate::exit::{Failure, Outcome};
use adapters::driver::{Driver, Input, Limits};
use adapters::OsEntropy;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;
use stun_proto::auth::{NonceIssuer, SecurityFeatures, UserTable};
use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer, MAX_REALM};
use tokio::sync::mpsc;

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
    /// Require long-term credentials in this realm, 1 to 32 bytes (it is echoed in every 401
    /// challenge, so its length bounds the amplification factor; needs --user).
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
    /// Size of the TCP connection table; when it is full a new connection closes the one idle
    /// longest.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_tcp_connections: usize,
    /// Close TCP connections idle for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    tcp_idle_timeout: u64,
    /// Seconds a TCP client has to finish a message once it started one (slow clients that
    /// trickle bytes are closed).
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    tcp_frame_deadline: u64,
    /// Largest message one TCP connection may send, which caps its read buffer (buffers start
    /// at 1.5 KiB and grow only as bytes arrive), at least 548.
    #[arg(long, value_name = "BYTES", default_value_t = 4096)]
    tcp_buffer_cap: usize,
    /// Most bytes all TCP connections together may hold beyond their 1.5 KiB idle buffers; a
    /// connection that needs more is closed.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    tcp_buffer_total: usize,
    /// Listen backlog of the TCP listeners (the kernel caps it at net.core.somaxconn).
    #[arg(long, value_name = "N", default_value_t = 4096)]
    tcp_backlog: u32,
    /// Most log lines of one kind (evicted connections, slow readers) per second; the rest
    /// are counted and the count logged, 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = 10)]
    log_rate: u32,
}

/// Smallest --tcp-buffer-cap: the largest STUN message RFC 8489 lets a client send without
/// knowing the path MTU.
const MIN_TCP_BUFFER: usize = 548;

/// TCP limits from the flags, refusing values that make the server useless.
fn limits(args: &Args) -> Result<Limits, Failure> {
    let bad = |m: &str| Err(Failure::Usage(m.into()));
    if args.no_tcp {
        return Ok(Limits::default());
    }
    if args.max_tcp_connections == 0 {
        return bad("--max-tcp-connections 0 refuses every TCP client (use --no-tcp)");
    }
    if args.tcp_idle_timeout == 0 || args.tcp_frame_deadline == 0 {
        return bad("--tcp-idle-timeout and --tcp-frame-deadline must be at least 1 s");
    }
    if args.tcp_buffer_cap < MIN_TCP_BUFFER {
        return bad("--tcp-buffer-cap is below 548 bytes (refuses ordinary messages)");
    }
    if args.tcp_buffer_total < args.tcp_buffer_cap {
        return bad("--tcp-buffer-total is below --tcp-buffer-cap");
    }
    if args.tcp_backlog == 0 {
        return bad("--tcp-backlog 0");
    }
    Ok(Limits {
        max_connections: args.max_tcp_connections,
        max_frame: args.tcp_buffer_cap,
        frame_deadline: Duration::from_secs(args.tcp_frame_deadline),
        idle_timeout: Duration::from_secs(args.tcp_idle_timeout),
        buffer_total: args.tcp_buffer_total,
        backlog: args.tcp_backlog,
        log_rate: args.log_rate,
        ..Limits::default()
    })
}

type Server = StunServer<UserTable, 16>;

fn nat_discovery(args: &Args) -> Result<Option<NatDiscovery>, Failure> {
    match (args.alternate, args.listen.as_slice()) {
        (None, _) => Ok(None),
        (Some(alternate), [primary])
            if alternate.ip() != primary.ip() && alternate.port() != primary.port() =>
        {
            Ok(Some(NatDiscovery {
                primary: *primary,
                alternate,
            }))
        }
        (Some(_), _) => Err(Failure::Usage(
            "--alternate needs exactly one --listen, with a different IP and port".into(),
        )),
    }
}

fn server(args: &Args) -> Result<Server, Failure> {
    let config = ServerConfig {
        software: Some(concat!("p2p ", env!("CARGO_PKG_VERSION"))),
        nat_discovery: nat_discovery(args)?,
    };
    let Some(r) = &args.realm else {
        return Ok(StunServer::new(config, ServerAuth::None));
    };
    if r.is_empty() || r.len() > MAX_REALM {
        return Err(Failure::Usage(format!(
            "--realm must be 1 to {MAX_REALM} bytes (it is echoed in every 401 challenge, so it \
             bounds the amplification factor); {r:?} is {}",
            r.len()
        )));
    }
    let realm = heapless::String::try_from(r.as_str())
        .map_err(|_| Failure::Usage("--realm is too long".into()))?;
    let mut users = UserTable::new(r);
    for u in &args.user {
        let (name, pass) = u
            .split_once(':')
            .ok_or_else(|| Failure::Usage(format!("--user {u:?} is not NAME:PASSWORD")))?;
        users.add(name, pass);
    }
    let features = SecurityFeatures {
        password_algorithms: args.sha256,
        username_anonymity: false,
    };
    let nonces = NonceIssuer::new(&mut OsEntropy, Duration::from_secs(600), features);
    let auth = ServerAuth::LongTerm {
        realm,
        lookup: users,
        nonces,
    };
    Ok(StunServer::new(config, auth))
}

/// Run until SIGINT or SIGTERM: one Binding server on every UDP socket and TCP connection,
/// driven by the generic driver.
pub async fn run(args: Args) -> Outcome {
    let server = server(&args)?;
    let limits = limits(&args)?;
    let udp_addrs: Vec<SocketAddr> = match server.config().nat_discovery {
        Some(d) => d.listen_addresses().to_vec(),
        None => args.listen.clone(),
    };
    let mut d = Driver::new(server);
    d.set_limits(limits);
    for a in &udp_addrs {
        d.ctx()
            .bind_udp(*a)
            .map_err(|e| Failure::Network(format!("cannot bind UDP {a}: {e}")))?;
        tracing::info!(udp = %a, tcp = !args.no_tcp, "STUN server listening");
    }
    if !args.no_tcp {
        for a in &args.listen {
            d.ctx()
                .listen_tcp(*a)
                .map_err(|e| Failure::Network(format!("cannot bind TCP {a}: {e}")))?;
        }
    }
    let (stop, stopped) = mpsc::channel(1);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(()).await;
    });
    d.run(Some(stopped), |ctx, input| match input {
        Input::Command(()) => ControlFlow::Break(()),
        Input::Connected(p) => {
            tracing::debug!(client = %p.remote, open = ctx.connection_count(), "TCP connection");
            ControlFlow::Continue(())
        }
        _ => ControlFlow::Continue(()),
    })
    .await
    .map_err(|e| Failure::Network(e.to_string()))?;
    let evicted = d.stats().evicted;
    tracing::info!(evicted, "shutting down");
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
