//! `p2p ice`: connect two terminals through NATs with ICE, by copy and paste, then chat.
//!
//! Each side prints one line (`ICE1 <base64>`) holding its credentials and candidates;
//! paste it into the other terminal. Once ICE selects a pair, every line typed is sent as a
//! datagram over it and every datagram received is printed.
//!
//! Typing `/restart` restarts ICE (RFC 8445 §9): new credentials, a new `ICE1` line to paste
//! into the other side, which answers with its own new line (a side that receives a line with
//! new credentials restarts too). Data keeps flowing on the old pair until a new one is
//! selected. Role changes (after a role conflict) are printed as `role: controlled|controlling`.

use crate::exit::{Failure, Outcome};
use crate::stun_client::resolve;
use adapters::driver::{Driver, Input};
use adapters::OsEntropy;
use base64::Engine;
use ice_core::{
    IceAgent, IceConfig, IceCredentials, IceEvent, IceRole, IceState, TurnServerConfig,
};
use sansio::Carrier as _;
use std::net::{IpAddr, SocketAddr};
use std::ops::ControlFlow;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

type Agent = IceAgent<OsEntropy, 16, 64, 16>;

/// Options of `p2p ice`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Local IP to gather a host candidate on (repeatable). Default: the address of the
    /// interface holding the default route.
    #[arg(long)]
    host: Vec<IpAddr>,
    /// UDP port for the host candidates (0: any).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// STUN server for a server-reflexive candidate (repeatable), e.g. stun.example.org:3478.
    #[arg(long)]
    stun: Vec<String>,
    /// TURN server (UDP) for a relayed candidate, e.g. turn.example.org:3478 (up to 2).
    #[arg(long)]
    turn: Vec<String>,
    /// Long-term credentials NAME:PASSWORD for the --turn servers.
    #[arg(long, value_name = "NAME:PASS")]
    turn_user: Option<String>,
    /// Use relayed candidates only (like a browser's `iceTransportPolicy: "relay"`).
    #[arg(long)]
    relay_only: bool,
    /// Start as the controlled agent (by default both start controlling and ICE's role
    /// conflict resolution picks one).
    #[arg(long)]
    controlled: bool,
    /// Run as an ICE-lite agent.
    #[arg(long)]
    lite: bool,
    /// Give up if no pair is selected within this many seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Exit after receiving this many chat messages (for scripts; 0: run until stdin ends).
    #[arg(long, default_value_t = 0)]
    exit_after: usize,
}

/// The one-line blob carrying credentials and candidates.
fn encode_blob(agent: &Agent, lite: bool, relay_only: bool) -> String {
    let c = agent.local_credentials();
    let mut text = format!(
        "ufrag {}\npwd {}\nlite {}\n",
        c.ufrag,
        c.pwd,
        u8::from(lite)
    );
    // Under the relay-only policy only relayed candidates are offered (as a browser with
    // `iceTransportPolicy: "relay"` does).
    for cand in agent
        .local_candidates()
        .iter()
        .filter(|c| !relay_only || c.kind == ice_core::CandidateKind::Relayed)
    {
        text.push_str(&format!("{cand}\n"));
    }
    format!(
        "ICE1 {}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

struct Remote {
    creds: IceCredentials,
    lite: bool,
    candidates: Vec<String>,
}

fn decode_blob(line: &str) -> Result<Remote, Failure> {
    let bad = |why: &str| {
        Failure::Usage(format!(
            "not a p2p ICE line ({why}); paste the whole ICE1 line"
        ))
    };
    let b64 = line
        .trim()
        .strip_prefix("ICE1 ")
        .ok_or_else(|| bad("no ICE1 prefix"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| bad("bad base64"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let (mut ufrag, mut pwd, mut lite, mut candidates) = (None, None, false, Vec::new());
    for l in text.lines() {
        if let Some(v) = l.strip_prefix("ufrag ") {
            ufrag = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("pwd ") {
            pwd = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("lite ") {
            lite = v == "1";
        } else if !l.trim().is_empty() {
            candidates.push(l.to_string());
        }
    }
    let (Some(u), Some(p)) = (ufrag, pwd) else {
        return Err(bad("no credentials"));
    };
    let creds = IceCredentials::new(&u, &p).map_err(|e| bad(&e.to_string()))?;
    Ok(Remote {
        creds,
        lite,
        candidates,
    })
}

/// The IP of the interface with the default route (a UDP `connect` sends nothing).
fn default_host() -> IpAddr {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").and_then(|s| {
        s.connect("192.0.2.1:9")?;
        s.local_addr()
    });
    probe
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

pub async fn run(args: Args) -> Outcome {
    let mut config = IceConfig {
        lite: args.lite,
        ..IceConfig::default()
    };
    for s in &args.stun {
        let addr = resolve(s).await?;
        config
            .stun_servers
            .push(addr)
            .map_err(|_| Failure::Usage("at most 4 --stun servers".into()))?;
    }
    add_turn_servers(&mut config, &args).await?;
    config.relay_only = args.relay_only;
    let role = if args.controlled {
        IceRole::Controlled
    } else {
        IceRole::Controlling
    };
    let mut d = Driver::new(Agent::new(config, role, OsEntropy));
    let hosts = if args.host.is_empty() {
        vec![default_host()]
    } else {
        args.host.clone()
    };
    for (i, ip) in hosts.into_iter().enumerate() {
        let mut ctx = d.ctx();
        let local = ctx
            .bind_udp(SocketAddr::new(ip, args.port))
            .map_err(|e| Failure::Network(format!("cannot bind {ip}:{}: {e}", args.port)))?;
        let now = ctx.now();
        ctx.machine()
            .add_host(now, local, 65535 - i as u16)
            .map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let now = d.ctx().now();
    d.ctx().machine().hosts_done(now);
    let (tx, rx) = mpsc::channel(16);
    spawn_stdin(tx.clone());
    let limit = Duration::from_secs(args.timeout);
    tokio::spawn(async move {
        tokio::time::sleep(limit).await;
        let _ = tx.send(Line::GiveUp).await;
    });
    let mut session = Session {
        lite: args.lite,
        relay_only: args.relay_only,
        received: 0,
        exit_after: args.exit_after,
        printed: false,
        remote_set: false,
        connected: false,
        early: None,
    };
    d.run(Some(rx), |ctx, input| session.on(ctx, input))
        .await
        .map_err(|e| Failure::Network(e.to_string()))?
}

/// `--turn` servers with `--turn-user`'s credentials.
async fn add_turn_servers(config: &mut IceConfig, args: &Args) -> Outcome {
    if args.turn.is_empty() {
        return Ok(());
    }
    let user = args
        .turn_user
        .as_deref()
        .ok_or_else(|| Failure::Usage("--turn needs --turn-user NAME:PASS".into()))?;
    let (name, pass) = user
        .split_once(':')
        .ok_or_else(|| Failure::Usage(format!("--turn-user {user:?} is not NAME:PASS")))?;
    for t in &args.turn {
        let addr = resolve(t.strip_prefix("turn:").unwrap_or(t)).await?;
        let entry = TurnServerConfig::new(addr, name, pass)
            .ok_or_else(|| Failure::Usage("TURN credentials longer than 128 bytes".into()))?;
        config
            .turn_servers
            .push(entry)
            .map_err(|_| Failure::Usage("at most 2 --turn servers".into()))?;
    }
    Ok(())
}

/// What the terminal (or the give-up timer) hands the session.
enum Line {
    Text(String),
    Eof,
    GiveUp,
}

fn spawn_stdin(tx: mpsc::Sender<Line>) {
    tokio::spawn(async move {
        let mut stdin = BufReader::new(tokio::io::stdin()).lines();
        loop {
            let line = match stdin.next_line().await {
                Ok(Some(l)) => Line::Text(l),
                _ => Line::Eof,
            };
            let eof = matches!(line, Line::Eof);
            if tx.send(line).await.is_err() || eof {
                return;
            }
        }
    });
}

struct Session {
    lite: bool,
    relay_only: bool,
    received: usize,
    exit_after: usize,
    printed: bool,
    remote_set: bool,
    connected: bool,
    /// The peer's line, read before ours was printed.
    early: Option<String>,
}

type Ctx<'c> = adapters::driver::Ctx<'c, Agent>;

impl Session {
    /// One input from the driver; `Break` ends the program.
    fn on(&mut self, ctx: &mut Ctx<'_>, input: Input<'_, Agent, Line>) -> ControlFlow<Outcome> {
        let r = match input {
            Input::Event(ev) => self.on_event(ev),
            Input::Data(_, payload) => self.on_data(payload),
            Input::Command(Line::Text(line)) => self.on_line(ctx, line),
            Input::Command(Line::Eof) => Ok(true),
            Input::Command(Line::GiveUp) if !self.connected => {
                Err(Failure::Timeout("no ICE pair selected in time".into()))
            }
            _ => Ok(false),
        };
        let r = r.and_then(|done| {
            if !self.printed && ctx.machine().gathering_complete() {
                println!("{}", encode_blob(ctx.machine(), self.lite, self.relay_only));
                println!("paste the other side's ICE1 line:");
                self.printed = true;
                if let Some(line) = self.early.take() {
                    let now = ctx.now();
                    self.set_remote(ctx.machine(), now, &line)?;
                    self.remote_set = true;
                }
            }
            Ok(done)
        });
        match r {
            Ok(false) => ControlFlow::Continue(()),
            Ok(true) => ControlFlow::Break(Ok(())),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }

    fn on_event(&mut self, ev: IceEvent) -> Result<bool, Failure> {
        match ev {
            IceEvent::Selected(s) => {
                self.connected = true;
                println!(
                    "connected: {} ({:?}) -> {} ({:?})",
                    s.local_addr, s.local_kind, s.remote, s.remote_kind
                );
            }
            IceEvent::StateChanged(IceState::Failed) => {
                return Err(Failure::Timeout("ICE failed: no pair works".into()))
            }
            IceEvent::ConsentLost(_) => eprintln!("p2p: consent lost; looking for another path"),
            IceEvent::RoleChanged(r) => println!(
                "role: {}",
                match r {
                    IceRole::Controlling => "controlling",
                    IceRole::Controlled => "controlled",
                }
            ),
            _ => {}
        }
        Ok(false)
    }

    fn on_data(&mut self, payload: &[u8]) -> Result<bool, Failure> {
        println!("peer: {}", String::from_utf8_lossy(payload));
        self.received += 1;
        Ok(self.exit_after > 0 && self.received >= self.exit_after)
    }

    /// A line typed (or piped) in: the peer's ICE1 line, `/restart`, or chat once connected.
    fn on_line(&mut self, ctx: &mut Ctx<'_>, line: String) -> Result<bool, Failure> {
        let signaling = line.starts_with("ICE1 ") || (!self.remote_set && !self.connected);
        if line.trim() == "/restart" {
            self.restart(ctx);
        } else if signaling && !self.printed {
            // Read ahead of our own line (a script pasted early): keep it until then.
            self.early = Some(line);
        } else if signaling && !self.remote_set {
            let now = ctx.now();
            self.set_remote(ctx.machine(), now, &line)?;
            self.remote_set = true;
        } else if signaling {
            self.on_new_remote(ctx, &line);
        } else {
            send(ctx, line.as_bytes());
        }
        Ok(false)
    }

    /// `/restart`: new credentials; our new line is printed once the candidates are re-listed
    /// and the peer's new line is expected. `connected` stays: the old pair carries data
    /// until a new one is selected.
    fn restart(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        ctx.machine().restart(now);
        self.printed = false;
        self.remote_set = false;
    }

    /// A new line from the peer once its line was applied: the peer restarted, so we
    /// restart too; its line is applied once our candidates are re-listed, as at start.
    fn on_new_remote(&mut self, ctx: &mut Ctx<'_>, line: &str) {
        self.restart(ctx);
        self.early = Some(line.to_string());
    }

    fn set_remote(&mut self, agent: &mut Agent, now: sansio::Instant, line: &str) -> Outcome {
        let remote = decode_blob(line)?;
        agent.set_remote_credentials(now, remote.creds, remote.lite);
        for c in &remote.candidates {
            if let Err(e) = agent.add_remote_candidate_line(now, c) {
                eprintln!("p2p: skipping remote candidate {c:?}: {e}");
            }
        }
        agent.end_of_remote_candidates(now);
        Ok(())
    }
}

/// Send a line over the selected pair.
fn send(ctx: &mut Ctx<'_>, data: &[u8]) {
    // Room for a TURN Send indication around the payload when the pair is relayed.
    let mut out = vec![0u8; data.len() + 64];
    let now = ctx.now();
    match ctx.machine().send(now, (), data, &mut out) {
        Ok(t) => ctx.send(t.path, out.get(..t.len).unwrap_or(&[])),
        Err(e) => eprintln!("p2p: message dropped: {e}"),
    }
}
