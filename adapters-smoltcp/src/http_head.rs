//! A streaming reader of HTTP/1.1 request heads that buffers nothing of the request.
//!
//! A device's HTTP endpoint (a page and a WHEP `POST`) needs three things from a request's
//! head: the method, the path and the body's length. [`RequestHead`] takes them from the
//! bytes as they arrive — in pieces of any size, straight from a TCP socket's receive buffer
//! — and forgets every other header as it passes, so a connection needs a few dozen bytes of
//! state instead of a buffer for the whole head (browsers send 500 to 700 bytes of headers;
//! a 10 KB one must be refused, not stored). It stops at the head's last byte, so a body or
//! a pipelined next request stays where it is.
//!
//! What it refuses (RFC 9112): a malformed request line, a header without a name or with
//! control characters, obsolete line folding, two different `Content-Length`s or one that
//! is not a number ([`HeadError::Malformed`], a 400); any `Transfer-Encoding`, which a server
//! without chunked decoding cannot frame ([`HeadError::Unsupported`], a 501); a head longer
//! than the limit ([`HeadError::TooLarge`], a 431). Lines may end in CRLF or a bare LF.
//! A path longer than [`PATH`] bytes is not kept: [`RequestHead::path`] is then `None`.

/// Longest method kept (`OPTIONS` is 7).
const METHOD: usize = 8;
/// Longest path kept; a longer one (or its query) is skipped and reported as `None`.
pub const PATH: usize = 48;
/// Longest header name compared (`transfer-encoding` is 17).
const NAME: usize = 20;

/// Why a head was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// Not an HTTP/1.x request head (400).
    Malformed,
    /// Longer than the reader's `LIMIT` (431).
    TooLarge,
    /// A `Transfer-Encoding`: only `Content-Length` bodies are read (501).
    Unsupported,
}

/// Where in the head the next byte goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Method,
    Path,
    Query,
    Version,
    /// A CR was read; an LF must follow, then a header line.
    Lf,
    /// At the start of a header line (or of the empty line that ends the head).
    LineStart,
    /// The empty line's CR was read.
    EndLf,
    Name,
    Value,
    Done,
}

/// Which header's value is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Other,
    ContentLength,
}

/// The reader of heads of at most `LIMIT` bytes: feed it bytes with [`feed`](Self::feed)
/// until it reports the head complete. A new one is all zeros (a `static` of them is in
/// `.bss`).
#[derive(Clone, Debug)]
pub struct RequestHead<const LIMIT: usize> {
    read: usize,
    state: State,
    method: [u8; METHOD],
    method_len: u8,
    path: [u8; PATH],
    /// Bytes of the path, or `PATH + 1` once it did not fit.
    path_len: u8,
    version: [u8; 8],
    version_len: u8,
    name: [u8; NAME],
    /// Bytes of the header name, or `NAME + 1` once it did not fit.
    name_len: u8,
    header: Header,
    /// Digits of the `Content-Length` being read (`None` before its first digit).
    digits: Option<usize>,
    /// Whether the `Content-Length` being read ended (only spaces may follow).
    value_ended: bool,
    content_length: Option<usize>,
}

impl<const LIMIT: usize> Default for RequestHead<LIMIT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const LIMIT: usize> RequestHead<LIMIT> {
    /// A reader at the start of a head.
    pub const fn new() -> Self {
        RequestHead {
            read: 0,
            state: State::Method,
            method: [0; METHOD],
            method_len: 0,
            path: [0; PATH],
            path_len: 0,
            version: [0; 8],
            version_len: 0,
            name: [0; NAME],
            name_len: 0,
            header: Header::Other,
            digits: None,
            value_ended: false,
            content_length: None,
        }
    }

    /// Start over for the next request.
    pub fn reset(&mut self) {
        *self = RequestHead::new();
    }

    /// Whether no byte of a head has been read since the last reset.
    pub fn is_empty(&self) -> bool {
        self.read == 0
    }

    /// Whether the head is complete.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Read from `data`: how many bytes were taken, and `Some` once the head is complete
    /// (its last byte is the last one taken) or refused. After that it takes nothing more
    /// until [`reset`](Self::reset).
    pub fn feed(&mut self, data: &[u8]) -> (usize, Option<Result<(), HeadError>>) {
        if self.state == State::Done {
            return (0, Some(Ok(())));
        }
        for (i, &b) in data.iter().enumerate() {
            if self.read >= LIMIT {
                return (i, Some(Err(HeadError::TooLarge)));
            }
            self.read += 1;
            match self.step(b) {
                Ok(()) if self.state == State::Done => return (i + 1, Some(Ok(()))),
                Ok(()) => {}
                Err(e) => return (i + 1, Some(Err(e))),
            }
        }
        (data.len(), None)
    }

    /// The method (`GET`), once the request line is read.
    pub fn method(&self) -> &str {
        let m = self
            .method
            .get(..usize::from(self.method_len))
            .unwrap_or(&[]);
        core::str::from_utf8(m).unwrap_or("")
    }

    /// The path without its query, or `None` when it was longer than [`PATH`].
    pub fn path(&self) -> Option<&str> {
        let p = self.path.get(..usize::from(self.path_len))?;
        core::str::from_utf8(p).ok()
    }

    /// The body's length (`Content-Length`, 0 without one).
    pub fn content_length(&self) -> usize {
        self.content_length.unwrap_or(0)
    }

    fn step(&mut self, b: u8) -> Result<(), HeadError> {
        use HeadError::Malformed;
        match self.state {
            State::Method if b == b' ' && self.method_len > 0 => self.state = State::Path,
            State::Method => push(&mut self.method, &mut self.method_len, token(b)?)
                .then_some(())
                .ok_or(Malformed)?,
            State::Path if b == b' ' && self.path_len > 0 => self.state = State::Version,
            State::Path if b == b'?' && self.path_len > 0 => self.state = State::Query,
            State::Path => {
                if !push(&mut self.path, &mut self.path_len, visible(b)?) {
                    self.path_len = PATH as u8 + 1;
                    self.state = State::Query;
                }
            }
            State::Query if b == b' ' => self.state = State::Version,
            State::Query => {
                visible(b)?;
            }
            State::Version if b == b'\r' || b == b'\n' => {
                let v = self.version.get(..usize::from(self.version_len));
                if v != Some(b"HTTP/1.1") && v != Some(b"HTTP/1.0") {
                    return Err(Malformed);
                }
                self.state = line_end(b);
            }
            State::Version => push(&mut self.version, &mut self.version_len, b)
                .then_some(())
                .ok_or(Malformed)?,
            State::Lf if b == b'\n' => self.state = State::LineStart,
            State::EndLf if b == b'\n' => self.state = State::Done,
            State::Lf | State::EndLf => return Err(Malformed),
            State::LineStart => self.line_start(b)?,
            State::Name => self.name_byte(b)?,
            State::Value => self.value_byte(b)?,
            State::Done => {}
        }
        Ok(())
    }

    /// The first byte of a header line, or of the head's end.
    fn line_start(&mut self, b: u8) -> Result<(), HeadError> {
        match b {
            b'\r' => self.state = State::EndLf,
            b'\n' => self.state = State::Done,
            _ => {
                // A space or tab here is obsolete line folding: refused (RFC 9112 §5.2).
                self.name_len = 0;
                self.state = State::Name;
                self.name_byte(b)?;
            }
        }
        Ok(())
    }

    fn name_byte(&mut self, b: u8) -> Result<(), HeadError> {
        if b == b':' && self.name_len > 0 {
            let name = self.name.get(..usize::from(self.name_len));
            self.header = match name {
                Some(b"content-length") => Header::ContentLength,
                Some(b"transfer-encoding") => return Err(HeadError::Unsupported),
                _ => Header::Other,
            };
            self.digits = None;
            self.value_ended = false;
            self.state = State::Value;
            return Ok(());
        }
        let c = token(b)?.to_ascii_lowercase();
        if !push(&mut self.name, &mut self.name_len, c) {
            self.name_len = NAME as u8 + 1; // not one we read: its value is skipped
        }
        Ok(())
    }

    fn value_byte(&mut self, b: u8) -> Result<(), HeadError> {
        if b == b'\r' || b == b'\n' {
            self.state = line_end(b);
            return self.end_value();
        }
        if b != b'\t' && (b < 0x20 || b == 0x7f) {
            return Err(HeadError::Malformed);
        }
        match self.header {
            Header::Other => Ok(()),
            Header::ContentLength => self.length_byte(b),
        }
    }

    /// One byte of a `Content-Length` value: digits between optional spaces.
    fn length_byte(&mut self, b: u8) -> Result<(), HeadError> {
        match (b, self.digits) {
            (b' ' | b'\t', None) => Ok(()),
            (b' ' | b'\t', Some(_)) => {
                self.value_ended = true;
                Ok(())
            }
            (b'0'..=b'9', d) if !self.value_ended => {
                let d = d.unwrap_or(0);
                // A length past usize is refused by the caller as too large, like any above
                // its buffer: saturate rather than wrap.
                let n = d.saturating_mul(10).saturating_add(usize::from(b - b'0'));
                self.digits = Some(n);
                Ok(())
            }
            _ => Err(HeadError::Malformed),
        }
    }

    /// A header line ended: keep what it said.
    fn end_value(&mut self) -> Result<(), HeadError> {
        if self.header != Header::ContentLength {
            return Ok(());
        }
        let n = self.digits.ok_or(HeadError::Malformed)?;
        match self.content_length {
            Some(m) if m != n => Err(HeadError::Malformed),
            _ => {
                self.content_length = Some(n);
                Ok(())
            }
        }
    }
}

/// Where a line that ends with `b` (CR or a bare LF) leaves the reader: an LF must follow a
/// CR, then the next header line starts.
fn line_end(b: u8) -> State {
    match b {
        b'\r' => State::Lf,
        _ => State::LineStart,
    }
}

/// Append `b` to `buf[..*len]`; false when it is full.
fn push<const N: usize>(buf: &mut [u8; N], len: &mut u8, b: u8) -> bool {
    match buf.get_mut(usize::from(*len)) {
        Some(slot) => {
            *slot = b;
            *len += 1;
            true
        }
        None => false,
    }
}

/// `b` if it may be in a method or header name (RFC 9110 `tchar`).
fn token(b: u8) -> Result<u8, HeadError> {
    let ok = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    ok.then_some(b).ok_or(HeadError::Malformed)
}

/// `b` if it may be in a request target (visible ASCII).
fn visible(b: u8) -> Result<u8, HeadError> {
    (0x21..0x7f)
        .contains(&b)
        .then_some(b)
        .ok_or(HeadError::Malformed)
}

#[cfg(test)]
mod tests;
