//! `--relay-threads N`: N shards, one thread each, sharing nothing on the relay path.
//!
//! Every shard is a whole server on its own current-thread runtime: its own UDP listening
//! sockets bound to the same addresses with `SO_REUSEPORT` (the kernel sends a client's
//! datagrams, by their 4-tuple hash, always to the same shard), its own `TurnServer`, its own
//! slice of the relay port range (a peer's datagram reaches the shard that owns the relay
//! directly) and its own share of the total quota. TCP, TLS and the metrics endpoint run on
//! shard 0 only (an RFC 6062 data connection must meet its control connection); shard 0's
//! metrics sum every shard's. A reload goes to every shard. A per-user quota across shards
//! needs the fleet's Redis (each shard is a fleet member), so `--user-quota` with more than
//! one thread requires `--redis`.

use super::{serve_shard, RunError, Settings};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

/// Which shard a server is, and where the shards' metrics meet.
#[derive(Debug, Clone)]
pub struct Shard {
    /// 0 for the shard that also runs TCP, TLS and metrics.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
    /// Each shard's latest metrics text (read by shard 0's endpoint).
    pub texts: Arc<Mutex<Vec<String>>>,
}

impl Shard {
    /// A single server: one shard.
    pub fn single() -> Self {
        Shard {
            index: 0,
            count: 1,
            texts: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

/// Shard `i`'s settings out of the server's.
pub fn shard_settings(s: &Settings, i: usize, n: usize) -> Settings {
    let mut t = s.clone();
    let (lo, hi) = (u32::from(s.ports.0), u32::from(s.ports.1));
    let size = (hi - lo + 1) / n as u32;
    let start = lo + size * i as u32;
    let end = if i + 1 == n { hi } else { start + size - 1 };
    t.ports = (
        u16::try_from(start).unwrap_or(u16::MAX),
        u16::try_from(end).unwrap_or(u16::MAX),
    );
    if s.total_quota > 0 {
        t.total_quota = s.total_quota.div_ceil(n);
    }
    if i > 0 {
        t.tcp = false;
        t.cert = None;
        t.pkey = None;
        t.metrics = None;
    }
    if n > 1 {
        t.server_name = Some(format!("{}#{i}", s.server_id()));
    }
    t
}

/// Run `settings.relay_threads` shards until `shutdown`; reloads go to every shard.
pub async fn run(
    settings: Settings,
    shutdown: impl std::future::Future,
    mut reloads: mpsc::Receiver<Settings>,
) -> Result<(), RunError> {
    settings.check()?;
    let n = settings.relay_threads;
    let texts = Arc::new(Mutex::new(vec![String::new(); n]));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut senders = Vec::new();
    let mut readies = Vec::new();
    let mut threads = Vec::new();
    for i in 1..n {
        let (tx, rx) = mpsc::channel(1);
        let (ready_tx, ready_rx) = oneshot::channel();
        senders.push(tx);
        readies.push(ready_rx);
        let shard = Shard {
            index: i,
            count: n,
            texts: texts.clone(),
        };
        let s = shard_settings(&settings, i, n);
        let stop = stop_rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("turn-shard-{i}"))
            .spawn(move || shard_thread(s, shard, rx, stop, ready_tx))
            .map_err(|e| RunError::Network(format!("cannot start a relay thread: {e}")))?;
        threads.push(spawned);
    }
    for r in readies {
        match r.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(stop(e, &stop_tx)),
            Err(_) => {
                return Err(stop(
                    RunError::Network("a relay thread died".into()),
                    &stop_tx,
                ))
            }
        }
    }
    let (tx0, rx0) = mpsc::channel(1);
    senders.push(tx0);
    tokio::spawn(async move {
        while let Some(s) = reloads.recv().await {
            for tx in &senders {
                let _ = tx.send(s.clone()).await;
            }
        }
    });
    let shard = Shard {
        index: 0,
        count: n,
        texts,
    };
    let s0 = shard_settings(&settings, 0, n);
    let local = tokio::task::LocalSet::new();
    let result = local
        .run_until(serve_shard(s0, shard, rx0, None, async {
            shutdown.await;
        }))
        .await;
    let _ = stop_tx.send(true);
    for t in threads {
        let _ = tokio::task::spawn_blocking(move || t.join()).await;
    }
    result
}

fn stop(e: RunError, tx: &watch::Sender<bool>) -> RunError {
    let _ = tx.send(true);
    e
}

/// One shard's thread: a current-thread runtime running the server until told to stop.
fn shard_thread(
    s: Settings,
    shard: Shard,
    reloads: mpsc::Receiver<Settings>,
    mut stop: watch::Receiver<bool>,
    ready: oneshot::Sender<Result<(), RunError>>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(RunError::Network(format!("runtime: {e}"))));
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let result = local.block_on(&rt, serve_shard(s, shard, reloads, Some(ready), stopped));
    if let Err(e) = result {
        tracing::warn!("relay thread stopped: {e}");
    }
}
