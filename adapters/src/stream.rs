//! STUN and TURN message framing on a TCP (or TLS) byte stream (RFC 8489 §6.2.2, RFC 8656
//! §12.5: STUN messages and ChannelData frames back to back).

use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use turn_proto::wire::frame_len;

/// Default largest message accepted on a stream; longer frames close the connection.
pub const MAX_FRAME: usize = 4096;
/// Bytes a reader holds while idle: enough for any common message; a longer frame grows the
/// buffer to its length (up to the reader's limit) and it shrinks back afterwards.
pub const IDLE_BUFFER: usize = 1536;

/// Reads STUN messages and ChannelData frames one at a time from a byte stream, with bounded
/// memory and time.
///
/// * The buffer starts at [`IDLE_BUFFER`] bytes and grows only to the length a frame header
///   announces (never past `max_frame`), so a thousand idle connections cost a thousand small
///   buffers, not a thousand worst cases; it shrinks back once the long frame is consumed.
/// * A frame that has started must be complete within `frame_deadline` (slowloris: one byte
///   every few seconds never completes a frame), and a connection may stay silent between
///   frames for `idle_timeout`. Both end the stream with `TimedOut`.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_frame: usize,
    frame_deadline: Option<Duration>,
    idle_timeout: Option<Duration>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wrap a stream, accepting frames up to [`MAX_FRAME`] bytes, with no time limits.
    pub fn new(inner: R) -> Self {
        Self::with_limits(inner, MAX_FRAME, None, None)
    }

    /// Wrap a stream with a frame-size limit, a deadline to finish a started frame and an
    /// idle timeout between frames.
    pub fn with_limits(
        inner: R,
        max_frame: usize,
        frame_deadline: Option<Duration>,
        idle_timeout: Option<Duration>,
    ) -> Self {
        FrameReader {
            inner,
            buf: vec![0; IDLE_BUFFER.min(max_frame.max(20))],
            start: 0,
            end: 0,
            max_frame,
            frame_deadline,
            idle_timeout,
        }
    }

    /// Bytes of buffer this reader holds now.
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame, or `None` at a clean end of stream. Errors on garbage, on a
    /// frame over the limit, on a stream cut mid-frame and on the time limits.
    pub async fn next(&mut self) -> io::Result<Option<&[u8]>> {
        self.shrink_when_idle();
        let mut started: Option<tokio::time::Instant> = None;
        loop {
            let pending = self.buf.get(self.start..self.end).unwrap_or(&[]);
            let need = frame_len(pending)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
                .map(|(_, n)| n);
            match need {
                Some(n) if n > self.max_frame => {
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
            let has_pending = !pending.is_empty();
            self.make_room(need);
            if has_pending && started.is_none() {
                started = Some(tokio::time::Instant::now());
            }
            let limit = match started {
                Some(at) => self.frame_deadline.map(|d| at + d),
                None => self.idle_timeout.map(|d| tokio::time::Instant::now() + d),
            };
            let n = self.read_until(limit).await?;
            if n == 0 {
                return if self.end == self.start {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "stream ended mid-message",
                    ))
                };
            }
            if started.is_none() {
                started = Some(tokio::time::Instant::now());
            }
            self.end += n;
        }
    }

    async fn read_until(&mut self, limit: Option<tokio::time::Instant>) -> io::Result<usize> {
        let free = self.buf.get_mut(self.end..).unwrap_or(&mut []);
        match limit {
            None => self.inner.read(free).await,
            Some(at) => match tokio::time::timeout_at(at, self.inner.read(free)).await {
                Ok(r) => r,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "frame deadline or idle timeout passed",
                )),
            },
        }
    }

    /// Move pending bytes to the front and grow the buffer to the announced frame length.
    fn make_room(&mut self, need: Option<usize>) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let want = need.unwrap_or(0).min(self.max_frame);
        if want > self.buf.len() {
            self.buf.resize(want, 0);
        }
    }

    /// Give a long frame's buffer back once nothing is pending.
    fn shrink_when_idle(&mut self) {
        if self.start == self.end && self.buf.len() > IDLE_BUFFER {
            self.buf = vec![0; IDLE_BUFFER];
            self.start = 0;
            self.end = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn binding(len: usize) -> Vec<u8> {
        // A Binding request whose body is one SOFTWARE-like padding attribute.
        let body = len - 20;
        let mut m = vec![
            0u8,
            1,
            (body >> 8) as u8,
            body as u8,
            0x21,
            0x12,
            0xA4,
            0x42,
        ];
        m.extend_from_slice(&[7; 12]);
        m.extend_from_slice(&[0x80, 0x22, ((body - 4) >> 8) as u8, (body - 4) as u8]);
        m.resize(len, b'x');
        m
    }

    #[tokio::test]
    async fn long_frames_grow_the_buffer_and_it_shrinks_back() {
        let (mut w, r) = tokio::io::duplex(1 << 16);
        let mut fr = FrameReader::with_limits(r, 65_535, None, None);
        assert!(fr.buffer_len() <= IDLE_BUFFER);
        let big = binding(20_000);
        let small = binding(100);
        w.write_all(&big).await.unwrap();
        w.write_all(&small).await.unwrap();
        assert_eq!(fr.next().await.unwrap().unwrap(), &big[..]);
        assert_eq!(fr.next().await.unwrap().unwrap(), &small[..]);
        drop(w);
        assert!(fr.next().await.unwrap().is_none());
        assert!(fr.buffer_len() <= IDLE_BUFFER, "{}", fr.buffer_len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_frame_sent_byte_by_byte_must_finish_within_the_deadline() {
        let (mut w, r) = tokio::io::duplex(1024);
        let mut fr = FrameReader::with_limits(
            r,
            4096,
            Some(Duration::from_secs(10)),
            Some(Duration::from_secs(300)),
        );
        let msg = binding(100);
        let writer = tokio::spawn(async move {
            for b in msg {
                w.write_all(&[b]).await.unwrap();
                tokio::time::sleep(Duration::from_secs(8)).await;
            }
        });
        let e = fr.next().await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        writer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn silence_between_frames_ends_at_the_idle_timeout() {
        let (_w, r) = tokio::io::duplex(1024);
        let mut fr = FrameReader::with_limits(r, 4096, None, Some(Duration::from_secs(30)));
        let t0 = tokio::time::Instant::now();
        let e = fr.next().await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(t0.elapsed(), Duration::from_secs(30));
    }
}
