//! `p2p turn --tls`: TLS to the server through rustls, bridged to a loopback TCP connection
//! the driver uses as it uses a TCP path (the same framing: STUN and padded ChannelData).

use crate::exit::Failure;
use crate::turn_client::Args;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

/// The name the certificate must carry: the host of `server` as given (a name or an IP).
fn server_name(server: &str) -> Result<ServerName<'static>, Failure> {
    let s = ["stun:", "turns:", "turn:"]
        .iter()
        .find_map(|p| server.strip_prefix(p))
        .unwrap_or(server);
    let host = match (s.parse::<SocketAddr>(), s.parse::<std::net::IpAddr>()) {
        (Ok(a), _) => a.ip().to_string(),
        (_, Ok(ip)) => ip.to_string(),
        _ => s.rsplit_once(':').map_or(s, |(h, _)| h).to_string(),
    };
    ServerName::try_from(host.trim_matches(['[', ']']).to_string())
        .map_err(|e| Failure::Usage(format!("{server:?} is not a TLS server name: {e}")))
}

fn client_config(args: &Args) -> Result<rustls::ClientConfig, Failure> {
    let bad =
        |e: &dyn std::fmt::Display| Failure::Usage(format!("--ca {}: {e}", args.ca.display()));
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(&args.ca).map_err(|e| bad(&e))?;
    let certs: Vec<_> = certs.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(bad(&"no usable certificate"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Internal(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Connect to `server` over TLS and return a loopback address whose one TCP connection
/// carries the plaintext both ways.
pub async fn bridge(args: &Args, server: SocketAddr) -> Result<SocketAddr, Failure> {
    let name = server_name(&args.server)?;
    let config = client_config(args)?;
    let tcp = TcpStream::connect(server)
        .await
        .map_err(|e| Failure::Network(format!("cannot connect to {server}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| Failure::Network(format!("TLS with {server}: {e}")))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::Network(format!("cannot bind a loopback bridge: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::Network(e.to_string()))?;
    tokio::spawn(async move {
        let Ok((plain, _)) = listener.accept().await else {
            return;
        };
        drop(listener);
        let _ = plain.set_nodelay(true);
        let (mut tls_read, mut tls_write) = tokio::io::split(tls);
        let (mut plain_read, mut plain_write) = plain.into_split();
        tokio::select! {
            _ = tokio::io::copy(&mut tls_read, &mut plain_write) => {}
            _ = tokio::io::copy(&mut plain_read, &mut tls_write) => {}
        }
    });
    Ok(local)
}
