//! The [`sansio`] traits on [`Endpoint`].

use crate::appdata::{AppData, Received};
use crate::crypto::CryptoProvider;
use crate::endpoint::Endpoint;
use crate::event::Event;
use sansio::{Carrier, Entropy, Instant, Path, Rejected, SansIo, SendError, Transmit};

impl<E: Entropy, C: CryptoProvider, const MEM: usize> SansIo for Endpoint<E, C, MEM> {
    type Event = Event;
    type Data<'a> = Received;

    /// A DTLS datagram. `Ok(Some(counts))` when it carried application data: read it with
    /// [`Dtls::received`](crate::Dtls::received).
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<Received>, Rejected> {
        Ok(self.input(now, path, data)?.map(|a| a.counts()))
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.timeout(now)
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.output(now, out)
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.next_event()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.next_timeout()
    }
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Carrier for Endpoint<E, C, MEM> {
    type To = ();

    fn send(
        &mut self,
        _now: Instant,
        _to: (),
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError> {
        self.send_data(data, out)
    }
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> crate::dtls::Dtls for Endpoint<E, C, MEM> {
    fn can_serve(&self) -> bool {
        cfg!(feature = "server")
    }

    fn received(&self) -> AppData<'_> {
        self.app_data().unwrap_or(AppData::EMPTY)
    }

    fn role(&self) -> crate::DtlsRole {
        Endpoint::role(self)
    }

    fn set_role(&mut self, role: crate::DtlsRole) -> bool {
        Endpoint::set_role(self, role)
    }

    fn start(&mut self, now: Instant, path: Path) {
        Endpoint::start(self, now, path)
    }

    fn local_fingerprint(&self) -> crate::Fingerprint {
        Endpoint::local_fingerprint(self)
    }

    fn set_remote_fingerprint(&mut self, fingerprint: crate::Fingerprint) {
        Endpoint::set_remote_fingerprint(self, fingerprint)
    }

    fn is_connected(&self) -> bool {
        Endpoint::is_connected(self)
    }

    fn srtp_profile(&self) -> Option<crate::SrtpProfile> {
        Endpoint::srtp_profile(self)
    }

    fn srtp_keys(&self) -> Option<crate::srtp::SrtpKeys> {
        let mut m = [0u8; crate::srtp::MAX_KEYING_MATERIAL];
        let profile = self.export_srtp_keying_material(&mut m).ok()?;
        let keys = crate::srtp::SrtpKeys::new(
            profile,
            Endpoint::role(self),
            m.get(..profile.keying_material_len())?,
        );
        zeroize::Zeroize::zeroize(&mut m);
        keys
    }

    fn close(&mut self, now: Instant) {
        Endpoint::close(self, now)
    }
}

#[cfg(test)]
mod tests {
    use crate::dtls::Dtls;

    /// A peer connection is written against the trait: this compiles only if the trait
    /// bounds give `AppData` and `Event` to generic code.
    fn generic_drive<D: Dtls>(
        d: &mut D,
        now: sansio::Instant,
        path: sansio::Path,
        bytes: &[u8],
    ) -> usize {
        let mut n = 0;
        if let Ok(Some(got)) = d.handle_datagram(now, path, bytes) {
            for record in d.received() {
                n += record.len();
            }
            assert_eq!(n, got.bytes);
        }
        while let Some(crate::Event::Connected(_)) = d.poll_event() {}
        n
    }

    #[test]
    fn endpoint_is_a_dtls() {
        let cert = crate::Certificate::generate(
            &crate::crypto::RustCrypto,
            &mut sansio::SeededEntropy::new(1),
            &crate::cert::CertParams::default(),
        )
        .unwrap();
        let mut ep = crate::Endpoint::new(
            crate::DtlsRole::Server,
            crate::Config::default(),
            cert,
            sansio::SeededEntropy::new(2),
        );
        let path = sansio::Path::udp(
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        );
        assert_eq!(
            generic_drive(&mut ep, sansio::Instant::ZERO, path, &[0; 4]),
            0
        );
        assert!(Dtls::srtp_keys(&ep).is_none());
    }
}

#[cfg(test)]
mod size {
    /// The memory an endpoint needs, without an allocator (README "Memory"): a regression
    /// guard. 9 824 bytes on thumbv7em (`dtls-core/measure`).
    #[test]
    fn endpoint_fits_in_eleven_kilobytes() {
        let n = core::mem::size_of::<crate::Endpoint<sansio::SeededEntropy>>();
        std::println!("Endpoint: {n} bytes");
        assert!(n <= 11 * 1024, "{n} bytes");
    }
}
