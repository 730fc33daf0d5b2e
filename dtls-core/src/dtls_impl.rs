//! The [`sansio`] traits on [`Endpoint`].

use crate::appdata::AppData;
use crate::crypto::CryptoProvider;
use crate::endpoint::Endpoint;
use crate::event::Event;
use sansio::{Carrier, Entropy, Instant, Path, Rejected, SansIo, SendError, Transmit};

impl<E: Entropy, C: CryptoProvider> SansIo for Endpoint<E, C> {
    type Event = Event;
    type Data<'a>
        = AppData<'a>
    where
        Self: 'a;

    fn handle_datagram<'a>(
        &'a mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<AppData<'a>>, Rejected> {
        self.input(now, path, data)
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

impl<E: Entropy, C: CryptoProvider> Carrier for Endpoint<E, C> {
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
