//! A tiny HTTP/1.1 server on smoltcp TCP sockets: keep-alive, one request at a time per
//! connection, bounded request size (431 for headers, 413 for bodies beyond the buffer, 408
//! for a body that holds the shared buffer too long), response bodies streamed into the
//! socket as it drains — a static one (the page) from flash, a dynamic one (a WHEP answer)
//! from the shared buffer, after the request's body.
//!
//! Memory: a request's head is read where smoltcp holds it, by
//! `adapters_smoltcp::http_head::RequestHead`, which keeps the method, the path and the
//! body's length and forgets the other headers as they pass (about 100 bytes a connection,
//! where a buffer for a browser's headers took 768). A body (a WHEP offer) is read into the
//! one [`SHARED`] buffer, and the dynamic response body (the answer) is written in the same
//! buffer after it; the connection holds the buffer from the body's first byte until its
//! socket took all of the response (at most [`HOLD`] for each; another body waits
//! meanwhile, requests without one do not). So a socket's send buffer needs room for a
//! response head only ([`MIN_TCP_TX`]). The server is ≈ 5 KiB for four connections where a
//! buffer of each kind per connection took 26 KiB.

use adapters_smoltcp::http_head::{HeadError, RequestHead};
use adapters_smoltcp::smoltcp::iface::{SocketHandle, SocketSet};
use adapters_smoltcp::smoltcp::socket::tcp;
use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use core::fmt::Write;

/// Longest request head read (431 beyond).
const MAX_HEAD_BYTES: usize = 4096;
/// The buffer a request body and then the response body written after it share.
pub const SHARED: usize = 4608;
/// Room a dynamic response body always has after the request body (our SDP answers are
/// about 1 KB).
const MIN_RESPONSE: usize = 1280;
/// Largest request body (413 beyond): an offer of up to 64 attributes is under 3 KB.
pub const MAX_BODY: usize = SHARED - MIN_RESPONSE;
/// Largest status line and headers.
const MAX_HEAD: usize = 256;
/// The least send buffer a TCP socket of the server needs: a response head goes into it
/// whole (bodies are streamed).
pub const MIN_TCP_TX: usize = MAX_HEAD;
/// How long a request's body may hold the shared buffer, and then its response (a client
/// trickling its offer, or not reading its answer, would otherwise keep every other body
/// out).
const HOLD: Duration = Duration::from_secs(5);

/// A parsed request.
#[derive(Debug)]
pub struct Request<'a> {
    /// `GET`, `POST`…
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The body (Content-Length bytes).
    pub body: &'a [u8],
}

/// A response being written by the application.
pub struct Response<'a> {
    status: u16,
    content_type: &'static str,
    location: Option<&'static str>,
    /// Room for a dynamic body (what follows the request's body in the shared buffer;
    /// empty for a request without a body, which does not hold it).
    room: &'a mut [u8],
    /// Bytes of `room` written.
    len: usize,
    static_body: Option<&'static [u8]>,
    /// The static body is gzipped (`Content-Encoding: gzip`).
    gzip: bool,
}

impl Response<'_> {
    /// Set the status and content type.
    pub fn status(&mut self, status: u16, content_type: &'static str) {
        self.status = status;
        self.content_type = content_type;
    }

    /// Serve `body`, gzipped (every browser takes `Content-Encoding: gzip`).
    pub fn static_gzip(&mut self, body: &'static [u8]) {
        self.static_body = Some(body);
        self.gzip = true;
    }

    /// Room for a dynamic body: write into it, then say how much with
    /// [`set_len`](Self::set_len).
    pub fn room(&mut self) -> &mut [u8] {
        self.room
    }

    /// The dynamic body is the first `len` bytes of [`room`](Self::room).
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.room.len());
    }

    /// The dynamic body is `text` (cut to the room there is).
    pub fn text(&mut self, text: &str) {
        let n = text.len().min(self.room.len());
        if let (Some(dst), Some(src)) = (self.room.get_mut(..n), text.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len = n;
    }

    /// A `Location` header.
    pub fn location(&mut self, at: &'static str) {
        self.location = Some(at);
    }
}

/// What answers requests.
pub trait App {
    /// Fill `resp` for `req`.
    fn respond(&mut self, req: &Request<'_>, resp: &mut Response<'_>);
}

/// One TCP connection's state.
struct Conn {
    /// The socket, once [`Server::attach`] gave one.
    handle: Option<SocketHandle>,
    /// The request's head, read as it arrives.
    head: RequestHead<MAX_HEAD_BYTES>,
    /// Body bytes read into the shared buffer (while `big_since` is set).
    len: usize,
    /// Since when this connection holds the shared buffer: for its request's body, then
    /// for the dynamic response body written after it.
    big_since: Option<Instant>,
    /// The static body being sent (`None`, not an empty slice, so that a `Server` is all
    /// zeros and its static lands in `.bss`, not in `.data` copied from flash).
    page: Option<&'static [u8]>,
    /// Sending a dynamic body, `shared[body.0..body.1]` (holding the shared buffer, since
    /// `big_since`).
    sending: bool,
    /// Where the dynamic body is in the shared buffer.
    body: (usize, usize),
    /// Bytes of the body being sent (`page` or the dynamic one) sent.
    sent: usize,
    /// Refused: after the response, discard input and close; abort at this time at the latest.
    close_after: Option<Instant>,
}

/// How long a refused connection may linger (draining what the client still sends).
const LINGER: Duration = Duration::from_secs(3);

/// The server: `N` connections on `port`.
pub struct Server<const N: usize> {
    conns: [Conn; N],
    /// The buffer for a request body and the response written after it; one connection
    /// holds it at a time.
    big: [u8; SHARED],
    port: u16,
    /// Requests answered.
    pub served: u32,
    /// Requests refused as too large, too slow or malformed.
    pub refused: u32,
    /// No connection was listening at the end of the last turn (a new client is refused).
    full: bool,
}

impl<const N: usize> Server<N> {
    /// A server with no socket yet: a constant of zeros, so that its static is in `.bss`.
    pub const fn new() -> Self {
        Server {
            conns: [const { Conn::new() }; N],
            big: [0; SHARED],
            port: 0,
            served: 0,
            refused: 0,
            full: false,
        }
    }

    /// Serve on `port` over the TCP sockets `handles` (at most `N`; each with a send buffer
    /// of at least [`MIN_TCP_TX`] bytes, or it never answers).
    pub fn attach(&mut self, port: u16, handles: &[SocketHandle]) {
        self.port = port;
        for (c, &h) in self.conns.iter_mut().zip(handles) {
            c.handle = Some(h);
        }
    }

    /// Accept, read, answer and write on every connection.
    #[inline(never)]
    pub fn poll(&mut self, now: Instant, sockets: &mut SocketSet<'_>, app: &mut impl App) {
        for i in 0..self.conns.len() {
            let big_free = self.conns.iter().all(|c| c.big_since.is_none());
            let Server { conns, big, .. } = self;
            let Some(c) = conns.get_mut(i) else {
                continue;
            };
            let Some(handle) = c.handle else {
                continue;
            };
            let s = sockets.get_mut::<tcp::Socket<'_>>(handle);
            let mut shared = Shared { big, big_free };
            match c.poll(now, s, self.port, &mut shared, app) {
                Outcome::Incomplete => {}
                Outcome::Served => self.served += 1,
                Outcome::Refused => self.refused += 1,
            }
        }
        self.keep_one_listening(sockets);
    }

    /// With every connection taken, smoltcp refuses a new client with a reset. A connection
    /// that only waits for the client's last segments — everything we sent acknowledged
    /// (FIN-WAIT-2; LAST-ACK or CLOSING with nothing unacknowledged but our FIN) — is then
    /// given up to listen again. Otherwise one log line each time the table fills, with what
    /// each connection is doing.
    fn keep_one_listening(&mut self, sockets: &mut SocketSet<'_>) {
        let state = |sockets: &SocketSet<'_>, h| sockets.get::<tcp::Socket<'_>>(h).state();
        let mut handles = self.conns.iter().filter_map(|c| c.handle);
        if handles.any(|h| state(sockets, h) == tcp::State::Listen) {
            self.full = false;
            return;
        }
        for c in self.conns.iter_mut() {
            let Some(h) = c.handle else { continue };
            let s = sockets.get_mut::<tcp::Socket<'_>>(h);
            let done = match s.state() {
                tcp::State::FinWait2 => true,
                tcp::State::LastAck | tcp::State::Closing => s.send_queue() == 0,
                _ => false,
            };
            if done {
                s.abort();
                c.reset();
                let _ = s.listen(self.port);
                self.full = false;
                return;
            }
        }
        if !self.full {
            let mut line: heapless::String<128> = heapless::String::new();
            for h in self.conns.iter().filter_map(|c| c.handle) {
                let _ = write!(line, " {}", state(sockets, h));
            }
            cortex_m_semihosting::hprintln!(
                "http: all {} connections taken, new clients refused:{}",
                N,
                line
            );
        }
        self.full = true;
    }
}

/// What the connections share, lent to the one being served.
struct Shared<'a> {
    big: &'a mut [u8; SHARED],
    /// No connection holds `big`.
    big_free: bool,
}

enum Outcome {
    Incomplete,
    Served,
    Refused,
}

impl Conn {
    const fn new() -> Self {
        Conn {
            handle: None,
            head: RequestHead::new(),
            len: 0,
            big_since: None,
            page: None,
            sending: false,
            body: (0, 0),
            sent: 0,
            close_after: None,
        }
    }

    fn reset(&mut self) {
        self.head.reset();
        self.len = 0;
        self.big_since = None;
        self.page = None;
        self.sending = false;
        self.body = (0, 0);
        self.sent = 0;
        self.close_after = None;
    }

    /// One turn of this connection: listen again once closed, drain a refused one, send
    /// what is pending, read and answer.
    fn poll(
        &mut self,
        now: Instant,
        s: &mut tcp::Socket<'_>,
        port: u16,
        shared: &mut Shared<'_>,
        app: &mut impl App,
    ) -> Outcome {
        if !s.is_open() {
            self.reset();
            let _ = s.listen(port);
            return Outcome::Incomplete;
        }
        if self.sending && self.big_since.is_some_and(|since| now >= since + HOLD) {
            s.abort(); // not reading its answer: the shared buffer goes to the others
            self.reset();
            return Outcome::Incomplete;
        }
        if let Some(deadline) = self.close_after {
            self.linger(now, deadline, s, &shared.big[..]);
            return Outcome::Incomplete;
        }
        if self.write(s, &shared.big[..]) {
            return Outcome::Incomplete; // still sending a body
        }
        match self.read(now, s, shared) {
            Read::Waiting => return self.wait(now, s),
            Read::Refused(status, why) => return self.refuse(now, s, status, why),
            Read::Complete => {}
        }
        if s.send_capacity() - s.send_queue() < MIN_TCP_TX {
            return Outcome::Incomplete; // the previous response is still in the socket
        }
        let outcome = self.handle_request(now, s, shared, app);
        let _ = self.write(s, &shared.big[..]);
        outcome
    }

    /// Refused: drop what still arrives (so the client can finish and see the answer),
    /// close once it is out, abort when the client lingers.
    fn linger(&mut self, now: Instant, deadline: Instant, s: &mut tcp::Socket<'_>, body: &[u8]) {
        while s.can_recv() {
            if s.recv(|b| (b.len(), ())).is_err() {
                break;
            }
        }
        if !self.write(s, body) {
            s.close();
        }
        if now >= deadline {
            s.abort();
        }
    }

    /// Read the head where the socket holds it, then the body into the shared buffer
    /// (taken when it is free; the body waits in the socket while it is not).
    fn read(&mut self, now: Instant, s: &mut tcp::Socket<'_>, shared: &mut Shared<'_>) -> Read {
        while !self.head.is_done() && s.can_recv() {
            let head = &mut self.head;
            match s.recv(|data| head.feed(data)) {
                Ok(None) => {}
                Ok(Some(Ok(()))) | Err(_) => break,
                Ok(Some(Err(HeadError::TooLarge))) => {
                    return Read::Refused(431, "headers too large")
                }
                Ok(Some(Err(HeadError::Malformed))) => {
                    return Read::Refused(400, "malformed request")
                }
                Ok(Some(Err(HeadError::Unsupported))) => {
                    return Read::Refused(501, "transfer-encoding not supported")
                }
            }
        }
        if !self.head.is_done() {
            return Read::Waiting;
        }
        let want = self.head.content_length();
        if want > MAX_BODY {
            return Read::Refused(413, "body too large");
        }
        if want > 0 && self.big_since.is_none() {
            if !shared.big_free {
                return Read::Waiting;
            }
            self.big_since = Some(now);
            shared.big_free = false;
        }
        let room = shared.big.get_mut(self.len..want).unwrap_or(&mut []);
        if !room.is_empty() {
            if let Ok(n) = s.recv_slice(room) {
                self.len += n;
            }
        }
        if self.len < want {
            return Read::Waiting;
        }
        Read::Complete
    }

    /// Send what is left of the body (the dynamic one in `shared`, while this connection
    /// holds it; else the static page); whether something is still pending. The shared
    /// buffer is given back once all of the dynamic body is in the socket.
    fn write(&mut self, s: &mut tcp::Socket<'_>, shared: &[u8]) -> bool {
        loop {
            let rest = match self.sending {
                true => shared.get(self.body.0 + self.sent..self.body.1),
                false => self.page.and_then(|p| p.get(self.sent..)),
            };
            let chunk = rest.unwrap_or(&[]);
            if chunk.is_empty() {
                if core::mem::take(&mut self.sending) {
                    self.big_since = None;
                }
                return false;
            }
            match s.send_slice(chunk) {
                Ok(0) | Err(_) => return true,
                Ok(n) => self.sent += n,
            }
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        s: &mut tcp::Socket<'_>,
        shared: &mut Shared<'_>,
        app: &mut impl App,
    ) -> Outcome {
        let holds = self.big_since.is_some();
        let (body, room) = shared.big.split_at_mut(self.len);
        let request = Request {
            method: self.head.method(),
            // A path too long to keep matches no route (404).
            path: self.head.path().unwrap_or(""),
            body,
        };
        let mut resp = Response {
            status: 404,
            content_type: "text/plain",
            location: None,
            // Only a connection holding the shared buffer (it read a body) writes in it.
            room: if holds { room } else { &mut [] },
            len: 0,
            static_body: None,
            gzip: false,
        };
        app.respond(&request, &mut resp);
        let head = Head {
            status: resp.status,
            ctype: resp.content_type,
            location: resp.location,
            gzip: resp.gzip,
        };
        let (page, len) = (resp.static_body, resp.len);
        // The request is answered: the next one (pipelined, or on this kept-alive
        // connection later) starts from the socket.
        self.head.reset();
        let dynamic = page.is_none() && len > 0;
        self.body = (self.len, self.len + len);
        self.len = 0;
        // The shared buffer stays held while the answer in it is sent.
        self.big_since = (holds && dynamic).then_some(now);
        self.sending = self.big_since.is_some();
        respond(s, &head, page.map_or(len, <[u8]>::len));
        self.page = page;
        self.sent = 0;
        Outcome::Served
    }

    /// An incomplete request waits for more, unless its body has held the shared buffer
    /// too long — or the client has finished sending (it closed its side): then nothing
    /// more can come, and the connection is closed rather than kept for good.
    fn wait(&mut self, now: Instant, s: &mut tcp::Socket<'_>) -> Outcome {
        if s.state() == tcp::State::CloseWait && !s.can_recv() {
            s.close();
            self.reset();
            return Outcome::Incomplete;
        }
        match self.big_since {
            Some(since) if now >= since + HOLD => self.refuse(now, s, 408, "request too slow"),
            _ => Outcome::Incomplete,
        }
    }

    fn refuse(
        &mut self,
        now: Instant,
        s: &mut tcp::Socket<'_>,
        status: u16,
        why: &'static str,
    ) -> Outcome {
        cortex_m_semihosting::hprintln!("http: refused a request ({} {})", status, why);
        let head = Head {
            status,
            ctype: "text/plain",
            location: None,
            gzip: false,
        };
        respond(s, &head, why.len());
        self.close_after = Some(now + LINGER);
        self.head.reset();
        self.len = 0;
        self.big_since = None;
        self.page = Some(why.as_bytes()); // the reason, as a static body
        self.sending = false;
        self.sent = 0;
        Outcome::Refused
    }
}

/// What reading a request came to.
enum Read {
    /// More must arrive (or the shared buffer be free).
    Waiting,
    /// Head and body are here.
    Complete,
    /// Refused with this status and reason.
    Refused(u16, &'static str),
}

/// A response's status line and headers.
struct Head<'a> {
    status: u16,
    ctype: &'a str,
    location: Option<&'a str>,
    /// `Content-Encoding: gzip`.
    gzip: bool,
}

/// Write the status line and the headers of a body of `len` bytes into `s` (which has room
/// for [`MIN_TCP_TX`] bytes); the body follows from [`Conn::write`].
fn respond(s: &mut tcp::Socket<'_>, head: &Head<'_>, len: usize) {
    let Head {
        status,
        ctype,
        location,
        gzip,
    } = *head;
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = heapless::String::<MAX_HEAD>::new();
    let _ = write!(
        head,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nCache-Control: no-store\r\n"
    );
    if let Some(l) = location {
        let _ = write!(head, "Location: {l}\r\n");
    }
    if gzip {
        let _ = head.push_str("Content-Encoding: gzip\r\n");
    }
    let _ = head.push_str("\r\n");
    let _ = s.send_slice(head.as_bytes());
}
