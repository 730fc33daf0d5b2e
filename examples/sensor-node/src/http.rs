//! A tiny HTTP/1.1 server on smoltcp TCP sockets: keep-alive, one request at a time per
//! connection, bounded request size (431 for headers, 413 for bodies beyond the buffer),
//! responses streamed from a static body (the page) or a small dynamic one (an SDP answer).

use adapters_smoltcp::smoltcp::iface::{SocketHandle, SocketSet};
use adapters_smoltcp::smoltcp::socket::tcp;
use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use core::fmt::Write;

/// Largest request (headers and body) a connection buffers.
pub const MAX_REQUEST: usize = 4096;
/// Largest dynamic response (status line, headers and body).
pub const MAX_RESPONSE: usize = 2048;
/// Most headers parsed.
const MAX_HEADERS: usize = 24;

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
    body: &'a mut heapless::Vec<u8, MAX_RESPONSE>,
    static_body: Option<&'static [u8]>,
}

impl Response<'_> {
    /// Set the status and content type.
    pub fn status(&mut self, status: u16, content_type: &'static str) {
        self.status = status;
        self.content_type = content_type;
    }

    /// Serve `body` (a static page).
    pub fn static_body(&mut self, body: &'static [u8]) {
        self.static_body = Some(body);
    }

    /// Room for a dynamic body.
    pub fn body(&mut self) -> &mut heapless::Vec<u8, MAX_RESPONSE> {
        self.body
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
    req: [u8; MAX_REQUEST],
    len: usize,
    /// Status line and headers, then the dynamic body, then the static one: sent from `sent`.
    head: heapless::Vec<u8, 256>,
    body: heapless::Vec<u8, MAX_RESPONSE>,
    /// The static body being sent (`None`, not an empty slice, so that a `Server` is all
    /// zeros and its static lands in `.bss`, not in `.data` copied from flash).
    page: Option<&'static [u8]>,
    sent: usize,
    /// Refused: after the response, discard input and close; abort at this time at the latest.
    close_after: Option<Instant>,
}

/// How long a refused connection may linger (draining what the client still sends).
const LINGER: Duration = Duration::from_secs(3);

/// The server: `N` connections on `port`.
pub struct Server<const N: usize> {
    conns: [Conn; N],
    port: u16,
    /// Requests answered.
    pub served: u32,
    /// Requests refused as too large or malformed.
    pub refused: u32,
}

impl<const N: usize> Server<N> {
    /// A server with no socket yet: a constant of zeros, so that its static is in `.bss`.
    pub const fn new() -> Self {
        Server {
            conns: [const { Conn::new() }; N],
            port: 0,
            served: 0,
            refused: 0,
        }
    }

    /// Serve on `port` over the TCP sockets `handles` (at most `N`).
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
            let port = self.port;
            let Some(c) = self.conns.get_mut(i) else {
                continue;
            };
            let Some(handle) = c.handle else {
                continue;
            };
            let s = sockets.get_mut::<tcp::Socket<'_>>(handle);
            if !s.is_open() {
                c.reset();
                let _ = s.listen(port);
                continue;
            }
            if let Some(deadline) = c.close_after {
                // Refused: drop what still arrives (so the client can finish and see the
                // answer), close once it is out, abort when the client lingers.
                while s.can_recv() {
                    if s.recv(|b| (b.len(), ())).is_err() {
                        break;
                    }
                }
                if !c.write(s) {
                    s.close();
                }
                if now >= deadline {
                    s.abort();
                }
                continue;
            }
            if c.write(s) {
                continue; // still sending
            }
            if s.can_recv() {
                let room = c.req.get_mut(c.len..).unwrap_or(&mut []);
                if let Ok(n) = s.recv_slice(room) {
                    c.len += n;
                }
            }
            if c.len > 0 {
                match c.handle_request(now, app) {
                    Outcome::Incomplete => {}
                    Outcome::Served => self.served += 1,
                    Outcome::Refused => self.refused += 1,
                }
                let _ = c.write(s);
            } else if s.state() == tcp::State::CloseWait {
                s.close(); // the client closed and nothing is pending
            }
        }
    }
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
            req: [0; MAX_REQUEST],
            len: 0,
            head: heapless::Vec::new(),
            body: heapless::Vec::new(),
            page: None,
            sent: 0,
            close_after: None,
        }
    }

    fn reset(&mut self) {
        self.len = 0;
        self.head.clear();
        self.body.clear();
        self.page = None;
        self.sent = 0;
        self.close_after = None;
    }

    /// Send what is pending; whether something is still pending.
    fn write(&mut self, s: &mut tcp::Socket<'_>) -> bool {
        loop {
            let (head, body) = (self.head.len(), self.body.len());
            let chunk = if self.sent < head {
                self.head.get(self.sent..)
            } else if self.sent < head + body {
                self.body.get(self.sent - head..)
            } else {
                self.page.and_then(|p| p.get(self.sent - head - body..))
            };
            let chunk = chunk.unwrap_or(&[]);
            if chunk.is_empty() {
                return false;
            }
            match s.send_slice(chunk) {
                Ok(0) | Err(_) => return true,
                Ok(n) => self.sent += n,
            }
        }
    }

    fn handle_request(&mut self, now: Instant, app: &mut impl App) -> Outcome {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let parsed = req.parse(self.req.get(..self.len).unwrap_or(&[]));
        let head_len = match parsed {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if self.len < MAX_REQUEST => return Outcome::Incomplete,
            Ok(httparse::Status::Partial) => return self.refuse(now, 431, "headers too large"),
            Err(_) => return self.refuse(now, 400, "malformed request"),
        };
        let content_length = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| core::str::from_utf8(h.value).ok())
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let end = head_len.saturating_add(content_length);
        if end > MAX_REQUEST {
            return self.refuse(now, 413, "body too large");
        }
        if self.len < end {
            return Outcome::Incomplete;
        }
        let request = Request {
            method: req.method.unwrap_or(""),
            // The query (`/?turn=…` for the page's script) does not select the route.
            path: req.path.unwrap_or("").split('?').next().unwrap_or(""),
            body: self.req.get(head_len..end).unwrap_or(&[]),
        };
        self.body.clear();
        let mut resp = Response {
            status: 404,
            content_type: "text/plain",
            location: None,
            body: &mut self.body,
            static_body: None,
        };
        app.respond(&request, &mut resp);
        let (status, ctype, location, page) = (
            resp.status,
            resp.content_type,
            resp.location,
            resp.static_body,
        );
        // Keep whatever followed this request (a pipelined next one).
        self.req.copy_within(end..self.len, 0);
        self.len -= end;
        self.start_response(status, ctype, location, page);
        Outcome::Served
    }

    fn refuse(&mut self, now: Instant, status: u16, why: &str) -> Outcome {
        cortex_m_semihosting::hprintln!("http: refused a request ({} {})", status, why);
        self.body.clear();
        let _ = self.body.extend_from_slice(why.as_bytes());
        self.start_response(status, "text/plain", None, None);
        self.close_after = Some(now + LINGER);
        self.len = 0;
        Outcome::Refused
    }

    fn start_response(
        &mut self,
        status: u16,
        ctype: &str,
        location: Option<&str>,
        page: Option<&'static [u8]>,
    ) {
        let reason = match status {
            200 => "OK",
            201 => "Created",
            400 => "Bad Request",
            404 => "Not Found",
            413 => "Payload Too Large",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let len = self.body.len() + page.map_or(0, <[u8]>::len);
        self.sent = 0;
        let mut head = heapless::String::<256>::new();
        let _ = write!(
            head,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nCache-Control: no-store\r\n"
        );
        if let Some(l) = location {
            let _ = write!(head, "Location: {l}\r\n");
        }
        let _ = head.push_str("\r\n");
        self.head.clear();
        let _ = self.head.extend_from_slice(head.as_bytes());
        self.page = page;
    }
}
