//! Prometheus metrics over HTTP: `GET /metrics` answers the text exposition format (0.0.4).
//! A few lines of HTTP/1.0 on tokio; no framework. Requests are bounded in size and time.

use super::state::{Core, Shared};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Users with series of their own in `turn_user_relayed_bytes` (the most relaying ones; the
/// others are summed in `turn_user_relayed_bytes_others`): the label's cardinality is bounded
/// whatever the number of users.
pub const TOP_USERS: usize = 20;
/// The per-user family: last in the exposition, so that series only other relay threads
/// hold can be appended (see [`sum`]).
const USER_SERIES: &str = "turn_user_relayed_bytes{";

/// Largest request head read.
const MAX_REQUEST: usize = 8192;
/// Time a client gets to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Serve metrics on `listener` until the task is dropped.
pub async fn serve(shared: Shared, listener: TcpListener) {
    loop {
        let Ok((stream, from)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::task::spawn_local(async move {
            if let Err(e) = answer(&shared, stream).await {
                tracing::debug!(%from, "metrics request: {e}");
            }
        });
    }
}

async fn answer(shared: &Shared, mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0u8; MAX_REQUEST];
    let mut n = 0;
    let head_end = loop {
        let read = tokio::time::timeout(
            REQUEST_TIMEOUT,
            stream.read(buf.get_mut(n..).unwrap_or(&mut [])),
        );
        let got = read.await.map_err(|_| std::io::ErrorKind::TimedOut)??;
        if got == 0 {
            return Ok(());
        }
        n += got;
        let head = buf.get(..n).unwrap_or(&[]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if n == buf.len() {
            return respond(&mut stream, "431 Request Header Fields Too Large", "").await;
        }
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or(&[])).to_string();
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    match (method, target.split('?').next().unwrap_or("")) {
        ("GET", "/metrics") => {
            let body = exposition(&shared.borrow());
            respond(&mut stream, "200 OK", &body).await
        }
        ("GET", _) => respond(&mut stream, "404 Not Found", "try /metrics\n").await,
        _ => respond(&mut stream, "405 Method Not Allowed", "").await,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.0 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// One metric family: HELP, TYPE and samples.
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, v) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
}

/// What the endpoint answers: this server's metrics, summed with the other relay threads'.
fn exposition(core: &Core) -> String {
    let own = render(core);
    if core.shard.count <= 1 {
        return own;
    }
    let others = match core.shard.texts.lock() {
        Ok(t) => t.iter().skip(1).cloned().collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    sum(&own, &others)
}

/// `first` with each sample's value summed over `others` (the same families, the same
/// order), except what every shard holds alike: `*_up` gauges take the smallest value (up
/// only when every shard is), `turn_fleet_users` the largest (each shard loads the users).
fn sum(first: &str, others: &[String]) -> String {
    let mut merged: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    // Per-user series of users only other threads hold: appended after the first's.
    let mut extra: Vec<(&str, u64)> = Vec::new();
    for line in first.lines().filter(|l| !l.starts_with('#')) {
        if let Some((key, v)) = line.rsplit_once(' ') {
            merged.insert(key, v.parse().unwrap_or(0));
        }
    }
    for text in others {
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((key, v)) = line.rsplit_once(' ') else {
                continue;
            };
            let v: u64 = v.parse().unwrap_or(0);
            if let Some(m) = merged.get_mut(key) {
                *m = if key.ends_with("_up") {
                    (*m).min(v)
                } else if key == "turn_fleet_users" {
                    (*m).max(v)
                } else {
                    m.saturating_add(v)
                };
            } else if key.starts_with(USER_SERIES) {
                match extra.iter_mut().find(|(k, _)| *k == key) {
                    Some(e) => e.1 = e.1.saturating_add(v),
                    None => extra.push((key, v)),
                }
            }
        }
    }
    let mut out = String::with_capacity(first.len());
    for line in first.lines() {
        match line.rsplit_once(' ') {
            Some((key, _)) if !line.starts_with('#') => {
                let _ = writeln!(out, "{key} {}", merged.get(key).copied().unwrap_or(0));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (key, v) in extra {
        let _ = writeln!(out, "{key} {v}");
    }
    out
}

/// The whole exposition.
pub fn render(core: &Core) -> String {
    let s = core.server.stats();
    let io = core.io;
    let mut o = String::with_capacity(4096);
    let allocs = core.server.allocation_count() as u64;
    family(
        &mut o,
        "turn_allocations",
        "gauge",
        "Allocations held (pending ones included).",
        &[("", allocs)],
    );
    family(
        &mut o,
        "turn_allocations_created_total",
        "counter",
        "Allocations granted.",
        &[("", s.allocations_created)],
    );
    family(
        &mut o,
        "turn_allocations_closed_total",
        "counter",
        "Allocations ended (deleted, expired or closed).",
        &[("", s.allocations_closed)],
    );
    family(
        &mut o,
        "turn_relayed_packets_total",
        "counter",
        "Datagrams relayed, by direction.",
        &[
            ("direction=\"to_peer\"", s.packets_to_peers),
            ("direction=\"to_client\"", s.packets_to_clients),
        ],
    );
    family(
        &mut o,
        "turn_relayed_bytes_total",
        "counter",
        "Payload bytes relayed, by direction.",
        &[
            ("direction=\"to_peer\"", s.bytes_to_peers),
            ("direction=\"to_client\"", s.bytes_to_clients),
        ],
    );
    family(
        &mut o,
        "turn_auth_failures_total",
        "counter",
        "Requests refused for authentication (401 with bad credentials, 441).",
        &[("", s.auth_failures)],
    );
    family(
        &mut o,
        "turn_requests_total",
        "counter",
        "Requests answered, by outcome.",
        &[
            ("result=\"success\"", s.requests_ok),
            ("result=\"error\"", s.requests_failed),
        ],
    );
    family(
        &mut o,
        "turn_dropped_total",
        "counter",
        "Datagrams dropped, by reason.",
        &[
            ("reason=\"no_route\"", s.dropped_no_route),
            ("reason=\"bandwidth\"", s.dropped_bandwidth),
            ("reason=\"malformed\"", s.dropped_malformed),
            ("reason=\"send_error\"", io.send_errors),
            ("reason=\"truncated\"", io.truncated),
            ("reason=\"tcp_queue_full\"", io.tcp_queue_drops),
        ],
    );
    family(
        &mut o,
        "turn_peers_denied_total",
        "counter",
        "Peer addresses refused by the filter (403).",
        &[("", s.peers_denied)],
    );
    family(
        &mut o,
        "turn_relay_bind_failures_total",
        "counter",
        "Relay sockets that could not be opened (508).",
        &[("", io.relay_bind_failures)],
    );
    family(
        &mut o,
        "turn_relay_ports_in_use",
        "gauge",
        "Relay ports held (relays, reservations, TCP relays).",
        &[("", core.ports_in_use() as u64)],
    );
    family(
        &mut o,
        "turn_tcp_connections",
        "gauge",
        "Client TCP connections open.",
        &[("", core.streams.len() as u64)],
    );
    family(
        &mut o,
        "turn_tcp_connections_accepted_total",
        "counter",
        "Client TCP connections accepted.",
        &[("", io.tcp_accepted)],
    );
    family(
        &mut o,
        "turn_tcp_connections_closed_total",
        "counter",
        "Client TCP connections the server closed or refused to protect itself, by reason.",
        &[
            ("reason=\"evicted\"", io.tcp_evicted),
            ("reason=\"refused\"", io.tcp_refused),
            ("reason=\"buffer_budget\"", io.tcp_buffer_refusals),
        ],
    );
    let tls = core.tls_stats;
    family(
        &mut o,
        "turn_tls_handshakes_total",
        "counter",
        "TLS handshakes by outcome (timeout: not finished in time; refused: too many running).",
        &[
            ("outcome=\"ok\"", tls.handshakes),
            ("outcome=\"timeout\"", tls.timeouts),
            ("outcome=\"failed\"", tls.failures),
            ("outcome=\"refused\"", tls.refused),
        ],
    );
    family(
        &mut o,
        "turn_tls_handshakes_in_progress",
        "gauge",
        "TLS handshakes running now.",
        &[("", tls.in_progress)],
    );
    dtls_metrics(&mut o, core.dtls.as_ref());
    if let Some(f) = &core.fleet {
        fleet_metrics(&mut o, &f.stats, core.server.auth().users().fleet_len());
    }
    family(
        &mut o,
        "turn_rfc6062_connections",
        "gauge",
        "RFC 6062 peer connections held.",
        &[("", core.server.connection_count() as u64)],
    );
    user_metrics(&mut o, core);
    o
}

/// A label value with `\`, `"` and newlines escaped (text format 0.0.4).
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Bytes relayed by each user's allocations open now: the [`TOP_USERS`] most relaying with
/// a series each, the rest summed.
fn user_metrics(o: &mut String, core: &Core) {
    let mut per: std::collections::HashMap<String, (u64, u64)> = Default::default();
    core.server.for_each_usage(|_, user, _, u| {
        let e = per.entry(user.to_string()).or_default();
        e.0 += u.bytes_to_peers;
        e.1 += u.bytes_to_clients;
    });
    let mut users: Vec<(String, (u64, u64))> = per.into_iter().collect();
    users.sort_by(|a, b| {
        (b.1 .0 + b.1 .1)
            .cmp(&(a.1 .0 + a.1 .1))
            .then(a.0.cmp(&b.0))
    });
    let rest = users.split_off(users.len().min(TOP_USERS));
    let others = rest
        .iter()
        .fold((0, 0), |s, (_, (p, c))| (s.0 + p, s.1 + c));
    family(
        o,
        "turn_user_relayed_bytes_others",
        "gauge",
        "Payload bytes relayed by the open allocations of users beyond the most relaying ones.",
        &[
            ("direction=\"to_peer\"", others.0),
            ("direction=\"to_client\"", others.1),
        ],
    );
    let labels: Vec<(String, u64)> = users
        .iter()
        .flat_map(|(u, (p, c))| {
            let u = label_value(u);
            [
                (format!("user=\"{u}\",direction=\"to_peer\""), *p),
                (format!("user=\"{u}\",direction=\"to_client\""), *c),
            ]
        })
        .collect();
    let samples: Vec<(&str, u64)> = labels.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    family(
        o,
        "turn_user_relayed_bytes",
        "gauge",
        "Payload bytes relayed by each user's allocations open now, for the 20 most relaying \
         users of each relay thread (cumulative totals per user: Redis, with --redis).",
        &samples,
    );
}

fn dtls_metrics(o: &mut String, d: Option<&super::dtls::DtlsListener>) {
    let st = d.map(|d| d.stats).unwrap_or_default();
    family(
        o,
        "turn_dtls_handshakes_total",
        "counter",
        "DTLS handshakes by outcome (timeout: not finished in time, freed; refused: session \
         table full or too many handshakes running; failed: bad records, alerts).",
        &[
            ("outcome=\"ok\"", st.handshakes),
            ("outcome=\"timeout\"", st.timeouts),
            ("outcome=\"failed\"", st.failures),
            ("outcome=\"refused\"", st.refused),
        ],
    );
    family(
        o,
        "turn_dtls_handshakes_in_progress",
        "gauge",
        "DTLS handshakes running now.",
        &[("", d.map_or(0, |d| d.handshaking() as u64))],
    );
    family(
        o,
        "turn_dtls_sessions",
        "gauge",
        "DTLS sessions held (handshaking and connected).",
        &[("", d.map_or(0, |d| d.sessions() as u64))],
    );
    family(
        o,
        "turn_dtls_hello_verify_requests_total",
        "counter",
        "Stateless HelloVerifyRequests sent to DTLS clients without a cookie.",
        &[("", st.hello_verifies)],
    );
    family(
        o,
        "turn_dtls_sessions_closed_total",
        "counter",
        "DTLS sessions closed by the server, by reason (idle: silent without an allocation).",
        &[("reason=\"idle\"", st.idle_closed)],
    );
}

fn fleet_metrics(o: &mut String, f: &super::fleet::FleetStats, users: usize) {
    family(
        o,
        "turn_fleet_redis_up",
        "gauge",
        "1 when the last sync with the fleet's Redis worked; 0 while it is unreachable (the \
         users loaded last keep being served).",
        &[("", u64::from(f.up))],
    );
    family(
        o,
        "turn_fleet_users",
        "gauge",
        "Users loaded from Redis.",
        &[("", users as u64)],
    );
    family(
        o,
        "turn_fleet_syncs_total",
        "counter",
        "Syncs with Redis by outcome.",
        &[
            ("outcome=\"ok\"", f.syncs),
            ("outcome=\"failed\"", f.failures),
        ],
    );
    family(
        o,
        "turn_fleet_bad_entries_total",
        "counter",
        "Redis entries skipped (a key that is not 32 hex digits, a name or secret too long, \
         too many secrets).",
        &[("", f.bad_entries)],
    );
    family(
        o,
        "turn_fleet_quota_total",
        "counter",
        "Fleet-wide quota checks: refused (486), or unchecked (Redis down: local quota only).",
        &[
            ("outcome=\"refused\"", f.quota_refused),
            ("outcome=\"unchecked\"", f.quota_unchecked),
        ],
    );
}

/// Bind the metrics endpoint.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn user_series_only_other_shards_hold_are_appended_and_summed() {
        let a = "turn_allocations 1\nturn_user_relayed_bytes{user=\"a\"} 5\n";
        let b = "turn_allocations 1\nturn_user_relayed_bytes{user=\"b\"} 7\n";
        let c = "turn_user_relayed_bytes{user=\"a\"} 1\nturn_user_relayed_bytes{user=\"b\"} 1\n";
        let s = sum(a, &[b.to_string(), c.to_string()]);
        assert_eq!(
            s,
            "turn_allocations 2\nturn_user_relayed_bytes{user=\"a\"} 6\n\
             turn_user_relayed_bytes{user=\"b\"} 8\n"
        );
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn shards_metrics_sum_except_what_every_shard_holds_alike() {
        let a = "# HELP turn_allocations x\nturn_allocations 3\nturn_fleet_redis_up 1\n\
                 turn_fleet_users 5\nturn_dropped_total{reason=\"x\"} 1\n";
        let b = "turn_allocations 4\nturn_fleet_redis_up 0\nturn_fleet_users 5\n\
                 turn_dropped_total{reason=\"x\"} 2\nturn_unknown 9\n";
        let s = sum(a, &[b.to_string()]);
        assert_eq!(
            s,
            "# HELP turn_allocations x\nturn_allocations 7\nturn_fleet_redis_up 0\n\
             turn_fleet_users 5\nturn_dropped_total{reason=\"x\"} 3\n"
        );
    }
}
