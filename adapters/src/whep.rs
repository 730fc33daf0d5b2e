//! WHEP (draft-ietf-wish-whep) and WHIP (RFC 9725) over HTTP: each `POST` of an SDP offer to
//! `/whep` (a viewer: it receives) or `/whip` (a publisher: it sends) starts one
//! [`peer_core::PeerConnection`] on its own UDP socket, driven by the generic
//! [`driver`](crate::driver); the answer comes back with `201 Created` and a `Location` for
//! `PATCH` (trickle ICE, `application/trickle-ice-sdpfrag`) and `DELETE`. Both run the same
//! session machinery: which way media flows is what the offer and [`WhepConfig::peer`]
//! negotiate.
//!
//! With TURN servers in the peer configuration the answer waits (at most
//! [`GATHER_TIMEOUT`]) until our relayed candidate is allocated, so it carries it
//! (WHEP has no way to trickle from the server).
//!
//! What a session does once connected is the embedding program's: a [`SessionApp`] gets the
//! connection's events, the RTP packets it receives and a periodic tick, and sends data and
//! media frames through [`Session`].
//!
//! **Server offer.** `POST /whep/offer` with an empty body makes us the offerer, in the
//! server-offer mode of the early WHEP drafts and their discussion (a `POST` without an offer,
//! the answer sent back by `PATCH`; draft-ietf-wish-whep today has client offers only):
//! `201 Created` carries our SDP offer (gathered like an answer) and a `Location`; the client
//! `PATCH`es that `Location` with `Content-Type: application/sdp` and its answer (`204`), then
//! trickles and `DELETE`s as for any session. We are then the controlling ICE agent and
//! offer `a=setup:actpass`. A session whose answer does not come within [`ANSWER_TIMEOUT`]
//! ends.
//!
//! Refusals are HTTP status codes: `413` for a body over the limit, `503` past the session
//! limit, `400` for an offer or answer that does not parse or cannot be negotiated (an answer
//! that parses but does not fit our offer ends the session), `404` for an unknown session,
//! `409` for an answer to a session that has none outstanding (answered already, or it
//! answered the client's offer).

use crate::driver::{Ctx, Driver, Input, UdpFilter};
use crate::ratelog::LogLimiter;
use crate::OsEntropy;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::Router;
use dtls_core::cert::Certificate;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::signaling::Description;
use peer_core::{
    ChannelId, Delivered, MessageKind, PeerConfig, PeerConnection, PeerError, PeerEvent, PeerState,
    TrackId,
};
use rtp_core::wire::RtpPacket;
use sansio::{DtlsRole, Instant};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The peer connection a WHEP session runs (heap SCTP buffers, 64 channels, 2048 chunks).
pub type Peer = PeerConnection<OsEntropy, Endpoint<OsEntropy>, Box<[u8]>, 64, 2048>;

/// With TURN servers configured: the longest wait for our relayed candidate before answering.
pub const GATHER_TIMEOUT: Duration = Duration::from_secs(5);

/// A server-offer session ends when the client's answer has not come within this time.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a session may stay disconnected (consent lost, no other pair) before it is freed.
const DISCONNECTED_GRACE: Duration = Duration::from_secs(10);

/// What a session does: the embedding program's logic.
pub trait SessionApp: Send + 'static {
    /// How often [`on_tick`](Self::on_tick) runs (media pacing, sensor readings); `None`: never.
    fn tick(&self) -> Option<Duration> {
        None
    }
    /// An event of the connection.
    fn on_event(&mut self, session: &mut Session<'_, '_>, event: &PeerEvent) {
        let _ = (session, event);
    }
    /// A periodic tick.
    fn on_tick(&mut self, session: &mut Session<'_, '_>) {
        let _ = session;
    }
    /// An RTP packet arrived on `track` (decrypted).
    fn on_rtp(&mut self, track: TrackId, packet: &RtpPacket<&[u8]>) {
        let _ = (track, packet);
    }
    /// An RTP packet arrived on `track` at `now` (for a jitter buffer); calls
    /// [`on_rtp`](Self::on_rtp) unless overridden.
    fn on_rtp_at(&mut self, now: Instant, track: TrackId, packet: &RtpPacket<&[u8]>) {
        let _ = now;
        self.on_rtp(track, packet);
    }
    /// The session ended (closed, failed, deleted).
    fn on_end(&mut self, state: PeerState) {
        let _ = state;
    }
    /// A gate on the session's datagrams (e.g. NAT emulation), asked once before its socket
    /// is bound; `None`: everything passes.
    fn udp_filter(&mut self) -> Option<Box<dyn UdpFilter>> {
        None
    }
}

/// Settings of a WHEP endpoint.
#[derive(Clone)]
pub struct WhepConfig {
    /// The address sessions bind their UDP socket to (their ICE host candidate).
    pub bind_ip: IpAddr,
    /// What every session's peer connection supports.
    pub peer: PeerConfig,
    /// Sessions at once; more are refused with 503.
    pub max_sessions: usize,
    /// Largest request body; larger ones are refused with 413.
    pub max_body: usize,
    /// Bytes of each session's SCTP send and receive buffers.
    pub sctp_buffer: usize,
    /// Our DTLS certificate (its fingerprint goes into every answer).
    pub certificate: Certificate,
}

impl std::fmt::Debug for WhepConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhepConfig")
            .field("bind_ip", &self.bind_ip)
            .field("max_sessions", &self.max_sessions)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// A session's view for its [`SessionApp`]: the connection and the socket.
pub struct Session<'a, 'd> {
    ctx: &'a mut Ctx<'d, Peer>,
}

impl std::fmt::Debug for Session<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session<'_, '_> {
    /// The peer connection.
    pub fn peer(&mut self) -> &mut Peer {
        self.ctx.machine()
    }

    /// Now, on the connection's timeline.
    pub fn now(&self) -> Instant {
        self.ctx.now()
    }

    /// Send a data-channel message.
    pub fn send(
        &mut self,
        channel: ChannelId,
        kind: MessageKind,
        data: &[u8],
    ) -> Result<(), PeerError> {
        let now = self.ctx.now();
        self.ctx.machine().send(now, channel, kind, data)
    }

    /// Send one media frame on `track` (all its packets go out now).
    pub fn send_frame(
        &mut self,
        track: TrackId,
        rtp_timestamp: u32,
        frame: &[u8],
    ) -> Result<usize, PeerError> {
        self.send_frame_with(track, rtp_timestamp, frame, |_| true)
    }

    /// [`send_frame`](Self::send_frame), sending only the packets `keep` says yes to (by
    /// their index in the frame): loss on the way out, for labs and tests of loss repair.
    /// Returns the packets the frame made, sent or not.
    pub fn send_frame_with(
        &mut self,
        track: TrackId,
        rtp_timestamp: u32,
        frame: &[u8],
        mut keep: impl FnMut(usize) -> bool,
    ) -> Result<usize, PeerError> {
        let now = self.ctx.now();
        let mut out = [0u8; 1600];
        let mut packets = Vec::new();
        {
            let mut fs = self
                .ctx
                .machine()
                .send_frame(now, track, rtp_timestamp, frame)?;
            while let Some(t) = fs.next(&mut out)? {
                packets.push((t.path, out.get(..t.len).unwrap_or(&[]).to_vec()));
            }
        }
        let n = packets.len();
        for (i, (path, bytes)) in packets.into_iter().enumerate() {
            if keep(i) {
                self.ctx.send(path, &bytes);
            }
        }
        Ok(n)
    }
}

/// A command to a running session.
#[derive(Debug)]
enum Command {
    Trickle(String),
    /// The client's SDP answer to our offer; the reply is the HTTP status for the `PATCH`.
    Answer(String, oneshot::Sender<StatusCode>),
    Tick,
    Close,
}

type MakeApp = Arc<dyn Fn() -> Box<dyn SessionApp> + Send + Sync>;

struct Registry {
    sessions: HashMap<u64, mpsc::Sender<Command>>,
    next: u64,
}

#[derive(Clone)]
struct Shared {
    config: Arc<WhepConfig>,
    make_app: MakeApp,
    registry: Arc<Mutex<Registry>>,
    /// A flood of refused offers writes a few lines a second, not one per offer.
    logs: Arc<Mutex<LogLimiter>>,
}

/// Whether a line of `kind` may be logged now; `Some(n)`: yes, `n` were suppressed before.
fn log_allowed(shared: &Shared, kind: &'static str) -> Option<u64> {
    let now = std::time::Instant::now();
    shared.logs.lock().ok()?.allow(kind, now)
}

/// How a session starts: it answers the client's offer, or it offers.
enum Start {
    /// Answer this offer (WHEP, WHIP).
    Answer(String),
    /// Make an offer; the answer comes by `PATCH`.
    Offer,
}

/// The WHEP and WHIP routes (`POST /whep`, `/whep/offer` and `/whip`, `PATCH` and
/// `DELETE /whep/{id}` and `/whip/{id}`), to serve alone or merge into a bigger router.
pub fn router(
    config: WhepConfig,
    make_app: impl Fn() -> Box<dyn SessionApp> + Send + Sync + 'static,
) -> Router {
    let max_body = config.max_body;
    let shared = Shared {
        config: Arc::new(config),
        make_app: Arc::new(make_app),
        registry: Arc::new(Mutex::new(Registry {
            sessions: HashMap::new(),
            next: 1,
        })),
        logs: Arc::new(Mutex::new(LogLimiter::new(5))),
    };
    Router::new()
        .route("/whep", post(create_whep).options(preflight))
        .route("/whep/offer", post(create_offer).options(preflight))
        .route(
            "/whep/{id}",
            patch(trickle).delete(delete).options(preflight),
        )
        .route("/whip", post(create_whip).options(preflight))
        .route(
            "/whip/{id}",
            patch(trickle).delete(delete).options(preflight),
        )
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(shared)
}

/// Sessions running now.
fn session_count(shared: &Shared) -> usize {
    shared.registry.lock().map_or(0, |r| r.sessions.len())
}

fn cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Location"),
    );
    r
}

async fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, PATCH, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    cors(r)
}

async fn create_whep(state: State<Shared>, body: Bytes) -> Response {
    create_answering(state, body, "whep").await
}

async fn create_whip(state: State<Shared>, body: Bytes) -> Response {
    create_answering(state, body, "whip").await
}

/// `POST /whep/offer`: a session that offers (the body, if any, is ignored).
async fn create_offer(State(shared): State<Shared>) -> Response {
    create(shared, Start::Offer, "whep").await
}

async fn create_answering(
    State(shared): State<Shared>,
    body: Bytes,
    kind: &'static str,
) -> Response {
    let Ok(offer) = String::from_utf8(body.to_vec()) else {
        if let Some(suppressed) = log_allowed(&shared, "offer_refused") {
            tracing::info!(suppressed, "WHEP: offer refused (400): not UTF-8");
        }
        return cors((StatusCode::BAD_REQUEST, "offer is not UTF-8\n").into_response());
    };
    create(shared, Start::Answer(offer), kind).await
}

/// Start a session (within the limit); 201 with its SDP (answer or offer) and `Location`.
async fn create(shared: Shared, start: Start, kind: &'static str) -> Response {
    if session_count(&shared) >= shared.config.max_sessions {
        if let Some(suppressed) = log_allowed(&shared, "session_limit") {
            tracing::warn!(
                limit = shared.config.max_sessions,
                suppressed,
                "WHEP: session limit reached; answering 503"
            );
        }
        return cors((StatusCode::SERVICE_UNAVAILABLE, "too many sessions\n").into_response());
    }
    let (tx, rx) = mpsc::channel(64);
    let id = {
        let Ok(mut reg) = shared.registry.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let id = reg.next;
        reg.next += 1;
        reg.sessions.insert(id, tx.clone());
        id
    };
    // No offer of the client's to blame when ours cannot be made: 500, not 400.
    let (refusal, what) = match start {
        Start::Answer(_) => (StatusCode::BAD_REQUEST, "offer refused"),
        Start::Offer => (StatusCode::INTERNAL_SERVER_ERROR, "cannot offer"),
    };
    let (sdp_tx, sdp_rx) = oneshot::channel();
    tokio::spawn(run_session(shared.clone(), id, start, rx, tx, sdp_tx));
    let sdp = match sdp_rx.await {
        Ok(Ok(sdp)) => sdp,
        Ok(Err(e)) => {
            if let Some(suppressed) = log_allowed(&shared, "offer_refused") {
                tracing::info!(id, suppressed, "WHEP: {what} ({refusal}): {e}");
            }
            return cors((refusal, format!("{e}\n")).into_response());
        }
        Err(_) => return cors(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    };
    let mut r = (StatusCode::CREATED, sdp).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/sdp"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/{kind}/{id}")) {
        h.insert(header::LOCATION, v);
    }
    cors(r)
}

async fn trickle(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(tx) = shared
        .registry
        .lock()
        .ok()
        .and_then(|r| r.sessions.get(&id).cloned())
    else {
        return cors(StatusCode::NOT_FOUND.into_response());
    };
    let sdp = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().starts_with("application/sdp"));
    if sdp {
        return cors(answer(&shared, tx, id, &body).await.into_response());
    }
    let text = String::from_utf8_lossy(&body).to_string();
    for line in text.lines().map(str::trim) {
        if line.starts_with("a=candidate:") || line == "a=end-of-candidates" {
            let _ = tx.send(Command::Trickle(line.to_string())).await;
        }
    }
    cors(StatusCode::NO_CONTENT.into_response())
}

/// `PATCH` with `application/sdp`: the client's answer to our offer, for the session to apply.
async fn answer(shared: &Shared, tx: mpsc::Sender<Command>, id: u64, body: &[u8]) -> StatusCode {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return StatusCode::BAD_REQUEST;
    };
    let (reply_tx, reply_rx) = oneshot::channel();
    if tx.send(Command::Answer(text, reply_tx)).await.is_err() {
        return StatusCode::NOT_FOUND; // it ended meanwhile
    }
    let status = reply_rx.await.unwrap_or(StatusCode::NOT_FOUND);
    if status != StatusCode::NO_CONTENT {
        if let Some(suppressed) = log_allowed(shared, "answer_refused") {
            tracing::info!(id, suppressed, "WHEP: answer refused ({status})");
        }
    }
    status
}

async fn delete(State(shared): State<Shared>, UrlPath(id): UrlPath<u64>) -> Response {
    let tx = shared
        .registry
        .lock()
        .ok()
        .and_then(|mut r| r.sessions.remove(&id));
    match tx {
        Some(tx) => {
            let _ = tx.send(Command::Close).await;
            cors(StatusCode::OK.into_response())
        }
        None => cors(StatusCode::NOT_FOUND.into_response()),
    }
}

/// One session: socket, peer connection, its SDP (answer or offer), then the driver until it
/// ends.
async fn run_session(
    shared: Shared,
    id: u64,
    start: Start,
    rx: mpsc::Receiver<Command>,
    tx: mpsc::Sender<Command>,
    sdp_tx: oneshot::Sender<Result<String, String>>,
) {
    let mut app = (shared.make_app)();
    let offers = matches!(start, Start::Offer);
    match begin(&shared.config, start, app.udp_filter()).await {
        Ok((mut driver, sdp)) => {
            let _ = sdp_tx.send(Ok(sdp));
            // The tick also frees sessions left disconnected or unanswered.
            let every = app.tick().unwrap_or(Duration::from_secs(1));
            tokio::spawn(ticker(tx, every));
            let offered_at = offers.then(|| driver.ctx().now());
            let end = drive(&mut driver, rx, &mut *app, offered_at).await;
            // A close (ours or the peer's) leaves datagrams to send: our ABORT and close_notify.
            driver.flush_now().await;
            tracing::info!(id, state = ?end, "WHEP session ended");
            app.on_end(end);
        }
        Err(e) => {
            let _ = sdp_tx.send(Err(e));
        }
    }
    if let Ok(mut r) = shared.registry.lock() {
        r.sessions.remove(&id);
    }
}

async fn ticker(tx: mpsc::Sender<Command>, every: Duration) {
    let mut t = tokio::time::interval(every);
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        t.tick().await;
        if tx.send(Command::Tick).await.is_err() {
            return;
        }
    }
}

/// Bind the session's socket, build its peer connection, gather (relayed candidates, when
/// TURN is configured), then answer the offer or make ours.
async fn begin(
    config: &WhepConfig,
    start: Start,
    filter: Option<Box<dyn UdpFilter>>,
) -> Result<(Driver<Peer>, String), String> {
    let dtls = Endpoint::new(
        DtlsRole::Server,
        DtlsConfig::default(),
        config.certificate.clone(),
        OsEntropy,
    );
    let buf = || vec![0u8; config.sctp_buffer].into_boxed_slice();
    let peer: Peer = PeerConnection::new(config.peer.clone(), OsEntropy, dtls, buf(), buf());
    let mut driver = Driver::new(peer);
    if let Some(f) = filter {
        driver.set_udp_filter(f);
    }
    let mut ctx = driver.ctx();
    let local = ctx
        .bind_udp(SocketAddr::new(config.bind_ip, 0))
        .map_err(|e| format!("cannot bind a UDP socket: {e}"))?;
    let now = ctx.now();
    let peer = ctx.machine();
    peer.add_host(now, local).map_err(|e| e.to_string())?;
    peer.hosts_done(now);
    if !config.peer.ice.turn_servers.is_empty() {
        gather(&mut driver, GATHER_TIMEOUT).await;
    }
    let mut ctx = driver.ctx();
    let now = ctx.now();
    let mut out = vec![0u8; 16 * 1024];
    let n = match start {
        Start::Answer(offer) => ctx.machine().accept_offer(now, &offer, &mut out),
        Start::Offer => ctx.machine().create_offer(now, &mut out),
    }
    .map_err(|e| e.to_string())?;
    let sdp = String::from_utf8_lossy(out.get(..n).unwrap_or(&[])).to_string();
    Ok((driver, sdp))
}

/// Run the driver until gathering completes or `timeout` passes (the candidates found by then
/// go into the answer).
async fn gather(driver: &mut Driver<Peer>, timeout: Duration) {
    let run = driver.run(None::<mpsc::Receiver<()>>, |_, input| match input {
        Input::Event(PeerEvent::GatheringComplete) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    if tokio::time::timeout(timeout, run).await.is_err() {
        tracing::warn!(
            ?timeout,
            "WHEP: gathering not complete; answering with what we have"
        );
    }
}

/// The client's answer to our offer (made at `offered_at`, `None` once answered): the status
/// for its `PATCH`, and whether the session must end (an answer that does not fit the offer
/// used the offer up).
fn apply_answer(
    s: &mut Session<'_, '_>,
    sdp: &str,
    offered_at: &mut Option<Instant>,
) -> (StatusCode, bool) {
    if offered_at.is_none() {
        return (StatusCode::CONFLICT, false);
    }
    if Description::parse(sdp).is_err() {
        return (StatusCode::BAD_REQUEST, false); // the offer still waits for a good one
    }
    *offered_at = None;
    let now = s.now();
    match s.peer().accept_answer(now, sdp) {
        Ok(()) => (StatusCode::NO_CONTENT, false),
        Err(e) => {
            tracing::info!("WHEP: answer cannot be negotiated: {e}");
            (StatusCode::BAD_REQUEST, true)
        }
    }
}

/// What a running session waits for: since when it is disconnected, since when our offer
/// waits for its answer.
#[derive(Default)]
struct Waits {
    disconnected_since: Option<Instant>,
    offered_at: Option<Instant>,
}

/// A command to a running session; `Break` with the final state when it ends the session.
fn on_command(
    s: &mut Session<'_, '_>,
    app: &mut dyn SessionApp,
    waits: &mut Waits,
    command: Command,
) -> ControlFlow<PeerState> {
    let now = s.now();
    match command {
        Command::Trickle(line) => {
            let _ = s.peer().add_remote_candidate(now, &line);
        }
        Command::Answer(sdp, reply) => {
            let (status, end) = apply_answer(s, &sdp, &mut waits.offered_at);
            let _ = reply.send(status);
            if end {
                s.peer().close(now);
                return ControlFlow::Break(PeerState::Closed);
            }
        }
        Command::Tick => {
            let late = |since: Option<Instant>, limit| {
                since.is_some_and(|t| now.saturating_duration_since(t) > limit)
            };
            if late(waits.disconnected_since, DISCONNECTED_GRACE) {
                return ControlFlow::Break(PeerState::Disconnected);
            }
            if late(waits.offered_at, ANSWER_TIMEOUT) {
                tracing::info!("WHEP: no answer to our offer; session ends");
                return ControlFlow::Break(PeerState::New);
            }
            app.on_tick(s);
        }
        Command::Close => {
            s.peer().close(now);
            return ControlFlow::Break(PeerState::Closed);
        }
    }
    ControlFlow::Continue(())
}

/// Run the driver until the connection ends; returns the final state. `offered_at`: when a
/// server offer was made (its answer is awaited).
async fn drive(
    driver: &mut Driver<Peer>,
    rx: mpsc::Receiver<Command>,
    app: &mut dyn SessionApp,
    offered_at: Option<Instant>,
) -> PeerState {
    let mut waits = Waits {
        offered_at,
        ..Waits::default()
    };
    let r = driver
        .run(Some(rx), |ctx, input| {
            let mut s = Session { ctx };
            match input {
                Input::Event(ev) => {
                    app.on_event(&mut s, &ev);
                    if let PeerEvent::StateChanged(st) = ev {
                        match st {
                            PeerState::Failed(_) | PeerState::Closed => {
                                return ControlFlow::Break(st)
                            }
                            PeerState::Disconnected => {
                                waits.disconnected_since = Some(s.now());
                            }
                            _ => waits.disconnected_since = None,
                        }
                    }
                }
                Input::Data(_, Delivered::Rtp { .. }) => {
                    let now = s.now();
                    if let Some((track, p)) = s.peer().rtp_packet() {
                        app.on_rtp_at(now, track, &p);
                    }
                }
                Input::Command(c) => return on_command(&mut s, app, &mut waits, c),
                _ => {}
            }
            ControlFlow::Continue(())
        })
        .await;
    r.unwrap_or(PeerState::Closed)
}

/// Serve `router` (the WHEP routes, merged with e.g. a page) on `listener` until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
