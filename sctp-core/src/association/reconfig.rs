//! Stream reset (RFC 6525) as data channels use it to close (RFC 8831 §6.7): outgoing
//! requests for our streams, incoming requests asking us to reset ours, responses.

use super::streams::{ChanState, ResetOut};
use super::timer::Timer;
use super::tsn::le;
use super::{Association, ChannelId, Event, State};
use crate::wire::chunk::params;
use crate::wire::param::{result, Param};
use crate::wire::{List, PacketWriter};
use sansio::{Entropy, Instant};

/// Streams in one request at most.
pub(crate) const MAX_RESET: usize = 16;

#[derive(Clone, Debug, Default)]
pub(crate) struct Reconf {
    /// Our next request sequence number.
    next_seq: u32,
    /// The outstanding request: sequence number, streams, last TSN.
    outstanding: Option<(u32, heapless::Vec<u16, MAX_RESET>, u32)>,
    /// Send (or resend) the outstanding request.
    send_request: bool,
    /// The response sequence number to carry (the peer's last request).
    peer_last: u32,
    /// The peer's next request sequence number.
    peer_next: u32,
    /// Responses to send: (sequence, result).
    responses: heapless::Vec<(u32, u32), 4>,
    /// A peer request waiting for TSNs: (sequence, last TSN, streams).
    deferred: Option<(u32, u32, heapless::Vec<u16, MAX_RESET>)>,
    /// The last response we gave, for retransmitted requests.
    last_response: Option<(u32, u32)>,
}

impl Reconf {
    pub(crate) fn new(local_tsn: u32, peer_tsn: u32) -> Self {
        Reconf {
            next_seq: local_tsn,
            peer_next: peer_tsn,
            peer_last: peer_tsn.wrapping_sub(1),
            ..Reconf::default()
        }
    }

    pub(crate) fn pending(&self) -> bool {
        self.send_request || !self.responses.is_empty()
    }
}

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    /// Start a request for streams waiting to be reset whose data is all sent; finish
    /// deferred peer requests whose data has arrived.
    pub(super) fn reconfig_poll(&mut self, now: Instant) {
        if self.state != State::Established || !self.caps.reconfig {
            return;
        }
        self.finish_deferred();
        if self.reconf.outstanding.is_some() {
            return;
        }
        let mut streams: heapless::Vec<u16, MAX_RESET> = heapless::Vec::new();
        let wanted: heapless::Vec<u16, CH> = self
            .streams
            .iter()
            .filter(|s| s.reset_out == ResetOut::Wanted)
            .map(|s| s.id)
            .collect();
        for id in wanted {
            if !self.tx.has_unsent(id) && streams.push(id).is_ok() {
                if let Some(s) = self.streams.get_mut(id) {
                    s.reset_out = ResetOut::Sent;
                }
            }
        }
        if streams.is_empty() {
            return;
        }
        let seq = self.reconf.next_seq;
        self.reconf.next_seq = seq.wrapping_add(1);
        let last_tsn = self.tx.next_tsn().wrapping_sub(1);
        self.reconf.outstanding = Some((seq, streams, last_tsn));
        self.reconf.send_request = true;
        self.timers.set(Timer::Reconfig, now + self.tx.rto.rto());
    }

    pub(super) fn on_reconfig_timer(&mut self, now: Instant) {
        if self.reconf.outstanding.is_some() {
            if self.count_error() {
                return;
            }
            self.reconf.send_request = true;
            self.timers.set(Timer::Reconfig, now + self.tx.rto.rto());
        }
    }

    /// Write the pending RE-CONFIG chunk into `w`.
    pub(super) fn write_reconfig(&mut self, w: &mut PacketWriter<'_>) {
        let out = self.reconf.outstanding.clone();
        let responses = self.reconf.responses.clone();
        let mut ps: heapless::Vec<Param<'_>, 6> = heapless::Vec::new();
        if let (true, Some((seq, streams, last_tsn))) = (self.reconf.send_request, out.as_ref()) {
            let _ = ps.push(Param::OutgoingReset {
                request_seq: *seq,
                response_seq: self.reconf.peer_last,
                last_tsn: *last_tsn,
                streams: List::Items(streams),
            });
        }
        for (seq, res) in &responses {
            let _ = ps.push(Param::ReconfigResponse {
                response_seq: *seq,
                result: *res,
                tsns: None,
            });
        }
        if ps.is_empty() {
            return;
        }
        if w.push(&crate::wire::Chunk::ReConfig {
            params: List::Items(&ps),
        })
        .is_ok()
        {
            self.reconf.send_request = false;
            self.reconf.responses.clear();
        }
    }

    pub(super) fn on_reconfig(&mut self, now: Instant, list: &List<'_, Param<'_>>) {
        if self.state != State::Established {
            return;
        }
        for p in params(list) {
            let Ok(p) = p else { break };
            match p {
                Param::OutgoingReset {
                    request_seq,
                    last_tsn,
                    ..
                } => {
                    let streams: heapless::Vec<u16, MAX_RESET> =
                        p.streams().take(MAX_RESET).collect();
                    self.on_peer_reset(request_seq, last_tsn, streams);
                }
                Param::IncomingReset { request_seq, .. } => {
                    // The peer asks us to reset our outgoing streams: do it with a request of
                    // our own (RFC 6525 §5.2.3).
                    let streams: heapless::Vec<u16, MAX_RESET> =
                        p.streams().take(MAX_RESET).collect();
                    self.accept_peer_seq(request_seq, |me| {
                        for id in &streams {
                            if let Some(s) = me.streams.get_mut(*id) {
                                if s.reset_out == ResetOut::None {
                                    s.reset_out = ResetOut::Wanted;
                                    s.state = ChanState::Closing;
                                }
                            }
                        }
                        result::PERFORMED
                    });
                }
                Param::SsnTsnReset { request_seq } | Param::AddStreams { request_seq, .. } => {
                    self.accept_peer_seq(request_seq, |_| result::DENIED);
                }
                Param::ReconfigResponse {
                    response_seq,
                    result,
                    ..
                } => self.on_response(now, response_seq, result),
                _ => {}
            }
        }
        self.reconfig_poll(now);
    }

    /// Run `f` for the peer's next request and queue its response; answer retransmissions
    /// with the earlier result and anything else with Bad Sequence Number.
    fn accept_peer_seq(&mut self, seq: u32, f: impl FnOnce(&mut Self) -> u32) {
        let res = if seq == self.reconf.peer_next {
            let r = f(self);
            if r != result::IN_PROGRESS {
                self.reconf.peer_last = seq;
                self.reconf.peer_next = seq.wrapping_add(1);
                self.reconf.last_response = Some((seq, r));
            }
            r
        } else if let Some((s, r)) = self.reconf.last_response.filter(|(s, _)| *s == seq) {
            let _ = s;
            r
        } else {
            result::BAD_SEQUENCE
        };
        let _ = self.reconf.responses.push((seq, res));
    }

    fn on_peer_reset(&mut self, seq: u32, last_tsn: u32, streams: heapless::Vec<u16, MAX_RESET>) {
        self.accept_peer_seq(seq, |me| {
            if !le(last_tsn, me.tsns.cum()) {
                me.reconf.deferred = Some((seq, last_tsn, streams));
                return result::IN_PROGRESS;
            }
            me.reset_incoming(&streams);
            result::PERFORMED
        });
    }

    /// A deferred peer request whose data has all arrived is performed now.
    fn finish_deferred(&mut self) {
        let Some((seq, last_tsn, streams)) = self.reconf.deferred.clone() else {
            return;
        };
        if !le(last_tsn, self.tsns.cum()) {
            return;
        }
        self.reconf.deferred = None;
        self.accept_peer_seq(seq, |me| {
            me.reset_incoming(&streams);
            result::PERFORMED
        });
    }

    /// The peer reset its outgoing streams: ours toward it follow (RFC 8831 §6.7).
    fn reset_incoming(&mut self, streams: &[u16]) {
        let all: heapless::Vec<u16, CH> = self.streams.iter().map(|s| s.id).collect();
        let list: &[u16] = if streams.is_empty() { &all } else { streams };
        for id in list {
            let Some(s) = self.streams.get_mut(*id) else {
                continue;
            };
            s.in_mid = 0;
            s.reset_in = true;
            if s.reset_out == ResetOut::None {
                s.reset_out = ResetOut::Wanted;
            }
            s.state = ChanState::Closing;
            self.maybe_closed(*id);
        }
    }

    fn on_response(&mut self, now: Instant, seq: u32, res: u32) {
        let Some((out_seq, streams, _)) = self.reconf.outstanding.clone() else {
            return;
        };
        if seq != out_seq {
            return;
        }
        if res == result::IN_PROGRESS {
            self.timers.set(Timer::Reconfig, now + self.tx.rto.rto());
            return;
        }
        self.reconf.outstanding = None;
        self.reconf.send_request = false;
        self.timers.clear(Timer::Reconfig);
        self.errors = 0;
        for id in &streams {
            if let Some(s) = self.streams.get_mut(*id) {
                s.out_mid = 0;
                s.out_umid = 0;
                s.reset_out = ResetOut::Done;
            }
            self.maybe_closed(*id);
        }
    }

    /// Both directions reset: the channel is closed.
    fn maybe_closed(&mut self, id: u16) {
        let done = self
            .streams
            .get(id)
            .is_some_and(|s| s.reset_in && s.reset_out == ResetOut::Done);
        if done {
            self.streams.remove(id);
            self.emit(Event::ChannelClosed(ChannelId(id)));
        }
    }
}
