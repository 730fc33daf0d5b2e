//! STUN message framing on a TCP (or TLS) byte stream (RFC 8489 §6.2.2).

use std::io;
use stun_proto::wire::frame_len;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest message accepted on a stream; longer frames close the connection.
pub const MAX_FRAME: usize = 4096;

/// Reads STUN messages one at a time from a byte stream.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wrap a stream.
    pub fn new(inner: R) -> Self {
        FrameReader {
            inner,
            buf: vec![0; MAX_FRAME * 2],
            start: 0,
            end: 0,
        }
    }

    /// The next complete message, or `None` at a clean end of stream. Errors on garbage, on a
    /// frame over [`MAX_FRAME`] and on a stream cut mid-frame.
    pub async fn next(&mut self) -> io::Result<Option<&[u8]>> {
        loop {
            let pending = self.buf.get(self.start..self.end).unwrap_or(&[]);
            let need =
                frame_len(pending).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            match need {
                Some(n) if n > MAX_FRAME => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "STUN frame too large",
                    ))
                }
                Some(n) if pending.len() >= n => {
                    let (s, e) = (self.start, self.start + n);
                    self.start = e;
                    return Ok(self.buf.get(s..e));
                }
                _ => {}
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let free = self.buf.get_mut(self.end..).unwrap_or(&mut []);
            let n = self.inner.read(free).await?;
            if n == 0 {
                return if self.end == 0 {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "stream ended mid-message",
                    ))
                };
            }
            self.end += n;
        }
    }
}
