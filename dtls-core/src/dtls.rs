//! [`Dtls`]: what the peer connection needs from a DTLS implementation, so that dtls-core
//! and (feature `dimpl`) the `dimpl` crate can be swapped.

use crate::appdata::{AppData, Received};
use crate::cert::Fingerprint;
use crate::event::Event;
use crate::srtp::SrtpKeys;
use crate::types::{DtlsRole, SrtpProfile};
use sansio::{Carrier, Instant, Path, SansIo};

/// A DTLS connection for WebRTC: a [`SansIo`] machine that decrypts application data into its
/// own buffer (`handle_datagram` says how much, [`received`](Dtls::received) reads it) and
/// reports [`Event`]s, a [`Carrier`] that protects application data into
/// datagrams, plus the few controls a peer connection uses.
///
/// The drive loop is the workspace's: `handle_datagram` (DTLS-class datagrams from the ICE
/// pair), `handle_timeout`, `send`, then drain `poll_transmit`, `poll_event`, and read
/// `poll_timeout`.
pub trait Dtls: Carrier<To = ()> + SansIo<Event = Event>
where
    for<'a> Self: SansIo<Data<'a> = Received>,
{
    /// The application data the last datagram carried (empty when it carried none), valid
    /// until the next input.
    fn received(&self) -> AppData<'_>;

    /// Client or server.
    fn role(&self) -> DtlsRole;

    /// Choose the role from SDP `a=setup` (`active` is the client) before
    /// [`start`](Dtls::start); `false` once started.
    fn set_role(&mut self, role: DtlsRole) -> bool;

    /// Start the handshake: a client sends its ClientHello on `path`, a server waits for one.
    fn start(&mut self, now: Instant, path: Path);

    /// Whether it can be the server: `false` for a dtls-core built without its `server`
    /// feature (a peer connection then refuses a negotiation that makes it the server).
    fn can_serve(&self) -> bool {
        true
    }

    /// The SHA-256 fingerprint of our certificate, for SDP `a=fingerprint`.
    fn local_fingerprint(&self) -> Fingerprint;

    /// The fingerprint the peer's certificate must have (RFC 8122), from its SDP. A mismatch
    /// fails the connection with [`Failure::FingerprintMismatch`](crate::Failure).
    fn set_remote_fingerprint(&mut self, fingerprint: Fingerprint);

    /// Whether the handshake completed and the peer is authenticated.
    fn is_connected(&self) -> bool;

    /// The negotiated SRTP protection profile.
    fn srtp_profile(&self) -> Option<SrtpProfile>;

    /// The SRTP master keys and salts (`EXTRACTOR-dtls_srtp`, RFC 5764 §4.2), once connected
    /// with a profile.
    fn srtp_keys(&self) -> Option<SrtpKeys>;

    /// Send close_notify and stop.
    fn close(&mut self, now: Instant);
}

/// A connection lent out (kept in a `static` by its owner) is a connection: the peer
/// connection can hold `&'static mut Endpoint` instead of the endpoint itself.
impl<T> Dtls for &mut T
where
    T: Dtls + ?Sized,
    for<'a> T: SansIo<Data<'a> = Received>,
{
    fn received(&self) -> AppData<'_> {
        (**self).received()
    }

    fn role(&self) -> DtlsRole {
        (**self).role()
    }

    fn set_role(&mut self, role: DtlsRole) -> bool {
        (**self).set_role(role)
    }

    fn start(&mut self, now: Instant, path: Path) {
        (**self).start(now, path)
    }

    fn can_serve(&self) -> bool {
        (**self).can_serve()
    }

    fn local_fingerprint(&self) -> Fingerprint {
        (**self).local_fingerprint()
    }

    fn set_remote_fingerprint(&mut self, fingerprint: Fingerprint) {
        (**self).set_remote_fingerprint(fingerprint)
    }

    fn is_connected(&self) -> bool {
        (**self).is_connected()
    }

    fn srtp_profile(&self) -> Option<SrtpProfile> {
        (**self).srtp_profile()
    }

    fn srtp_keys(&self) -> Option<SrtpKeys> {
        (**self).srtp_keys()
    }

    fn close(&mut self, now: Instant) {
        (**self).close(now)
    }
}
