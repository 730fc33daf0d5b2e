//! [`SrtpSession`]: both directions of a DTLS-SRTP association.

use crate::context::{Config, SrtpContext};
use crate::error::{Error, KeyError};
use crate::keys::{DtlsRole, DtlsSrtpKeys};
use crate::profile::Profile;

/// An outbound context (our key) and an inbound one (the peer's key), as a peer connection
/// needs them after the DTLS handshake.
#[derive(Debug)]
pub struct SrtpSession<const N: usize, const W: usize = 2> {
    outbound: SrtpContext<N, W>,
    inbound: SrtpContext<N, W>,
}

impl<const N: usize, const W: usize> SrtpSession<N, W> {
    /// Both contexts from the two master keys.
    pub fn new(keys: &DtlsSrtpKeys, config: Config) -> Result<Self, KeyError> {
        Ok(SrtpSession {
            outbound: SrtpContext::new(&keys.local, config)?,
            inbound: SrtpContext::new(&keys.remote, config)?,
        })
    }

    /// Both contexts from DTLS exporter output (RFC 5764 §4.2 layout,
    /// [`Profile::keying_material_len`] bytes of `EXTRACTOR-dtls_srtp`), `role` being our
    /// DTLS role.
    pub fn from_keying_material(
        profile: Profile,
        material: &[u8],
        role: DtlsRole,
        config: Config,
    ) -> Result<Self, KeyError> {
        Self::new(
            &DtlsSrtpKeys::from_keying_material(profile, material, role)?,
            config,
        )
    }

    /// The protection profile.
    pub fn profile(&self) -> Profile {
        self.outbound.profile()
    }

    /// Protect an outgoing RTP packet in place ([`SrtpContext::protect_rtp`]).
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.outbound.protect_rtp(buf, len)
    }

    /// Unprotect an incoming SRTP packet in place ([`SrtpContext::unprotect_rtp`]).
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.inbound.unprotect_rtp(buf)
    }

    /// Protect an outgoing compound RTCP packet in place ([`SrtpContext::protect_rtcp`]).
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.outbound.protect_rtcp(buf, len)
    }

    /// Unprotect an incoming SRTCP packet in place ([`SrtpContext::unprotect_rtcp`]).
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.inbound.unprotect_rtcp(buf)
    }

    /// The context that protects what we send.
    pub fn outbound(&self) -> &SrtpContext<N, W> {
        &self.outbound
    }

    /// The outbound context, mutably (to add or remove streams).
    pub fn outbound_mut(&mut self) -> &mut SrtpContext<N, W> {
        &mut self.outbound
    }

    /// The context that unprotects what we receive.
    pub fn inbound(&self) -> &SrtpContext<N, W> {
        &self.inbound
    }

    /// The inbound context, mutably.
    pub fn inbound_mut(&mut self) -> &mut SrtpContext<N, W> {
        &mut self.inbound
    }
}
