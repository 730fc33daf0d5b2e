//! What the server runs with: [`Settings`], their defaults and the start-up check that refuses
//! values that would make the server useless.

use super::RunError;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use turn_proto::server::{BandwidthCap, IpRange, MAX_REALM};
/// Largest frame a TCP client may send: a STUN message of 20 + 65,532 bytes (a ChannelData
/// frame is at most 4 + 65,535 bytes, padded).
pub const MAX_TCP_FRAME: usize = 20 + 65_532;
/// The smallest per-connection buffer cap accepted: a ChannelData frame with a 1,500-byte
/// payload (anything less refuses ordinary traffic).
pub const MIN_TCP_BUFFER: usize = 4 + 1500;

/// Everything the server runs with, after merging.
///
/// Where an option has coturn's name it has coturn's meaning: a quota of 0 means no quota, a
/// nonce lifetime of zero means nonces never go stale. [`check`](Self::check) refuses values
/// that would make the server useless (a zero lifetime, an empty connection table, …); [`run`]
/// calls it first.
///
/// [`run`]: super::run
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listening addresses (UDP and TCP).
    pub listen: Vec<SocketAddr>,
    /// Relay IPs (at most one per family).
    pub relay_ips: Vec<IpAddr>,
    /// Relay port range.
    pub ports: (u16, u16),
    /// Public addresses announced for relays behind a 1:1 NAT (coturn's `-X`): the public
    /// IP, and the relay IP it maps to when given (else the relay IP of the same family).
    pub external_ips: Vec<(IpAddr, Option<IpAddr>)>,
    /// Send every Allocate there with 300 Try Alternate (draining, load spreading).
    pub alternate_server: Option<SocketAddr>,
    /// Realm (at most [`MAX_REALM`] bytes: it is echoed in every 401 challenge, so it bounds
    /// the amplification factor).
    pub realm: String,
    /// NAME, PASSWORD pairs.
    pub users: Vec<(String, String)>,
    /// REST shared secret.
    pub secret: Option<String>,
    /// Loopback peers allowed.
    pub allow_loopback: bool,
    /// Extra allowed ranges.
    pub allowed: Vec<IpRange>,
    /// Extra denied ranges.
    pub denied: Vec<IpRange>,
    /// Most allocations at once; 0 for no limit (coturn's `total-quota`). Beyond it: 508.
    pub total_quota: usize,
    /// Most allocations per user; 0 for no limit (coturn's `user-quota`). Beyond it: 486.
    pub user_quota: usize,
    /// Per-allocation bandwidth.
    pub bandwidth: Option<BandwidthCap>,
    /// Allocation lifetime cap (not zero).
    pub max_lifetime: Duration,
    /// Channel lifetime (not zero).
    pub channel_lifetime: Duration,
    /// Permission lifetime (not zero).
    pub permission_lifetime: Duration,
    /// Nonce lifetime; zero for nonces that never go stale (coturn's `stale-nonce=0`).
    pub nonce_lifetime: Duration,
    /// Metrics endpoint.
    pub metrics: Option<SocketAddr>,
    /// UDP listeners on.
    pub udp: bool,
    /// TCP listeners on.
    pub tcp: bool,
    /// RFC 6062 on.
    pub tcp_relay: bool,
    /// Size of the TCP connection table: past it a new connection closes the one without an
    /// allocation that has been idle longest (a connection is refused only when every one
    /// holds an allocation).
    pub max_tcp_connections: usize,
    /// Time a TCP client has to finish a frame once its first byte arrived.
    pub tcp_frame_deadline: Duration,
    /// Silence allowed on a TCP connection without an allocation.
    pub tcp_idle_timeout: Duration,
    /// Most bytes one TCP connection may hold in its read buffer (the largest frame it may
    /// send), and again in its send queue.
    pub tcp_buffer_cap: usize,
    /// Most bytes all TCP connections together may hold beyond their idle read buffers
    /// (1.5 KiB each): long frames and send queues.
    pub tcp_buffer_total: usize,
    /// Listen backlog of the TCP listeners (the kernel caps it at `net.core.somaxconn`).
    pub tcp_backlog: u32,
    /// Most log lines of one kind (failed authentication, refused connection, no relay port,
    /// …) per second; the rest are counted and the count is logged. 0 for no limit.
    pub log_rate: u32,
    /// Listener socket buffers.
    pub socket_buffer: usize,
    /// SOFTWARE attribute on.
    pub software: bool,
    /// UDP GSO towards clients.
    pub gso: bool,
    /// PEM certificate chain for TLS (coturn's `cert`); TLS listens when this and
    /// [`pkey`](Self::pkey) are set.
    pub cert: Option<std::path::PathBuf>,
    /// PEM private key for TLS (coturn's `pkey`).
    pub pkey: Option<std::path::PathBuf>,
    /// TLS port on every listening IP (coturn's `tls-listening-port`).
    pub tls_port: u16,
    /// Time a TLS handshake may take before the connection is closed.
    pub tls_handshake_timeout: Duration,
    /// Most TLS handshakes at once; connections beyond are closed at accept. DTLS
    /// handshakes have as many slots again of their own.
    pub max_tls_handshakes: usize,
    /// DTLS (`turns:` over UDP) listens beside TLS, on the same port numbers (coturn's
    /// `no-dtls` turns it off); it needs an ECDSA P-256 certificate.
    pub dtls: bool,
    /// Most DTLS sessions (handshaking and connected); clients beyond are refused.
    pub max_dtls_sessions: usize,
    /// Redis URL of the fleet (users, REST secrets, fleet-wide user quota, usage).
    pub redis: Option<String>,
    /// Time between syncs with Redis.
    pub redis_sync: Duration,
    /// Most users loaded from Redis (a sync that finds more fails and keeps the last ones).
    pub redis_max_users: usize,
    /// This server's name in the fleet's keys [default: host name and first listen address].
    pub server_name: Option<String>,
    /// Relay threads (shards sharing nothing on the relay path, `SO_REUSEPORT`).
    pub relay_threads: usize,
}

impl Default for Settings {
    /// 127.0.0.1:3478 relaying from 127.0.0.1, realm `p2p`, no users, the coturn-like limits.
    fn default() -> Self {
        Settings {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 3478))],
            relay_ips: vec![IpAddr::from([127, 0, 0, 1])],
            ports: (49152, 65535),
            external_ips: Vec::new(),
            alternate_server: None,
            realm: "p2p".into(),
            users: Vec::new(),
            secret: None,
            allow_loopback: false,
            allowed: Vec::new(),
            denied: Vec::new(),
            total_quota: 10_000,
            user_quota: 0,
            bandwidth: None,
            max_lifetime: Duration::from_secs(3600),
            channel_lifetime: Duration::from_secs(600),
            permission_lifetime: Duration::from_secs(300),
            nonce_lifetime: Duration::from_secs(600),
            metrics: None,
            udp: true,
            tcp: true,
            tcp_relay: true,
            max_tcp_connections: 4096,
            tcp_frame_deadline: Duration::from_secs(10),
            tcp_idle_timeout: Duration::from_secs(30),
            tcp_buffer_cap: MAX_TCP_FRAME,
            tcp_buffer_total: 64 << 20,
            tcp_backlog: 4096,
            log_rate: 10,
            socket_buffer: 4 << 20,
            software: true,
            gso: true,
            cert: None,
            pkey: None,
            tls_port: 5349,
            tls_handshake_timeout: Duration::from_secs(5),
            max_tls_handshakes: 256,
            dtls: true,
            max_dtls_sessions: 4096,
            redis: None,
            redis_sync: Duration::from_secs(1),
            redis_max_users: 1_000_000,
            server_name: None,
            relay_threads: 1,
        }
    }
}

impl Settings {
    /// Refuse settings that would make the server useless: every check names the option.
    pub fn check(&self) -> Result<(), RunError> {
        let bad = |m: &str| Err(RunError::Usage(m.to_string()));
        let zero = |d: Duration, name: &str| -> Result<(), RunError> {
            if d.is_zero() {
                return bad(&format!("{name} 0 would make every one expire at once"));
            }
            Ok(())
        };
        zero(self.max_lifetime, "--max-allocate-lifetime")?;
        zero(self.channel_lifetime, "--channel-lifetime")?;
        zero(self.permission_lifetime, "--permission-lifetime")?;
        if self.realm.is_empty() || self.realm.len() > MAX_REALM {
            return bad(&format!(
                "--realm must be 1 to {MAX_REALM} bytes (it is echoed in every 401 challenge, \
                 so it bounds the amplification factor); {:?} is {}",
                self.realm,
                self.realm.len()
            ));
        }
        if self.listen.is_empty() || !self.udp && !self.tcp && !self.tls() {
            return bad("nothing to listen on (--no-udp and --no-tcp, or no --listen)");
        }
        if self.relay_ips.is_empty() {
            return bad("no --relay-ip");
        }
        if self.ports.0 == 0 || self.ports.0 > self.ports.1 {
            return bad(&format!(
                "relay port range {}-{} is empty",
                self.ports.0, self.ports.1
            ));
        }
        self.check_external()?;
        if self.bandwidth.is_some_and(|b| b.bytes_per_sec == 0) {
            return bad("--max-bps: a cap of 0 bytes/s relays nothing (omit it for no cap)");
        }
        if self.socket_buffer == 0 {
            return bad("--socket-buffer 0");
        }
        if self.tcp || self.tls() {
            self.check_tcp()?;
        }
        self.check_tls()
    }

    /// This server's name in the fleet: `--server-name`, else the host name and the first
    /// listening address (unique per node as long as the nodes' host names are).
    pub fn server_id(&self) -> String {
        if let Some(n) = &self.server_name {
            return n.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let listen = self
            .listen
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!("{}/{listen}", host.trim())
    }

    /// Whether TLS listens (a certificate and a key are set).
    pub fn tls(&self) -> bool {
        self.cert.is_some() && self.pkey.is_some()
    }

    /// Whether DTLS listens (TLS does and `--no-dtls` is not given).
    pub fn dtls(&self) -> bool {
        self.tls() && self.dtls
    }

    /// The TLS listening addresses (TCP, and UDP for DTLS): every listening IP on the TLS
    /// port.
    pub fn tls_listen(&self) -> Vec<SocketAddr> {
        if !self.tls() {
            return Vec::new();
        }
        let mut v: Vec<SocketAddr> = self
            .listen
            .iter()
            .map(|a| SocketAddr::new(a.ip(), self.tls_port))
            .collect();
        v.dedup();
        v
    }

    fn check_threads(&self) -> Result<(), RunError> {
        let bad = |m: String| Err(RunError::Usage(m));
        let n = self.relay_threads;
        if n == 0 || n > 64 {
            return bad(format!("--relay-threads {n}: 1 to 64"));
        }
        let ports = usize::from(self.ports.1.saturating_sub(self.ports.0)) + 1;
        if n > 1 && ports / n < 2 {
            return bad(format!(
                "--relay-threads {n}: the relay port range {}-{} gives each thread under 2 ports",
                self.ports.0, self.ports.1
            ));
        }
        if n > 1 && !self.udp {
            return bad(format!(
                "--relay-threads {n} shares UDP between threads: not with --no-udp"
            ));
        }
        if n > 1 && self.user_quota > 0 && self.redis.is_none() {
            return bad(format!(
                "--user-quota with --relay-threads {n} needs --redis (the threads hold a user's \
                 allocations together through it)"
            ));
        }
        Ok(())
    }

    fn check_tls(&self) -> Result<(), RunError> {
        let bad = |m: &str| Err(RunError::Usage(m.to_string()));
        if self.cert.is_some() != self.pkey.is_some() {
            return bad("TLS needs both --cert and --pkey");
        }
        if self.tls() && (self.tls_handshake_timeout.is_zero() || self.max_tls_handshakes == 0) {
            return bad("--tls-handshake-timeout and --max-tls-handshakes must be at least 1");
        }
        if self.redis.is_some() && (self.redis_sync.is_zero() || self.redis_max_users == 0) {
            return bad("--redis-sync-interval and --redis-max-users must be at least 1");
        }
        self.check_threads()?;
        if self.tls() && self.tls_port == 0 {
            return bad("--tls-listening-port 0");
        }
        if self.dtls() && self.max_dtls_sessions == 0 {
            return bad("--max-dtls-sessions must be at least 1 (or --no-dtls)");
        }
        Ok(())
    }

    /// Each external IP maps a relay IP of its family, at most one per family.
    fn check_external(&self) -> Result<(), RunError> {
        let bad = |m: String| Err(RunError::Usage(m));
        let mut seen = (false, false);
        for (public, private) in &self.external_ips {
            let relay = private.unwrap_or_else(|| {
                let same = self
                    .relay_ips
                    .iter()
                    .find(|r| r.is_ipv4() == public.is_ipv4());
                same.copied().unwrap_or(*public)
            });
            if public.is_ipv4() != relay.is_ipv4() || !self.relay_ips.contains(&relay) {
                return bad(format!(
                    "--external-ip {public}: no --relay-ip {relay} of its family to map"
                ));
            }
            let family = if public.is_ipv4() {
                &mut seen.0
            } else {
                &mut seen.1
            };
            if std::mem::replace(family, true) {
                return bad(format!("--external-ip {public}: one per address family"));
            }
        }
        Ok(())
    }

    /// The external IPs for IPv4 and IPv6 relays.
    pub(crate) fn external(&self) -> (Option<IpAddr>, Option<IpAddr>) {
        let of = |v4: bool| {
            self.external_ips
                .iter()
                .find(|(p, _)| p.is_ipv4() == v4)
                .map(|(p, _)| *p)
        };
        (of(true), of(false))
    }

    fn check_tcp(&self) -> Result<(), RunError> {
        let bad = |m: String| Err(RunError::Usage(m));
        if self.max_tcp_connections == 0 {
            return bad("--max-tcp-connections 0 refuses every TCP client (use --no-tcp)".into());
        }
        if self.tcp_frame_deadline.is_zero() || self.tcp_idle_timeout.is_zero() {
            return bad("--tcp-frame-deadline and --tcp-idle-timeout must be at least 1 s".into());
        }
        if self.tcp_buffer_cap < MIN_TCP_BUFFER {
            return bad(format!(
                "--tcp-buffer-cap {} is below {MIN_TCP_BUFFER} (a ChannelData frame with a \
                 1500-byte payload)",
                self.tcp_buffer_cap
            ));
        }
        if self.tcp_buffer_total < self.tcp_buffer_cap {
            return bad(format!(
                "--tcp-buffer-total {} is below --tcp-buffer-cap {}",
                self.tcp_buffer_total, self.tcp_buffer_cap
            ));
        }
        if self.tcp_backlog == 0 {
            return bad("--tcp-backlog 0".into());
        }
        Ok(())
    }
}

/// A quota in coturn's terms (0: none) as the core wants it (`usize::MAX`: none).
pub(crate) fn quota(n: usize) -> usize {
    if n == 0 {
        usize::MAX
    } else {
        n
    }
}

/// A nonce lifetime in coturn's terms (zero: never stale) as the core wants it.
pub(crate) fn nonce_lifetime(d: Duration) -> Duration {
    if d.is_zero() {
        Duration::from_secs(u64::from(u32::MAX))
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_pass_and_useless_values_are_refused() {
        let ok = Settings::default();
        ok.check().unwrap();
        let refused = |f: &dyn Fn(&mut Settings)| {
            let mut s = Settings::default();
            f(&mut s);
            matches!(s.check(), Err(RunError::Usage(_)))
        };
        assert!(refused(&|s| s.max_lifetime = Duration::ZERO));
        assert!(refused(&|s| s.channel_lifetime = Duration::ZERO));
        assert!(refused(&|s| s.permission_lifetime = Duration::ZERO));
        assert!(refused(&|s| s.realm = "r".repeat(MAX_REALM + 1)));
        assert!(refused(&|s| s.realm.clear()));
        assert!(refused(&|s| s.max_tcp_connections = 0));
        assert!(refused(&|s| s.tcp_frame_deadline = Duration::ZERO));
        assert!(refused(&|s| s.tcp_buffer_cap = 1000));
        assert!(refused(&|s| s.tcp_buffer_total = 1000));
        assert!(refused(&|s| s.tcp_backlog = 0));
        assert!(refused(&|s| s.socket_buffer = 0));
        assert!(refused(&|s| s.ports = (5000, 4000)));
        let ext = |p: &str, q: Option<&str>| (p.parse().unwrap(), q.map(|q| q.parse().unwrap()));
        assert!(refused(&|s| s.external_ips = vec![ext("::1", None)]));
        assert!(refused(
            &|s| s.external_ips = vec![ext("192.0.2.1", Some("127.0.0.2"))]
        ));
        assert!(refused(
            &|s| s.external_ips = vec![ext("192.0.2.1", None); 2]
        ));
        assert!(!refused(
            &|s| s.external_ips = vec![ext("192.0.2.1", Some("127.0.0.1"))]
        ));
        // Zero quotas and a zero nonce lifetime are coturn's "no limit", not errors.
        assert!(!refused(&|s| {
            s.total_quota = 0;
            s.user_quota = 0;
            s.nonce_lifetime = Duration::ZERO;
        }));
        // TCP limits do not matter without TCP.
        assert!(!refused(&|s| {
            s.tcp = false;
            s.max_tcp_connections = 0;
        }));
        assert_eq!(quota(0), usize::MAX);
        assert_eq!(quota(5), 5);
        assert!(nonce_lifetime(Duration::ZERO) > Duration::from_secs(100 * 365 * 86_400));
    }
}
