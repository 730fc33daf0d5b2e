//! Data channels (RFC 8831, 8832) over the connection's SCTP association.

use crate::event::{ChannelId, MessageKind, PeerError};
use crate::peer::PeerConnection;
use dtls_core::Dtls;
use sansio::{Entropy, Instant};
pub use sctp_core::association::{ChannelConfig, Received, Reliability};

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
    /// Open a data channel (DCEP, or a pre-agreed `negotiated_id`). Possible once the
    /// association is up ([`PeerEvent::DataChannelsReady`](crate::PeerEvent::DataChannelsReady));
    /// the channel is usable at [`PeerEvent::ChannelOpen`](crate::PeerEvent::ChannelOpen).
    pub fn open_channel(
        &mut self,
        now: Instant,
        config: ChannelConfig<'_>,
    ) -> Result<ChannelId, PeerError> {
        let sctp = self.sctp.as_mut().ok_or(PeerError::NotConnected)?;
        let id = sctp.open_channel(now, config).map_err(PeerError::Channel)?;
        self.after_input(now);
        Ok(id)
    }

    /// Send a string or binary message on `channel`.
    pub fn send(
        &mut self,
        now: Instant,
        channel: ChannelId,
        kind: MessageKind,
        data: &[u8],
    ) -> Result<(), PeerError> {
        let sctp = self.sctp.as_mut().ok_or(PeerError::NotConnected)?;
        sctp.send(now, channel, kind, data)
            .map_err(PeerError::Channel)?;
        self.after_input(now);
        Ok(())
    }

    /// Close `channel` (stream reset, RFC 8831 §6.7).
    pub fn close_channel(&mut self, now: Instant, channel: ChannelId) {
        if let Some(sctp) = self.sctp.as_mut() {
            sctp.close_channel(now, channel);
        }
        self.after_input(now);
    }

    /// Bytes queued on `channel` and not yet acknowledged (`RTCDataChannel.bufferedAmount`).
    pub fn buffered_amount(&self, channel: ChannelId) -> usize {
        self.sctp.as_ref().map_or(0, |s| s.buffered_amount(channel))
    }

    /// The next received message, copied into `out` (`Received::len` bytes).
    pub fn poll_message(&mut self, out: &mut [u8]) -> Result<Option<Received>, PeerError> {
        let Some(sctp) = self.sctp.as_mut() else {
            return Ok(None);
        };
        sctp.poll_message(out).map_err(|_| PeerError::TooLarge)
    }

    /// The label of `channel`, when open.
    pub fn channel_label(&self, channel: ChannelId) -> Option<&str> {
        self.sctp.as_ref()?.channel_label(channel)
    }
}
