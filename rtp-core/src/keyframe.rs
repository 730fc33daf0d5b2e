//! When to ask for a keyframe (PLI, RFC 4585 §6.3.1, or FIR, RFC 5104 §4.3.1).
//!
//! A video receiver that lost part of a frame it cannot repair (NACK gave up, the jitter
//! buffer skipped a frame, a depacketizer found a missing fragment) cannot decode until the
//! next keyframe. [`KeyframeRequester`] turns those signals into requests, at most one per
//! `min_interval` (and no sooner than one round trip after the last), repeated while no
//! keyframe arrives, and stopped as soon as one does.

use core::time::Duration;
use sansio::Instant;

/// How to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyframeRequest {
    /// Picture loss indication (what WebRTC endpoints use).
    Pli,
    /// Full intra request (for senders that ignore PLI, e.g. some MCUs).
    Fir,
}

/// Rate-limited keyframe requests for one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyframeRequester {
    kind: KeyframeRequest,
    min_interval: Duration,
    needed: bool,
    last_sent: Option<Instant>,
    rtt: Duration,
}

impl KeyframeRequester {
    /// A requester sending `kind` at most every `min_interval` (libwebrtc uses 200 ms).
    pub const fn new(kind: KeyframeRequest, min_interval: Duration) -> Self {
        KeyframeRequester {
            kind,
            min_interval,
            needed: false,
            last_sent: None,
            rtt: Duration::ZERO,
        }
    }

    /// Update the round-trip time: a request is not repeated before the answer could come.
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    /// The decoder cannot continue without a keyframe (loss, a dropped frame, a
    /// depacketizer error, or a stream that starts mid-GOP).
    pub fn on_decoder_broken(&mut self) {
        self.needed = true;
    }

    /// A keyframe arrived: stop asking.
    pub fn on_keyframe(&mut self) {
        self.needed = false;
    }

    /// Whether a keyframe is still awaited.
    pub fn is_waiting(&self) -> bool {
        self.needed
    }

    fn next_allowed(&self) -> Option<Instant> {
        self.last_sent.map(|t| t + self.min_interval.max(self.rtt))
    }

    /// The request to send now, if any (then hand it to
    /// [`RtpSession::request_pli`](crate::session::RtpSession::request_pli) or `request_fir`).
    pub fn poll_request(&mut self, now: Instant) -> Option<KeyframeRequest> {
        if !self.needed || self.next_allowed().is_some_and(|t| now < t) {
            return None;
        }
        self.last_sent = Some(now);
        Some(self.kind)
    }

    /// When [`poll_request`](Self::poll_request) may next return a request.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.needed {
            return None;
        }
        Some(self.next_allowed().unwrap_or(Instant::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_rate_limited_and_stop_on_keyframe() {
        let mut k = KeyframeRequester::new(KeyframeRequest::Pli, Duration::from_millis(200));
        let t = Instant::from_secs(1);
        assert_eq!(k.poll_request(t), None);
        k.on_decoder_broken();
        assert_eq!(k.poll_request(t), Some(KeyframeRequest::Pli));
        k.on_decoder_broken(); // more loss in the meantime: still one request per interval
        assert_eq!(k.poll_request(t + Duration::from_millis(100)), None);
        assert_eq!(k.poll_timeout(), Some(t + Duration::from_millis(200)));
        k.set_rtt(Duration::from_millis(300));
        assert_eq!(k.poll_request(t + Duration::from_millis(200)), None);
        assert_eq!(
            k.poll_request(t + Duration::from_millis(300)),
            Some(KeyframeRequest::Pli)
        );
        k.on_keyframe();
        assert_eq!(k.poll_request(t + Duration::from_secs(5)), None);
        assert_eq!(k.poll_timeout(), None);
    }
}
