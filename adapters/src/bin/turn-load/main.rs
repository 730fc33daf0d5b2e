//! `turn-load`: a TURN relay load generator cheap enough that the server, not the generator,
//! is what a loopback benchmark measures (coturn's `turnutils_uclient` spends about as much
//! CPU per message as the server it drives).
//!
//! It makes `--allocations` allocations on the server (long-term credentials, turn-proto's
//! client), binds a channel on each to an echo peer it runs itself (or to `--peer`, e.g.
//! coturn's `turnutils_peer`), then for each `--rates` step sends `LEN`-byte ChannelData
//! messages at that total rate for `--duration` seconds — every millisecond the messages due
//! so far leave as UDP GSO trains with `sendmmsg` — and counts the echoes with `recvmmsg`.
//! One line per rate:
//!
//! `rate=R sent=S echoed=E lost=L refused=F secs=T server_cpu_s=C server_us_per_datagram=U
//! gen_cpu_s=G gen_us_per_msg=V gen_drops=D server_drops=X server_listen_drops=Y
//! server_relay_drops=Z`
//!
//! CPU is on-CPU time of every thread (`/proc/PID/task/*/schedstat`) over the step (sending
//! and the drain after it); the server's (with `--server-pid`) is divided by the datagrams
//! it relayed (sent less those dropped on its listening socket, plus echoed: each echoed
//! message crosses the relay twice), the generator's
//! own (echo peer included) by the messages sent. `gen_drops`/`server_drops`: datagrams the
//! kernel dropped on a full receive buffer of the generator's / the server's sockets (its
//! listening port, its relays: `/proc/net/udp`), which says where a loss happened. Everything runs on one thread.
//! Exit status: 0 when every step ran, 1 on a setup failure, 2 on bad arguments.

mod drops;
mod setup;
mod traffic;

use adapters::Clock;
use clap::Parser;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};
use traffic::{Counters, Sender};

/// A TURN relay load generator (ChannelData over UDP, echoed by a peer).
#[derive(Debug, Parser)]
#[command(name = "turn-load")]
struct Args {
    /// The TURN server, IP:PORT.
    #[arg(long)]
    server: SocketAddr,
    /// Long-term credentials NAME:PASSWORD.
    #[arg(long, value_name = "NAME:PASS")]
    user: String,
    /// Allocations (one client socket each); the rate is spread evenly over them.
    #[arg(long, default_value_t = 32)]
    allocations: usize,
    /// Total offered rates in messages per second, one step each, e.g. 20000,40000.
    #[arg(long, value_delimiter = ',', default_value = "20000")]
    rates: Vec<u64>,
    /// Seconds each step sends for.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Messages sent back to back on one allocation (one GSO send); the allocations take
    /// turns.
    #[arg(long, default_value_t = 8)]
    train: usize,
    /// Payload bytes of each message.
    #[arg(long, default_value_t = 1200)]
    len: usize,
    /// An external echo peer (IP:PORT); by default the generator echoes on a socket of its own.
    #[arg(long)]
    peer: Option<SocketAddr>,
    /// Address of the generator's own echo socket.
    #[arg(long, default_value = "127.0.0.1:0")]
    echo: SocketAddr,
    /// The server's process ID: report its CPU per relayed datagram.
    #[arg(long)]
    server_pid: Option<u32>,
}

fn main() {
    let args = Args::parse();
    if args.allocations == 0
        || args.train == 0
        || args.len == 0
        || args.len > 8000
        || !(0.0..=3600.0).contains(&args.duration)
        || args.duration == 0.0
    {
        eprintln!(
            "turn-load: error: --allocations, --train, --len (1..=8000) and --duration (up to 3600 s) must be positive"
        );
        std::process::exit(2);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("turn-load: error: runtime: {e}");
            std::process::exit(1);
        }
    };
    let local = tokio::task::LocalSet::new();
    if let Err(e) = local.block_on(&rt, run(args)) {
        eprintln!("turn-load: error: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let (user, pass) = args
        .user
        .split_once(':')
        .ok_or_else(|| format!("--user {:?} is not NAME:PASSWORD", args.user))?;
    let clock = Clock::new();
    let mut sockets = drops::Sockets {
        ours: Default::default(),
        listen: args.server,
        relays: Default::default(),
    };
    let peer = match args.peer {
        Some(p) => p,
        None => {
            let socket = Rc::new(setup::udp_socket(args.echo, None)?);
            let addr = socket.local_addr().map_err(|e| e.to_string())?;
            sockets.ours.insert(addr);
            tokio::task::spawn_local(traffic::echo(socket));
            addr
        }
    };
    let counters = Rc::new(Counters::default());
    let mut allocs = Vec::with_capacity(args.allocations);
    for _ in 0..args.allocations {
        let a = setup::allocate(
            args.server,
            user,
            pass,
            peer,
            &clock,
            Duration::from_secs(5),
        )
        .await?;
        tokio::task::spawn_local(traffic::receive(a.socket.clone(), counters.clone()));
        sockets.ours.extend(a.socket.local_addr().ok());
        sockets.relays.insert(a.relayed);
        allocs.push(a);
    }
    let mut senders: Vec<Sender> = allocs
        .iter()
        .map(|a| Sender::new(a.socket.clone(), args.server, a.channel, args.len))
        .collect();
    println!(
        "# turn-load: {} allocations on {} (relays {}..), echo peer {peer}, {} B payloads, {} s per rate",
        allocs.len(),
        args.server,
        allocs.first().map_or_else(String::new, |a| a.relayed.to_string()),
        args.len,
        args.duration
    );
    for (i, &rate) in args.rates.iter().enumerate() {
        let step = u8::try_from(i % 250 + 1).unwrap_or(1);
        let line = one_rate(&args, &mut senders, &counters, &sockets, rate, step).await;
        println!("{line}");
    }
    for a in &mut allocs {
        setup::release(a, &clock).await;
    }
    Ok(())
}

/// One step: send at `rate`, wait for the echoes to stop, report.
async fn one_rate(
    args: &Args,
    senders: &mut [Sender],
    counters: &Counters,
    sockets: &drops::Sockets,
    rate: u64,
    step: u8,
) -> String {
    counters.step.set(step);
    counters.echoed.set(0);
    counters.last.set(None);
    let server0 = args.server_pid.map(cpu_ns);
    let gen0 = cpu_ns_self();
    let drops0 = drops::read(sockets);
    let start = Instant::now();
    let sent = traffic::paced(
        senders,
        rate,
        Duration::from_secs_f64(args.duration),
        step,
        args.train,
    )
    .await;
    let secs = start.elapsed().as_secs_f64();
    drain(counters, sent.sent).await;
    let server_ns = args
        .server_pid
        .map(cpu_ns)
        .zip(server0)
        .map(|(b, a)| b.saturating_sub(a));
    let gen_ns = cpu_ns_self().saturating_sub(gen0);
    let drops = drops::read(sockets).since(drops0);
    let echoed = counters.echoed.get();
    let lost = sent.sent.saturating_sub(echoed + sent.refused);
    // Datagrams the server relayed: those that reached it from the clients (not dropped on
    // its listening socket) and the echoes that came back through it.
    let relayed = (sent.sent - sent.refused)
        .saturating_sub(drops.listen)
        .saturating_add(echoed)
        .max(1);
    let server = server_ns.map_or_else(
        || "server_cpu_s=- server_us_per_datagram=-".to_string(),
        |ns| {
            format!(
                "server_cpu_s={:.3} server_us_per_datagram={:.2}",
                ns as f64 / 1e9,
                ns as f64 / 1e3 / relayed as f64
            )
        },
    );
    format!(
        "rate={rate} sent={} echoed={echoed} lost={lost} refused={} secs={secs:.2} {server} gen_cpu_s={:.3} gen_us_per_msg={:.2} gen_drops={} server_drops={} server_listen_drops={} server_relay_drops={}",
        sent.sent,
        sent.refused,
        gen_ns as f64 / 1e9,
        gen_ns as f64 / 1e3 / sent.sent.max(1) as f64,
        drops.ours,
        drops.listen + drops.relays,
        drops.listen,
        drops.relays,
    )
}

/// Wait until every message came back, or no echo arrived for 300 ms (3 s at most).
async fn drain(counters: &Counters, sent: u64) {
    let begin = Instant::now();
    let quiet = Duration::from_millis(300);
    while counters.echoed.get() < sent && begin.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let last = counters.last.get().unwrap_or(begin);
        if last.elapsed() > quiet && begin.elapsed() > quiet {
            break;
        }
    }
}

/// On-CPU nanoseconds of every thread of `pid` so far (0 when unreadable).
fn cpu_ns(pid: u32) -> u64 {
    schedstat_sum(&format!("/proc/{pid}/task"))
}

fn cpu_ns_self() -> u64 {
    schedstat_sum("/proc/self/task")
}

fn schedstat_sum(dir: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir(dir) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
        })
        .sum()
}
