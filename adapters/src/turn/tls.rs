//! `turns:` (TURN over TLS, RFC 8656 §3.1, port 5349): rustls terminates TLS and hands the
//! plaintext to the TCP code through a Unix socket pair, so framing, limits, eviction and
//! RFC 6062 are the TCP path's own; the client's path is `Transport::Tls` with its real
//! address.
//!
//! Bounds: a handshake must finish within the handshake timeout (a client that opens a
//! connection and stalls is closed and counted); at most `max_tls_handshakes` handshakes run
//! at once (more connections are closed at accept and counted); a finished connection takes
//! a slot of the TCP connection table like a TCP one. Certificates are read from PEM files
//! at start and again on reload; a reload that fails keeps the running certificate.

use super::sock::Sock;
use super::state::Shared;
use super::{tcp, RunError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sansio::{Path, Transport};
use std::net::SocketAddr;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Counters of the TLS listeners.
#[derive(Debug, Default, Clone, Copy)]
pub struct TlsStats {
    /// Handshakes completed.
    pub handshakes: u64,
    /// Handshakes that did not finish in time (stalled clients), closed.
    pub timeouts: u64,
    /// Handshakes that failed (bad records, no common cipher, client alerts).
    pub failures: u64,
    /// Connections closed at accept because too many handshakes were running.
    pub refused: u64,
    /// Handshakes running now.
    pub in_progress: u64,
}

/// A TLS server configuration from a PEM certificate chain and a PEM private key (coturn's
/// `cert` and `pkey`).
pub fn server_config(cert: &FsPath, key: &FsPath) -> Result<Arc<rustls::ServerConfig>, RunError> {
    let bad = |what: &str, p: &FsPath, e: &dyn std::fmt::Display| {
        RunError::Usage(format!("{what} {}: {e}", p.display()))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("--cert", cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad("--cert", cert, &e))?;
    if chain.is_empty() {
        return Err(bad("--cert", cert, &"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("--pkey", key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RunError::Usage(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| RunError::Usage(format!("--cert/--pkey: {e}")))?;
    Ok(Arc::new(config))
}

/// Accept TLS clients on `listener`.
pub async fn accept_loop(shared: Shared, listener: TcpListener, local: SocketAddr) {
    loop {
        let Ok((stream, from)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut core = shared.borrow_mut();
        if core.tls_stats.in_progress >= core.tls_max_handshakes as u64 {
            core.tls_stats.refused += 1;
            if let Some(suppressed) = core.logs.allow("tls_refused", std::time::Instant::now()) {
                tracing::warn!(client = %from, %local, suppressed,
                    "TLS connection refused: too many handshakes in progress");
            }
            continue;
        }
        let Some(acceptor) = core.tls.clone().map(TlsAcceptor::from) else {
            continue;
        };
        core.tls_stats.in_progress += 1;
        let timeout = core.tls_handshake_timeout;
        drop(core);
        let _ = stream.set_nodelay(true);
        tokio::task::spawn_local(handshake(
            shared.clone(),
            acceptor,
            stream,
            Path {
                transport: Transport::Tls,
                local,
                remote: from,
            },
            timeout,
        ));
    }
}

/// Finish the handshake in time, then bridge the TLS stream to a socket pair whose other end
/// the TCP code serves.
async fn handshake(
    shared: Shared,
    acceptor: TlsAcceptor,
    stream: TcpStream,
    path: Path,
    limit: Duration,
) {
    let done = tokio::time::timeout(limit, acceptor.accept(stream)).await;
    let Some((tls, ours)) = admit(&shared, done, path) else {
        return;
    };
    // Either side closing ends both: the TCP code sees EOF, or the client sees close_notify.
    let (mut tls_read, mut tls_write) = tokio::io::split(tls);
    let (mut plain_read, mut plain_write) = ours.into_split();
    tokio::select! {
        _ = tokio::io::copy(&mut tls_read, &mut plain_write) => {}
        _ = tokio::io::copy(&mut plain_read, &mut tls_write) => {}
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), tls_write.shutdown()).await;
}

/// Count the handshake's outcome and, when it succeeded, hand the plaintext side to the TCP
/// code: the TLS stream and the bridge's end of the socket pair.
fn admit(
    shared: &Shared,
    done: Result<std::io::Result<TlsStream<TcpStream>>, tokio::time::error::Elapsed>,
    path: Path,
) -> Option<(TlsStream<TcpStream>, UnixStream)> {
    let mut core = shared.borrow_mut();
    core.tls_stats.in_progress = core.tls_stats.in_progress.saturating_sub(1);
    let tls = match done {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            core.tls_stats.failures += 1;
            tracing::debug!(client = %path.remote, "TLS handshake failed: {e}");
            return None;
        }
        Err(_) => {
            core.tls_stats.timeouts += 1;
            if let Some(suppressed) = core.logs.allow("tls_timeout", std::time::Instant::now()) {
                tracing::info!(client = %path.remote, suppressed,
                    "TLS handshake not finished in time: closed");
            }
            return None;
        }
    };
    core.tls_stats.handshakes += 1;
    let (ours, theirs) = match UnixStream::pair() {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("cannot make a socket pair for a TLS connection: {e}");
            return None;
        }
    };
    if !tcp::make_room(&mut core, path.remote, path.local) {
        return None;
    }
    tcp::add_stream(&mut core, shared, Sock::Unix(theirs), path);
    Some((tls, ours))
}
