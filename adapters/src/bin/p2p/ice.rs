//! `p2p ice`: connect two terminals through NATs with ICE, by copy and paste, then chat.
//!
//! Each side prints one line (`ICE1 <base64>`) holding its credentials and candidates;
//! paste it into the other terminal. Once ICE selects a pair, every line typed is sent as a
//! datagram over it and every datagram received is printed.

use crate::exit::{Failure, Outcome};
use crate::stun_client::resolve;
use adapters::{Clock, OsEntropy};
use base64::Engine;
use ice_core::{Credentials, IceAgent, IceConfig, IceEvent, IceRole, IceState};
use sansio::Path;
use sansio::{Carrier as _, SansIo as _};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;

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
fn encode_blob(agent: &Agent, lite: bool) -> String {
    let c = agent.local_credentials();
    let mut text = format!(
        "ufrag {}\npwd {}\nlite {}\n",
        c.ufrag,
        c.pwd,
        u8::from(lite)
    );
    for cand in agent.local_candidates() {
        text.push_str(&format!("{cand}\n"));
    }
    format!(
        "ICE1 {}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

struct Remote {
    creds: Credentials,
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
    let creds = Credentials::new(&u, &p).map_err(|e| bad(&e.to_string()))?;
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
    let clock = Clock::new();
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
    let role = if args.controlled {
        IceRole::Controlled
    } else {
        IceRole::Controlling
    };
    let mut agent: Agent = IceAgent::new(config, role, OsEntropy);
    let hosts = if args.host.is_empty() {
        vec![default_host()]
    } else {
        args.host.clone()
    };
    let mut sockets = Vec::new();
    for ip in hosts {
        let s = UdpSocket::bind(SocketAddr::new(ip, args.port))
            .await
            .map_err(|e| Failure::Network(format!("cannot bind {ip}:{}: {e}", args.port)))?;
        let local = s
            .local_addr()
            .map_err(|e| Failure::Network(e.to_string()))?;
        agent
            .add_host(clock.now(), local, 65535 - sockets.len() as u16)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        sockets.push((local, std::sync::Arc::new(s)));
    }
    agent.hosts_done(clock.now());
    let mut session = Session {
        agent,
        sockets,
        clock,
        lite: args.lite,
        received: 0,
        exit_after: args.exit_after,
    };
    session.run(Duration::from_secs(args.timeout)).await
}

struct Session {
    agent: Agent,
    sockets: Vec<(SocketAddr, std::sync::Arc<UdpSocket>)>,
    clock: Clock,
    lite: bool,
    received: usize,
    exit_after: usize,
}

enum Input {
    Datagram(usize, Vec<u8>, SocketAddr),
    Line(Option<String>),
    Timer,
}

impl Session {
    async fn run(&mut self, limit: Duration) -> Outcome {
        let mut stdin = BufReader::new(tokio::io::stdin()).lines();
        let mut rx = spawn_readers(&self.sockets);
        let mut printed = false;
        let mut remote_set = false;
        let mut connected = false;
        let give_up = tokio::time::Instant::now() + limit;
        loop {
            self.flush().await?;
            while let Some(ev) = self.agent.poll_event() {
                match ev {
                    IceEvent::Selected(s) => {
                        connected = true;
                        println!(
                            "connected: {} ({:?}) -> {} ({:?})",
                            s.local_addr, s.local_kind, s.remote, s.remote_kind
                        );
                    }
                    IceEvent::StateChanged(IceState::Failed) => {
                        return Err(Failure::Timeout("ICE failed: no pair works".into()))
                    }
                    IceEvent::ConsentLost(_) => {
                        eprintln!("p2p: consent lost; looking for another path")
                    }
                    _ => {}
                }
            }
            if !printed && self.gathered() {
                println!("{}", encode_blob(&self.agent, self.lite));
                println!("paste the other side's ICE1 line:");
                printed = true;
            }
            if !connected && tokio::time::Instant::now() >= give_up {
                return Err(Failure::Timeout("no ICE pair selected in time".into()));
            }
            let deadline = self
                .agent
                .poll_timeout()
                .map(|t| self.clock.to_std(t).into())
                .unwrap_or(give_up)
                .min(give_up);
            let input = self
                .next_input(&mut rx, &mut stdin, deadline, printed)
                .await?;
            let now = self.clock.now();
            match input {
                Input::Timer => self.agent.handle_timeout(now),
                Input::Line(None) => return Ok(()),
                Input::Line(Some(line)) if !remote_set => {
                    self.set_remote(&line)?;
                    remote_set = true;
                }
                Input::Line(Some(line)) => self.send(line.as_bytes()).await?,
                Input::Datagram(i, data, from) => {
                    let local = self.sockets.get(i).map(|s| s.0).unwrap_or(from);
                    if let Ok(Some(payload)) =
                        self.agent
                            .handle_datagram(now, Path::udp(local, from), &data)
                    {
                        println!("peer: {}", String::from_utf8_lossy(payload));
                        self.received += 1;
                        if self.exit_after > 0 && self.received >= self.exit_after {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    fn gathered(&self) -> bool {
        self.agent.gathering_complete()
    }

    async fn next_input(
        &self,
        rx: &mut tokio::sync::mpsc::Receiver<(usize, Vec<u8>, SocketAddr)>,
        stdin: &mut tokio::io::Lines<BufReader<tokio::io::Stdin>>,
        deadline: tokio::time::Instant,
        read_stdin: bool,
    ) -> Result<Input, Failure> {
        tokio::select! {
            d = rx.recv() => match d {
                Some((i, data, from)) => Ok(Input::Datagram(i, data, from)),
                None => Err(Failure::Network("socket closed".into())),
            },
            line = stdin.next_line(), if read_stdin => Ok(Input::Line(line.map_err(|e| Failure::Internal(e.to_string()))?)),
            _ = tokio::time::sleep_until(deadline) => Ok(Input::Timer),
        }
    }

    fn set_remote(&mut self, line: &str) -> Outcome {
        let remote = decode_blob(line)?;
        let now = self.clock.now();
        self.agent
            .set_remote_credentials(now, remote.creds, remote.lite);
        for c in &remote.candidates {
            if let Err(e) = self.agent.add_remote_candidate_line(now, c) {
                eprintln!("p2p: skipping remote candidate {c:?}: {e}");
            }
        }
        self.agent.end_of_remote_candidates(now);
        Ok(())
    }

    async fn send(&mut self, data: &[u8]) -> Outcome {
        // Room for a TURN Send indication around the payload when the pair is relayed.
        let mut out = vec![0u8; data.len() + 64];
        let now = self.clock.now();
        let t = match self.agent.send(now, (), data, &mut out) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("p2p: message dropped: {e}");
                return Ok(());
            }
        };
        self.send_on(t.path, out.get(..t.len).unwrap_or(&[])).await
    }

    async fn send_on(&self, path: Path, data: &[u8]) -> Outcome {
        let socket = self
            .sockets
            .iter()
            .find(|(a, _)| *a == path.local)
            .or(self.sockets.first());
        if let Some((_, s)) = socket {
            if let Err(e) = s.send_to(data, path.remote).await {
                tracing::debug!(to = %path.remote, "send failed: {e}");
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Outcome {
        let mut out = vec![0u8; 1500];
        while let Some(t) = self.agent.poll_transmit(self.clock.now(), &mut out) {
            let data = out.get(..t.len).unwrap_or(&[]).to_vec();
            self.send_on(t.path, &data).await?;
        }
        Ok(())
    }
}

/// Forward every datagram of every socket into one channel, tagged with the socket index.
fn spawn_readers(
    sockets: &[(SocketAddr, std::sync::Arc<UdpSocket>)],
) -> tokio::sync::mpsc::Receiver<(usize, Vec<u8>, SocketAddr)> {
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    for (i, (_, s)) in sockets.iter().enumerate() {
        let (tx, s) = (tx.clone(), s.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                match s.recv_from(&mut buf).await {
                    Ok((n, from)) => {
                        if tx
                            .send((i, buf.get(..n).unwrap_or(&[]).to_vec(), from))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    // ICMP errors surface here; keep reading.
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
                    Err(_) => return,
                }
            }
        });
    }
    rx
}
