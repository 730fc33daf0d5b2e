//! `p2p turn SERVER --user NAME:PASS --peer IP:PORT`: allocate a relay, install a permission
//! and bind a channel to the peer (or use Send indications), send messages to the peer
//! through the relay, print each echo, then delete the allocation.
//!
//! Prints `relayed ADDR`, `mapped ADDR`, then one `echo N: BYTES bytes from PEER via
//! channel|indication in MS ms` line per echoed message. Exit codes as `p2p`'s: 3 when the
//! server or the echo does not answer, 4 for socket trouble, 5 when the server refuses
//! (wrong credentials, denied peer).

use crate::exit::{Failure, Outcome};
use crate::stun_client::resolve;
use adapters::driver::{Driver, Input};
use adapters::OsEntropy;
use sansio::Carrier as _;
use sansio::{Instant, Path};
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;
use tokio::sync::mpsc;
use turn_proto::client::{PeerData, TurnClient, TurnClientConfig, TurnEvent};

type Client = TurnClient<OsEntropy, 16>;

/// Options of `p2p turn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The TURN server: HOST or HOST:PORT (port 3478 by default, 5349 with --tls).
    pub server: String,
    /// Long-term credentials NAME:PASSWORD; with --rest-secret, just NAME.
    #[arg(long, value_name = "NAME[:PASS]")]
    user: String,
    /// Make TURN REST API credentials with this shared secret: username `EXPIRY:NAME`,
    /// password base64(HMAC-SHA1(secret, username)).
    #[arg(long, value_name = "SECRET")]
    rest_secret: Option<String>,
    /// Seconds from now until the REST credentials expire (negative: already expired).
    #[arg(long, default_value_t = 3600, allow_negative_numbers = true)]
    rest_ttl: i64,
    /// The peer to send to (an echo server), IP:PORT.
    #[arg(long)]
    peer: SocketAddr,
    /// Talk to the server over TCP instead of UDP.
    #[arg(long)]
    tcp: bool,
    /// Talk to the server over TLS (`turns:`, port 5349 unless given); its certificate must
    /// chain to --ca and name the server as given.
    #[arg(long, conflicts_with = "tcp")]
    pub tls: bool,
    /// PEM file of the certificate authorities trusted with --tls.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/etc/ssl/certs/ca-certificates.crt"
    )]
    pub ca: std::path::PathBuf,
    /// Send Send indications instead of binding a channel.
    #[arg(long)]
    send_indication: bool,
    /// The message to send.
    #[arg(long, default_value = "hello through the relay")]
    message: String,
    /// How many times to send it (each waits for its echo).
    #[arg(long, default_value_t = 1)]
    count: u32,
    /// Local address to send from.
    #[arg(long)]
    local: Option<SocketAddr>,
    /// Give up after this many seconds in all.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

/// The path to the server: a connected UDP socket, or a TCP connection whose frames the
/// driver cuts.
async fn connect(d: &mut Driver<Client>, args: &Args, server: SocketAddr) -> Result<Path, Failure> {
    if !args.tcp && !args.tls {
        let local = args
            .local
            .unwrap_or_else(|| SocketAddr::new(unspecified_ip(server), 0));
        let bound = d
            .ctx()
            .bind_udp_connected(local, server)
            .map_err(|e| Failure::Network(format!("cannot bind {local}: {e}")))?;
        return Ok(Path::udp(bound, server));
    }
    let target = if args.tls {
        let limit = Duration::from_secs_f64(args.timeout);
        match tokio::time::timeout(limit, crate::tls_client::bridge(args, server)).await {
            Ok(r) => r?,
            Err(_) => return Err(Failure::Timeout(format!("no TLS handshake with {server}"))),
        }
    } else {
        server
    };
    d.ctx()
        .connect_tcp(args.local.filter(|_| !args.tls), target);
    d.run(None::<mpsc::Receiver<()>>, |_, input| match input {
        Input::Connected(p) => ControlFlow::Break(Ok(p)),
        Input::ConnectFailed(_, e) => ControlFlow::Break(Err(Failure::Network(format!(
            "cannot connect to {server}: {e}"
        )))),
        _ => ControlFlow::Continue(()),
    })
    .await
    .map_err(|e| Failure::Internal(e.to_string()))?
}

fn unspecified_ip(server: SocketAddr) -> std::net::IpAddr {
    if server.is_ipv4() {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    }
}

fn credentials(args: &Args) -> Result<(String, String), Failure> {
    match &args.rest_secret {
        Some(secret) => {
            let name = args.user.split(':').next().unwrap_or("p2p");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let expiry = i64::try_from(now.as_secs())
                .unwrap_or(i64::MAX)
                .saturating_add(args.rest_ttl);
            let username = format!("{}:{name}", expiry.max(0));
            let mut pass = [0u8; 28];
            let n = turn_proto::rest::password(secret.as_bytes(), &username, &mut pass);
            let pass = String::from_utf8_lossy(pass.get(..n).unwrap_or(&[])).to_string();
            Ok((username, pass))
        }
        None => match args.user.split_once(':') {
            Some((u, p)) => Ok((u.to_string(), p.to_string())),
            None => Err(Failure::Usage(format!(
                "--user {:?} is not NAME:PASSWORD",
                args.user
            ))),
        },
    }
}

pub async fn run(args: Args) -> Outcome {
    if args.timeout.is_nan() || args.timeout <= 0.0 {
        return Err(Failure::Usage("--timeout must be positive".into()));
    }
    let mut server = match args.tls {
        true => crate::stun_client::resolve_with_port(&args.server, 5349).await?,
        false => resolve(&args.server).await?,
    };
    let (user, pass) = credentials(&args)?;
    // 300 Try Alternate: start over on the server it names, a few times at most.
    for _ in 0..=MAX_REDIRECTS {
        match attempt(&args, server, &user, &pass).await? {
            Some(alternate) => {
                println!("redirected to {alternate}");
                server = alternate;
            }
            None => return Ok(()),
        }
    }
    Err(Failure::Refused(format!(
        "more than {MAX_REDIRECTS} redirections (300 Try Alternate)"
    )))
}

/// Most 300 Try Alternate answers `p2p turn` follows.
const MAX_REDIRECTS: usize = 3;

/// One server: the session's outcome, or the alternate server it was sent to.
async fn attempt(
    args: &Args,
    server: SocketAddr,
    user: &str,
    pass: &str,
) -> Result<Option<SocketAddr>, Failure> {
    // The client needs the path, the path needs a socket: start with a placeholder path and
    // the real client once the socket is bound.
    let placeholder = Path::udp(server, server);
    let make = |path| {
        Client::new(TurnClientConfig::new(path), user, pass, OsEntropy)
            .map_err(|e| Failure::Usage(format!("credentials: {e}")))
    };
    let mut d = Driver::new(make(placeholder)?);
    let path = connect(&mut d, args, server).await?;
    *d.ctx().machine() = make(path)?;
    let mut session = Session {
        args,
        sent_at: None,
        echoed: 0,
        allocated: false,
        ready: false,
        redirect: None,
    };
    let now = d.ctx().now();
    d.ctx()
        .machine()
        .allocate(now)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let run = d.run(None::<mpsc::Receiver<()>>, |ctx, input| {
        session.on(ctx, input)
    });
    let limit = Duration::from_secs_f64(args.timeout);
    let outcome = match tokio::time::timeout(limit, run).await {
        Ok(r) => r.map_err(|e| Failure::Network(format!("{server}: {e}")))?,
        Err(_) => Err(Failure::Timeout(session.waiting_for(server))),
    };
    if outcome.is_err() && session.allocated {
        delete_quietly(&mut d).await;
    }
    outcome.map(|()| session.redirect)
}

/// Failing after the allocation exists: delete it rather than leave it to expire (its relay
/// port and the user's quota would be held for minutes). Waits a second at most.
async fn delete_quietly(d: &mut Driver<Client>) {
    let now = d.ctx().now();
    if d.ctx().machine().delete(now).is_err() {
        return;
    }
    let wait = d.run(None::<mpsc::Receiver<()>>, |_, input| match input {
        Input::Event(TurnEvent::Deleted) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    match tokio::time::timeout(Duration::from_secs(1), wait).await {
        Ok(Ok(())) => tracing::debug!("allocation deleted after the failure"),
        _ => tracing::debug!("the allocation could not be deleted; it will expire"),
    }
}

struct Session<'a> {
    args: &'a Args,
    sent_at: Option<Instant>,
    echoed: u32,
    allocated: bool,
    ready: bool,
    /// Where a 300 Try Alternate sent us.
    redirect: Option<SocketAddr>,
}

type Ctx<'c> = adapters::driver::Ctx<'c, Client>;

impl Session<'_> {
    fn waiting_for(&self, server: SocketAddr) -> String {
        if !self.allocated {
            format!("no allocation from {server} in time")
        } else if !self.ready {
            format!("{server} did not confirm the permission or channel in time")
        } else {
            format!(
                "no echo from {} through {server} (sent {}, echoed {})",
                self.args.peer,
                self.echoed + 1,
                self.echoed
            )
        }
    }

    /// One input from the driver; `Break` ends the session.
    fn on(&mut self, ctx: &mut Ctx<'_>, input: Input<'_, Client, ()>) -> ControlFlow<Outcome> {
        let step = match input {
            Input::Event(ev) => self.on_event(ctx, ev),
            Input::Data(_, pd) => self.on_data(ctx, pd),
            Input::Unreachable(p) => Err(Failure::Network(format!(
                "{} refused the datagram (no TURN server listening?)",
                p.remote
            ))),
            Input::Closed(p) => Err(Failure::Network(format!(
                "{} closed the connection",
                p.remote
            ))),
            _ => Ok(false),
        };
        match step {
            Ok(true) => ControlFlow::Break(Ok(())),
            Ok(false) => match self.maybe_send(ctx) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => ControlFlow::Break(Err(e)),
            },
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }

    /// Handle an event; `true` when the session is over.
    fn on_event(&mut self, ctx: &mut Ctx<'_>, ev: TurnEvent) -> Result<bool, Failure> {
        let now = ctx.now();
        let client = ctx.machine();
        let peer = self.args.peer;
        let internal = |e: turn_proto::client::CommandError| Failure::Internal(e.to_string());
        match ev {
            TurnEvent::Allocated {
                relayed, mapped, ..
            } => {
                self.allocated = true;
                println!("relayed {relayed}");
                if let Some(m) = mapped {
                    println!("mapped {m}");
                }
                if self.args.send_indication {
                    client.create_permission(now, peer.ip()).map_err(internal)?;
                } else {
                    client.bind_channel(now, peer).map_err(internal)?;
                }
            }
            TurnEvent::AllocationFailed { code } => {
                return Err(match code {
                    Some(c) => {
                        Failure::Refused(format!("allocation refused: {} {}", c.code(), c.reason()))
                    }
                    None => Failure::Timeout("the server did not answer the Allocate".into()),
                })
            }
            TurnEvent::TryAlternate { server } => {
                self.redirect = Some(server);
                return Ok(true);
            }
            TurnEvent::PermissionCreated { .. } if self.args.send_indication => self.ready = true,
            TurnEvent::ChannelBound { .. } => self.ready = true,
            TurnEvent::PermissionFailed { code, .. }
            | TurnEvent::ChannelBindFailed { code, .. } => {
                let code = code.map_or("no answer".to_string(), |c| {
                    format!("{} {}", c.code(), c.reason())
                });
                return Err(Failure::Refused(format!("peer {peer} refused: {code}")));
            }
            TurnEvent::Deleted => return Ok(true),
            other => tracing::debug!(?other, "TURN event"),
        }
        Ok(false)
    }

    /// Send the next message once the path to the peer is ready and the last one echoed.
    fn maybe_send(&mut self, ctx: &mut Ctx<'_>) -> Outcome {
        if !self.ready || self.sent_at.is_some() || self.echoed >= self.args.count {
            return Ok(());
        }
        let now = ctx.now();
        let mut out = vec![0u8; self.args.message.len() + 64];
        let t = ctx
            .machine()
            .send(now, self.args.peer, self.args.message.as_bytes(), &mut out)
            .map_err(|e| Failure::Internal(e.to_string()))?;
        ctx.send(t.path, out.get(..t.len).unwrap_or(&[]));
        self.sent_at = Some(now);
        Ok(())
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, pd: PeerData<'_>) -> Result<bool, Failure> {
        let now = ctx.now();
        let Some(sent) = self.sent_at else {
            return Ok(false);
        };
        if pd.peer != self.args.peer || pd.data != self.args.message.as_bytes() {
            tracing::warn!(peer = %pd.peer, len = pd.data.len(), "unexpected data from a peer");
            return Ok(false);
        }
        self.echoed += 1;
        let via = match pd.channel {
            Some(c) => format!("channel 0x{c:04x}"),
            None => "indication".to_string(),
        };
        let ms = now.saturating_duration_since(sent).as_secs_f64() * 1e3;
        println!(
            "echo {}: {} bytes from {} via {via} in {ms:.2} ms",
            self.echoed,
            pd.data.len(),
            pd.peer
        );
        if self.echoed >= self.args.count {
            ctx.machine()
                .delete(now)
                .map_err(|e| Failure::Internal(e.to_string()))?;
        } else {
            self.sent_at = None;
        }
        Ok(false)
    }
}
