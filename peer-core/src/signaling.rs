//! Offer/answer (JSEP) and trickle ICE: descriptions in and out as SDP text, negotiated with
//! sdp-core and applied to the ICE agent, DTLS and the tracks.

use crate::event::PeerError;
use crate::media::Sender;
use crate::peer::{PeerConnection, MAX_LOCAL_SDP};
use crate::session::{Session, TrackKind};
use core::fmt::Write;
use dtls_core::{Dtls, DtlsRole};
use ice_core::{IceCredentials, IceRole};
use sansio::{Entropy, Instant};
use sdp_core::negotiate::{
    create_answer_into, create_offer, negotiate_into, Capabilities, DataCaps, LocalSession,
    LocalTrack, MediaCaps, Negotiated, SdpRole,
};
use sdp_core::{Fingerprint, SessionDescription};

/// The descriptions as this crate holds them: 4 sections, 256 attributes, 48 formats each
/// (a browser's audio + video + data offer fits).
pub type Description<'a> = SessionDescription<'a, 4, 256, 48>;
type Result<T> = core::result::Result<T, PeerError>;

/// Signaling state: who offered, our pending offer, session identifiers, our SSRCs.
#[derive(Debug)]
pub(crate) struct Signaling<const SDP: usize = MAX_LOCAL_SDP> {
    role: Option<SdpRole>,
    pending_offer: heapless::Vec<u8, SDP>,
    session_id: u64,
    version: u64,
    pub(crate) audio_ssrc: u32,
    pub(crate) video_ssrc: u32,
    /// The SSRC of our video's RTX stream (announced with `a=ssrc-group:FID` when RTX is
    /// negotiated).
    pub(crate) video_rtx_ssrc: u32,
}

impl<const SDP: usize> Signaling<SDP> {
    pub(crate) fn new(entropy: &mut impl Entropy) -> Self {
        let mut s = Signaling {
            role: None,
            pending_offer: heapless::Vec::new(),
            session_id: 0,
            version: 0,
            audio_ssrc: 0,
            video_ssrc: 0,
            video_rtx_ssrc: 0,
        };
        s.reset(entropy);
        s
    }

    /// Back to what [`new`](Self::new) makes from `entropy`, in place: no offer, new session
    /// identifiers and SSRCs.
    pub(crate) fn reset(&mut self, entropy: &mut impl Entropy) {
        self.role = None;
        self.pending_offer.clear();
        self.session_id = entropy.next_u64() >> 2;
        self.version = 0;
        self.audio_ssrc = entropy.next_u32() | 1;
        self.video_ssrc = entropy.next_u32() | 1;
        self.video_rtx_ssrc = entropy.next_u32() | 1;
    }
}

/// Text our SDP carries that borrows from the connection: credentials, fingerprint,
/// candidates (`K`: the connection's local candidates, at most).
struct LocalText<const K: usize> {
    ufrag: heapless::String<{ ice_core::MAX_UFRAG }>,
    pwd: heapless::String<{ ice_core::MAX_PWD }>,
    fingerprint: heapless::String<96>,
    candidates: heapless::Vec<heapless::String<128>, K>,
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
    /// Write an offer (audio, video, data channel as configured) into `out`; send
    /// `out[..len]` to the peer and give its answer to [`accept_answer`](Self::accept_answer).
    ///
    /// Either side may make a subsequent offer once an exchange completed (JSEP §5.2.2); after
    /// [`restart_ice`](Self::restart_ice) it carries the new ICE credentials. The first offer
    /// makes this side the controlling ICE agent; later ones keep the roles.
    pub fn create_offer(&mut self, now: Instant, out: &mut [u8]) -> Result<usize> {
        self.now = now;
        let initial = self.signaling.role.is_none();
        let text = self.local_text();
        let slices: heapless::Vec<&str, IC> = text.candidates.iter().map(|s| s.as_str()).collect();
        let mut local = self.local_session(&text);
        local.candidates = &slices;
        let caps = self.capabilities();
        let offer: Description<'_> =
            create_offer(&local, &caps).map_err(|_| PeerError::TooLarge)?;
        let len = offer.emit(out).map_err(|_| PeerError::TooLarge)?;
        let bytes = out.get(..len).ok_or(PeerError::TooLarge)?;
        self.signaling.pending_offer =
            heapless::Vec::from_slice(bytes).map_err(|_| PeerError::TooLarge)?;
        self.signaling.role = Some(SdpRole::Offerer);
        if initial {
            self.ice.set_ice_role(IceRole::Controlling);
        }
        Ok(len)
    }

    /// The peer's answer to our offer.
    pub fn accept_answer(&mut self, now: Instant, answer: &str) -> Result<()> {
        if self.signaling.role != Some(SdpRole::Offerer) || self.signaling.pending_offer.is_empty()
        {
            return Err(PeerError::WrongState);
        }
        let rtcp = self.take_answer(now, answer)?;
        self.settle(now, rtcp);
        Ok(())
    }

    /// The negotiation of [`accept_answer`](Self::accept_answer), applied; whether RTCP must
    /// start again. Not inlined: the descriptions on its stack are gone before
    /// [`settle`](Self::settle) starts what they set up.
    #[inline(never)]
    fn take_answer(&mut self, now: Instant, answer: &str) -> Result<bool> {
        let pending = core::mem::take(&mut self.signaling.pending_offer);
        let text = core::str::from_utf8(&pending).map_err(|_| PeerError::WrongState)?;
        let offer = parse(text)?;
        let answer = parse(answer)?;
        let mut n: Negotiated<'_, 4, 8, 8, 16> = Negotiated::new(SdpRole::Offerer);
        negotiate_into(&offer, &answer, SdpRole::Offerer, &mut n)
            .map_err(|_| PeerError::Negotiation)?;
        self.apply(now, &n)
    }

    /// Answer the peer's offer: the answer is written into `out`; send `out[..len]` back.
    ///
    /// A subsequent offer is answered the same way; one with new ICE credentials restarts ICE
    /// (RFC 8839 §4.4.1.1.1): our answer carries new credentials too, and data keeps flowing on
    /// the current pair until the new checks select one. Refused while our own offer waits
    /// for its answer (glare).
    pub fn accept_offer(&mut self, now: Instant, offer: &str, out: &mut [u8]) -> Result<usize> {
        self.accept_offer_sized::<4, 256, 48, 256, 8>(now, offer, out)
    }

    /// [`accept_offer`](Self::accept_offer) with the offer and the answer held, while
    /// answering, as descriptions of at most `M` sections, `A` attributes in all and `C`
    /// formats a section, on the stack ([`Description`]'s 4, 256 and 48 by default: a browser's
    /// audio + video + data offer), the answer with at most `AA` attributes, and what was
    /// negotiated with at most `NC` codecs a section (8 by default). An offer beyond them is
    /// refused ([`PeerError::Sdp`]), and so is one whose answer would not fit
    /// ([`PeerError::Negotiation`]: our answer's attributes and codecs are bounded by our own
    /// configuration — codecs, header extensions, candidates — not by the offer). A
    /// microcontroller that knows what its viewers offer takes much less stack with small ones.
    pub fn accept_offer_sized<
        const M: usize,
        const A: usize,
        const C: usize,
        const AA: usize,
        const NC: usize,
    >(
        &mut self,
        now: Instant,
        offer: &str,
        out: &mut [u8],
    ) -> Result<usize> {
        let (len, rtcp) = self.answer_offer::<M, A, C, AA, NC>(now, offer, out)?;
        self.settle(now, rtcp);
        Ok(len)
    }

    /// The answer of [`accept_offer_sized`](Self::accept_offer_sized), written and applied;
    /// its length and whether RTCP must start again. Not inlined, like
    /// [`take_answer`](Self::take_answer).
    #[inline(never)]
    fn answer_offer<
        const M: usize,
        const A: usize,
        const C: usize,
        const AA: usize,
        const NC: usize,
    >(
        &mut self,
        now: Instant,
        offer: &str,
        out: &mut [u8],
    ) -> Result<(usize, bool)> {
        self.now = now;
        if self.signaling.role == Some(SdpRole::Offerer) && !self.signaling.pending_offer.is_empty()
        {
            return Err(PeerError::WrongState);
        }
        if self.signaling.role.is_none() {
            self.ice.set_ice_role(IceRole::Controlled);
        }
        self.signaling.role = Some(SdpRole::Answerer);
        // Each step is a function of its own (not inlined), so that what it builds on the
        // stack — codec tables, the local text, the negotiation's scratch — is gone before
        // the next one runs; only the two descriptions and the result stay here.
        // Results are read where they were written (a `?` would move each out of its
        // `Result`: a second copy of a description on the stack).
        let mut parsed = SessionDescription::<'_, M, A, C>::new(sdp_core::Origin::EMPTY);
        parse_into(&mut parsed, offer)?;
        let offer = &parsed;
        if self.offer_restarts_ice(offer) {
            self.ice.restart(now);
        }
        let text = self.local_text();
        let slices: heapless::Vec<&str, IC> = text.candidates.iter().map(|s| s.as_str()).collect();
        let mut answer = SessionDescription::<'_, M, AA, C>::new(offer.origin);
        self.write_answer(&mut answer, offer, &text, &slices)?;
        let len = emit(&answer, out)?;
        let mut negotiated = Negotiated::<'_, M, NC, 8, 16>::new(SdpRole::Answerer);
        negotiate_answer(offer, &answer, &mut negotiated)?;
        let rtcp = self.apply(now, &negotiated)?;
        Ok((len, rtcp))
    }

    /// Our answer to `offer` into `answer` (built where it lives, not returned by value).
    #[inline(never)]
    fn write_answer<'t, const M: usize, const A: usize, const C: usize, const AA: usize>(
        &mut self,
        answer: &mut SessionDescription<'t, M, AA, C>,
        offer: &SessionDescription<'t, M, A, C>,
        text: &'t LocalText<IC>,
        candidates: &'t [&'t str],
    ) -> Result<()> {
        let mut local = self.local_session(text);
        local.candidates = candidates;
        let caps = self.capabilities();
        create_answer_into(answer, offer, &local, &caps).map_err(|_| PeerError::Negotiation)
    }

    /// Restart ICE (RFC 8445 §9): new local credentials, a new check list. Send the next
    /// [`create_offer`](Self::create_offer) to the peer; data keeps flowing on the current
    /// pair until the new checks select one.
    pub fn restart_ice(&mut self, now: Instant) {
        self.now = now;
        self.ice.restart(now);
        self.after_input(now);
    }

    /// Whether `offer` carries ICE credentials other than the ones we run on.
    fn offer_restarts_ice<const M: usize, const A: usize, const C: usize>(
        &self,
        offer: &SessionDescription<'_, M, A, C>,
    ) -> bool {
        let Some(current) = self.ice.remote_credentials() else {
            return false;
        };
        let Some(m) = offer.media().find(|m| !m.is_rejected()) else {
            return false;
        };
        m.ice_ufrag() != Some(current.ufrag.as_str()) || m.ice_pwd() != Some(current.pwd.as_str())
    }

    /// A trickled remote candidate (`candidate:…`, with or without `a=`); an empty line means
    /// end-of-candidates. Host names (mDNS `.local`) are not resolved here and are refused.
    pub fn add_remote_candidate(&mut self, now: Instant, line: &str) -> Result<()> {
        let line = line.trim();
        let line = line.strip_prefix("a=").unwrap_or(line);
        if line.is_empty() || line == "end-of-candidates" {
            self.ice.end_of_remote_candidates(now);
        } else {
            self.ice
                .add_remote_candidate_line(now, line)
                .map_err(|_| PeerError::Candidate)?;
        }
        self.after_input(now);
        Ok(())
    }

    /// Apply a negotiation: ICE credentials and candidates, the session, the tracks; whether
    /// RTCP must start again ([`settle`](Self::settle) follows).
    #[inline(never)]
    fn apply<const M: usize, const C: usize, const EX: usize, const K: usize>(
        &mut self,
        now: Instant,
        n: &Negotiated<'_, M, C, EX, K>,
    ) -> Result<bool> {
        let creds = IceCredentials::new(n.remote_ice.ufrag, n.remote_ice.pwd)
            .map_err(|_| PeerError::Negotiation)?;
        // Two steps, each a function of its own (not inlined), so that the session being
        // built and the ICE key derivation do not add up on the stack.
        let same_tracks = self.commit_session(n)?;
        self.apply_ice(now, creds, n);
        // A renegotiation that changed the tracks starts their RTCP again.
        Ok(self.srtp.is_some() && !same_tracks)
    }

    /// The session `n` describes, made ours (with our SSRCs), and the senders of its tracks;
    /// whether it has the tracks of the one it replaces. Nothing changes on an error.
    #[inline(never)]
    fn commit_session<const M: usize, const C: usize, const EX: usize, const K: usize>(
        &mut self,
        n: &Negotiated<'_, M, C, EX, K>,
    ) -> Result<bool> {
        let mut session = Session::from_negotiated(n, || 0)?;
        if session.dtls_role == DtlsRole::Server && !self.dtls.can_serve() {
            return Err(PeerError::Negotiation); // a dtls-core built without its server role
        }
        if session.tracks.len() > TR {
            return Err(PeerError::Negotiation); // more tracks than this connection has RTCP for
        }
        for t in session.tracks.iter_mut() {
            t.local_ssrc = match t.kind {
                TrackKind::Audio => self.signaling.audio_ssrc,
                TrackKind::Video => self.signaling.video_ssrc,
            };
            let rtx = t.send_codec().and_then(|c| c.rtx_pt).is_some();
            t.local_rtx_ssrc = (rtx && t.kind == TrackKind::Video && t.sends())
                .then_some(self.signaling.video_rtx_ssrc);
        }
        // A renegotiation that keeps the tracks (an ICE restart, say) keeps their senders and
        // RTCP: sequence numbers and statistics go on.
        let same_tracks = self
            .session
            .as_ref()
            .is_some_and(|old| old.tracks == session.tracks);
        if !same_tracks {
            self.senders.clear();
            for t in session.tracks.iter() {
                // As many senders as tracks: at most `TR`, checked above.
                let _ = self
                    .senders
                    .push(Sender::new(t, &mut self.entropy, self.config.mtu));
            }
        }
        self.session = Some(session);
        Ok(same_tracks)
    }

    /// The peer's ICE credentials and candidates of `n`, to the agent.
    #[inline(never)]
    fn apply_ice<const M: usize, const C: usize, const EX: usize, const K: usize>(
        &mut self,
        now: Instant,
        creds: IceCredentials,
        n: &Negotiated<'_, M, C, EX, K>,
    ) {
        self.ice
            .set_remote_credentials(now, creds, n.remote_ice.lite);
        for c in n.remote_candidates.iter() {
            // Unusable lines (mDNS host names, TCP) are skipped; trickle may bring others.
            let _ = self.ice.add_remote_candidate_line(now, c);
        }
        if n.remote_end_of_candidates {
            self.ice.end_of_remote_candidates(now);
        }
    }

    /// What follows a negotiation: RTCP again when `rtcp`, DTLS once ICE has a pair, and the
    /// machines' events.
    fn settle(&mut self, now: Instant, rtcp: bool) {
        if rtcp {
            self.start_rtcp(now);
        }
        self.start_dtls(now);
        self.after_input(now);
    }

    #[inline(never)]
    fn local_text(&self) -> LocalText<IC> {
        let creds = self.ice.local_credentials();
        let mut fingerprint = heapless::String::new();
        let _ = write!(fingerprint, "{}", self.dtls.local_fingerprint());
        let mut candidates = heapless::Vec::new();
        for c in self.ice.signalled_candidates() {
            let mut s: heapless::String<128> = heapless::String::new();
            if write!(s, "{c}").is_ok() {
                let value = s.strip_prefix("candidate:").unwrap_or(&s);
                if let Ok(v) = heapless::String::try_from(value) {
                    let _ = candidates.push(v);
                }
            }
        }
        LocalText {
            ufrag: creds.ufrag.clone(),
            pwd: creds.pwd.clone(),
            fingerprint,
            candidates,
        }
    }

    fn local_session<'t>(&mut self, text: &'t LocalText<IC>) -> LocalSession<'t> {
        self.signaling.version += 1;
        let fingerprint = Fingerprint {
            hash: "sha-256",
            value: text.fingerprint.as_str(),
        };
        let mut local = LocalSession::new(
            self.signaling.session_id,
            text.ufrag.as_str(),
            text.pwd.as_str(),
            fingerprint,
        );
        local.session_version = self.signaling.version;
        local.ice_lite = self.config.ice_lite;
        local.end_of_candidates = self.ice.gathering_complete();
        local
    }

    fn capabilities(&self) -> Capabilities<'static> {
        let cname = self.config.cname;
        let media = |m: &crate::config::MediaConfig, track_id, ssrc, rtx_ssrc| MediaCaps {
            codecs: m.codecs,
            extensions: m.extensions,
            direction: m.direction,
            track: Some(LocalTrack {
                stream_id: "peer-core",
                track_id,
                cname,
                ssrc,
                rtx_ssrc,
            }),
        };
        Capabilities {
            audio: self
                .config
                .audio
                .as_ref()
                .map(|a| media(a, "audio", self.signaling.audio_ssrc, None)),
            video: self.config.video.as_ref().map(|v| {
                let rtx = Some(self.signaling.video_rtx_ssrc);
                media(v, "video", self.signaling.video_ssrc, rtx)
            }),
            data: self.config.data_channels.then_some(DataCaps {
                sctp_port: self.config.sctp_port,
                max_message_size: self.config.max_message_size as u64,
            }),
        }
    }
}

fn parse(text: &str) -> Result<Description<'_>> {
    parse_sized(text)
}

/// `description` written into `out`: its length.
#[inline(never)]
fn emit<const M: usize, const A: usize, const C: usize>(
    description: &SessionDescription<'_, M, A, C>,
    out: &mut [u8],
) -> Result<usize> {
    description.emit(out).map_err(|_| PeerError::TooLarge)
}

/// What `offer` and our `answer` to it agree on (as many sections as the offer may have),
/// written into `out` where it lives.
#[inline(never)]
fn negotiate_answer<
    'a,
    const M: usize,
    const A: usize,
    const C: usize,
    const AA: usize,
    const NC: usize,
>(
    offer: &SessionDescription<'a, M, A, C>,
    answer: &SessionDescription<'a, M, AA, C>,
    out: &mut Negotiated<'a, M, NC, 8, 16>,
) -> Result<()> {
    negotiate_into(offer, answer, SdpRole::Answerer, out).map_err(|_| PeerError::Negotiation)
}

/// `text` parsed into `description`, which is filled where it lives (not inlined: the
/// parser's scratch is gone once it returns).
#[inline(never)]
fn parse_into<'a, const M: usize, const A: usize, const C: usize>(
    description: &mut SessionDescription<'a, M, A, C>,
    text: &'a str,
) -> Result<()> {
    description.parse_into(text).map_err(|e| PeerError::Sdp {
        line: e.line as usize,
    })
}

/// [`parse`] into a description of other sizes (not inlined: the parser's scratch is gone
/// once the description is made).
#[inline(never)]
fn parse_sized<const M: usize, const A: usize, const C: usize>(
    text: &str,
) -> Result<SessionDescription<'_, M, A, C>> {
    SessionDescription::parse(text).map_err(|e| PeerError::Sdp {
        line: e.line as usize,
    })
}
