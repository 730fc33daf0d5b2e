//! The peer connection: one ICE agent, one DTLS endpoint, SRTP, one SCTP association and the
//! RTP tracks of a negotiated session, behind one [`SansIo`] machine on one socket.

use crate::config::{PeerConfig, Settings};
use crate::event::{Failure, PeerEvent, PeerState};
use crate::media::Sender;
use crate::rtcp::Control;
use crate::session::{Session, MAX_TRACKS};
use crate::stats::PeerStats;
use core::fmt;
use dtls_core::Dtls;
use ice_core::{IceAgent, IceEvent, IceRole, IceState};
use sansio::{Carrier, Entropy, EventQueue, Forked, Instant, SansIo};
use sctp_core::association::{Association, Event as SctpEvent, LostReason};
use srtp_core::SrtpSession;

/// The ICE agent a peer connection runs: by default 8 local and remote candidates, 32 pairs,
/// 8 checks in flight, one TURN allocation, STUN-server gathering (see [`PeerConnection`]'s
/// `IC`, `IP`, `IT`, `IR`, `IS`), and [`ICE_EVENTS`] events.
pub type Ice<
    E,
    const IC: usize = 8,
    const IP: usize = 32,
    const IT: usize = 8,
    const IR: usize = 1,
    const IS: usize = 1,
> = IceAgent<Forked<E>, IC, IP, IT, IR, IS, ICE_EVENTS>;

/// Events the ICE agent holds: the connection takes them after every call into it (no call
/// makes more than a few), instead of ice-core's default 16 of about 150 bytes each.
pub const ICE_EVENTS: usize = 8;

/// The SCTP association lives on the heap when there is one (a server's associations have
/// hundreds of KiB of chunk tables), inline otherwise (a microcontroller's small one, in the
/// connection's own static).
#[cfg(feature = "alloc")]
pub(crate) type Held<T> = alloc::boxed::Box<T>;
#[cfg(feature = "alloc")]
fn hold<T>(t: T) -> Held<T> {
    alloc::boxed::Box::new(t)
}
#[cfg(not(feature = "alloc"))]
pub(crate) type Held<T> = T;
#[cfg(not(feature = "alloc"))]
fn hold<T>(t: T) -> Held<T> {
    t
}

/// Largest datagram handled in the internal buffers (UDP payloads of a 1500-byte MTU).
pub const DATAGRAM: usize = 1500;
/// Largest local description kept between an offer and its answer, by default (see
/// [`PeerConnection`]'s `SDP`).
pub const MAX_LOCAL_SDP: usize = 6144;
/// Events held for the owner by default (see [`sansio::EventQueue`] and [`PeerConnection`]'s
/// `EV`).
pub const EVENT_CAPACITY: usize = 64;
/// SSRCs each SRTP direction tracks by default (see [`PeerConnection`]'s `SS`).
pub const SRTP_STREAMS: usize = 8;
/// NACKed packets waiting to be resent; further requests are refused and counted. Without
/// `alloc` nothing is kept to resend from (every request is refused and counted as it is
/// taken), so one slot.
pub const RESEND_QUEUE: usize = if cfg!(feature = "alloc") { 64 } else { 1 };

/// One WebRTC peer connection.
///
/// * `E`: the entropy source (cloned into the inner machines through [`Forked`]).
/// * `D`: the DTLS implementation ([`dtls_core::Endpoint`], or `DimplDtls` on a server).
/// * `B`, `CH`, `N`: the SCTP association's buffers, channels and in-flight chunks (see
///   [`sctp_core::association::Association`]).
/// * `IC`, `IP`, `IT`, `IR`: the ICE agent's local and remote candidates (each), candidate
///   pairs, checks in flight and TURN allocations (see [`IceAgent`]; `IR = 0` leaves TURN's
///   memory out). The defaults suit a server or a browser-like peer; a microcontroller with
///   one host candidate and no TURN server can take a fraction.
/// * `EV`: events held for the owner ([`EVENT_CAPACITY`] by default).
/// * `SDP`: the longest local offer kept until its answer ([`MAX_LOCAL_SDP`] by default); a
///   longer one is refused ([`PeerError::TooLarge`](crate::PeerError::TooLarge)), so a peer
///   that only answers (a WHEP server) can take 0.
/// * `TR`: media tracks with RTCP (reports, NACK, keyframe requests; about 5 KB each),
///   [`MAX_TRACKS`] by default; a negotiation of more tracks is refused
///   ([`PeerError::Negotiation`](crate::PeerError::Negotiation)). A node that only sends
///   audio takes 1.
/// * `IS`: the ICE agent's STUN-server gathering (1 by default); 0 leaves out asking STUN
///   servers for server-reflexive candidates and the STUN client that does it (about 3 KB),
///   for a node configured with none.
/// * `SS`: SSRCs each SRTP direction keeps replay state for ([`SRTP_STREAMS`] by default;
///   about 140 bytes each on a 32-bit target). A received packet of a further SSRC is
///   dropped (counted as unauthenticated), a packet of ours fails to send. A node sending
///   one audio track to a viewer takes 2.
///
/// The contract is the workspace's ([`SansIo`]): one input (a datagram, a timeout or a
/// command: [`create_offer`](Self::create_offer), [`accept_offer`](Self::accept_offer),
/// [`send`](Self::send), [`send_frame`](Self::send_frame)…), then drain `poll_transmit`,
/// then `poll_event`, then read `poll_timeout`.
pub struct PeerConnection<
    E,
    D,
    B,
    const CH: usize = 4,
    const N: usize = 64,
    const IC: usize = 8,
    const IP: usize = 32,
    const IT: usize = 8,
    const IR: usize = 1,
    const EV: usize = EVENT_CAPACITY,
    const SDP: usize = MAX_LOCAL_SDP,
    const TR: usize = MAX_TRACKS,
    const IS: usize = 1,
    const SS: usize = SRTP_STREAMS,
> where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// The configuration, but for ICE's (the agent has it).
    pub(crate) config: Settings,
    /// The source every inner machine gets a fork of.
    pub(crate) base: E,
    pub(crate) entropy: Forked<E>,
    pub(crate) ice: Ice<E, IC, IP, IT, IR, IS>,
    pub(crate) dtls: D,
    pub(crate) dtls_started: bool,
    pub(crate) sctp: Option<Held<Association<Forked<E>, B, CH, N>>>,
    pub(crate) sctp_buffers: Option<(B, B)>,
    pub(crate) srtp: Option<SrtpSession<SS>>,
    pub(crate) session: Option<Session>,
    pub(crate) signaling: crate::signaling::Signaling<SDP>,
    /// What each track sends (a session has at most `TR` tracks: see `commit_session`).
    pub(crate) senders: heapless::Vec<Sender, TR>,
    /// RTCP of each track, once SRTP keys exist.
    pub(crate) controls: heapless::Vec<Control, TR>,
    /// Packets the peer NACKed, to resend: (track, sequence number).
    pub(crate) resends: heapless::Deque<(usize, u16), RESEND_QUEUE>,
    pub(crate) counters: PeerStats,
    pub(crate) scratch: crate::media::Scratch,
    pub(crate) events: EventQueue<PeerEvent, EV>,
    pub(crate) state: PeerState,
    /// `close()` was called: DTLS close_notify follows once the SCTP ABORT is out.
    pub(crate) dtls_close_pending: bool,
    /// The next transport-wide sequence number (one counter for every track).
    pub(crate) transport_seq: u16,
    /// The send-side bandwidth estimate.
    pub(crate) congestion: crate::congestion::Congestion,
    pub(crate) now: Instant,
}

impl<
        E,
        D,
        B,
        const CH: usize,
        const N: usize,
        const IC: usize,
        const IP: usize,
        const IT: usize,
        const IR: usize,
        const EV: usize,
        const SDP: usize,
        const TR: usize,
        const IS: usize,
        const SS: usize,
    > PeerConnection<E, D, B, CH, N, IC, IP, IT, IR, EV, SDP, TR, IS, SS>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// A connection with `config`, drawing randomness from `entropy`, doing DTLS with `dtls`
    /// (its certificate's fingerprint goes into our SDP) and data channels in `send_buffer`
    /// and `recv_buffer` (the receive buffer bounds the largest message).
    pub fn new(config: PeerConfig, entropy: E, dtls: D, send_buffer: B, recv_buffer: B) -> Self {
        let (ice, config) = config.split();
        let ice = IceAgent::new(
            ice,
            IceRole::Controlling,
            Forked::new(entropy.clone(), 0x1CE),
        );
        let mut forked = Forked::new(entropy.clone(), 0x9EE2);
        let signaling = crate::signaling::Signaling::new(&mut forked);
        PeerConnection {
            config,
            base: entropy,
            entropy: forked,
            ice,
            dtls,
            dtls_started: false,
            sctp: None,
            sctp_buffers: Some((send_buffer, recv_buffer)),
            srtp: None,
            session: None,
            signaling,
            senders: heapless::Vec::new(),
            controls: heapless::Vec::new(),
            resends: heapless::Deque::new(),
            counters: PeerStats::default(),
            scratch: crate::media::Scratch::new(),
            dtls_close_pending: false,
            transport_seq: 1,
            congestion: crate::congestion::Congestion::default(),
            events: EventQueue::new(),
            state: PeerState::New,
            now: Instant::ZERO,
        }
    }

    /// Make this connection what [`new`](Self::new) with the same arguments makes, in place,
    /// for an owner that keeps one connection in a `static` and serves one peer after
    /// another: every part is started over where it lives (no second connection is built on
    /// the stack). The previous peer is forgotten without a word: [`close`](Self::close) it
    /// and send what [`poll_transmit`](SansIo::poll_transmit) gives first.
    pub fn reset(
        &mut self,
        config: PeerConfig,
        entropy: E,
        dtls: D,
        send_buffer: B,
        recv_buffer: B,
    ) {
        self.reset_with(config, entropy, send_buffer, recv_buffer, |d| *d = dtls);
    }

    /// [`reset`](Self::reset), with the DTLS endpoint started over where it is by
    /// `reset_dtls` (dtls-core's [`Endpoint::reset`](dtls_core::Endpoint::reset)) instead of
    /// replaced by one built on the stack — or, when `D` is a `&'static mut` to an endpoint
    /// the owner keeps (as the sensor node does), where the owner keeps it.
    pub fn reset_with(
        &mut self,
        config: PeerConfig,
        entropy: E,
        send_buffer: B,
        recv_buffer: B,
        reset_dtls: impl FnOnce(&mut D),
    ) {
        // The same forks, drawn in the same order, as `new`.
        let (ice, config) = config.split();
        let role = IceRole::Controlling;
        self.ice
            .reset(ice, role, Forked::new(entropy.clone(), 0x1CE));
        self.entropy = Forked::new(entropy.clone(), 0x9EE2);
        self.signaling.reset(&mut self.entropy);
        self.config = config;
        self.base = entropy;
        reset_dtls(&mut self.dtls);
        self.dtls_started = false;
        self.sctp = None;
        self.sctp_buffers = Some((send_buffer, recv_buffer));
        self.srtp = None;
        self.session = None;
        self.senders.clear();
        self.controls.clear();
        self.resends.clear();
        self.counters = PeerStats::default();
        self.scratch.forget_rx();
        self.dtls_close_pending = false;
        self.transport_seq = 1;
        self.congestion = crate::congestion::Congestion::default();
        self.events.clear();
        self.state = PeerState::New;
        self.now = Instant::ZERO;
    }

    /// The connection state.
    pub fn state(&self) -> PeerState {
        self.state
    }

    /// The ICE agent (candidates, pairs, selected pair, credentials).
    pub fn ice(&self) -> &Ice<E, IC, IP, IT, IR, IS> {
        &self.ice
    }

    /// The DTLS endpoint.
    pub fn dtls(&self) -> &D {
        &self.dtls
    }

    /// The negotiated session, once offer and answer met.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Report a local address the owner bound a UDP socket to (a host candidate).
    pub fn add_host(
        &mut self,
        now: Instant,
        addr: core::net::SocketAddr,
    ) -> Result<(), crate::PeerError> {
        let pref = 65535u16.saturating_sub(self.ice.local_candidates().len() as u16);
        self.ice
            .add_host(now, addr, pref)
            .map_err(|_| crate::PeerError::Candidate)?;
        self.after_input(now);
        Ok(())
    }

    /// Every host address is reported: server-reflexive and relayed gathering continue.
    pub fn hosts_done(&mut self, now: Instant) {
        self.ice.hosts_done(now);
        self.after_input(now);
    }

    /// Queue an event for the owner.
    pub(crate) fn emit(&mut self, event: PeerEvent) {
        let critical = matches!(
            event,
            PeerEvent::ChannelOpen(_)
                | PeerEvent::ChannelClosed(_)
                | PeerEvent::StateChanged(_)
                | PeerEvent::DataChannelsReady
        );
        if critical {
            let _ = self.events.push_critical(event);
        } else {
            self.events.push(event);
        }
    }

    pub(crate) fn set_state(&mut self, state: PeerState) {
        if self.state != state && !matches!(self.state, PeerState::Failed(_) | PeerState::Closed) {
            self.state = state;
            self.emit(PeerEvent::StateChanged(state));
        }
    }

    /// Translate the inner machines' events and move the connection forward.
    pub(crate) fn after_input(&mut self, now: Instant) {
        self.now = now;
        while let Some(ev) = self.ice.poll_event() {
            self.on_ice(now, ev);
        }
        while let Some(ev) = self.dtls.poll_event() {
            self.on_dtls(now, ev);
        }
        self.pump_sctp();
    }

    fn on_ice(&mut self, now: Instant, ev: IceEvent) {
        match ev {
            IceEvent::LocalCandidate(c) => self.emit(PeerEvent::LocalCandidate(c)),
            IceEvent::GatheringComplete => self.emit(PeerEvent::GatheringComplete),
            IceEvent::Selected(pair) => {
                self.emit(PeerEvent::SelectedPair(pair));
                self.start_dtls(now);
            }
            IceEvent::StateChanged(IceState::Checking) => self.set_state(PeerState::Connecting),
            IceEvent::StateChanged(IceState::Failed) => {
                self.set_state(PeerState::Failed(Failure::Ice))
            }
            IceEvent::StateChanged(IceState::Disconnected) => {
                self.set_state(PeerState::Disconnected)
            }
            IceEvent::StateChanged(IceState::Connected) if self.dtls.is_connected() => {
                self.set_state(PeerState::Connected)
            }
            _ => {}
        }
    }

    /// DTLS starts once ICE has a pair and the session says who is client.
    pub(crate) fn start_dtls(&mut self, now: Instant) {
        let (Some(path), Some(session)) = (self.ice.selected_path(), self.session.as_ref()) else {
            return;
        };
        if self.dtls_started {
            return;
        }
        self.dtls_started = true;
        self.dtls.set_role(session.dtls_role);
        self.dtls.set_remote_fingerprint(session.remote_fingerprint);
        self.dtls.start(now, path);
    }

    fn on_dtls(&mut self, now: Instant, ev: dtls_core::Event) {
        match ev {
            dtls_core::Event::Connected(_) => {
                // One after the other (none calls the next): their frames do not add up.
                if self.start_srtp() {
                    self.start_rtcp(now);
                }
                self.start_sctp(now);
                self.set_state(PeerState::Connected);
            }
            dtls_core::Event::Failed(f) => self.set_state(PeerState::Failed(Failure::Dtls(f))),
            dtls_core::Event::Closed => self.set_state(PeerState::Closed),
            _ => {}
        }
    }

    // Not inlined: what it builds stays out of `after_input`'s frame.
    #[inline(never)]
    fn start_srtp(&mut self) -> bool {
        let (Some(keys), Some(session)) = (self.dtls.srtp_keys(), self.session.as_ref()) else {
            return false;
        };
        self.srtp = crate::media::srtp_session(&keys, session.dtls_role);
        true
    }

    /// One RTCP control per negotiated track (again after a renegotiation). Not inlined: a
    /// control is built on the stack and moved into place.
    #[inline(never)]
    pub(crate) fn start_rtcp(&mut self, now: Instant) {
        let Some(session) = self.session.as_ref() else {
            return;
        };
        self.resends.clear();
        self.controls.clear();
        let twcc = session.tracks.iter().any(|t| t.ext_twcc.is_some());
        self.congestion.start(twcc, self.config.bandwidth);
        for t in session.tracks.iter() {
            let seed = self.entropy.next_u64();
            let _ = self.controls.push(Control::new(t, &self.config, now, seed));
        }
    }

    // Not inlined: what it builds stays out of `after_input`'s frame.
    #[inline(never)]
    fn start_sctp(&mut self, now: Instant) {
        let (Some(session), Some((send, recv))) = (self.session.as_ref(), self.sctp_buffers.take())
        else {
            return;
        };
        let Some(info) = session.sctp else {
            return;
        };
        let cfg = sctp_core::association::Config {
            role: session.dtls_role,
            // DTLS record header (13) and AES-GCM overhead (24) come on top.
            mtu: self.config.mtu.saturating_sub(40),
            local_port: info.local_port,
            remote_port: info.remote_port,
            max_message_size: self.config.max_message_size,
            // RFC 8841 §6.1: 0 is "any size".
            peer_max_message_size: match info.remote_max_message_size {
                0 => usize::MAX,
                n => usize::try_from(n).unwrap_or(usize::MAX),
            },
            zero_checksum: true,
            ..sctp_core::association::Config::default()
        };
        let entropy = Forked::new(self.base.clone(), 0x5C7);
        let path = self.ice.selected_path();
        // Made where it stays: the association is not moved again once built.
        let assoc = self
            .sctp
            .insert(hold(Association::new(cfg, entropy, send, recv)));
        if let Some(path) = path {
            // Both ends may initiate; SCTP resolves the collision (RFC 9260 §5.2).
            assoc.connect(now, path);
        }
    }

    fn pump_sctp(&mut self) {
        let mut lost = None;
        // Read one event at a time where the association keeps it (no batch of events on
        // the stack: this runs inside every input's frame); at most 16 per input, the rest
        // stay in the association's queue for the next one.
        for _ in 0..16 {
            let Some(ev) = self.sctp.as_mut().and_then(|s| s.poll_event()) else {
                break;
            };
            let pe = match ev {
                SctpEvent::ChannelOpen(c) => PeerEvent::ChannelOpen(c),
                SctpEvent::ChannelClosed(c) => PeerEvent::ChannelClosed(c),
                SctpEvent::MessageReady(c) => PeerEvent::MessageReady(c),
                SctpEvent::BufferedAmountLow(c) => PeerEvent::BufferedAmountLow(c),
                SctpEvent::AssociationUp => PeerEvent::DataChannelsReady,
                SctpEvent::AssociationLost { reason } => {
                    lost = Some(reason);
                    continue;
                }
                _ => continue,
            };
            self.emit(pe);
        }
        if let Some(reason) = lost {
            self.set_state(sctp_end_state(reason));
        }
    }

    /// Close the connection as a browser's `RTCPeerConnection.close()` does: SCTP ABORT
    /// (User-Initiated Abort) so the peer's channels close at once, RTCP BYE on every track,
    /// then DTLS close_notify; our TURN allocations are deleted. Poll the transmits out
    /// afterwards.
    pub fn close(&mut self, now: Instant) {
        // TURN allocations are released too (the relay's ports are freed at once).
        self.ice.release_relays(now);
        self.controls.iter_mut().for_each(Control::close);
        match self.sctp.as_mut() {
            // The ABORT travels in a DTLS record: close DTLS once it is out (poll_transmit).
            Some(sctp) => {
                sctp.abort(now);
                self.dtls_close_pending = true;
            }
            None => self.dtls.close(now),
        }
        self.set_state(PeerState::Closed);
    }

    /// Send a protected datagram (already SRTP or DTLS) over the selected pair into `out`.
    pub(crate) fn wrap(
        &mut self,
        now: Instant,
        data_len: usize,
        out: &mut [u8],
    ) -> Option<sansio::Transmit> {
        let data = self.scratch.buf.get(..data_len)?;
        self.ice.send(now, (), data, out).ok()
    }
}

impl<
        E,
        D,
        B,
        const CH: usize,
        const N: usize,
        const IC: usize,
        const IP: usize,
        const IT: usize,
        const IR: usize,
        const EV: usize,
        const SDP: usize,
        const TR: usize,
        const IS: usize,
        const SS: usize,
    > fmt::Debug for PeerConnection<E, D, B, CH, N, IC, IP, IT, IR, EV, SDP, TR, IS, SS>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerConnection")
            .field("state", &self.state)
            .field("ice", &self.ice.state())
            .field("dtls_connected", &self.dtls.is_connected())
            .field("sctp", &self.sctp.is_some())
            .field("tracks", &self.senders.len())
            .finish_non_exhaustive()
    }
}

/// The state an ended SCTP association leaves the connection in. The peer closing its side
/// (a graceful SHUTDOWN, or the ABORT browsers send from `close()`) is an orderly end; a
/// timeout, our own abort on a protocol violation or exhausted buffers is a failure.
fn sctp_end_state(reason: LostReason) -> PeerState {
    match reason {
        LostReason::Shutdown | LostReason::PeerAbort => PeerState::Closed,
        other => PeerState::Failed(Failure::Sctp(other)),
    }
}
