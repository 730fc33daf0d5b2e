//! The node's terminal view: a live status line per viewer (state, pair type, bitrate) drawn
//! with indicatif when stdout is a terminal, plain lines every `--status-every` seconds when
//! it is not (a log file, a pipe), and a summary when the node stops.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One viewer's line.
#[derive(Debug)]
struct Entry {
    state: String,
    pair: String,
    bytes: u64,
    counted_bytes: u64,
    kbps: f64,
    bar: Option<ProgressBar>,
}

/// Everything the board knows.
#[derive(Debug, Default)]
struct Inner {
    entries: BTreeMap<u64, Entry>,
    next: u64,
    served: u64,
    peak: usize,
    bytes_total: u64,
    last_tick: Option<Instant>,
    last_plain: Option<Instant>,
}

/// The viewers' status lines.
#[derive(Debug)]
pub struct Board {
    inner: Mutex<Inner>,
    multi: Option<MultiProgress>,
    plain_every: Duration,
}

impl Board {
    /// A board drawing live lines (`tty`) or printing plain ones every `plain_every`.
    pub fn new(tty: bool, plain_every: Duration) -> Self {
        let multi = tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
        Board {
            inner: Mutex::new(Inner::default()),
            multi,
            plain_every,
        }
    }

    /// Print a line above the live lines (or plainly).
    pub fn say(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => println!("{line}"),
        }
    }

    /// A new viewer session; its id.
    pub fn join(&self) -> u64 {
        let Ok(mut i) = self.inner.lock() else {
            return 0;
        };
        i.next += 1;
        let id = i.next;
        let bar = self.multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        });
        i.entries.insert(
            id,
            Entry {
                state: "new".into(),
                pair: "-".into(),
                bytes: 0,
                counted_bytes: 0,
                kbps: 0.0,
                bar,
            },
        );
        i.peak = i.peak.max(i.entries.len());
        id
    }

    /// What a viewer's session reports: its state, its pair, bytes sent since the last call.
    pub fn update(&self, id: u64, state: Option<&str>, pair: Option<String>, sent: u64) {
        let Ok(mut i) = self.inner.lock() else {
            return;
        };
        i.bytes_total += sent;
        if let Some(e) = i.entries.get_mut(&id) {
            if let Some(s) = state {
                e.state = s.to_string();
            }
            if let Some(p) = pair {
                e.pair = p;
            }
            e.bytes += sent;
        }
    }

    /// A viewer's session ended.
    pub fn leave(&self, id: u64, connected: bool) {
        let Ok(mut i) = self.inner.lock() else {
            return;
        };
        if connected {
            i.served += 1;
        }
        if let Some(e) = i.entries.remove(&id) {
            if let Some(b) = e.bar {
                b.finish_and_clear();
            }
        }
    }

    /// Once a second: bitrates, then redraw (terminal) or print (plain, when due).
    pub fn tick(&self) {
        let Ok(mut i) = self.inner.lock() else {
            return;
        };
        let now = Instant::now();
        let secs = i
            .last_tick
            .map_or(1.0, |t| now.duration_since(t).as_secs_f64().max(0.001));
        i.last_tick = Some(now);
        let plain_due = i
            .last_plain
            .is_none_or(|t| now.duration_since(t) >= self.plain_every);
        if self.multi.is_none() && plain_due && !i.entries.is_empty() {
            i.last_plain = Some(now);
        }
        let print_plain = self.multi.is_none() && i.last_plain == Some(now);
        for (id, e) in i.entries.iter_mut() {
            e.kbps = (e.bytes - e.counted_bytes) as f64 * 8.0 / secs / 1000.0;
            e.counted_bytes = e.bytes;
            let line = format!(
                "viewer {id}: {:<12} pair {:<11} {:>6.0} kbit/s",
                e.state, e.pair, e.kbps
            );
            match &e.bar {
                Some(b) => {
                    b.set_message(line);
                    b.tick();
                }
                None if print_plain => println!("p2p node: {line}"),
                None => {}
            }
        }
    }

    /// The line printed when the node stops.
    pub fn summary(&self, ran: Duration) -> String {
        let Ok(i) = self.inner.lock() else {
            return String::new();
        };
        format!(
            "p2p node: stopped after {:.0} s; {} viewers served, at most {} at once, {} kB sent",
            ran.as_secs_f64(),
            i.served + i.entries.len() as u64,
            i.peak,
            i.bytes_total / 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_counts_viewers_bytes_and_the_peak() {
        let b = Board::new(false, Duration::from_secs(60));
        let a = b.join();
        let c = b.join();
        b.update(a, Some("connected"), Some("host/host".into()), 1000);
        b.update(c, None, None, 500_000);
        b.tick();
        b.leave(a, true);
        b.leave(c, false);
        let s = b.summary(Duration::from_secs(3));
        assert_eq!(
            s,
            "p2p node: stopped after 3 s; 1 viewers served, at most 2 at once, 501 kB sent"
        );
    }
}
