//! The four-way handshake (RFC 9260 §5.1) with a signed cookie, and collisions and restarts
//! (§5.2).

use super::cookie::{Caps, Cookie};
use super::timer::Timer;
use super::{Association, Event, Reply, State};
use crate::wire::chunk::{ChunkType, Init, RawChunk};
use crate::wire::param::{kind, ErrorCause, Param, RawParam, Tlvs, EDMID_DTLS};
use crate::wire::{Chunk, List, Packet, PacketWriter};
use sansio::{Entropy, Instant, Path, Rejected};

/// Streams we announce (all of them: data channels pick ids freely).
const STREAMS: u16 = 65535;
/// Unrecognized parameters reported in one INIT-ACK, bytes.
const MAX_UNRECOGNIZED: usize = 256;

/// What an INIT or INIT-ACK's parameters say.
struct Offer {
    caps: Caps,
    cookie: Option<(usize, usize)>,
    unrecognized: heapless::Vec<u8, MAX_UNRECOGNIZED>,
    /// Padding after the last reported parameter (not counted in the chunk length).
    unrecognized_pad: usize,
}

/// Walk the parameters with the RFC 9260 §3.2.1 upper-bit rules.
fn read_offer(params: &[u8]) -> Offer {
    let mut o = Offer {
        caps: Caps::default(),
        cookie: None,
        unrecognized: heapless::Vec::new(),
        unrecognized_pad: 0,
    };
    let base = params.as_ptr() as usize;
    for p in Tlvs::new(params) {
        let Ok(p) = p else { break };
        match Param::parse(p) {
            Ok(Param::SupportedExtensions(list)) => {
                for t in list {
                    match *t {
                        ChunkType::RECONFIG => o.caps.reconfig = true,
                        ChunkType::FORWARD_TSN => o.caps.forward_tsn = true,
                        ChunkType::I_DATA => o.caps.idata = true,
                        _ => {}
                    }
                }
            }
            Ok(Param::ForwardTsnSupported) => o.caps.forward_tsn = true,
            Ok(Param::ZeroChecksumAcceptable(m)) => o.caps.zero_checksum = m == EDMID_DTLS,
            Ok(Param::StateCookie(c)) => {
                let start = c.as_ptr() as usize - base;
                o.cookie = Some((start, c.len()));
            }
            Ok(Param::Other { .. }) if !known(p.kind) && !unknown_param(&mut o, &p) => break,
            _ => {}
        }
    }
    o
}

fn known(k: u16) -> bool {
    matches!(
        k,
        kind::IPV4
            | kind::IPV6
            | kind::COOKIE_PRESERVATIVE
            | kind::HOST_NAME
            | kind::SUPPORTED_ADDRESS_TYPES
            | kind::ECN
            | kind::RANDOM
            | kind::CHUNK_LIST
            | kind::HMAC_ALGO
            | kind::PADDING
    )
}

/// Apply the upper bits of an unknown parameter type; `false` stops processing.
fn unknown_param(o: &mut Offer, p: &RawParam<'_>) -> bool {
    let action = p.unknown_action();
    if action.reports() {
        let padded = crate::wire::pad4(p.tlv.len());
        if o.unrecognized.len() + 4 + padded <= MAX_UNRECOGNIZED {
            let _ = o
                .unrecognized
                .extend_from_slice(&kind::UNRECOGNIZED.to_be_bytes());
            let _ = o
                .unrecognized
                .extend_from_slice(&((4 + padded) as u16).to_be_bytes());
            // The parameter is copied whole, its padding included (as Wireshark and
            // usrsctp expect), so the report itself needs none.
            let _ = o.unrecognized.extend_from_slice(p.tlv);
            while o.unrecognized.len() % 4 != 0 {
                let _ = o.unrecognized.push(0);
            }
            o.unrecognized_pad = 0;
        }
    }
    action.continues()
}

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    /// The extensions we offer.
    fn our_params<'p>(&self, ext: &'p mut [u8; 4]) -> heapless::Vec<Param<'p>, 4> {
        let mut n = 2;
        ext[0] = ChunkType::RECONFIG;
        ext[1] = ChunkType::FORWARD_TSN;
        if self.cfg.interleaving {
            ext[2] = ChunkType::I_DATA;
            ext[3] = ChunkType::I_FORWARD_TSN;
            n = 4;
        }
        let mut v = heapless::Vec::new();
        let _ = v.push(Param::SupportedExtensions(ext.get(..n).unwrap_or(&[])));
        let _ = v.push(Param::ForwardTsnSupported);
        if self.cfg.zero_checksum {
            let _ = v.push(Param::ZeroChecksumAcceptable(EDMID_DTLS));
        }
        v
    }

    /// Negotiated capabilities: what both offer.
    fn negotiate(&self, peer: Caps) -> Caps {
        Caps {
            forward_tsn: peer.forward_tsn,
            reconfig: peer.reconfig,
            idata: peer.idata && self.cfg.interleaving,
            zero_checksum: peer.zero_checksum,
        }
    }

    /// Write INIT into `w`.
    pub(super) fn write_init(&self, w: &mut PacketWriter<'_>) -> bool {
        let mut ext = [0u8; 4];
        let params = self.our_params(&mut ext);
        let init = Init {
            initiate_tag: self.local_tag,
            a_rwnd: self.rx.window(),
            outbound_streams: STREAMS,
            inbound_streams: STREAMS,
            initial_tsn: self.local_tsn,
            params: List::Items(&params),
        };
        w.push(&Chunk::Init(init)).is_ok()
    }

    /// Queue a reply that needs no association state.
    pub(super) fn stateless_reply(
        &mut self,
        path: Path,
        src: u16,
        dst: u16,
        vtag: u32,
        chunks: &[Chunk<'_>],
    ) {
        let mut buf = [0u8; 768];
        let Ok(mut w) = PacketWriter::new(&mut buf, src, dst, vtag) else {
            return;
        };
        for c in chunks {
            if w.push(c).is_err() {
                return;
            }
        }
        let n = w.finish(false);
        if let Ok(bytes) = heapless::Vec::from_slice(buf.get(..n).unwrap_or(&[])) {
            self.reply = Some(Reply { path, bytes });
        }
    }

    pub(super) fn on_init(
        &mut self,
        now: Instant,
        path: Path,
        p: &Packet<&[u8]>,
        raw: RawChunk<'_>,
    ) -> Result<(), Rejected> {
        let Ok(Chunk::Init(init)) = Chunk::parse(raw) else {
            return Err(Rejected::Malformed);
        };
        let List::Raw(params) = init.params else {
            return Err(Rejected::Malformed);
        };
        let offer = read_offer(params);
        // Tags and TSN of our side of the INIT-ACK (RFC 9260 §5.2.1 and §5.2.2).
        let (tag, tsn, tie) = match self.state {
            State::Closed => (self.random_tag(), self.entropy.next_u32(), (0, 0)),
            State::CookieWait => (self.local_tag, self.local_tsn, (0, 0)),
            State::CookieEchoed => (
                self.local_tag,
                self.local_tsn,
                (self.local_tag, self.peer_tag),
            ),
            _ => (
                self.random_tag(),
                self.entropy.next_u32(),
                (self.local_tag, self.peer_tag),
            ),
        };
        let cookie = Cookie {
            local_tag: tag,
            local_tsn: tsn,
            peer_tag: init.initiate_tag,
            peer_tsn: init.initial_tsn,
            peer_rwnd: init.a_rwnd,
            tie_local: tie.0,
            tie_peer: tie.1,
            caps: self.negotiate(offer.caps),
            created_us: now.as_micros(),
        };
        let sealed = cookie.seal(&self.cookie_key);
        let mut ext = [0u8; 4];
        let mut params: heapless::Vec<Param<'_>, 6> =
            self.our_params(&mut ext).into_iter().collect();
        let _ = params.push(Param::StateCookie(&sealed));
        let ack = Init {
            initiate_tag: tag,
            a_rwnd: self.rx.window(),
            outbound_streams: STREAMS,
            inbound_streams: STREAMS,
            initial_tsn: tsn,
            params: List::Items(&params),
        };
        let unrec = offer.unrecognized.clone();
        let unrec_pad = offer.unrecognized_pad;
        let mut chunks: heapless::Vec<Chunk<'_>, 1> = heapless::Vec::new();
        let _ = chunks.push(Chunk::InitAck(ack));
        // Unrecognized parameters are reported inside the INIT-ACK (RFC 9260 §3.3.3).
        let mut body = [0u8; 600];
        let with_unrec = self.init_ack_with_unrecognized(&ack, &unrec, unrec_pad, &mut body);
        match with_unrec {
            Some(c) => self.stateless_reply(
                path,
                p.dst_port(),
                p.src_port(),
                init.initiate_tag,
                &[Chunk::Unknown(c)],
            ),
            None => {
                self.stateless_reply(path, p.dst_port(), p.src_port(), init.initiate_tag, &chunks)
            }
        }
        if self.path.is_none() {
            self.path = Some(path);
        }
        Ok(())
    }

    /// INIT-ACK with Unrecognized Parameter TLVs appended, as a raw chunk in `body`.
    fn init_ack_with_unrecognized<'b>(
        &self,
        ack: &Init<'_>,
        unrec: &[u8],
        pad: usize,
        body: &'b mut [u8; 600],
    ) -> Option<RawChunk<'b>> {
        if unrec.is_empty() {
            return None;
        }
        // Our own parameters end on a 4-byte boundary (the cookie is a multiple of 4).
        let n = Chunk::InitAck(*ack).emit(body).ok()?;
        body.get_mut(n..n + unrec.len())?.copy_from_slice(unrec);
        // The last reported parameter's padding is chunk padding (RFC 9260 §3.2).
        let end = n + unrec.len() - pad;
        Some(RawChunk {
            kind: ChunkType::INIT_ACK,
            flags: 0,
            value: body.get(4..end)?,
        })
    }

    pub(super) fn on_init_ack(&mut self, now: Instant, i: &Init<'_>) {
        if self.state != State::CookieWait {
            return;
        }
        let List::Raw(params) = i.params else { return };
        let offer = read_offer(params);
        let Some(cookie) = offer.cookie.and_then(|(s, l)| params.get(s..s + l)) else {
            // RFC 9260 §5.1: no cookie: abort (Missing Mandatory Parameter).
            self.ctl.abort = Some(crate::wire::param::cause::MISSING_PARAM);
            self.lose(super::LostReason::Aborted);
            return;
        };
        let Ok(cookie) = heapless::Vec::from_slice(cookie) else {
            self.ctl.abort = Some(crate::wire::param::cause::OUT_OF_RESOURCE);
            self.lose(super::LostReason::OutOfResource);
            return;
        };
        self.ctl.cookie = cookie;
        self.peer_tag = i.initiate_tag;
        self.peer_tsn = i.initial_tsn;
        self.caps = self.negotiate(offer.caps);
        self.tx
            .reset(self.local_tsn, self.cfg.mtu, i.a_rwnd, self.fresh_rto());
        self.state = State::CookieEchoed;
        self.ctl.init = false;
        self.ctl.cookie_echo = true;
        self.t1_count = 0;
        self.timers.set(Timer::T1, now + self.t1_rto);
    }

    fn fresh_rto(&self) -> super::cc::Rto {
        super::cc::Rto::new(self.cfg.rto_initial, self.cfg.rto_min, self.cfg.rto_max)
    }

    pub(super) fn on_cookie_echo(
        &mut self,
        now: Instant,
        path: Path,
        p: &Packet<&[u8]>,
        raw: RawChunk<'_>,
    ) -> Result<(), Rejected> {
        let c = Cookie::open(&self.cookie_key, raw.value).ok_or(Rejected::Unauthenticated)?;
        if p.verification_tag() != c.local_tag {
            return Err(Rejected::Unauthenticated);
        }
        let local_match = c.local_tag == self.local_tag;
        let peer_match = c.peer_tag == self.peer_tag;
        let ties_match =
            c.tie_local == self.local_tag && c.tie_peer == self.peer_tag && c.tie_local != 0;
        let age = now.as_micros().saturating_sub(c.created_us);
        // A duplicate of the cookie that created this association (action D) is answered
        // even when old: its COOKIE-ACKs were lost, and a restart would gain nothing.
        let duplicate = local_match
            && peer_match
            && !matches!(
                self.state,
                State::Closed | State::CookieWait | State::CookieEchoed
            );
        if !duplicate && age > self.cfg.cookie_lifetime.as_micros() as u64 {
            let stale =
                (age - self.cfg.cookie_lifetime.as_micros() as u64).min(u64::from(u32::MAX)) as u32;
            let causes = [ErrorCause::StaleCookie(stale)];
            self.stateless_reply(
                path,
                p.dst_port(),
                p.src_port(),
                c.peer_tag,
                &[Chunk::Error {
                    causes: List::Items(&causes),
                }],
            );
            return Err(Rejected::Unauthenticated);
        }
        match self.state {
            State::Closed => self.establish(now, &c, false),
            State::CookieWait | State::CookieEchoed if local_match => {
                self.establish(now, &c, false)
            }
            _ if !local_match && !peer_match && ties_match => self.establish(now, &c, true), // A: restart
            _ if local_match && !peer_match => {
                // B: collision; keep data state, adopt the peer's tag.
                self.peer_tag = c.peer_tag;
                self.ctl.cookie_ack = true;
            }
            _ if local_match && peer_match => {
                // D: a duplicate COOKIE-ECHO.
                self.ctl.cookie_ack = true;
            }
            _ => return Err(Rejected::Unauthenticated), // C or unmatched: silently discard
        }
        self.path = Some(path);
        Ok(())
    }

    /// Create (or, on restart, re-create) the association from a cookie.
    fn establish(&mut self, now: Instant, c: &Cookie, restart: bool) {
        if restart {
            let ids: heapless::Vec<u16, CH> = self.streams.iter().map(|s| s.id).collect();
            for id in ids {
                self.emit(Event::ChannelClosed(super::ChannelId(id)));
            }
            self.streams.clear();
            self.rx.clear();
        } else {
            // Left from an earlier association: unread whole messages stay readable.
            self.rx.clear_partial();
        }
        self.local_tag = c.local_tag;
        self.local_tsn = c.local_tsn;
        self.peer_tag = c.peer_tag;
        self.peer_tsn = c.peer_tsn;
        self.caps = c.caps;
        self.tx
            .reset(c.local_tsn, self.cfg.mtu, c.peer_rwnd, self.fresh_rto());
        self.tsns = super::tsn::TsnTracker::new(c.peer_tsn);
        self.become_established(now);
        self.ctl.cookie_ack = true;
        self.emit(if restart {
            Event::AssociationRestarted
        } else {
            Event::AssociationUp
        });
    }

    fn become_established(&mut self, now: Instant) {
        self.tx.idata = self.caps.idata;
        self.streams.ssn16 = !self.caps.idata;
        self.reconf = super::reconfig::Reconf::new(self.local_tsn, self.peer_tsn);
        self.state = State::Established;
        self.ctl.init = false;
        self.ctl.cookie_echo = false;
        self.errors = 0;
        self.timers.clear(Timer::T1);
        self.arm_heartbeat(now);
    }

    pub(super) fn on_cookie_ack(&mut self, now: Instant) {
        if self.state != State::CookieEchoed {
            return;
        }
        self.tsns = super::tsn::TsnTracker::new(self.peer_tsn);
        self.become_established(now);
        self.emit(Event::AssociationUp);
    }
}
