//! Building the next packet: control chunks, SACK, RE-CONFIG, FORWARD-TSN, then DATA.

use super::timer::Timer;
use super::tx::MAX_FWD_ENTRIES;
use super::{Association, SackDue, State};
use crate::wire::chunk::{ForwardTsn, Sack};
use crate::wire::param::ErrorCause;
use crate::wire::{Chunk, List, PacketWriter};
use sansio::{Entropy, Instant, Transmit};

/// Gap blocks in one SACK at most.
const MAX_GAPS: usize = 32;

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    pub(super) fn transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        if let Some(r) = self.reply.take() {
            let dst = out.get_mut(..r.bytes.len())?;
            dst.copy_from_slice(&r.bytes);
            return Some(Transmit {
                path: r.path,
                len: r.bytes.len(),
            });
        }
        let path = self.path?;
        let mtu = self.cfg.mtu.min(out.len());
        let buf = out.get_mut(..mtu)?;
        let (vtag, zero) = match self.state {
            State::CookieWait => (0, false),
            State::CookieEchoed => (self.peer_tag, false),
            _ => (self.peer_tag, self.caps.zero_checksum),
        };
        let mut w = PacketWriter::new(buf, self.cfg.local_port, self.cfg.remote_port, vtag).ok()?;
        self.fill_packet(now, &mut w);
        if w.is_empty() {
            return None;
        }
        let len = w.finish(zero);
        Some(Transmit { path, len })
    }

    fn fill_packet(&mut self, now: Instant, w: &mut PacketWriter<'_>) {
        if let Some(code) = self.ctl.abort.take() {
            let reason: &[u8] = b"";
            let cause = match code {
                crate::wire::param::cause::USER_ABORT => ErrorCause::UserAbort(reason),
                crate::wire::param::cause::NO_USER_DATA => ErrorCause::NoUserData(0),
                crate::wire::param::cause::OUT_OF_RESOURCE => ErrorCause::OutOfResource,
                crate::wire::param::cause::MISSING_PARAM => ErrorCause::MissingParam(&[0, 7]),
                _ => ErrorCause::ProtocolViolation(reason),
            };
            let causes = [cause];
            let _ = w.push(&Chunk::Abort {
                t: false,
                causes: List::Items(&causes),
            });
            self.ctl = super::Control::new();
            return;
        }
        if self.ctl.shutdown_complete {
            self.ctl.shutdown_complete = false;
            let _ = w.push(&Chunk::ShutdownComplete { t: false });
            return;
        }
        match self.state {
            State::Closed => {}
            State::CookieWait => {
                if self.ctl.init && self.write_init(w) {
                    self.ctl.init = false;
                }
            }
            State::CookieEchoed => {
                if self.ctl.cookie_echo && w.push(&Chunk::CookieEcho(&self.ctl.cookie)).is_ok() {
                    self.ctl.cookie_echo = false;
                }
            }
            _ => self.fill_established(now, w),
        }
    }

    fn fill_established(&mut self, now: Instant, w: &mut PacketWriter<'_>) {
        if self.ctl.cookie_ack && w.push(&Chunk::CookieAck).is_ok() {
            self.ctl.cookie_ack = false;
        }
        if self.ctl.shutdown_ack && w.push(&Chunk::ShutdownAck).is_ok() {
            self.ctl.shutdown_ack = false;
        }
        if let Some(e) = self.ctl.error.take() {
            let causes = [ErrorCause::UnrecognizedChunk(&e)];
            let _ = w.push(&Chunk::Error {
                causes: List::Items(&causes),
            });
        }
        if let Some(info) = self.ctl.hb_ack.take() {
            let _ = w.push(&Chunk::HeartbeatAck(&info));
        }
        if self.ctl.heartbeat {
            if let Some((nonce, sent)) = self.hb_out {
                let mut info = [0u8; 16];
                let (a, b) = info.split_at_mut(8);
                a.copy_from_slice(&nonce.to_be_bytes());
                b.copy_from_slice(&sent.as_micros().to_be_bytes());
                if w.push(&Chunk::Heartbeat(&info)).is_ok() {
                    self.ctl.heartbeat = false;
                }
            }
        }
        if self.ctl.sack == SackDue::Now {
            self.write_sack(w);
        }
        let shutdown = Chunk::Shutdown {
            cum_tsn: self.tsns.cum(),
        };
        if self.ctl.shutdown && w.push(&shutdown).is_ok() {
            self.ctl.shutdown = false;
        }
        if self.reconf.pending() {
            self.write_reconfig(w);
        }
        if self.ctl.fwd_tsn {
            self.write_forward_tsn(now, w);
        }
        let data_ok = matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        );
        if data_ok {
            let force = core::mem::take(&mut self.ctl.fast_rtx);
            let wrote = self.tx.fill(w, now, force, &mut self.streams);
            if wrote {
                self.sync_t3(now, false);
                if self.ctl.sack == SackDue::Delayed {
                    self.write_sack(w);
                }
            }
        }
    }

    fn write_sack(&mut self, w: &mut PacketWriter<'_>) {
        let gaps = self.tsns.gaps::<MAX_GAPS>();
        let dups = if self.tsns.has_dups() {
            self.tsns.take_dups()
        } else {
            heapless::Vec::new()
        };
        let a_rwnd = self.rx.window();
        let sack = Sack {
            cum_tsn: self.tsns.cum(),
            a_rwnd,
            gaps: List::Items(&gaps),
            dups: List::Items(&dups),
        };
        if w.push(&Chunk::Sack(sack)).is_ok() {
            self.ctl.sack = SackDue::No;
            self.ctl.data_packets = 0;
            self.ctl.last_rwnd = a_rwnd;
            self.timers.clear(Timer::DelayedAck);
        }
    }

    fn write_forward_tsn(&mut self, now: Instant, w: &mut PacketWriter<'_>) {
        self.ctl.fwd_tsn = false;
        let mut entries = heapless::Vec::<_, MAX_FWD_ENTRIES>::new();
        let Some(new_cum) = self.tx.forward_tsn(&mut entries) else {
            return;
        };
        let f = ForwardTsn {
            idata: self.caps.idata,
            new_cum_tsn: new_cum,
            entries: List::Items(&entries),
        };
        let _ = w.push(&Chunk::ForwardTsn(f));
        self.sync_t3(now, false);
    }
}
