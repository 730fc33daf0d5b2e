//! The association's timers and what their expiry does.

use super::{Association, LostReason, SackDue, State};
use sansio::{Entropy, Instant, TimerKey};

/// One slot per timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// T1-init / T1-cookie.
    T1,
    /// T2-shutdown.
    T2,
    /// T3-rtx.
    T3,
    /// Delayed SACK.
    DelayedAck,
    /// Heartbeat on an idle association.
    Heartbeat,
    /// RE-CONFIG retransmission.
    Reconfig,
}

pub(crate) const TIMERS: usize = 6;

impl TimerKey for Timer {
    const ALL: &'static [Self] = &[
        Timer::T1,
        Timer::T2,
        Timer::T3,
        Timer::DelayedAck,
        Timer::Heartbeat,
        Timer::Reconfig,
    ];
    fn index(self) -> usize {
        self as usize
    }
}

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    pub(super) fn on_timer(&mut self, now: Instant, t: Timer) {
        match t {
            Timer::T1 => self.on_t1(now),
            Timer::T2 => self.on_t2(now),
            Timer::T3 => self.on_t3(now),
            Timer::DelayedAck => {
                if self.ctl.sack == SackDue::Delayed {
                    self.ctl.sack = SackDue::Now;
                }
            }
            Timer::Heartbeat => self.on_heartbeat(now),
            Timer::Reconfig => self.on_reconfig_timer(now),
        }
    }

    fn on_t1(&mut self, now: Instant) {
        self.t1_count += 1;
        if self.t1_count > self.cfg.max_init_retransmissions {
            self.close(LostReason::InitFailed);
            return;
        }
        self.t1_rto = (self.t1_rto * 2).min(self.cfg.rto_max);
        match self.state {
            State::CookieWait => self.ctl.init = true,
            State::CookieEchoed => self.ctl.cookie_echo = true,
            _ => return,
        }
        self.timers.set(Timer::T1, now + self.t1_rto);
    }

    fn on_t2(&mut self, now: Instant) {
        self.t2_count += 1;
        if self.t2_count > self.cfg.max_retransmissions {
            self.ctl.abort = Some(crate::wire::param::cause::USER_ABORT);
            self.lose(LostReason::Timeout);
            return;
        }
        match self.state {
            State::ShutdownSent => self.ctl.shutdown = true,
            State::ShutdownAckSent => self.ctl.shutdown_ack = true,
            _ => return,
        }
        self.tx.rto.back_off();
        self.timers.set(Timer::T2, now + self.tx.rto.rto());
    }

    fn on_t3(&mut self, now: Instant) {
        if !self.tx.outstanding() {
            return;
        }
        self.stats.t3_expiries += 1;
        if self.count_error() {
            return;
        }
        self.tx.expire(now, &mut self.streams);
        self.tx.on_t3();
        self.ctl.fwd_tsn = self.caps.forward_tsn;
        self.timers.set(Timer::T3, now + self.tx.rto.rto());
    }

    /// One more consecutive failure; `true` when the association was declared lost.
    pub(super) fn count_error(&mut self) -> bool {
        self.errors += 1;
        if self.errors > self.cfg.max_retransmissions {
            self.ctl.abort = Some(crate::wire::param::cause::USER_ABORT);
            self.lose(LostReason::Timeout);
            return true;
        }
        false
    }

    fn on_heartbeat(&mut self, now: Instant) {
        if !matches!(self.state, State::Established | State::ShutdownPending)
            || self.cfg.heartbeat_interval.is_zero()
        {
            return;
        }
        if self.hb_out.take().is_some() && self.count_error() {
            return;
        }
        if !self.tx.outstanding() {
            self.ctl.heartbeat = true;
            self.hb_out = Some((self.entropy.next_u64(), now));
        }
        self.arm_heartbeat(now);
    }

    pub(super) fn arm_heartbeat(&mut self, now: Instant) {
        if !self.cfg.heartbeat_interval.is_zero() {
            self.timers.set(
                Timer::Heartbeat,
                now + self.cfg.heartbeat_interval + self.tx.rto.rto(),
            );
        }
    }

    /// Keep T3 running exactly while chunks are outstanding.
    pub(super) fn sync_t3(&mut self, now: Instant, restart: bool) {
        if !self.tx.outstanding() {
            self.timers.clear(Timer::T3);
        } else if restart || self.timers.get(Timer::T3).is_none() {
            self.timers.set(Timer::T3, now + self.tx.rto.rto());
        }
    }
}
