//! TCP: client connections (STUN and ChannelData frames cut by [`FrameReader`]), and RFC 6062
//! TCP relays: listening relay sockets, connections to and from peers, and the splice of a
//! peer connection with the client's data connection once it is bound.
//!
//! Bounds, so that a few hosts cannot take the TCP side down (see `docs/reliability.md`):
//! * a frame must be complete within the frame deadline once its first byte arrived (a
//!   client trickling one byte every few seconds is closed), and a connection without an
//!   allocation may stay silent for the idle timeout;
//! * read buffers start at 1.5 KiB and grow only as a long frame's bytes arrive (never past
//!   the per-connection cap); send queues hold at most the cap; what all connections hold
//!   beyond their idle buffers comes from one [`BufferBudget`];
//! * when the connection table is full, a new connection closes the connection without an
//!   allocation whose last complete frame is oldest (connections that never finished a frame
//!   go first), so a flood of slow clients cannot lock real clients out;
//! * a connection's reader handles at most [`FRAMES_PER_TURN`] frames before it yields, so a
//!   client pushing requests as fast as it can delays UDP listeners and relay sockets by one
//!   short turn, not by its whole backlog.
//!
//! Writes never wait: a frame the kernel does not take at once is queued on the connection
//! and a writer task flushes the queue when the socket turns writable; whole frames beyond
//! the cap are dropped, as UDP would.

use super::ports;
use super::sock::Sock;
use super::state::{Core, FastMap, IoStats, Shared};
use crate::stream::{is_idle_timeout, BufferBudget, FrameReader};
use sansio::{Instant, Path};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use turn_proto::server::{ConnectionId, Output, RelayRequest};

/// Frames one connection's reader handles before it lets the other tasks run.
pub const FRAMES_PER_TURN: usize = 16;
/// A send queue whose capacity exceeds this is given back to the allocator once drained.
const QUEUE_KEEP: usize = 4096;
/// How long a connection to a peer may take (RFC 6062 §5.2 leaves it to the server).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The TCP limits of the settings, as the connection tasks use them.
#[derive(Clone, Copy, Debug)]
pub struct TcpLimits {
    /// Connection table size.
    pub max_connections: usize,
    /// Time to finish a started frame.
    pub frame_deadline: Duration,
    /// Silence allowed without an allocation.
    pub idle_timeout: Duration,
    /// Largest read buffer and send queue of one connection.
    pub buffer_cap: usize,
}

/// A client's TCP connection, as the other tasks see it.
#[derive(Debug)]
pub struct Stream {
    stream: Rc<Sock>,
    queued: Vec<u8>,
    cap: usize,
    budget: Arc<BufferBudget>,
    wake: Rc<Notify>,
    writer: AbortHandle,
    reader: Option<AbortHandle>,
    /// RFC 6062: bound to this peer connection (the reader hands it over to a splice).
    bound: Option<ConnectionId>,
    /// When its last complete frame arrived (or it was accepted).
    last_frame: Instant,
    /// It holds an allocation: never evicted, never closed for idleness.
    allocated: bool,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.budget.give(self.queued.len());
    }
}

/// RFC 6062 state: listening TCP relays and peer connections.
#[derive(Debug, Default)]
pub struct TcpRelays {
    listeners: FastMap<SocketAddr, AbortHandle>,
    peers: FastMap<ConnectionId, PeerConn>,
}

#[derive(Debug)]
struct PeerConn {
    stream: Rc<Sock>,
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
    if rest.len() < data.len() {
        // The rest of a frame already half sent must follow, or the stream loses sync.
        s.budget.force(rest.len());
    } else if s.queued.len() + rest.len() > s.cap || !s.budget.take(rest.len()) {
        io.tcp_queue_drops += 1;
        return;
    }
    s.queued.extend_from_slice(rest);
    s.wake.notify_one();
}

/// Accept client connections on a listening socket.
pub async fn accept_loop(shared: Shared, listener: TcpListener, local: SocketAddr) {
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                {
                    let mut core = shared.borrow_mut();
                    let now = std::time::Instant::now();
                    if let Some(suppressed) = core.logs.allow("tcp_accept", now) {
                        tracing::warn!(%local, suppressed, "TCP accept: {e}");
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let path = Path::tcp(local, from);
        let mut core = shared.borrow_mut();
        if !make_room(&mut core, from, local) {
            continue; // dropping `stream` closes it
        }
        let _ = stream.set_nodelay(true);
        add_stream(&mut core, &shared, Sock::Tcp(stream), path);
        tracing::debug!(%from, %local, "TCP connection");
    }
}

/// Make room in the connection table for one more client connection; `false` (counted and
/// logged) when every connection holds an allocation.
pub fn make_room(core: &mut Core, from: SocketAddr, local: SocketAddr) -> bool {
    if core.streams.len() < core.tcp.max_connections || evict_one(core) {
        return true;
    }
    core.io.tcp_refused += 1;
    if let Some(suppressed) = core.logs.allow("tcp_refused", std::time::Instant::now()) {
        tracing::warn!(client = %from, %local, suppressed, open = core.streams.len(),
            "connection refused: every connection holds an allocation");
    }
    false
}

/// Serve a client connection (TCP, or TLS's plaintext side) on `path`.
pub fn add_stream(core: &mut Core, shared: &Shared, stream: Sock, path: Path) {
    let stream = Rc::new(stream);
    core.io.tcp_accepted += 1;
    let wake = Rc::new(Notify::new());
    let writer =
        tokio::task::spawn_local(writer(shared.clone(), stream.clone(), path, wake.clone()));
    let reader = tokio::task::spawn_local(client_conn(shared.clone(), stream.clone(), path));
    let now = core.clock.now();
    let entry = Stream {
        stream,
        queued: Vec::new(),
        cap: core.tcp.buffer_cap,
        budget: core.budget.clone(),
        wake,
        writer: writer.abort_handle(),
        reader: Some(reader.abort_handle()),
        bound: None,
        last_frame: now,
        allocated: false,
    };
    if let Some(old) = core.streams.insert(path, entry) {
        core.idle_tcp.remove(&(old.last_frame, path));
    }
    core.idle_tcp.insert((now, path));
}

/// Close the connection without an allocation whose last complete frame is oldest; `false`
/// when every connection holds an allocation.
fn evict_one(core: &mut Core) -> bool {
    let Some((_, path)) = core.idle_tcp.pop_first() else {
        return false;
    };
    if let Some(s) = core.streams.remove(&path) {
        s.writer.abort();
        if let Some(r) = &s.reader {
            r.abort();
        }
    }
    core.server.close_client(&path);
    core.io.tcp_evicted += 1;
    if let Some(suppressed) = core.logs.allow("tcp_evicted", std::time::Instant::now()) {
        tracing::info!(client = %path.remote, suppressed,
            "TCP connection table full: closed the connection idle longest");
    }
    true
}

/// Forget a client connection (closed, failed or handed to a splice).
fn remove_stream(core: &mut Core, path: &Path) -> Option<Stream> {
    let s = core.streams.remove(path)?;
    core.idle_tcp.remove(&(s.last_frame, *path));
    Some(s)
}

/// A complete frame arrived on `path`: it moves to the back of the eviction order.
fn touch(core: &mut Core, path: &Path, now: Instant) {
    let Some(s) = core.streams.get_mut(path) else {
        return;
    };
    if !s.allocated {
        core.idle_tcp.remove(&(s.last_frame, *path));
        core.idle_tcp.insert((now, *path));
    }
    s.last_frame = now;
}

/// The server created (`true`) or closed an allocation for the TCP client `path`: a
/// connection with one is never evicted nor closed for idleness.
pub fn set_allocated(core: &mut Core, path: &Path, allocated: bool) {
    let Some(s) = core.streams.get_mut(path) else {
        return;
    };
    if s.allocated == allocated {
        return;
    }
    s.allocated = allocated;
    if allocated {
        core.idle_tcp.remove(&(s.last_frame, *path));
    } else {
        core.idle_tcp.insert((s.last_frame, *path));
    }
}

/// Flush a connection's queue whenever something is queued.
async fn writer(shared: Shared, stream: Rc<Sock>, path: Path, wake: Rc<Notify>) {
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
                    let n = n.min(s.queued.len());
                    s.queued.drain(..n);
                    s.budget.give(n);
                    if s.queued.is_empty() {
                        if s.queued.capacity() > QUEUE_KEEP {
                            s.queued = Vec::new();
                        }
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

/// A shared socket read through `&Sock` (the writer task and the splice hold it too).
struct SharedRead(Rc<Sock>);

impl AsyncRead for SharedRead {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// Read frames from a client connection and run them through the server.
async fn client_conn(shared: Shared, stream: Rc<Sock>, path: Path) {
    let (limits, budget) = {
        let core = shared.borrow();
        (core.tcp, core.budget.clone())
    };
    let mut frames = FrameReader::with_limits(
        SharedRead(stream),
        limits.buffer_cap,
        Some(limits.frame_deadline),
        Some(limits.idle_timeout),
    )
    .with_budget(budget);
    let end = read_frames(&shared, &mut frames, path).await;
    let mut core = shared.borrow_mut();
    if let End::Closed = end {
        if let Some(s) = remove_stream(&mut core, &path) {
            s.writer.abort();
        }
        core.server.close_client(&path);
        core.drain_events(&shared);
        tracing::debug!(client = %path.remote, "TCP connection closed");
    }
}

async fn read_frames(shared: &Shared, frames: &mut FrameReader<SharedRead>, path: Path) -> End {
    let mut burst = 0;
    loop {
        let frame = match frames.next().await {
            Ok(Some(f)) => f,
            Ok(None) => return End::Closed,
            Err(e) if is_idle_timeout(&e) => {
                // Silent for the idle timeout: keep it only if it holds an allocation.
                if shared.borrow().server.relayed_address(&path).is_some() {
                    continue;
                }
                return End::Closed;
            }
            Err(e) => {
                if e.kind() == io::ErrorKind::OutOfMemory {
                    shared.borrow_mut().io.tcp_buffer_refusals += 1;
                }
                tracing::debug!(client = %path.remote, "TCP connection closed: {e}");
                return End::Closed;
            }
        };
        let bound = {
            let mut core = shared.borrow_mut();
            on_frame(&mut core, shared, path, frame);
            core.streams.get(&path).and_then(|s| s.bound)
        };
        if let Some(id) = bound {
            let leftover = frames.pending().to_vec();
            begin_splice(shared, id, path, leftover);
            return End::Spliced;
        }
        burst += 1;
        if burst >= FRAMES_PER_TURN {
            burst = 0;
            tokio::task::yield_now().await;
        }
    }
}

/// One frame from a client connection.
fn on_frame(core: &mut Core, shared: &Shared, path: Path, frame: &[u8]) {
    let now = core.clock.now();
    touch(core, &path, now);
    client_message(core, path, frame, now);
    core.drain_events(shared);
}

/// A message from a client over a stream (a TCP or TLS frame, a DTLS record's data) through
/// the server, as a UDP datagram would go: relayed to its peer or answered.
pub(super) fn client_message(core: &mut Core, path: Path, msg: &[u8], now: Instant) {
    let Core {
        server,
        out,
        relays,
        io,
        ..
    } = core;
    match server.handle_client_datagram(now, path, msg, &mut out[..]) {
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
            stream: Rc::new(Sock::Tcp(stream)),
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
                        stream: Rc::new(Sock::Tcp(stream)),
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
    let Some(mut s) = remove_stream(&mut core, &data) else {
        return;
    };
    s.writer.abort();
    let Some(peer) = core.tcp_relays.peers.get_mut(&id) else {
        return; // the peer went away: dropping `s` closes the data connection
    };
    let queued = std::mem::take(&mut s.queued);
    s.budget.give(queued.len());
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
        s.stream.clone(),
        queued,
    ));
    peer.tasks.push(up.abort_handle());
    peer.tasks.push(down.abort_handle());
}

/// Copy `from` to `to` (after `initial`) until either side closes; then end the connection.
async fn pump(shared: Shared, id: ConnectionId, from: Rc<Sock>, to: Rc<Sock>, initial: Vec<u8>) {
    let _ = copy(&from, &to, &initial).await;
    let mut core = shared.borrow_mut();
    core.server.connection_closed(id);
    close_connection(&mut core, id);
}

async fn copy(from: &Sock, to: &Sock, initial: &[u8]) -> io::Result<()> {
    write_all(to, initial).await?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut burst = 0;
    loop {
        from.readable().await?;
        match from.try_read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => write_all(to, buf.get(..n).unwrap_or(&[])).await?,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        burst += 1;
        if burst >= FRAMES_PER_TURN {
            burst = 0;
            tokio::task::yield_now().await;
        }
    }
}

async fn write_all(s: &Sock, mut data: &[u8]) -> io::Result<()> {
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
