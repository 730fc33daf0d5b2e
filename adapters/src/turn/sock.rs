//! A client connection's socket as the TCP code uses it: a TCP stream, or the plaintext end
//! of a TLS connection (a Unix socket pair whose other end [`super::tls`] feeds). Both are
//! read and written through `&self` with readiness, so the reader, the writer task and an
//! RFC 6062 splice can share one through an `Rc`.

use std::io;
use std::task::{Context, Poll};
use tokio::net::{TcpStream, UnixStream};

/// A TCP stream or the plaintext side of a TLS bridge.
#[derive(Debug)]
pub enum Sock {
    /// A plain TCP connection.
    Tcp(TcpStream),
    /// The server's end of a TLS connection's socket pair.
    Unix(UnixStream),
}

impl Sock {
    /// Read what is there without waiting.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.try_read(buf),
            Sock::Unix(s) => s.try_read(buf),
        }
    }

    /// Write what the kernel takes without waiting.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.try_write(buf),
            Sock::Unix(s) => s.try_write(buf),
        }
    }

    /// Ready to read.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Sock::Tcp(s) => s.poll_read_ready(cx),
            Sock::Unix(s) => s.poll_read_ready(cx),
        }
    }

    /// Wait until readable.
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.readable().await,
            Sock::Unix(s) => s.readable().await,
        }
    }

    /// Wait until writable.
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.writable().await,
            Sock::Unix(s) => s.writable().await,
        }
    }
}
