//! [`SrtpContext`]: the keys of one direction and the per-SSRC state (rollover counter,
//! replay window, SRTCP index) of every stream protected or unprotected with them.

use crate::cipher::{be32, Cipher};
use crate::error::{Error, KeyError};
use crate::header;
use crate::keys::{MasterKey, SessionKeys};
use crate::profile::Profile;
use crate::replay::{estimate_index, Refused, ReplayWindow};
use crate::table::SsrcTable;

/// Highest SRTCP index (31 bits, RFC 3711 §3.4).
const MAX_SRTCP_INDEX: u64 = 0x7FFF_FFFF;

/// Behaviour of a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Replay window in packets, for SRTP and SRTCP (RFC 3711 §3.3.2; at least 64 there).
    /// Must be `1..=64 × W`. Default 128, as libsrtp.
    pub replay_window: usize,
    /// Accept packets from SSRCs not added with
    /// [`add_ssrc`](SrtpContext::add_ssrc) (they are added once a packet authenticates).
    /// Default `true`. Protecting always adds the stream.
    pub accept_unknown_ssrc: bool,
    /// Let `protect_*` reuse a packet index already protected (a retransmission of the
    /// same packet). Reusing an index for *different* bytes reuses keystream; leave this
    /// `false` (the default, as libsrtp) unless retransmissions resend identical packets.
    pub allow_repeat_tx: bool,
    /// Encrypt SRTCP (E = 1, the default); `false` sends SRTCP authenticated only.
    /// Unprotecting accepts both.
    pub encrypt_rtcp: bool,
}

impl Config {
    /// The defaults: 128-packet window, unknown SSRCs accepted, no repeated indices on
    /// send, SRTCP encrypted.
    pub const DEFAULT: Config = Config {
        replay_window: 128,
        accept_unknown_ssrc: true,
        allow_repeat_tx: false,
        encrypt_rtcp: true,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::DEFAULT
    }
}

/// Where a stream starts, for [`SrtpContext::add_ssrc`]: its rollover counter (for a
/// receiver joining a stream whose sender signalled its ROC) and the next SRTCP index to
/// send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStart {
    /// Rollover counter of the first packet.
    pub roc: u32,
    /// SRTCP index of the next SRTCP packet sent (31 bits).
    pub srtcp_index: u32,
}

/// SRTP and SRTCP for one direction under one master key, for up to `N` SSRCs, with replay
/// windows of up to `64 × W` packets.
///
/// An outbound context protects, an inbound one unprotects; [`SrtpSession`](crate::SrtpSession)
/// pairs the two. Nothing allocates: the tables are arrays inside the value (see the crate
/// docs for its size), and every packet is transformed in the caller's buffer.
pub struct SrtpContext<const N: usize, const W: usize = 2> {
    profile: Profile,
    config: Config,
    rtp: Cipher,
    rtcp: Cipher,
    rtp_streams: SsrcTable<ReplayWindow<W>, N>,
    rtcp_streams: SsrcTable<ReplayWindow<W>, N>,
}

impl<const N: usize, const W: usize> SrtpContext<N, W> {
    /// A context keyed from a master key and salt (session keys derived with
    /// RFC 3711 §4.3, key derivation rate 0).
    pub fn new(master: &MasterKey, config: Config) -> Result<Self, KeyError> {
        let rtp = SessionKeys::derive_rtp(master);
        let rtcp = SessionKeys::derive_rtcp(master);
        Self::from_session_keys(&rtp, &rtcp, config)
    }

    /// A context from session keys given directly (test vectors; keys from another KDF).
    pub fn from_session_keys(
        rtp: &SessionKeys,
        rtcp: &SessionKeys,
        config: Config,
    ) -> Result<Self, KeyError> {
        let max = 64 * W;
        if config.replay_window == 0 || config.replay_window > max {
            return Err(KeyError::WindowSize {
                asked: config.replay_window,
                max,
            });
        }
        let profile = rtp.profile();
        if rtcp.profile() != profile {
            return Err(KeyError::ProfileMismatch);
        }
        Ok(SrtpContext {
            profile,
            config,
            rtp: Cipher::new(rtp, profile.rtp_tag_len()),
            rtcp: Cipher::new(rtcp, profile.rtcp_tag_len()),
            rtp_streams: SsrcTable::new(ReplayWindow::new(0)),
            rtcp_streams: SsrcTable::new(ReplayWindow::new(0)),
        })
    }

    /// The protection profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Add `ssrc` (or reset it) with a known starting ROC and SRTCP index. Streams are
    /// added on their own otherwise; this is for ROCs signalled out of band, for
    /// [`Config::accept_unknown_ssrc`] = `false`, and for resuming a stream.
    pub fn add_ssrc(&mut self, ssrc: u32, start: StreamStart) -> Result<(), Error> {
        let room = |t: &SsrcTable<ReplayWindow<W>, N>| t.find(ssrc).is_some() || !t.is_full();
        if !room(&self.rtp_streams) || !room(&self.rtcp_streams) {
            return Err(Error::TableFull { ssrc });
        }
        let rtp = ReplayWindow::new(u64::from(start.roc) << 16);
        let rtcp = ReplayWindow::new(u64::from(start.srtcp_index) & MAX_SRTCP_INDEX);
        self.rtp_streams.upsert(ssrc, rtp);
        self.rtcp_streams.upsert(ssrc, rtcp);
        Ok(())
    }

    /// Forget `ssrc` (SRTP and SRTCP state); `false` if it was unknown.
    pub fn remove_ssrc(&mut self, ssrc: u32) -> bool {
        let rtp = self.rtp_streams.remove(ssrc);
        let rtcp = self.rtcp_streams.remove(ssrc);
        rtp || rtcp
    }

    /// The rollover counter of `ssrc`'s highest accepted packet (or its start).
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        self.rtp_streams
            .get_by_ssrc(ssrc)
            .map(|w| (w.highest() >> 16) as u32)
    }

    /// The highest SRTCP index accepted or sent for `ssrc`, once a packet went through.
    pub fn srtcp_index(&self, ssrc: u32) -> Option<u32> {
        self.rtcp_streams
            .get_by_ssrc(ssrc)
            .filter(|w| w.started())
            .map(|w| w.highest() as u32)
    }

    /// Number of SRTP streams in the table.
    pub fn rtp_streams(&self) -> usize {
        self.rtp_streams.len()
    }

    /// Protect the RTP packet in `buf[..len]` in place: encrypt the payload and append the
    /// tag. `buf` needs [`Profile::rtp_tag_len`] spare bytes after `len`. Returns the SRTP
    /// packet length.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        check_room(buf, len, self.profile.rtp_tag_len())?;
        let h = header::rtp(buf.get(..len).unwrap_or_default(), 0)?;
        let (slot, mut window) = lookup(&self.rtp_streams, h.ssrc, true)?;
        let index = self.index_of(&window, h.seq, h.ssrc)?;
        if !self.config.allow_repeat_tx {
            self.check(&window, index, h.ssrc)?;
        }
        let n = self.rtp.seal_rtp(buf, h.len, len, index);
        window.accept(index);
        store(&mut self.rtp_streams, h.ssrc, slot, window);
        Ok(n)
    }

    /// Check and decrypt the SRTP packet `buf` (exactly the received bytes) in place.
    /// Returns the length of the RTP packet now in `buf[..n]`. On error `buf` and the
    /// stream state are unchanged.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let h = header::rtp(buf, self.profile.rtp_tag_len())?;
        let (slot, mut window) =
            lookup(&self.rtp_streams, h.ssrc, self.config.accept_unknown_ssrc)?;
        let index = self.index_of(&window, h.seq, h.ssrc)?;
        self.check(&window, index, h.ssrc)?;
        let n = self
            .rtp
            .open_rtp(buf, h.len, index)
            .map_err(|_| Error::AuthFailed { ssrc: h.ssrc })?;
        window.accept(index);
        store(&mut self.rtp_streams, h.ssrc, slot, window);
        Ok(n)
    }

    /// Protect the compound RTCP packet in `buf[..len]` in place: encrypt all but the first
    /// 8 bytes, append the E flag + SRTCP index and the tag. `buf` needs
    /// [`Profile::rtcp_overhead`] spare bytes after `len`. Returns the SRTCP packet length.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        check_room(buf, len, self.profile.rtcp_overhead())?;
        let ssrc = header::rtcp(buf.get(..len).unwrap_or_default(), 0)?;
        let (slot, mut window) = lookup(&self.rtcp_streams, ssrc, true)?;
        let index = if window.started() {
            window.highest() + 1
        } else {
            window.highest()
        };
        if index > MAX_SRTCP_INDEX {
            return Err(Error::KeyExhausted { ssrc });
        }
        let n = self
            .rtcp
            .seal_rtcp(buf, len, index as u32, self.config.encrypt_rtcp);
        window.accept(index);
        store(&mut self.rtcp_streams, ssrc, slot, window);
        Ok(n)
    }

    /// Check and decrypt the SRTCP packet `buf` (exactly the received bytes) in place.
    /// Returns the length of the compound RTCP packet now in `buf[..n]`. On error `buf` and
    /// the stream state are unchanged.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let ssrc = header::rtcp(buf, self.profile.rtcp_overhead())?;
        let word = be32(buf, self.rtcp.rtcp_word_at(buf.len()));
        let index = u64::from(word) & MAX_SRTCP_INDEX;
        let (slot, mut window) = lookup(&self.rtcp_streams, ssrc, self.config.accept_unknown_ssrc)?;
        self.check(&window, index, ssrc)?;
        let n = self
            .rtcp
            .open_rtcp(buf, word)
            .map_err(|_| Error::AuthFailed { ssrc })?;
        window.accept(index);
        store(&mut self.rtcp_streams, ssrc, slot, window);
        Ok(n)
    }

    fn index_of(&self, window: &ReplayWindow<W>, seq: u16, ssrc: u32) -> Result<u64, Error> {
        estimate_index(window.highest(), window.started(), seq).ok_or({
            if window.highest() >> 16 == 0 {
                Error::TooOld {
                    ssrc,
                    index: u64::from(seq),
                }
            } else {
                Error::KeyExhausted { ssrc }
            }
        })
    }

    fn check(&self, window: &ReplayWindow<W>, index: u64, ssrc: u32) -> Result<(), Error> {
        window
            .check(index, self.config.replay_window as u64)
            .map_err(|r| match r {
                Refused::Replayed => Error::Replayed { ssrc, index },
                Refused::TooOld => Error::TooOld { ssrc, index },
            })
    }
}

impl<const N: usize, const W: usize> core::fmt::Debug for SrtpContext<N, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.profile)
            .field("config", &self.config)
            .field("rtp_streams", &self.rtp_streams.len())
            .field("rtcp_streams", &self.rtcp_streams.len())
            .finish_non_exhaustive()
    }
}

/// `buf` must hold `len` bytes plus `extra`.
fn check_room(buf: &[u8], len: usize, extra: usize) -> Result<(), Error> {
    let needed = len.saturating_add(extra);
    if buf.len() < needed {
        Err(Error::BufferTooSmall { needed })
    } else {
        Ok(())
    }
}

/// The state of `ssrc` and its slot, or a fresh state (no slot) when it may be added.
fn lookup<const N: usize, const W: usize>(
    table: &SsrcTable<ReplayWindow<W>, N>,
    ssrc: u32,
    may_add: bool,
) -> Result<(Option<usize>, ReplayWindow<W>), Error> {
    if let Some(slot) = table.find(ssrc) {
        if let Some(window) = table.get(slot) {
            return Ok((Some(slot), window));
        }
    }
    if !may_add {
        Err(Error::UnknownSsrc { ssrc })
    } else if table.is_full() {
        Err(Error::TableFull { ssrc })
    } else {
        Ok((None, ReplayWindow::new(0)))
    }
}

/// Write back the state found by [`lookup`].
fn store<const N: usize, const W: usize>(
    table: &mut SsrcTable<ReplayWindow<W>, N>,
    ssrc: u32,
    slot: Option<usize>,
    window: ReplayWindow<W>,
) {
    match slot {
        Some(i) => table.set(i, window),
        None => {
            // `lookup` checked there is room.
            let _ = table.insert(ssrc, window);
        }
    }
}
