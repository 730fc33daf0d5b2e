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
use adapters::{Clock, OsEntropy};
use sansio::SansIo as _;
use sansio::{Instant, Path};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};
use turn_proto::wire::frame_len;

type Client = TurnClient<OsEntropy, 16>;

/// Options of `p2p turn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The TURN server: HOST or HOST:PORT (port 3478 by default).
    server: String,
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

/// The connection to the server: a UDP socket, or a TCP stream cut into frames.
enum Conn {
    Udp(UdpSocket),
    Tcp {
        stream: TcpStream,
        buf: Vec<u8>,
        end: usize,
    },
}

impl Conn {
    async fn send(&mut self, data: &[u8], to: SocketAddr) -> std::io::Result<()> {
        match self {
            Conn::Udp(s) => s.send_to(data, to).await.map(|_| ()),
            Conn::Tcp { stream, .. } => stream.write_all(data).await,
        }
    }

    /// The next datagram or frame, copied to the front of `into`; returns its length.
    async fn recv(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Udp(s) => s.recv(into).await,
            Conn::Tcp { stream, buf, end } => loop {
                let have = buf.get(..*end).unwrap_or(&[]);
                let bad = |e| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
                if let Some((_, len)) = frame_len(have).map_err(bad)? {
                    if len <= have.len() && len <= into.len() {
                        into.get_mut(..len)
                            .unwrap_or(&mut [])
                            .copy_from_slice(have.get(..len).unwrap_or(&[]));
                        buf.copy_within(len..*end, 0);
                        *end -= len;
                        return Ok(len);
                    }
                    if len > buf.len() {
                        return Err(bad(turn_proto::wire::FrameError::TooLarge { len }));
                    }
                }
                let n = stream.read(buf.get_mut(*end..).unwrap_or(&mut [])).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                *end += n;
            },
        }
    }
}

async fn connect(args: &Args, server: SocketAddr) -> Result<(Conn, Path), Failure> {
    let net = |e: std::io::Error| Failure::Network(format!("{server}: {e}"));
    if args.tcp {
        let stream = match args.local {
            None => TcpStream::connect(server).await,
            Some(l) => {
                let sock = if l.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()
                } else {
                    tokio::net::TcpSocket::new_v6()
                }
                .map_err(net)?;
                sock.bind(l).map_err(net)?;
                sock.connect(server).await
            }
        }
        .map_err(|e| Failure::Network(format!("cannot connect to {server}: {e}")))?;
        let _ = stream.set_nodelay(true);
        let bound = stream.local_addr().map_err(net)?;
        let conn = Conn::Tcp {
            stream,
            buf: vec![0; 70_000],
            end: 0,
        };
        Ok((conn, Path::tcp(bound, server)))
    } else {
        let (socket, bound) = crate::stun_client::bind_udp(server, args.local).await?;
        socket.connect(server).await.map_err(net)?;
        Ok((Conn::Udp(socket), Path::udp(bound, server)))
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
            let n = turn_proto::server::rest_password(secret.as_bytes(), &username, &mut pass);
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
    let server = resolve(&args.server).await?;
    let (user, pass) = credentials(&args)?;
    let (mut conn, path) = connect(&args, server).await?;
    let client = Client::new(TurnClientConfig::new(path), &user, &pass, OsEntropy)
        .map_err(|e| Failure::Usage(format!("credentials: {e}")))?;
    let limit = Duration::from_secs_f64(args.timeout);
    let mut session = Session {
        client,
        clock: Clock::new(),
        args: &args,
        sent_at: None,
        echoed: 0,
        allocated: false,
        ready: false,
    };
    tokio::time::timeout(limit, session.run(&mut conn, path))
        .await
        .map_err(|_| Failure::Timeout(session.waiting_for(server)))?
}

struct Session<'a> {
    client: Client,
    clock: Clock,
    args: &'a Args,
    sent_at: Option<Instant>,
    echoed: u32,
    allocated: bool,
    ready: bool,
}

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

    async fn run(&mut self, conn: &mut Conn, path: Path) -> Outcome {
        let net = |e: std::io::Error| Failure::Network(format!("{}: {e}", path.remote));
        self.client
            .allocate(self.clock.now())
            .map_err(|e| Failure::Internal(e.to_string()))?;
        let mut out = vec![0u8; 70_000];
        let mut inbuf = vec![0u8; 70_000];
        loop {
            let now = self.clock.now();
            while let Some(t) = self.client.poll_transmit(now, &mut out) {
                conn.send(out.get(..t.len).unwrap_or(&[]), t.path.remote)
                    .await
                    .map_err(net)?;
            }
            let mut events = 0;
            while let Some(ev) = self.client.poll_event() {
                events += 1;
                if self.on_event(ev)? {
                    return Ok(());
                }
            }
            if events > 0 {
                continue; // commands issued by the events have datagrams to send
            }
            if self.ready && self.sent_at.is_none() {
                self.send_message(conn, &mut out).await?;
                continue;
            }
            let deadline = self.client.poll_timeout().map(|t| self.clock.to_std(t));
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = conn.recv(&mut inbuf) => {
                    let n = r.map_err(net)?;
                    self.on_datagram(path, inbuf.get(..n).unwrap_or(&[]))?;
                }
                _ = sleep => self.client.handle_timeout(self.clock.now()),
            }
        }
    }

    /// Handle an event; `true` when the session is over.
    fn on_event(&mut self, ev: TurnEvent) -> Result<bool, Failure> {
        let now = self.clock.now();
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
                    self.client
                        .create_permission(now, peer.ip())
                        .map_err(internal)?;
                } else {
                    self.client.bind_channel(now, peer).map_err(internal)?;
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

    async fn send_message(&mut self, conn: &mut Conn, out: &mut [u8]) -> Outcome {
        let now = self.clock.now();
        let t = self
            .client
            .send_to(now, self.args.peer, self.args.message.as_bytes(), out)
            .map_err(|e| Failure::Internal(e.to_string()))?;
        conn.send(out.get(..t.len).unwrap_or(&[]), t.path.remote)
            .await
            .map_err(|e| Failure::Network(e.to_string()))?;
        self.sent_at = Some(now);
        Ok(())
    }

    fn on_datagram(&mut self, path: Path, data: &[u8]) -> Outcome {
        let now = self.clock.now();
        let Ok(Some(pd)) = self.client.handle_datagram(now, path, data) else {
            return Ok(());
        };
        let Some(sent) = self.sent_at else {
            return Ok(());
        };
        if pd.peer != self.args.peer || pd.data != self.args.message.as_bytes() {
            tracing::warn!(peer = %pd.peer, len = pd.data.len(), "unexpected data from a peer");
            return Ok(());
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
            self.client
                .delete(now)
                .map_err(|e| Failure::Internal(e.to_string()))?;
        } else {
            self.sent_at = None;
        }
        Ok(())
    }
}
