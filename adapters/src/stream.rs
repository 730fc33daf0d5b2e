//! STUN and TURN message framing on a TCP (or TLS) byte stream (RFC 8489 §6.2.2, RFC 8656
//! §12.5: STUN messages and ChannelData frames back to back).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use turn_proto::wire::frame_len;

/// Default largest message accepted on a stream; longer frames close the connection.
pub const MAX_FRAME: usize = 4096;
/// Bytes a reader holds while idle: enough for any common message; a longer frame grows the
/// buffer as its bytes arrive (up to the reader's limit) and it shrinks back afterwards.
pub const IDLE_BUFFER: usize = 1536;

/// The error [`FrameReader::next`] returns when the connection stayed silent between frames
/// for the idle timeout (the reader may be used again; see [`is_idle_timeout`]).
#[derive(Debug, Clone, Copy)]
pub struct IdleTimeout;

impl std::fmt::Display for IdleTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("idle timeout passed")
    }
}

impl std::error::Error for IdleTimeout {}

/// Whether `e` is the idle timeout between frames (rather than a frame deadline or a failure).
pub fn is_idle_timeout(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<IdleTimeout>())
}

/// A pool of buffer bytes shared by many connections: what they hold beyond their idle
/// buffers is taken from it and given back, so the total stays under one limit however many
/// connections grow at once. Thread-safe; cheap enough to share between tasks.
#[derive(Debug)]
pub struct BufferBudget {
    used: AtomicUsize,
    limit: usize,
}

impl BufferBudget {
    /// A pool of `limit` bytes.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(BufferBudget {
            used: AtomicUsize::new(0),
            limit,
        })
    }

    /// Take `n` bytes; `false` (and nothing taken) when that would pass the limit.
    pub fn take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(n).filter(|&t| t <= self.limit)
            })
            .is_ok()
    }

    /// Take `n` bytes even past the limit (the rest of a frame already half sent must
    /// follow it); bounded by one frame per connection.
    pub fn force(&self, n: usize) {
        self.used.fetch_add(n, Ordering::AcqRel);
    }

    /// Give back `n` bytes taken earlier.
    pub fn give(&self, n: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                Some(u.saturating_sub(n))
            });
    }

    /// Bytes taken now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// Reads STUN messages and ChannelData frames one at a time from a byte stream, with bounded
/// memory and time.
///
/// * The buffer starts at [`IDLE_BUFFER`] bytes and grows, by doubling, only as the bytes of a
///   longer frame actually arrive (never past `max_frame`, nor past the length the frame
///   header announces): a header announcing 64 KiB costs nothing until 64 KiB are sent, and a
///   thousand idle connections cost a thousand small buffers, not a thousand worst cases. It
///   shrinks back once the long frame is consumed.
/// * With a [`BufferBudget`] ([`with_budget`](Self::with_budget)), growth beyond the idle
///   buffer is taken from the shared pool; a reader that cannot grow ends the stream with
///   `OutOfMemory`.
/// * A frame that has started must be complete within `frame_deadline` (slowloris: one byte
///   every few seconds never completes a frame), and a connection may stay silent between
///   frames for `idle_timeout`. Both end the stream with `TimedOut`; after the idle timeout
///   ([`is_idle_timeout`]) the reader may be used again.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_frame: usize,
    frame_deadline: Option<Duration>,
    idle_timeout: Option<Duration>,
    budget: Option<Arc<BufferBudget>>,
    /// Bytes of `buf` beyond `IDLE_BUFFER`, taken from `budget`.
    charged: usize,
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
            budget: None,
            charged: 0,
        }
    }

    /// Take buffer growth beyond [`IDLE_BUFFER`] from `budget`.
    pub fn with_budget(mut self, budget: Arc<BufferBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Bytes of buffer this reader holds now.
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes received but not yet returned as a frame (the start of the next one).
    pub fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// The stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
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
            self.make_room(need)?;
            if has_pending && started.is_none() {
                started = Some(tokio::time::Instant::now());
            }
            let limit = match started {
                Some(at) => self.frame_deadline.map(|d| at + d),
                None => self.idle_timeout.map(|d| tokio::time::Instant::now() + d),
            };
            let n = self.read_until(limit, started.is_none()).await?;
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

    async fn read_until(
        &mut self,
        limit: Option<tokio::time::Instant>,
        idle: bool,
    ) -> io::Result<usize> {
        let free = self.buf.get_mut(self.end..).unwrap_or(&mut []);
        match limit {
            None => self.inner.read(free).await,
            Some(at) => match tokio::time::timeout_at(at, self.inner.read(free)).await {
                Ok(r) => r,
                Err(_) if idle => Err(io::Error::new(io::ErrorKind::TimedOut, IdleTimeout)),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "frame deadline passed",
                )),
            },
        }
    }

    /// Move pending bytes to the front; when the buffer is full and the frame announced is
    /// longer, double it (up to that length): memory follows the bytes that arrived.
    fn make_room(&mut self, need: Option<usize>) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let want = need.unwrap_or(0).min(self.max_frame);
        if self.end < self.buf.len() || want <= self.buf.len() {
            return Ok(());
        }
        let grown = want.min(self.buf.len().saturating_mul(2));
        if let Some(b) = &self.budget {
            let charge = grown
                .saturating_sub(IDLE_BUFFER)
                .saturating_sub(self.charged);
            if !b.take(charge) {
                return Err(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    "TCP buffer budget exhausted",
                ));
            }
            self.charged += charge;
        }
        self.buf.resize(grown, 0);
        Ok(())
    }

    /// Give a long frame's buffer back once nothing is pending.
    fn shrink_when_idle(&mut self) {
        if self.start == self.end && self.buf.len() > IDLE_BUFFER {
            self.buf = vec![0; IDLE_BUFFER];
            self.start = 0;
            self.end = 0;
            self.release();
        }
    }

    fn release(&mut self) {
        if let Some(b) = &self.budget {
            b.give(self.charged);
        }
        self.charged = 0;
    }
}

impl<R> Drop for FrameReader<R> {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.give(self.charged);
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
