//! TCP: client connections (STUN and ChannelData frames cut with `turn_proto::wire::frame_len`),
//! and RFC 6062 TCP relays: listening relay sockets, connections to and from peers, and the
//! splice of a peer connection with the client's data connection once it is bound.
//!
//! Writes never wait: a frame the kernel does not take at once is queued on the connection
//! (up to `MAX_QUEUED` bytes; whole frames beyond that are dropped, as UDP would) and a
//! writer task flushes the queue when the socket turns writable.

use super::ports;
use super::state::{Core, FastMap, IoStats, Shared};
use sansio::Path;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use turn_proto::server::{ConnectionId, Output, RelayRequest};
use turn_proto::wire::frame_len;

/// Bytes queued per connection before whole frames are dropped.
const MAX_QUEUED: usize = 1 << 20;
/// Largest frame accepted from a client (a ChannelData with a 64 KiB payload, padded).
const MAX_FRAME: usize = 4 + 65_536;
/// A connection without an allocation that stays silent this long is closed.
const IDLE: Duration = Duration::from_secs(30);
/// How long a connection to a peer may take (RFC 6062 §5.2 leaves it to the server).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client's TCP connection, as the other tasks see it.
#[derive(Debug)]
pub struct Stream {
    stream: Rc<TcpStream>,
    queued: Vec<u8>,
    wake: Rc<Notify>,
    writer: AbortHandle,
    /// RFC 6062: bound to this peer connection (the reader hands it over to a splice).
    bound: Option<ConnectionId>,
}

/// RFC 6062 state: listening TCP relays and peer connections.
#[derive(Debug, Default)]
pub struct TcpRelays {
    listeners: FastMap<SocketAddr, AbortHandle>,
    peers: FastMap<ConnectionId, PeerConn>,
}

#[derive(Debug)]
struct PeerConn {
    stream: Rc<TcpStream>,
    tasks: Vec<AbortHandle>,
}

/// Queue or write `data` to the client connection `path`.
pub fn write(core: &mut Core, path: &Path, data: &[u8]) {
    write_to(&mut core.streams, &mut core.io, path, data);
}

/// [`write()`] on the parts of the state it needs.
pub fn write_to(streams: &mut FastMap<Path, Stream>, io: &mut IoStats, path: &Path, data: &[u8]) {
    let Some(s) = streams.get_mut(path) else {
        return;
    };
    let mut rest = data;
    if s.queued.is_empty() {
        match s.stream.try_write(data) {
            Ok(n) => rest = data.get(n..).unwrap_or(&[]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return, // the reader sees the error and closes
        }
        if rest.is_empty() {
            return;
        }
    }
    let partial = rest.len() < data.len();
    if !partial && s.queued.len() + rest.len() > MAX_QUEUED {
        io.tcp_queue_drops += 1;
        return;
    }
    s.queued.extend_from_slice(rest);
    s.wake.notify_one();
}

/// Accept client connections on a listening socket.
pub async fn accept_loop(shared: Shared, listener: TcpListener, local: SocketAddr, max: usize) {
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(%local, "TCP accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let path = Path::tcp(local, from);
        let stream = Rc::new(stream);
        {
            let mut core = shared.borrow_mut();
            if core.streams.len() >= max {
                tracing::warn!(%from, "too many TCP connections; closing");
                continue;
            }
            let _ = stream.set_nodelay(true);
            core.io.tcp_accepted += 1;
            let wake = Rc::new(Notify::new());
            let writer = tokio::task::spawn_local(writer(
                shared.clone(),
                stream.clone(),
                path,
                wake.clone(),
            ));
            let entry = Stream {
                stream: stream.clone(),
                queued: Vec::new(),
                wake,
                writer: writer.abort_handle(),
                bound: None,
            };
            core.streams.insert(path, entry);
        }
        tracing::debug!(%from, %local, "TCP connection");
        tokio::task::spawn_local(client_conn(shared.clone(), stream, path));
    }
}

/// Flush a connection's queue whenever something is queued.
async fn writer(shared: Shared, stream: Rc<TcpStream>, path: Path, wake: Rc<Notify>) {
    loop {
        wake.notified().await;
        loop {
            if stream.writable().await.is_err() {
                return;
            }
            let mut core = shared.borrow_mut();
            let Some(s) = core.streams.get_mut(&path) else {
                return;
            };
            match s.stream.try_write(&s.queued) {
                Ok(n) => {
                    s.queued.drain(..n.min(s.queued.len()));
                    if s.queued.is_empty() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    }
}

/// What ended a client connection's reader.
enum End {
    /// Closed or failed: forget the connection (and its allocation).
    Closed,
    /// Bound to a peer connection: the splice owns it now.
    Spliced,
}

/// Read frames from a client connection and run them through the server.
async fn client_conn(shared: Shared, stream: Rc<TcpStream>, path: Path) {
    let end = read_frames(&shared, &stream, path).await;
    let mut core = shared.borrow_mut();
    if let End::Closed = end {
        if let Some(s) = core.streams.remove(&path) {
            s.writer.abort();
        }
        core.server.close_client(&path);
        core.drain_events(&shared);
        tracing::debug!(client = %path.remote, "TCP connection closed");
    }
}

async fn read_frames(shared: &Shared, stream: &TcpStream, path: Path) -> End {
    let mut buf = vec![0u8; 2 * MAX_FRAME];
    let (mut start, mut end) = (0, 0);
    loop {
        while let Ok(Some((_, len))) = frame_len(buf.get(start..end).unwrap_or(&[])) {
            if len > MAX_FRAME {
                return End::Closed;
            }
            if end - start < len {
                break;
            }
            let bound = {
                let mut core = shared.borrow_mut();
                on_frame(
                    &mut core,
                    shared,
                    path,
                    buf.get(start..start + len).unwrap_or(&[]),
                );
                core.streams.get(&path).and_then(|s| s.bound)
            };
            start += len;
            if let Some(id) = bound {
                let leftover = buf.get(start..end).unwrap_or(&[]).to_vec();
                begin_splice(shared, id, path, leftover);
                return End::Spliced;
            }
        }
        if frame_len(buf.get(start..end).unwrap_or(&[])).is_err() {
            return End::Closed; // out of sync: not STUN, not ChannelData
        }
        buf.copy_within(start..end, 0);
        (start, end) = (0, end - start);
        match read_some(shared, stream, path, buf.get_mut(end..).unwrap_or(&mut [])).await {
            Some(n) => end += n,
            None => return End::Closed,
        }
    }
}

/// Read once; `None` at end of stream, on error, or when an idle connection times out.
async fn read_some(
    shared: &Shared,
    stream: &TcpStream,
    path: Path,
    buf: &mut [u8],
) -> Option<usize> {
    loop {
        match tokio::time::timeout(IDLE, stream.readable()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return None,
            Err(_) => {
                // Silent for IDLE: keep it only if it holds an allocation.
                shared.borrow().server.relayed_address(&path)?;
                continue;
            }
        }
        match stream.try_read(buf) {
            Ok(0) => return None,
            Ok(n) => return Some(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return None,
        }
    }
}

/// One frame from a client connection.
fn on_frame(core: &mut Core, shared: &Shared, path: Path, frame: &[u8]) {
    let now = core.clock.now();
    let Core {
        server,
        out,
        relays,
        io,
        ..
    } = core;
    match server.handle_client_datagram(now, path, frame, &mut out[..]) {
        Ok(Output::Relay {
            relay,
            peer,
            payload,
            ..
        }) => {
            let sent = relays
                .get(&relay)
                .map(|r| crate::mmsg::send_one(&*r.socket, payload, peer));
            if !matches!(sent, Some(Ok(()))) {
                io.send_errors += 1;
            }
        }
        Ok(Output::Reply(t)) => core.send_out(t),
        _ => {}
    }
    core.drain_events(shared);
}

/// RFC 6062: open a listening TCP relay for `req` and accept peers on it.
pub fn open_relay(
    core: &mut Core,
    shared: &Shared,
    req: &RelayRequest,
) -> io::Result<(SocketAddr, Option<SocketAddr>)> {
    let ip = core
        .relay_ips()
        .iter()
        .copied()
        .find(|ip| ip.is_ipv6() == (req.family == turn_proto::wire::AddressFamily::V6))
        .ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, "no relay IP of that family"))?;
    let std_listener = core.ports_mut().bind_tcp(ip)?;
    let addr = std_listener.local_addr()?;
    let listener = match TcpListener::from_std(std_listener) {
        Ok(l) => l,
        Err(e) => {
            core.ports_mut().release(addr.port());
            return Err(e);
        }
    };
    let task = tokio::task::spawn_local(relay_accept(shared.clone(), listener, addr));
    core.tcp_relays.listeners.insert(addr, task.abort_handle());
    Ok((addr, None))
}

/// Peers connecting to a TCP relay: a ConnectionAttempt to the client, or a refusal.
async fn relay_accept(shared: Shared, listener: TcpListener, relay: SocketAddr) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let mut guard = shared.borrow_mut();
        let core = &mut *guard;
        let now = core.clock.now();
        let incoming = core.server.peer_connection_incoming(now, relay, peer);
        let Some(id) = incoming else {
            continue; // no permission: the stream closes as it drops
        };
        core.flush_server();
        let conn = PeerConn {
            stream: Rc::new(stream),
            tasks: Vec::new(),
        };
        core.tcp_relays.peers.insert(id, conn);
    }
}

/// RFC 6062 Connect: open a connection from `relay` to `peer`, then answer the server.
pub fn connect_peer(shared: &Shared, id: ConnectionId, relay: SocketAddr, peer: SocketAddr) {
    let shared = shared.clone();
    tokio::task::spawn_local(async move {
        let connected = match ports::tcp_from(relay) {
            Ok(sock) => match tokio::time::timeout(CONNECT_TIMEOUT, sock.connect(peer)).await {
                Ok(Ok(s)) => Ok(s),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
            },
            Err(e) => Err(e),
        };
        let mut guard = shared.borrow_mut();
        let core = &mut *guard;
        let now = core.clock.now();
        match connected {
            Ok(stream) => {
                if core.server.peer_connected(now, id) {
                    let conn = PeerConn {
                        stream: Rc::new(stream),
                        tasks: Vec::new(),
                    };
                    core.tcp_relays.peers.insert(id, conn);
                }
            }
            Err(e) => {
                tracing::debug!(%peer, "RFC 6062 connect failed: {e}");
                core.server.peer_connect_failed(now, id);
            }
        }
        core.flush_server();
        core.drain_events(&shared);
    });
}

/// The server bound `data` to connection `id`: mark it so its reader hands over.
pub fn splice(core: &mut Core, id: ConnectionId, data: Path) {
    if let Some(s) = core.streams.get_mut(&data) {
        s.bound = Some(id);
    }
}

/// Join the data connection `data` with peer connection `id`: bytes flow raw both ways.
fn begin_splice(shared: &Shared, id: ConnectionId, data: Path, leftover: Vec<u8>) {
    let mut core = shared.borrow_mut();
    let Some(s) = core.streams.remove(&data) else {
        return;
    };
    s.writer.abort();
    let Some(peer) = core.tcp_relays.peers.get_mut(&id) else {
        return; // the peer went away: dropping `s` closes the data connection
    };
    let up = tokio::task::spawn_local(pump(
        shared.clone(),
        id,
        s.stream.clone(),
        peer.stream.clone(),
        leftover,
    ));
    let down = tokio::task::spawn_local(pump(
        shared.clone(),
        id,
        peer.stream.clone(),
        s.stream,
        s.queued,
    ));
    peer.tasks.push(up.abort_handle());
    peer.tasks.push(down.abort_handle());
}

/// Copy `from` to `to` (after `initial`) until either side closes; then end the connection.
async fn pump(
    shared: Shared,
    id: ConnectionId,
    from: Rc<TcpStream>,
    to: Rc<TcpStream>,
    initial: Vec<u8>,
) {
    let _ = copy(&from, &to, &initial).await;
    let mut core = shared.borrow_mut();
    core.server.connection_closed(id);
    close_connection(&mut core, id);
}

async fn copy(from: &TcpStream, to: &TcpStream, initial: &[u8]) -> io::Result<()> {
    write_all(to, initial).await?;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        from.readable().await?;
        match from.try_read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => write_all(to, buf.get(..n).unwrap_or(&[])).await?,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(s: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        s.writable().await?;
        match s.try_write(data) {
            Ok(n) => data = data.get(n..).unwrap_or(&[]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Drop a peer connection (and the splice tasks holding its data connection).
pub fn close_connection(core: &mut Core, id: ConnectionId) {
    if let Some(p) = core.tcp_relays.peers.remove(&id) {
        p.tasks.iter().for_each(AbortHandle::abort);
    }
}

/// Stop accepting on a TCP relay; `true` if it was one.
pub fn close_relay(core: &mut Core, relay: SocketAddr) -> bool {
    match core.tcp_relays.listeners.remove(&relay) {
        Some(task) => {
            task.abort();
            true
        }
        None => false,
    }
}
