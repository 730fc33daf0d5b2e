//! The allocations the load runs through: one UDP socket and one TURN allocation per
//! simulated client (long-term credentials), each with a channel bound to the echo peer, made
//! by turn-proto's client driven here by hand.

use adapters::{Clock, OsEntropy};
use sansio::{Path, SansIo as _};
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::net::UdpSocket;
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};

/// A client with one peer (the echo socket).
pub type Client = TurnClient<OsEntropy, 1>;

/// Socket buffers: forced past `net.core.{r,w}mem_max` when the generator may (root or
/// CAP_NET_ADMIN), so a moment off-CPU on a busy machine does not make the generator the one
/// that loses datagrams; else the capped size.
const BUFFER: usize = 32 << 20;

/// One ready allocation.
#[derive(Debug)]
pub struct Alloc {
    /// The client's socket, connected to the server.
    pub socket: Rc<UdpSocket>,
    /// The channel bound to the echo peer.
    pub channel: u16,
    /// The TURN client (kept to delete the allocation at the end).
    pub client: Client,
    /// The relayed address the server gave.
    pub relayed: SocketAddr,
}

/// A non-blocking UDP socket on `local` with large buffers, connected to `remote` if given.
pub fn udp_socket(local: SocketAddr, remote: Option<SocketAddr>) -> Result<UdpSocket, String> {
    let err = |e: std::io::Error| format!("UDP socket on {local}: {e}");
    let s =
        Socket::new(Domain::for_address(local), Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    if adapters::mmsg::force_buffers(&s, BUFFER).is_err() {
        let _ = s.set_recv_buffer_size(BUFFER);
        let _ = s.set_send_buffer_size(BUFFER);
    }
    s.set_nonblocking(true).map_err(err)?;
    s.bind(&local.into()).map_err(err)?;
    if let Some(r) = remote {
        s.connect(&r.into()).map_err(err)?;
    }
    UdpSocket::from_std(s.into()).map_err(err)
}

/// Allocate on `server` and bind a channel to `peer`, within `limit`.
pub async fn allocate(
    server: SocketAddr,
    user: &str,
    pass: &str,
    peer: SocketAddr,
    clock: &Clock,
    limit: Duration,
) -> Result<Alloc, String> {
    let local = SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), 0);
    let socket = udp_socket(local, Some(server))?;
    let bound = socket.local_addr().map_err(|e| e.to_string())?;
    let path = Path::udp(bound, server);
    let mut client = Client::new(TurnClientConfig::new(path), user, pass, OsEntropy)
        .map_err(|e| format!("credentials: {e}"))?;
    let work = async {
        client.allocate(clock.now()).map_err(|e| e.to_string())?;
        let relayed = exchange(&mut client, &socket, path, clock, |ev| match ev {
            TurnEvent::Allocated { relayed, .. } => Some(Ok(relayed)),
            TurnEvent::AllocationFailed { code } => {
                Some(Err(format!("allocation refused: {code:?}")))
            }
            TurnEvent::TryAlternate { server } => Some(Err(format!("redirected to {server}"))),
            _ => None,
        })
        .await?;
        let channel = client
            .bind_channel(clock.now(), peer)
            .map_err(|e| e.to_string())?;
        exchange(&mut client, &socket, path, clock, |ev| match ev {
            TurnEvent::ChannelBound { .. } => Some(Ok(())),
            TurnEvent::ChannelBindFailed { code, .. } => {
                Some(Err(format!("channel refused: {code:?}")))
            }
            TurnEvent::PermissionFailed { code, .. } => {
                Some(Err(format!("permission refused: {code:?}")))
            }
            _ => None,
        })
        .await?;
        Ok::<_, String>((relayed, channel))
    };
    let (relayed, channel) = tokio::time::timeout(limit, work)
        .await
        .map_err(|_| format!("no allocation from {server} within {limit:?}"))??;
    Ok(Alloc {
        socket: Rc::new(socket),
        channel,
        client,
        relayed,
    })
}

/// Run the client's transactions until `done` picks an event.
async fn exchange<T>(
    client: &mut Client,
    socket: &UdpSocket,
    path: Path,
    clock: &Clock,
    mut done: impl FnMut(TurnEvent) -> Option<Result<T, String>>,
) -> Result<T, String> {
    let mut out = [0u8; 1500];
    let mut buf = [0u8; 1500];
    loop {
        let now = clock.now();
        while let Some(t) = client.poll_transmit(now, &mut out) {
            let bytes = out.get(..t.len).unwrap_or(&[]);
            socket.send(bytes).await.map_err(|e| format!("send: {e}"))?;
        }
        while let Some(ev) = client.poll_event() {
            if let Some(r) = done(ev) {
                return r;
            }
        }
        let wake = client.poll_timeout().map_or_else(
            || tokio::time::Instant::now() + Duration::from_secs(1),
            |t| clock.to_std(t).into(),
        );
        match tokio::time::timeout_at(wake, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => {
                let data = buf.get(..n).unwrap_or(&[]);
                let _ = client.handle_datagram(clock.now(), path, data);
            }
            Ok(Err(e)) => return Err(format!("receive: {e}")),
            Err(_) => client.handle_timeout(clock.now()),
        }
    }
}

/// Delete the allocation (best effort: one Refresh with lifetime 0, not waited for).
pub async fn release(a: &mut Alloc, clock: &Clock) {
    let now = clock.now();
    if a.client.delete(now).is_err() {
        return;
    }
    let mut out = [0u8; 1500];
    while let Some(t) = a.client.poll_transmit(now, &mut out) {
        let _ = a.socket.send(out.get(..t.len).unwrap_or(&[])).await;
    }
}
