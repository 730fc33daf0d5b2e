//! The few HTTP requests a WHEP viewer makes (`POST` the offer, `DELETE` the session), with
//! hyper's HTTP/1.1 client: the URL is checked here, the bytes on the wire are hyper's.

use crate::exit::Failure;
use axum::body::Bytes;
use axum::http::{header, Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;

/// Largest answer body read (an SDP answer is a few KiB).
const MAX_BODY: usize = 64 * 1024;
/// Time for one request, connect to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the node's WHEP endpoint is.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The node's HTTP address.
    pub addr: SocketAddr,
    /// `host:port` as the URL gave it (the `Host` header).
    pub authority: String,
    /// The endpoint's path (`/whep`).
    pub path: String,
}

impl Endpoint {
    /// Parse `http://HOST:PORT/PATH`; a URL without a path (or `/`) means the node's `/whep`.
    pub async fn parse(url: &str) -> Result<Self, Failure> {
        let uri: Uri = url
            .parse()
            .map_err(|e| Failure::Usage(format!("bad URL {url:?}: {e}")))?;
        if uri.scheme_str() != Some("http") {
            return Err(Failure::Usage(format!(
                "bad URL {url:?}: only http:// is supported"
            )));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| Failure::Usage(format!("bad URL {url:?}: no host")))?;
        let port = authority.port_u16().unwrap_or(80);
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let addr = tokio::net::lookup_host((host, port))
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| Failure::Network(format!("cannot resolve {host}")))?;
        let path = match uri.path() {
            "" | "/" => "/whep".to_string(),
            p => p.to_string(),
        };
        Ok(Endpoint {
            addr,
            authority: authority.to_string(),
            path,
        })
    }
}

/// A response: status, `Location` header, body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

/// Send one request with `body` (`application/sdp`) to `path` on the endpoint's host.
pub async fn request(
    to: &Endpoint,
    method: Method,
    path: &str,
    body: String,
) -> Result<Answer, Failure> {
    tokio::time::timeout(REQUEST_TIMEOUT, exchange(to, method, path, body))
        .await
        .map_err(|_| Failure::Timeout(format!("no HTTP answer from {} in time", to.addr)))?
}

async fn exchange(
    to: &Endpoint,
    method: Method,
    path: &str,
    body: String,
) -> Result<Answer, Failure> {
    let net = |e: &dyn std::fmt::Display| Failure::Network(format!("{}: {e}", to.addr));
    let stream = tokio::net::TcpStream::connect(to.addr)
        .await
        .map_err(|e| net(&e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| net(&e))?;
    tokio::spawn(conn);
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, &to.authority)
        .header(header::CONTENT_TYPE, "application/sdp")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| Failure::Usage(format!("bad request: {e}")))?;
    let resp = sender.send_request(req).await.map_err(|e| net(&e))?;
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = Limited::new(resp.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| net(&*e))?
        .to_bytes();
    Ok(Answer {
        status,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}
