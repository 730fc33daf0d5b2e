//! A fleet of servers on one Redis: users and REST secrets in coturn's layout, per-user
//! allocation quotas held across the fleet, and usage published.
//!
//! Keys read (coturn's, so an existing coturn database works unchanged):
//! * `turn/realm/<realm>/user/<name>/key`: 32 hex digits, MD5(name:realm:password);
//! * `turn/realm/<realm>/secret`: a set of REST shared secrets (several, for rotation).
//!
//! Keys written (ours):
//! * `p2p/turn/server/<id>`: this server is alive (expires 10 s after the last sync);
//! * `p2p/turn/usage/<id>`: a hash of this server's allocations and bytes relayed (expires
//!   30 s after the last sync);
//! * `p2p/turn/quota/<realm>/<name>`: a hash, one field per server, of `name`'s allocations;
//!   fields of servers that are no longer alive are ignored and removed;
//! * usage per user and per allocation (bytes relayed both ways): see [`super::usage`].
//!
//! Every sync (each `redis_sync` interval) loads the users and secrets and publishes usage;
//! every operation has a deadline. When Redis cannot be reached the server keeps the users
//! and secrets it loaded last (an unknown user is never let in), says so in its log and in
//! `turn_fleet_redis_up`, and enforces user quotas on its own allocations only until Redis
//! is back. An entry that does not parse is skipped and counted.

use super::state::Shared;
use super::usage::{Report, UsageBook};
use super::users::parse_hex_key;
use redis::aio::MultiplexedConnection;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;
use turn_proto::server::{AllocationUsage, MAX_SECRET, MAX_SECRETS, MAX_USERNAME};

/// A random start for allocation ids.
fn seed() -> u64 {
    let mut b = [0u8; 8];
    sansio::Entropy::fill(&mut crate::OsEntropy, &mut b);
    u64::from_le_bytes(b)
}

/// Deadline of one Redis operation (connecting, one command, one script).
const OP_TIMEOUT: Duration = Duration::from_secs(2);
/// Keys asked for per SCAN step and per MGET.
const BATCH: usize = 500;
/// Seconds a server's liveness key lasts after its last sync.
const ALIVE_SECS: u64 = 10;

/// Atomically: the user's allocations on live servers, and ours + 1 when under the quota.
/// KEYS[1] the user's quota hash; ARGV: our id, the quota, the liveness key prefix.
const RESERVE: &str = r"
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local id = fields[i]
  if id == ARGV[1] or redis.call('EXISTS', ARGV[3] .. id) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], id)
  end
end
if total >= tonumber(ARGV[2]) then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
";

/// Counters and state of the fleet connection.
#[derive(Debug, Default, Clone, Copy)]
pub struct FleetStats {
    /// Redis answered the last sync.
    pub up: bool,
    /// Syncs that worked.
    pub syncs: u64,
    /// Syncs that failed (Redis down, slow or answering garbage).
    pub failures: u64,
    /// Entries skipped: a key that is not 32 hex digits, a name or secret too long, more
    /// secrets than fit.
    pub bad_entries: u64,
    /// Allocations refused because the user's fleet-wide quota was reached (486).
    pub quota_refused: u64,
    /// Allocations let through without the fleet-wide check (Redis down: local quota only).
    pub quota_unchecked: u64,
}

/// This server's part of the fleet.
#[derive(Debug)]
pub struct Fleet {
    /// Identifies this server in the keys it writes.
    pub id: String,
    realm: String,
    quota: usize,
    /// The connection while Redis answers.
    pub conn: Option<MultiplexedConnection>,
    /// Counters.
    pub stats: FleetStats,
    /// REST secrets of the configuration (kept beside the fleet's).
    pub local_secrets: Vec<String>,
    /// This server's allocations per user.
    per_user: HashMap<String, usize>,
    /// The user of each relay, to count closes.
    relay_user: HashMap<SocketAddr, String>,
    /// Users whose quota field we may have written (cleared once a sync removed it).
    published: HashSet<String>,
    /// Users checked against the quota since the last sync began (their field may have
    /// been written after that sync's snapshot: it must not be forgotten).
    touched: HashSet<String>,
    /// What each allocation relayed and what of it was published.
    pub usage: UsageBook,
}

impl Fleet {
    /// A fleet member `id` in `realm` with a fleet-wide per-user `quota` (0: none).
    pub fn new(id: String, realm: &str, quota: usize, local_secrets: Vec<String>) -> Self {
        Fleet {
            id,
            realm: realm.into(),
            quota,
            conn: None,
            stats: FleetStats::default(),
            local_secrets,
            per_user: HashMap::new(),
            relay_user: HashMap::new(),
            published: HashSet::new(),
            touched: HashSet::new(),
            usage: UsageBook::new(seed()),
        }
    }

    /// An allocation of `user` at `relay` was created here.
    pub fn created(&mut self, relay: SocketAddr, user: &str) {
        self.usage.created(relay, user);
        *self.per_user.entry(user.to_string()).or_default() += 1;
        self.relay_user.insert(relay, user.to_string());
    }

    /// The allocation at `relay` ended having relayed `total`: our field for its user goes
    /// down at once (the next sync rewrites it from our own count anyway), so the quota
    /// frees without waiting.
    pub fn closed(&mut self, relay: SocketAddr, total: AllocationUsage) {
        self.usage.closed(relay, total);
        let Some(user) = self.relay_user.remove(&relay) else {
            return;
        };
        let left = match self.per_user.get_mut(&user) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n
            }
            None => 0,
        };
        if left == 0 {
            self.per_user.remove(&user);
        }
        let (Some(mut conn), true) = (self.conn.clone(), self.quota > 0) else {
            return;
        };
        let key = format!("p2p/turn/quota/{}/{user}", self.realm);
        let cmd = redis::cmd("HSET").arg(key).arg(&self.id).arg(left).clone();
        tokio::task::spawn_local(async move {
            let _ = query::<()>(&mut conn, &cmd).await;
        });
    }

    /// Whether an Allocate of `user` must be checked against the fleet-wide quota, and the
    /// connection and key to check it with; `None` to go on at once (no quota, or Redis
    /// down: counted as unchecked).
    pub fn quota_check(&mut self, user: &str) -> Option<(MultiplexedConnection, QuotaCheck)> {
        if self.quota == 0 {
            return None;
        }
        let Some(conn) = self.conn.clone() else {
            self.stats.quota_unchecked += 1;
            return None;
        };
        // The check writes our field: the next sync must rewrite (or clear) it even when the
        // allocation is gone by then.
        self.published.insert(user.to_string());
        self.touched.insert(user.to_string());
        Some((
            conn,
            QuotaCheck {
                key: format!("p2p/turn/quota/{}/{user}", self.realm),
                id: self.id.clone(),
                quota: self.quota,
            },
        ))
    }
}

/// One fleet-wide quota check.
#[derive(Debug)]
pub struct QuotaCheck {
    key: String,
    id: String,
    quota: usize,
}

impl QuotaCheck {
    /// `Some(true)`: under the quota (and counted); `Some(false)`: refuse with 486; `None`:
    /// Redis did not answer in time (let it through).
    pub async fn run(self, mut conn: MultiplexedConnection) -> Option<bool> {
        let script = redis::Script::new(RESERVE);
        let mut call = script.key(&self.key);
        call.arg(&self.id).arg(self.quota).arg("p2p/turn/server/");
        let r = tokio::time::timeout(OP_TIMEOUT, call.invoke_async::<i64>(&mut conn)).await;
        match r {
            Ok(Ok(n)) => Some(n >= 0),
            _ => None,
        }
    }
}

/// What a sync loaded, and which quota fields it wrote and cleared.
struct Loaded {
    users: HashMap<String, [u8; 16]>,
    secrets: Vec<String>,
    bad: u64,
    written: Vec<String>,
    cleared: Vec<String>,
    /// The usage it published.
    report: Option<Report>,
}

/// What a sync publishes.
struct Usage {
    id: String,
    realm: String,
    allocations: usize,
    bytes_to_peers: u64,
    bytes_to_clients: u64,
    per_user: Vec<(String, usize)>,
    stale: Vec<String>,
    report: Report,
}

/// Sync with Redis every `interval` until the server stops.
pub async fn run(shared: Shared, client: redis::Client, interval: Duration, max_users: usize) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let conn = shared.borrow().fleet.as_ref().and_then(|f| f.conn.clone());
        let conn = match conn {
            Some(c) => Ok(c),
            None => connect(&client).await,
        };
        let result = match conn {
            Ok(mut c) => {
                let usage = usage(&shared);
                let realm = usage.as_ref().map(|u| u.realm.clone()).unwrap_or_default();
                match sync(&mut c, &realm, usage, max_users).await {
                    Ok(l) => Ok((c, l)),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        apply(&shared, result);
    }
}

async fn connect(client: &redis::Client) -> Result<MultiplexedConnection, String> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(OP_TIMEOUT)
        .set_response_timeout(OP_TIMEOUT);
    match tokio::time::timeout(
        OP_TIMEOUT * 2,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connecting timed out".into()),
    }
}

/// This server's usage for publishing, and the users whose field to clear.
fn usage(shared: &Shared) -> Option<Usage> {
    let mut core = shared.borrow_mut();
    let stats = core.server.stats();
    let allocations = core.server.allocation_count();
    let mut live = Vec::with_capacity(allocations);
    core.server
        .for_each_usage(|_, _, relay, u| live.push((relay, u)));
    let f = core.fleet.as_mut()?;
    let report = f.usage.report(live);
    let per_user: Vec<(String, usize)> = f.per_user.iter().map(|(u, n)| (u.clone(), *n)).collect();
    let now: HashSet<String> = per_user.iter().map(|(u, _)| u.clone()).collect();
    // `published` changes only once Redis has taken the writes (see `apply`): a failed sync
    // clears nothing, so a field is never left behind.
    let stale = f.published.difference(&now).cloned().collect();
    f.touched.clear();
    Some(Usage {
        id: f.id.clone(),
        realm: f.realm.clone(),
        allocations,
        bytes_to_peers: stats.bytes_to_peers,
        bytes_to_clients: stats.bytes_to_clients,
        per_user,
        stale,
        report,
    })
}

async fn query<T: redis::FromRedisValue>(
    conn: &mut MultiplexedConnection,
    cmd: &redis::Cmd,
) -> Result<T, String> {
    match tokio::time::timeout(OP_TIMEOUT, cmd.query_async::<T>(conn)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("Redis did not answer in time".into()),
    }
}

async fn sync(
    conn: &mut MultiplexedConnection,
    realm: &str,
    usage: Option<Usage>,
    max_users: usize,
) -> Result<Loaded, String> {
    if let Some(u) = &usage {
        publish(conn, u).await?;
    }
    let mut loaded = load_users(conn, realm, max_users).await?;
    if let Some(u) = usage {
        loaded.written = u.per_user.into_iter().map(|(user, _)| user).collect();
        loaded.cleared = u.stale;
        loaded.report = Some(u.report);
    }
    let secrets: Vec<String> = query(
        conn,
        redis::cmd("SMEMBERS").arg(format!("turn/realm/{realm}/secret")),
    )
    .await?;
    for s in secrets {
        if s.is_empty() || s.len() > MAX_SECRET || loaded.secrets.len() >= MAX_SECRETS {
            loaded.bad += 1;
        } else {
            loaded.secrets.push(s);
        }
    }
    Ok(loaded)
}

async fn load_users(
    conn: &mut MultiplexedConnection,
    realm: &str,
    max_users: usize,
) -> Result<Loaded, String> {
    let prefix = format!("turn/realm/{realm}/user/");
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let scan = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*/key"))
            .arg("COUNT")
            .arg(BATCH)
            .clone();
        let (next, batch): (u64, Vec<String>) = query(conn, &scan).await?;
        keys.extend(batch);
        if keys.len() > max_users {
            return Err(format!("more than {max_users} users (--redis-max-users)"));
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let mut loaded = Loaded {
        users: HashMap::new(),
        secrets: Vec::new(),
        bad: 0,
        written: Vec::new(),
        cleared: Vec::new(),
        report: None,
    };
    for chunk in keys.chunks(BATCH) {
        let values: Vec<Option<String>> = query(conn, redis::cmd("MGET").arg(chunk)).await?;
        for (key, value) in chunk.iter().zip(values) {
            let name = key
                .strip_prefix(&prefix)
                .and_then(|k| k.strip_suffix("/key"))
                .filter(|n| !n.is_empty() && n.len() <= MAX_USERNAME && !n.contains('/'));
            match (name, value.as_deref().and_then(parse_hex_key)) {
                (Some(n), Some(k)) => {
                    loaded.users.insert(n.to_string(), k);
                }
                _ => loaded.bad += 1,
            }
        }
    }
    Ok(loaded)
}

async fn publish(conn: &mut MultiplexedConnection, u: &Usage) -> Result<(), String> {
    let mut p = redis::pipe();
    p.cmd("SET")
        .arg(format!("p2p/turn/server/{}", u.id))
        .arg(1)
        .arg("EX")
        .arg(ALIVE_SECS)
        .ignore();
    let usage_key = format!("p2p/turn/usage/{}", u.id);
    p.cmd("HSET")
        .arg(&usage_key)
        .arg("allocations")
        .arg(u.allocations)
        .arg("bytes_to_peers")
        .arg(u.bytes_to_peers)
        .arg("bytes_to_clients")
        .arg(u.bytes_to_clients)
        .ignore();
    p.cmd("EXPIRE").arg(&usage_key).arg(3 * ALIVE_SECS).ignore();
    super::usage::write(&mut p, &u.realm, &u.report);
    for (user, n) in &u.per_user {
        let key = format!("p2p/turn/quota/{}/{user}", u.realm);
        p.cmd("HSET").arg(&key).arg(&u.id).arg(n).ignore();
    }
    for user in &u.stale {
        let key = format!("p2p/turn/quota/{}/{user}", u.realm);
        p.cmd("HDEL").arg(&key).arg(&u.id).ignore();
    }
    match tokio::time::timeout(OP_TIMEOUT, p.query_async::<()>(conn)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("Redis did not answer in time".into()),
    }
}

/// Put what a sync loaded into the server, or note the failure.
fn apply(shared: &Shared, result: Result<(MultiplexedConnection, Loaded), String>) {
    let mut guard = shared.borrow_mut();
    let core = &mut *guard;
    let now = std::time::Instant::now();
    let Some(f) = core.fleet.as_mut() else {
        return;
    };
    match result {
        Ok((conn, loaded)) => {
            let was_up = f.stats.up;
            f.conn = Some(conn);
            f.stats.up = true;
            f.stats.syncs += 1;
            f.stats.bad_entries += loaded.bad;
            for user in loaded.cleared.iter().filter(|u| !f.touched.contains(*u)) {
                f.published.remove(user);
            }
            f.published.extend(loaded.written);
            if let Some(r) = &loaded.report {
                f.usage.published(r);
            }
            let mut secrets: Vec<&[u8]> = f.local_secrets.iter().map(|s| s.as_bytes()).collect();
            secrets.extend(loaded.secrets.iter().map(|s| s.as_bytes()));
            secrets.truncate(MAX_SECRETS);
            let users = loaded.users.len();
            let auth = core.server.auth_mut();
            if auth.set_rest_secrets(secrets.into_iter()).is_err() {
                f.stats.bad_entries += 1;
            }
            auth.users_mut().set_fleet(loaded.users);
            if !was_up {
                tracing::info!(
                    users,
                    secrets = loaded.secrets.len(),
                    bad = loaded.bad,
                    "Redis reachable: fleet users and secrets loaded"
                );
            }
        }
        Err(e) => {
            f.conn = None;
            f.stats.up = false;
            f.stats.failures += 1;
            let kept = core.server.auth_mut().users_mut().fleet_len();
            if let Some(suppressed) = core.logs.allow("redis_down", now) {
                tracing::warn!(
                    kept,
                    suppressed,
                    "Redis unreachable, serving the users last loaded (no new ones): {e}"
                );
            }
        }
    }
}
