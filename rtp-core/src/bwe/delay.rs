//! The delay-based detector of GCC (draft-ietf-rmcat-gcc-02 §5, as libwebrtc runs it):
//! packets are grouped by send time, the change of one-way delay between groups is
//! accumulated and smoothed, a least-squares line through the last samples gives the delay
//! trend, and the trend against an adaptive threshold says whether the path's queue grows
//! (overuse), drains (underuse) or holds (normal).

/// Packets sent within this many microseconds of a group's first one belong to it
/// (draft-ietf-rmcat-gcc-02 §5.2: a burst time of 5 ms).
const BURST_US: i64 = 5_000;
/// Samples the trend line is fitted through.
const WINDOW: usize = 20;
/// Exponential smoothing of the accumulated delay.
const SMOOTHING: f64 = 0.9;
/// Gain applied to the slope before it meets the threshold.
const GAIN: f64 = 4.0;
/// Threshold adaptation rates: when the trend is under it (down) and over it (up).
const K_DOWN: f64 = 0.039;
const K_UP: f64 = 0.0087;
/// Threshold bounds and start, in the modified trend's units (ms).
const THRESHOLD_MIN: f64 = 6.0;
const THRESHOLD_MAX: f64 = 600.0;
const THRESHOLD_START: f64 = 12.5;
/// Overuse must last this long (in send time, µs) before it is signalled.
const OVERUSE_TIME_US: f64 = 10_000.0;

/// What the delay trend says about the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelaySignal {
    /// The queue holds: the rate may grow.
    Normal,
    /// The queue grows: the rate must drop.
    Overuse,
    /// The queue drains: hold the rate until it has.
    Underuse,
}

/// A group of packets sent within one burst time.
#[derive(Clone, Copy, Debug)]
struct Group {
    first_send: i64,
    last_send: i64,
    last_arrival: i64,
}

/// Groups packets and yields the delay variation between consecutive groups.
#[derive(Clone, Debug, Default)]
struct InterArrival {
    current: Option<Group>,
    previous: Option<Group>,
}

/// A delay variation between two groups: (send delta µs, arrival delta µs, arrival µs).
type GroupDelta = (i64, i64, i64);

impl InterArrival {
    /// One acknowledged packet, in feedback order: its send and arrival times (µs). A
    /// group is complete when a packet of the next one comes; then its delta is returned.
    fn add(&mut self, send: i64, arrival: i64) -> Option<GroupDelta> {
        let Some(cur) = self.current.as_mut() else {
            self.current = Some(Group {
                first_send: send,
                last_send: send,
                last_arrival: arrival,
            });
            return None;
        };
        if send < cur.first_send {
            return None; // reordered from an older group: ignored
        }
        if send - cur.first_send <= BURST_US {
            cur.last_send = cur.last_send.max(send);
            cur.last_arrival = cur.last_arrival.max(arrival);
            return None;
        }
        let done = *cur;
        let delta = self.previous.map(|p| {
            (
                done.last_send - p.last_send,
                done.last_arrival - p.last_arrival,
                done.last_arrival,
            )
        });
        self.previous = Some(done);
        self.current = Some(Group {
            first_send: send,
            last_send: send,
            last_arrival: arrival,
        });
        delta
    }
}

/// The trend line and the overuse detector.
#[derive(Clone, Debug)]
pub(crate) struct DelayDetector {
    groups: InterArrival,
    first_arrival: Option<i64>,
    accumulated: f64,
    smoothed: f64,
    samples: [(f64, f64); WINDOW],
    count: usize,
    deltas: u32,
    prev_trend: f64,
    threshold: f64,
    last_threshold_update: Option<i64>,
    overuse_time: Option<f64>,
    overuse_count: u32,
    signal: DelaySignal,
}

impl Default for DelayDetector {
    fn default() -> Self {
        DelayDetector {
            groups: InterArrival::default(),
            first_arrival: None,
            accumulated: 0.0,
            smoothed: 0.0,
            samples: [(0.0, 0.0); WINDOW],
            count: 0,
            deltas: 0,
            prev_trend: 0.0,
            threshold: THRESHOLD_START,
            last_threshold_update: None,
            overuse_time: None,
            overuse_count: 0,
            signal: DelaySignal::Normal,
        }
    }
}

impl DelayDetector {
    /// One acknowledged packet (send and arrival time in µs, arrival on the peer's clock).
    /// Returns the signal when a group completed and changed the estimate of the trend.
    pub(crate) fn on_packet(&mut self, send: i64, arrival: i64) -> Option<DelaySignal> {
        let (send_delta, arrival_delta, at) = self.groups.add(send, arrival)?;
        let first = *self.first_arrival.get_or_insert(at);
        let variation_ms = (arrival_delta - send_delta) as f64 / 1000.0;
        self.deltas = self.deltas.saturating_add(1).min(1000);
        self.accumulated += variation_ms;
        self.smoothed = SMOOTHING * self.smoothed + (1.0 - SMOOTHING) * self.accumulated;
        let x = (at - first) as f64 / 1000.0;
        if self.count < WINDOW {
            if let Some(s) = self.samples.get_mut(self.count) {
                *s = (x, self.smoothed);
            }
            self.count += 1;
        } else {
            self.samples.rotate_left(1);
            if let Some(s) = self.samples.last_mut() {
                *s = (x, self.smoothed);
            }
        }
        let trend = if self.count == WINDOW {
            slope(&self.samples).unwrap_or(self.prev_trend)
        } else {
            self.prev_trend
        };
        let modified = f64::from(self.deltas.min(60)) * trend * GAIN;
        self.detect(modified, trend, send_delta as f64, at);
        Some(self.signal)
    }

    /// The last signal.
    pub(crate) fn signal(&self) -> DelaySignal {
        self.signal
    }

    fn detect(&mut self, modified: f64, trend: f64, send_delta_us: f64, now: i64) {
        if modified > self.threshold {
            let t = match self.overuse_time {
                None => send_delta_us / 2.0,
                Some(t) => t + send_delta_us,
            };
            self.overuse_time = Some(t);
            self.overuse_count += 1;
            if t > OVERUSE_TIME_US && self.overuse_count > 1 && trend >= self.prev_trend {
                self.overuse_time = Some(0.0);
                self.overuse_count = 0;
                self.signal = DelaySignal::Overuse;
            }
        } else if modified < -self.threshold {
            self.overuse_time = None;
            self.overuse_count = 0;
            self.signal = DelaySignal::Underuse;
        } else {
            self.overuse_time = None;
            self.overuse_count = 0;
            self.signal = DelaySignal::Normal;
        }
        self.prev_trend = trend;
        self.adapt_threshold(modified, now);
    }

    /// RFC draft §5.4: the threshold follows the trend slowly, so that a path with a
    /// standing delay variation (cross traffic) is not read as overuse for ever.
    fn adapt_threshold(&mut self, modified: f64, now: i64) {
        let last = *self.last_threshold_update.get_or_insert(now);
        let m = if modified < 0.0 { -modified } else { modified };
        if m > self.threshold + 15.0 {
            // a spike (a route change, say): not a reason to move the threshold
            self.last_threshold_update = Some(now);
            return;
        }
        let k = if m < self.threshold { K_DOWN } else { K_UP };
        let dt_ms = ((now - last) as f64 / 1000.0).clamp(0.0, 100.0);
        self.threshold += k * (m - self.threshold) * dt_ms;
        self.threshold = self.threshold.clamp(THRESHOLD_MIN, THRESHOLD_MAX);
        self.last_threshold_update = Some(now);
    }
}

/// Least-squares slope of `y` over `x`; `None` when the `x` do not vary.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    (den != 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups 10 ms apart whose arrivals spread by `extra` µs more each time.
    fn feed(d: &mut DelayDetector, groups: i64, extra: i64) -> DelaySignal {
        let mut signal = DelaySignal::Normal;
        for g in 0..groups {
            let send = g * 10_000;
            let arrival = 50_000 + send + g * extra;
            if let Some(s) = d.on_packet(send, arrival) {
                signal = s;
            }
        }
        signal
    }

    #[test]
    fn a_steady_path_is_normal_a_growing_queue_is_overuse() {
        assert_eq!(
            feed(&mut DelayDetector::default(), 100, 0),
            DelaySignal::Normal
        );
        // 1 ms more queueing per 10 ms group: the queue grows 10 % of real time
        assert_eq!(
            feed(&mut DelayDetector::default(), 100, 1_000),
            DelaySignal::Overuse
        );
        assert_eq!(
            feed(&mut DelayDetector::default(), 100, -1_000),
            DelaySignal::Underuse
        );
    }

    #[test]
    fn packets_of_one_burst_make_one_group() {
        let mut ia = InterArrival::default();
        assert_eq!(ia.add(0, 100), None);
        assert_eq!(ia.add(4_000, 200), None, "same burst");
        assert_eq!(
            ia.add(10_000, 300),
            None,
            "first complete group, no previous"
        );
        assert_eq!(ia.add(20_000, 900), Some((6_000, 100, 300)));
        assert_eq!(
            ia.add(5_000, 950),
            None,
            "older than the current group: ignored"
        );
    }

    #[test]
    fn slope_of_a_line() {
        let pts: [(f64, f64); 3] = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
        assert_eq!(slope(&pts), Some(2.0));
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 2.0)]), None);
    }
}
