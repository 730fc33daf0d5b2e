//! Settings of `p2p turn-server`: command-line flags over a TOML file over defaults.
//!
//! Every flag has a key of the same name in the file (`--relay-ip` is `relay-ip`); a flag
//! given on the command line replaces the file's value (lists included).

use crate::exit::Failure;
pub use adapters::turn::Settings;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use turn_proto::server::{BandwidthCap, IpRange};

/// Flags of `p2p turn-server` (also the keys of the `--config` file).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// TOML file with any of the options below (keys as the flag names, e.g.
    /// `relay-ip = "192.0.2.1"`, `user = ["alice:secret"]`); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on for UDP and TCP (repeatable) [default: 127.0.0.1:3478].
    #[arg(long, value_name = "IP:PORT")]
    pub listen: Vec<SocketAddr>,
    /// IP address relay sockets are opened on, one per family (repeatable) [default: the
    /// first --listen IP when it is not a wildcard].
    #[arg(long, value_name = "IP")]
    pub relay_ip: Vec<IpAddr>,
    /// The public address of a server behind a 1:1 NAT (coturn's -X): relays are
    /// announced with PUBLIC in XOR-RELAYED-ADDRESS; PRIVATE names the relay IP it maps to
    /// (default: the relay IP of PUBLIC's family). One per family (repeatable).
    #[arg(long, value_name = "PUBLIC[/PRIVATE]")]
    pub external_ip: Vec<String>,
    /// Answer every Allocate with 300 Try Alternate naming this server (draining a node,
    /// spreading load; coturn: alternate-server).
    #[arg(long, value_name = "IP:PORT")]
    pub alternate_server: Option<SocketAddr>,
    /// Lowest relay port [default: 49152].
    #[arg(long, value_name = "PORT")]
    pub min_port: Option<u16>,
    /// Highest relay port [default: 65535].
    #[arg(long, value_name = "PORT")]
    pub max_port: Option<u16>,
    /// Authentication realm, 1 to 32 bytes (it is echoed in every 401 challenge, so its
    /// length bounds the amplification factor) [default: p2p].
    #[arg(long)]
    pub realm: Option<String>,
    /// A long-term credential user NAME:PASSWORD (repeatable).
    #[arg(long, value_name = "NAME:PASS")]
    pub user: Vec<String>,
    /// Accept TURN REST API credentials made with this shared secret (coturn's
    /// --use-auth-secret --static-auth-secret): username `EXPIRY[:NAME]`, password
    /// base64(HMAC-SHA1(secret, username)).
    #[arg(long, value_name = "SECRET")]
    pub static_auth_secret: Option<String>,
    /// Let relays reach loopback peers (127.0.0.0/8, ::1); for tests only.
    #[arg(long)]
    pub allow_loopback_peers: bool,
    /// Allow peers in this range although a built-in rule denies it (repeatable), e.g.
    /// 10.0.0.0/8.
    #[arg(long, value_name = "CIDR")]
    pub allowed_peer_ip: Vec<String>,
    /// Deny peers in this range (repeatable); wins over --allowed-peer-ip.
    #[arg(long, value_name = "CIDR")]
    pub denied_peer_ip: Vec<String>,
    /// Most allocations at once, 0 for no limit (coturn: total-quota); beyond it Allocate
    /// gets 508 Insufficient Capacity [default: 10000].
    #[arg(long, value_name = "N")]
    pub total_quota: Option<usize>,
    /// Most allocations per username, 0 for no limit (coturn: user-quota); beyond it
    /// Allocate gets 486 Allocation Quota Reached; with --redis it holds across the fleet
    /// [default: 0].
    #[arg(long, value_name = "N")]
    pub user_quota: Option<usize>,
    /// Bandwidth cap per allocation in bytes per second, each direction counted, 0 for no
    /// cap (coturn: max-bps) [default: 0].
    #[arg(long, value_name = "BYTES")]
    pub max_bps: Option<u32>,
    /// Longest allocation lifetime granted, seconds, at least 1 [default: 3600].
    #[arg(long, value_name = "SECS")]
    pub max_allocate_lifetime: Option<u64>,
    /// Channel binding lifetime, seconds, at least 1 [default: 600].
    #[arg(long, value_name = "SECS")]
    pub channel_lifetime: Option<u64>,
    /// Permission lifetime, seconds, at least 1 [default: 300].
    #[arg(long, value_name = "SECS")]
    pub permission_lifetime: Option<u64>,
    /// Nonce lifetime, seconds, 0 for nonces that never go stale (coturn: stale-nonce)
    /// [default: 600].
    #[arg(long, value_name = "SECS")]
    pub stale_nonce: Option<u64>,
    /// Serve Prometheus metrics at http://IP:PORT/metrics [default: off].
    #[arg(long, value_name = "IP:PORT")]
    pub metrics: Option<SocketAddr>,
    /// Do not listen on UDP.
    #[arg(long)]
    pub no_udp: bool,
    /// Do not listen on TCP.
    #[arg(long)]
    pub no_tcp: bool,
    /// Refuse RFC 6062 TCP allocations.
    #[arg(long)]
    pub no_tcp_relay: bool,
    /// Size of the client TCP connection table; when it is full a new connection closes the
    /// connection without an allocation that has been idle longest [default: 4096].
    #[arg(long, value_name = "N")]
    pub max_tcp_connections: Option<usize>,
    /// Seconds a TCP client has to finish a message once its first byte arrived (clients
    /// that trickle bytes are closed) [default: 10].
    #[arg(long, value_name = "SECS")]
    pub tcp_frame_deadline: Option<u64>,
    /// Seconds a TCP connection without an allocation may stay silent [default: 30].
    #[arg(long, value_name = "SECS")]
    pub tcp_idle_timeout: Option<u64>,
    /// Most bytes one TCP connection may hold in its read buffer (its largest message) and
    /// again in its send queue; buffers start at 1.5 KiB and grow only as bytes arrive, at
    /// least 1504 [default: 65552].
    #[arg(long, value_name = "BYTES")]
    pub tcp_buffer_cap: Option<usize>,
    /// Most bytes all TCP connections together may hold beyond their 1.5 KiB idle buffers;
    /// a connection that needs more is closed [default: 67108864].
    #[arg(long, value_name = "BYTES")]
    pub tcp_buffer_total: Option<usize>,
    /// Listen backlog of the TCP listeners (the kernel caps it at net.core.somaxconn)
    /// [default: 4096].
    #[arg(long, value_name = "N")]
    pub tcp_backlog: Option<u32>,
    /// Most log lines of one kind (failed authentication, refused or evicted connection, no
    /// relay port, …) per second; the rest are counted and the count logged, 0 for no limit
    /// [default: 10].
    #[arg(long, value_name = "N")]
    pub log_rate: Option<u32>,
    /// Socket receive and send buffer size in bytes for the listening sockets (the kernel
    /// caps it at net.core.rmem_max / wmem_max) [default: 4194304].
    #[arg(long, value_name = "BYTES")]
    pub socket_buffer: Option<usize>,
    /// PEM certificate chain for TLS (`turns:`); with --pkey, TLS listens on every --listen
    /// IP at --tls-listening-port. Read again on SIGHUP.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, value_name = "FILE")]
    pub pkey: Option<PathBuf>,
    /// TLS port (coturn: tls-listening-port) [default: 5349].
    #[arg(long, value_name = "PORT")]
    pub tls_listening_port: Option<u16>,
    /// Seconds a TLS handshake may take; a client that stalls is closed [default: 5].
    #[arg(long, value_name = "SECS")]
    pub tls_handshake_timeout: Option<u64>,
    /// Most TLS handshakes at once; connections beyond are closed at accept. DTLS has as
    /// many handshake slots again; clients beyond are refused after their cookie
    /// [default: 256].
    #[arg(long, value_name = "N")]
    pub max_tls_handshakes: Option<usize>,
    /// Do not listen for DTLS (turns: over UDP at --tls-listening-port) beside TLS; DTLS
    /// needs an ECDSA P-256 --cert/--pkey.
    #[arg(long)]
    pub no_dtls: bool,
    /// Most DTLS sessions, handshaking and connected (about 11 KiB each); clients beyond are
    /// refused [default: 4096].
    #[arg(long, value_name = "N")]
    pub max_dtls_sessions: Option<usize>,
    /// Share users, REST secrets, the per-user quota and usage with a fleet of servers through
    /// this Redis (e.g. redis://127.0.0.1:6379/0), in coturn's key layout:
    /// turn/realm/REALM/user/NAME/key and the set turn/realm/REALM/secret.
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Seconds between syncs with Redis (users and secrets loaded, usage published)
    /// [default: 1].
    #[arg(long, value_name = "SECS")]
    pub redis_sync_interval: Option<u64>,
    /// Most users loaded from Redis; a sync finding more fails and keeps the last users
    /// [default: 1000000].
    #[arg(long, value_name = "N")]
    pub redis_max_users: Option<usize>,
    /// This server's name in the fleet's Redis keys [default: host name and first --listen].
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// Relay threads: N shards sharing nothing on the relay path, each with its own UDP
    /// sockets on the listening addresses (SO_REUSEPORT), a slice of the relay ports and of
    /// --total-quota; TCP, TLS and metrics run on the first (metrics summed over all)
    /// [default: 1].
    #[arg(long, value_name = "N")]
    pub relay_threads: Option<usize>,
    /// Leave the SOFTWARE attribute out of responses.
    #[arg(long)]
    pub no_software_attribute: bool,
    /// Send every datagram to a client separately instead of grouping equal-sized ones into
    /// UDP GSO trains.
    #[arg(long)]
    pub no_gso: bool,
}

/// The TOML file: the same options, kebab-case keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    listen: Option<Vec<SocketAddr>>,
    relay_ip: Option<Vec<IpAddr>>,
    external_ip: Option<Vec<String>>,
    alternate_server: Option<SocketAddr>,
    min_port: Option<u16>,
    max_port: Option<u16>,
    realm: Option<String>,
    user: Option<Vec<String>>,
    static_auth_secret: Option<String>,
    allow_loopback_peers: Option<bool>,
    allowed_peer_ip: Option<Vec<String>>,
    denied_peer_ip: Option<Vec<String>>,
    total_quota: Option<usize>,
    user_quota: Option<usize>,
    max_bps: Option<u32>,
    max_allocate_lifetime: Option<u64>,
    channel_lifetime: Option<u64>,
    permission_lifetime: Option<u64>,
    stale_nonce: Option<u64>,
    metrics: Option<SocketAddr>,
    no_udp: Option<bool>,
    no_tcp: Option<bool>,
    no_tcp_relay: Option<bool>,
    max_tcp_connections: Option<usize>,
    tcp_frame_deadline: Option<u64>,
    tcp_idle_timeout: Option<u64>,
    tcp_buffer_cap: Option<usize>,
    tcp_buffer_total: Option<usize>,
    tcp_backlog: Option<u32>,
    log_rate: Option<u32>,
    socket_buffer: Option<usize>,
    no_software_attribute: Option<bool>,
    no_gso: Option<bool>,
    cert: Option<PathBuf>,
    pkey: Option<PathBuf>,
    tls_listening_port: Option<u16>,
    tls_handshake_timeout: Option<u64>,
    max_tls_handshakes: Option<usize>,
    no_dtls: Option<bool>,
    max_dtls_sessions: Option<usize>,
    redis: Option<String>,
    redis_sync_interval: Option<u64>,
    redis_max_users: Option<usize>,
    server_name: Option<String>,
    relay_threads: Option<usize>,
}

fn read_file(path: &PathBuf) -> Result<File, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read --config {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| Failure::Usage(format!("--config {}: {e}", path.display())))
}

/// A flag's list if given, else the file's, else empty.
fn list<T: Clone>(flag: &[T], file: Option<Vec<T>>) -> Vec<T> {
    if flag.is_empty() {
        file.unwrap_or_default()
    } else {
        flag.to_vec()
    }
}

fn ranges(what: &str, texts: &[String]) -> Result<Vec<IpRange>, Failure> {
    texts
        .iter()
        .map(|t| {
            IpRange::parse(t).ok_or_else(|| Failure::Usage(format!("--{what} {t:?} is not a CIDR")))
        })
        .collect()
}

fn users(texts: &[String]) -> Result<Vec<(String, String)>, Failure> {
    texts
        .iter()
        .map(|u| match u.split_once(':') {
            Some((n, p)) if !n.is_empty() => Ok((n.to_string(), p.to_string())),
            _ => Err(Failure::Usage(format!("--user {u:?} is not NAME:PASSWORD"))),
        })
        .collect()
}

/// `PUBLIC[/PRIVATE]` pairs.
fn external(texts: &[String]) -> Result<Vec<(IpAddr, Option<IpAddr>)>, Failure> {
    texts
        .iter()
        .map(|t| {
            let bad = || Failure::Usage(format!("--external-ip {t:?} is not PUBLIC[/PRIVATE]"));
            let (public, private) = match t.split_once('/') {
                Some((p, q)) => (p, Some(q.parse::<IpAddr>().map_err(|_| bad())?)),
                None => (t.as_str(), None),
            };
            Ok((public.parse::<IpAddr>().map_err(|_| bad())?, private))
        })
        .collect()
}

fn secs(flag: Option<u64>, file: Option<u64>, default: Duration) -> Duration {
    flag.or(file).map_or(default, Duration::from_secs)
}

/// Merge flags over the file over defaults, and check the result.
pub fn settings(a: &Args) -> Result<Settings, Failure> {
    let f = match &a.config {
        Some(p) => read_file(p)?,
        None => File::default(),
    };
    let d = Settings::default();
    let (listen, relay_ips) = addresses(a, &f)?;
    let ports = (
        a.min_port.or(f.min_port).unwrap_or(d.ports.0),
        a.max_port.or(f.max_port).unwrap_or(d.ports.1),
    );
    let users = users(&list(&a.user, f.user.clone()))?;
    let secret = a
        .static_auth_secret
        .clone()
        .or(f.static_auth_secret.clone());
    let redis = a.redis.clone().or(f.redis.clone());
    if users.is_empty() && secret.is_none() && redis.is_none() {
        return Err(Failure::Usage(
            "no credentials: give --user NAME:PASS, --static-auth-secret SECRET or --redis URL"
                .into(),
        ));
    }
    let udp = !(a.no_udp || f.no_udp.unwrap_or(false));
    let tcp = !(a.no_tcp || f.no_tcp.unwrap_or(false));
    let mut s = Settings {
        listen,
        relay_ips,
        ports,
        external_ips: external(&list(&a.external_ip, f.external_ip.clone()))?,
        alternate_server: a.alternate_server.or(f.alternate_server),
        realm: a
            .realm
            .clone()
            .or(f.realm.clone())
            .unwrap_or(d.realm.clone()),
        users,
        secret,
        allow_loopback: a.allow_loopback_peers || f.allow_loopback_peers.unwrap_or(false),
        allowed: ranges(
            "allowed-peer-ip",
            &list(&a.allowed_peer_ip, f.allowed_peer_ip.clone()),
        )?,
        denied: ranges(
            "denied-peer-ip",
            &list(&a.denied_peer_ip, f.denied_peer_ip.clone()),
        )?,
        udp,
        tcp,
        tcp_relay: !(a.no_tcp_relay || f.no_tcp_relay.unwrap_or(false)),
        metrics: a.metrics.or(f.metrics),
        software: !(a.no_software_attribute || f.no_software_attribute.unwrap_or(false)),
        gso: !(a.no_gso || f.no_gso.unwrap_or(false)),
        cert: a.cert.clone().or(f.cert.clone()),
        pkey: a.pkey.clone().or(f.pkey.clone()),
        tls_port: a
            .tls_listening_port
            .or(f.tls_listening_port)
            .unwrap_or(d.tls_port),
        tls_handshake_timeout: secs(
            a.tls_handshake_timeout,
            f.tls_handshake_timeout,
            d.tls_handshake_timeout,
        ),
        max_tls_handshakes: a
            .max_tls_handshakes
            .or(f.max_tls_handshakes)
            .unwrap_or(d.max_tls_handshakes),
        dtls: !(a.no_dtls || f.no_dtls.unwrap_or(false)),
        max_dtls_sessions: a
            .max_dtls_sessions
            .or(f.max_dtls_sessions)
            .unwrap_or(d.max_dtls_sessions),
        redis,
        redis_sync: secs(a.redis_sync_interval, f.redis_sync_interval, d.redis_sync),
        redis_max_users: a
            .redis_max_users
            .or(f.redis_max_users)
            .unwrap_or(d.redis_max_users),
        server_name: a.server_name.clone().or(f.server_name.clone()),
        relay_threads: a
            .relay_threads
            .or(f.relay_threads)
            .unwrap_or(d.relay_threads),
        ..d
    };
    limits(a, &f, &mut s);
    s.check().map_err(|e| Failure::Usage(e.to_string()))?;
    Ok(s)
}

/// Listening addresses and relay IPs (the first specific listening IP when none is given).
fn addresses(a: &Args, f: &File) -> Result<(Vec<SocketAddr>, Vec<IpAddr>), Failure> {
    let mut listen = list(&a.listen, f.listen.clone());
    if listen.is_empty() {
        listen.push(SocketAddr::from(([127, 0, 0, 1], 3478)));
    }
    let mut relay_ips = list(&a.relay_ip, f.relay_ip.clone());
    if relay_ips.is_empty() {
        match listen.iter().find(|l| !l.ip().is_unspecified()) {
            Some(l) => relay_ips.push(l.ip()),
            None => {
                return Err(Failure::Usage(
                    "--relay-ip is needed when listening on a wildcard address".into(),
                ))
            }
        }
    }
    if relay_ips.iter().any(IpAddr::is_unspecified) {
        return Err(Failure::Usage(
            "--relay-ip must be a specific address".into(),
        ));
    }
    Ok((listen, relay_ips))
}

/// Quotas, lifetimes and TCP limits: flag, else file, else the default. Zero keeps coturn's
/// meaning where the option has coturn's name (no quota, no cap, nonces never stale); the
/// values that would make the server useless are refused by `Settings::check`.
fn limits(a: &Args, f: &File, s: &mut Settings) {
    let d = Settings::default();
    s.total_quota = a.total_quota.or(f.total_quota).unwrap_or(d.total_quota);
    s.user_quota = a.user_quota.or(f.user_quota).unwrap_or(d.user_quota);
    s.bandwidth = match a.max_bps.or(f.max_bps) {
        None | Some(0) => None,
        Some(bps) => Some(BandwidthCap {
            bytes_per_sec: bps,
            burst_bytes: bps.max(65_536),
        }),
    };
    s.max_lifetime = secs(
        a.max_allocate_lifetime,
        f.max_allocate_lifetime,
        d.max_lifetime,
    );
    s.channel_lifetime = secs(a.channel_lifetime, f.channel_lifetime, d.channel_lifetime);
    s.permission_lifetime = secs(
        a.permission_lifetime,
        f.permission_lifetime,
        d.permission_lifetime,
    );
    s.nonce_lifetime = secs(a.stale_nonce, f.stale_nonce, d.nonce_lifetime);
    s.max_tcp_connections = a
        .max_tcp_connections
        .or(f.max_tcp_connections)
        .unwrap_or(d.max_tcp_connections);
    s.tcp_frame_deadline = secs(
        a.tcp_frame_deadline,
        f.tcp_frame_deadline,
        d.tcp_frame_deadline,
    );
    s.tcp_idle_timeout = secs(a.tcp_idle_timeout, f.tcp_idle_timeout, d.tcp_idle_timeout);
    s.tcp_buffer_cap = a
        .tcp_buffer_cap
        .or(f.tcp_buffer_cap)
        .unwrap_or(d.tcp_buffer_cap);
    s.tcp_buffer_total = a
        .tcp_buffer_total
        .or(f.tcp_buffer_total)
        .unwrap_or(d.tcp_buffer_total);
    s.tcp_backlog = a.tcp_backlog.or(f.tcp_backlog).unwrap_or(d.tcp_backlog);
    s.log_rate = a.log_rate.or(f.log_rate).unwrap_or(d.log_rate);
    s.socket_buffer = a
        .socket_buffer
        .or(f.socket_buffer)
        .unwrap_or(d.socket_buffer);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn file(text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "turn-cfg-{}-{}.toml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn flags_override_the_file_and_defaults_fill_the_rest() {
        let p = file(
            "listen = [\"127.0.0.1:4000\"]\nrealm = \"file\"\nuser = [\"a:b\", \"c:d\"]\n\
             min-port = 50000\nmax-port = 50100\nallow-loopback-peers = true\nmax-bps = 1000\n",
        );
        let args = Args {
            config: Some(p),
            realm: Some("flag".into()),
            max_port: Some(50010),
            ..Args::default()
        };
        let s = settings(&args).unwrap();
        assert_eq!(
            s.listen,
            vec!["127.0.0.1:4000".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(s.relay_ips, vec!["127.0.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(s.realm, "flag");
        assert_eq!(s.ports, (50000, 50010));
        assert_eq!(s.users.len(), 2);
        assert!(s.allow_loopback);
        assert_eq!(s.bandwidth.unwrap().bytes_per_sec, 1000);
        assert_eq!(s.max_lifetime, Duration::from_secs(3600));
        assert!(s.udp && s.tcp && s.tcp_relay);
    }

    #[test]
    fn bad_settings_are_usage_errors() {
        let bad = |args: Args| matches!(settings(&args), Err(Failure::Usage(_)));
        assert!(bad(Args::default()), "no credentials");
        let user = || vec!["u:p".to_string()];
        assert!(bad(Args {
            user: vec!["nocolon".into()],
            ..Args::default()
        }));
        assert!(bad(Args {
            user: user(),
            listen: vec!["0.0.0.0:3478".parse().unwrap()],
            ..Args::default()
        }));
        assert!(bad(Args {
            user: user(),
            min_port: Some(6000),
            max_port: Some(5000),
            ..Args::default()
        }));
        assert!(bad(Args {
            user: user(),
            denied_peer_ip: vec!["10/8".into()],
            ..Args::default()
        }));
        assert!(bad(Args {
            user: user(),
            config: Some(file("bogus-key = 1\n")),
            ..Args::default()
        }));
        assert!(!bad(Args {
            user: user(),
            ..Args::default()
        }));
    }

    #[test]
    fn the_example_config_loads_and_holds_the_defaults() {
        let example = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/turn.toml"
        ));
        let mut s = settings(&Args {
            config: Some(example),
            ..Args::default()
        })
        .unwrap();
        assert_eq!(s.users, vec![("alice".into(), "change-me".into())]);
        s.users.clear();
        assert_eq!(format!("{s:?}"), format!("{:?}", Settings::default()));
    }

    #[test]
    fn coturn_zeros_mean_no_limit_and_useless_values_are_refused() {
        let user = || vec!["u:p".to_string()];
        let s = settings(&Args {
            user: user(),
            total_quota: Some(0),
            user_quota: Some(0),
            max_bps: Some(0),
            stale_nonce: Some(0),
            ..Args::default()
        })
        .unwrap();
        assert_eq!((s.total_quota, s.user_quota), (0, 0), "0: no quota");
        assert!(s.bandwidth.is_none(), "max-bps 0: no cap");
        assert!(s.nonce_lifetime.is_zero(), "stale-nonce 0: never stale");
        let refused = |f: &dyn Fn(&mut Args)| {
            let mut a = Args {
                user: user(),
                ..Args::default()
            };
            f(&mut a);
            match settings(&a) {
                Err(Failure::Usage(m)) => !m.contains('\n'),
                _ => false,
            }
        };
        assert!(refused(&|a| a.max_allocate_lifetime = Some(0)));
        assert!(refused(&|a| a.channel_lifetime = Some(0)));
        assert!(refused(&|a| a.permission_lifetime = Some(0)));
        assert!(refused(&|a| a.tcp_frame_deadline = Some(0)));
        assert!(refused(&|a| a.tcp_idle_timeout = Some(0)));
        assert!(refused(&|a| a.tcp_buffer_cap = Some(100)));
        assert!(refused(&|a| a.tcp_buffer_total = Some(2000)));
        assert!(refused(&|a| a.max_tcp_connections = Some(0)));
        assert!(refused(&|a| a.tcp_backlog = Some(0)));
        assert!(refused(&|a| a.realm = Some("r".repeat(33))));
        assert!(refused(&|a| a.socket_buffer = Some(0)));
        assert!(!refused(&|a| a.realm = Some("r".repeat(32))));
        let p = file("tcp-backlog = 64\nlog-rate = 0\ntcp-frame-deadline = 3\nuser = [\"a:b\"]\n");
        let s = settings(&Args {
            config: Some(p),
            ..Args::default()
        })
        .unwrap();
        assert_eq!((s.tcp_backlog, s.log_rate), (64, 0));
        assert_eq!(s.tcp_frame_deadline, Duration::from_secs(3));
    }
}
