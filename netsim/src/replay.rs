//! Capture and byte-for-byte replay of one machine's exchange with a real peer.
//!
//! A [`Recorder`] wraps the machine while a driver runs it against a real peer over real
//! sockets: every call made to the machine (a datagram, a timeout, a command) is written down
//! with its `now`, and so is everything that came out of it (the call's result, the datagrams
//! it sent, its events), together with the entropy it drew ([`RecordingEntropy`]). The result
//! is a [`Capture`], stored as a small text fixture.
//!
//! [`Capture::replay`] makes the same calls, at the same virtual times, on a fresh machine
//! built with a [`sansio::ScriptedEntropy`] that yields the captured entropy: the machine draws
//! the same transaction IDs, credentials and nonce secrets, so a faithful machine sends the
//! captured bytes again. Any difference — one byte of one datagram, one event, a result —
//! is reported with its line. No peer is needed to replay.
//!
//! ## Text format
//! One record a line; `#` lines are comments (how the capture was made); times are the `now`
//! of the call in microseconds; paths are as the machine sees them (`local` is ours).
//! ```text
//! entropy 0a1b…                     the entropy drawn, in order (several lines concatenate)
//! 1200 in udp 127.0.0.1:5000 127.0.0.1:3478 0101…   handle_datagram
//! 1200 ret Ok(None)                                  its result
//! 1200 timeout                                       handle_timeout
//! 1200 cmd allocate                                  a command of the concrete type
//! 1200 out udp 127.0.0.1:5000 127.0.0.1:3478 0003…   a datagram the machine sent
//! 1200 ev Allocated { … }                            an event (its Debug text)
//! ```

use core::fmt::Debug;
use sansio::{Entropy, Instant, Path, SansIo, Transport};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

/// One line of a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `handle_datagram(at, path, bytes)`.
    In(Instant, Path, Vec<u8>),
    /// `handle_timeout(at)`.
    Timeout(Instant),
    /// A command of the concrete machine, applied by the test's command function.
    Cmd(Instant, String),
    /// The Debug text of what the last input call returned.
    Ret(Instant, String),
    /// A datagram the machine sent.
    Out(Instant, Path, Vec<u8>),
    /// The Debug text of an event.
    Ev(Instant, String),
}

impl Step {
    fn is_input(&self) -> bool {
        matches!(self, Step::In(..) | Step::Timeout(_) | Step::Cmd(..))
    }

    fn line(&self) -> String {
        match self {
            Step::In(t, p, b) => format!("{} in {} {}", t.as_micros(), path_text(p), hex(b)),
            Step::Timeout(t) => format!("{} timeout", t.as_micros()),
            Step::Cmd(t, s) => format!("{} cmd {s}", t.as_micros()),
            Step::Ret(t, s) => format!("{} ret {s}", t.as_micros()),
            Step::Out(t, p, b) => format!("{} out {} {}", t.as_micros(), path_text(p), hex(b)),
            Step::Ev(t, s) => format!("{} ev {s}", t.as_micros()),
        }
    }

    fn parse(line: &str) -> Result<Step, String> {
        let (t, rest) = line.split_once(' ').unwrap_or((line, ""));
        let at = Instant::from_micros(t.parse().map_err(|_| format!("bad time in {line:?}"))?);
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        Ok(match kind {
            "in" | "out" => {
                let mut f = rest.split(' ');
                let path = parse_path(f.next(), f.next(), f.next())
                    .ok_or_else(|| format!("bad path in {line:?}"))?;
                let bytes = unhex(f.next().unwrap_or(""))?;
                if kind == "in" {
                    Step::In(at, path, bytes)
                } else {
                    Step::Out(at, path, bytes)
                }
            }
            "timeout" => Step::Timeout(at),
            "cmd" => Step::Cmd(at, rest.to_string()),
            "ret" => Step::Ret(at, rest.to_string()),
            "ev" => Step::Ev(at, rest.to_string()),
            _ => return Err(format!("unknown record in {line:?}")),
        })
    }
}

fn path_text(p: &Path) -> String {
    let t = match p.transport {
        Transport::Udp => "udp",
        Transport::Tcp => "tcp",
        Transport::Tls => "tls",
        Transport::Dtls => "dtls",
    };
    format!("{t} {} {}", p.local, p.remote)
}

fn parse_path(t: Option<&str>, local: Option<&str>, remote: Option<&str>) -> Option<Path> {
    let transport = match t? {
        "udp" => Transport::Udp,
        "tcp" => Transport::Tcp,
        "tls" => Transport::Tls,
        "dtls" => Transport::Dtls,
        _ => return None,
    };
    Some(Path {
        transport,
        local: local?.parse().ok()?,
        remote: remote?.parse().ok()?,
    })
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The bytes of a hex string.
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return Err(format!("bad hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("bad hex {s:?}"))
        })
        .collect()
}

/// A recorded exchange: how it was made, the entropy drawn, every step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    /// Comment lines (without `# `): peer, versions, command lines.
    pub notes: Vec<String>,
    /// The entropy the machine drew, in order.
    pub entropy: Vec<u8>,
    /// Inputs and outputs, in call order.
    pub steps: Vec<Step>,
}

impl Capture {
    /// The text form (see the [module documentation](self)).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for n in &self.notes {
            let _ = writeln!(s, "# {n}");
        }
        for chunk in self.entropy.chunks(32) {
            let _ = writeln!(s, "entropy {}", hex(chunk));
        }
        for step in &self.steps {
            let _ = writeln!(s, "{}", step.line());
        }
        s
    }

    /// Parse the text form.
    pub fn parse(text: &str) -> Result<Capture, String> {
        let mut c = Capture::default();
        for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            if let Some(n) = line.strip_prefix("# ").or_else(|| line.strip_prefix('#')) {
                c.notes.push(n.to_string());
            } else if let Some(h) = line.strip_prefix("entropy ") {
                c.entropy.extend(unhex(h)?);
            } else {
                c.steps.push(Step::parse(line)?);
            }
        }
        Ok(c)
    }

    /// The datagrams the machine sent, in order.
    pub fn sent(&self) -> impl Iterator<Item = (&Path, &[u8])> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Out(_, p, b) => Some((p, b.as_slice())),
            _ => None,
        })
    }

    /// The Debug texts of the events, in order.
    pub fn events(&self) -> impl Iterator<Item = &str> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Ev(_, e) => Some(e.as_str()),
            _ => None,
        })
    }

    /// Make this capture's input calls on `machine` (built with a
    /// [`sansio::ScriptedEntropy`] over [`entropy`](Self::entropy)), commands through
    /// `command` (the same function the capture used), and compare everything that comes out
    /// with the capture. `Err` names the first line that differs.
    pub fn replay<M>(
        &self,
        machine: M,
        command: impl FnMut(&mut M, Instant, &str, &mut Datagrams) -> String,
    ) -> Result<Recorder<M>, String>
    where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let mut rec = Recorder::new(machine);
        let mut command = command;
        for step in self.steps.iter().filter(|s| s.is_input()) {
            let _ = match step {
                Step::In(t, p, b) => rec.datagram(*t, *p, b),
                Step::Timeout(t) => rec.timeout(*t),
                Step::Cmd(t, text) => rec.command(*t, text, &mut command),
                _ => continue,
            };
        }
        self.compare(&rec.steps)?;
        Ok(rec)
    }

    fn compare(&self, got: &[Step]) -> Result<(), String> {
        let first = self.entropy.chunks(32).count() + self.notes.len() + 1;
        for (i, (want, have)) in self.steps.iter().zip(got).enumerate() {
            if want != have {
                return Err(format!(
                    "step {} (line {} of the fixture) differs:\n  captured: {}\n  replayed: {}",
                    i,
                    first + i,
                    want.line(),
                    have.line()
                ));
            }
        }
        if self.steps.len() != got.len() {
            return Err(format!(
                "captured {} steps, replayed {}",
                self.steps.len(),
                got.len()
            ));
        }
        Ok(())
    }
}

/// Datagrams as `(path, bytes)`.
pub type Datagrams = Vec<(Path, Vec<u8>)>;

/// What one input call produced: the datagrams to send and the events.
#[derive(Debug)]
pub struct Output<E> {
    /// Datagrams, as `(path, bytes)`: send `bytes` from `path.local` to `path.remote`.
    pub sent: Datagrams,
    /// Events, in order.
    pub events: Vec<E>,
}

/// A machine whose every call, and everything it gives back, is written down as [`Step`]s.
/// Each input call drains the machine at once (the call order the contract asks for).
#[derive(Debug)]
pub struct Recorder<M> {
    machine: M,
    steps: Vec<Step>,
}

impl<M> Recorder<M>
where
    M: SansIo,
    M::Event: Debug,
    for<'a> M::Data<'a>: Debug,
{
    /// Start recording `machine`.
    pub fn new(machine: M) -> Self {
        Recorder {
            machine,
            steps: Vec::new(),
        }
    }

    /// The machine.
    pub fn machine(&self) -> &M {
        &self.machine
    }

    /// Steps so far.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// `handle_datagram`, then drain.
    pub fn datagram(&mut self, now: Instant, path: Path, bytes: &[u8]) -> Output<M::Event> {
        self.steps.push(Step::In(now, path, bytes.to_vec()));
        let ret = format!("{:?}", self.machine.handle_datagram(now, path, bytes));
        self.steps.push(Step::Ret(now, ret));
        self.drain(now)
    }

    /// `handle_timeout`, then drain.
    pub fn timeout(&mut self, now: Instant) -> Output<M::Event> {
        self.steps.push(Step::Timeout(now));
        self.machine.handle_timeout(now);
        self.drain(now)
    }

    /// Apply the command `text` with `apply`, then drain. `apply` returns the Debug text of
    /// the command's result and pushes any datagram the command wrote itself (a
    /// [`sansio::Carrier::send`]) to its last argument. Capture and replay must use the same
    /// `apply`.
    pub fn command(
        &mut self,
        now: Instant,
        text: &str,
        mut apply: impl FnMut(&mut M, Instant, &str, &mut Datagrams) -> String,
    ) -> Output<M::Event> {
        self.steps.push(Step::Cmd(now, text.to_string()));
        let mut sent = Vec::new();
        let ret = apply(&mut self.machine, now, text, &mut sent);
        self.steps.push(Step::Ret(now, ret));
        for (p, b) in &sent {
            self.steps.push(Step::Out(now, *p, b.clone()));
        }
        let mut out = self.drain(now);
        sent.append(&mut out.sent);
        out.sent = sent;
        out
    }

    fn drain(&mut self, now: Instant) -> Output<M::Event> {
        let mut out = Output {
            sent: Vec::new(),
            events: Vec::new(),
        };
        let mut buf = [0u8; 2048];
        let steps = &mut self.steps;
        sansio::drain(
            &mut self.machine,
            now,
            &mut buf,
            |t, b| {
                steps.push(Step::Out(now, t.path, b.to_vec()));
                out.sent.push((t.path, b.to_vec()));
            },
            |e| out.events.push(e),
        );
        for e in &out.events {
            self.steps.push(Step::Ev(now, format!("{e:?}")));
        }
        out
    }

    /// The capture: these steps, the entropy drawn and `notes`.
    pub fn into_capture(self, entropy: Vec<u8>, notes: Vec<String>) -> Capture {
        Capture {
            notes,
            entropy,
            steps: self.steps,
        }
    }
}

/// An entropy source that writes down every byte it yields (shared by its clones, in call
/// order), for a capture. Wraps the real source.
#[derive(Clone, Debug)]
pub struct RecordingEntropy<E> {
    inner: E,
    log: Rc<RefCell<Vec<u8>>>,
}

impl<E: Entropy> RecordingEntropy<E> {
    /// Record what `inner` yields.
    pub fn new(inner: E) -> Self {
        RecordingEntropy {
            inner,
            log: Rc::default(),
        }
    }

    /// Everything yielded so far, by this source and its clones.
    pub fn drawn(&self) -> Vec<u8> {
        self.log.borrow().clone()
    }
}

impl<E: Entropy> Entropy for RecordingEntropy<E> {
    fn fill(&mut self, buf: &mut [u8]) {
        self.inner.fill(buf);
        self.log.borrow_mut().extend_from_slice(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansio::{ScriptCursor, ScriptedEntropy, SeededEntropy};

    /// Answers every datagram with four random bytes, and once per timeout.
    struct Noisy<E> {
        entropy: E,
        reply: Option<Path>,
        ticks: u32,
    }

    impl<E: Entropy> SansIo for Noisy<E> {
        type Event = u32;
        type Data<'a> = &'a [u8];
        fn handle_datagram<'a>(
            &mut self,
            _now: Instant,
            path: Path,
            data: &'a [u8],
        ) -> Result<Option<&'a [u8]>, sansio::Rejected> {
            self.reply = Some(path);
            Ok(Some(data))
        }
        fn handle_timeout(&mut self, _now: Instant) {
            self.ticks += 1;
        }
        fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<sansio::Transmit> {
            let path = self.reply.take()?;
            self.entropy.fill(&mut out[..4]);
            Some(sansio::Transmit { path, len: 4 })
        }
        fn poll_event(&mut self) -> Option<u32> {
            let t = core::mem::take(&mut self.ticks);
            (t > 0).then_some(t)
        }
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
    }

    fn run<E: Entropy>(rec: &mut Recorder<Noisy<E>>) {
        let path = Path::udp(
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        );
        let out = rec.datagram(Instant::from_millis(5), path, b"hi");
        assert_eq!(out.sent.len(), 1);
        rec.timeout(Instant::from_millis(9));
    }

    #[test]
    fn a_capture_replays_through_its_text_and_a_changed_byte_is_found() {
        let entropy = RecordingEntropy::new(SeededEntropy::new(3));
        let mut rec = Recorder::new(Noisy {
            entropy: entropy.clone(),
            reply: None,
            ticks: 0,
        });
        run(&mut rec);
        let cap = rec.into_capture(entropy.drawn(), vec!["test".into()]);
        assert_eq!(cap.entropy.len(), 4);
        let text = cap.to_text();
        let parsed = Capture::parse(&text).unwrap();
        assert_eq!(parsed, cap);
        assert_eq!(parsed.events().collect::<Vec<_>>(), ["1"]);

        let replay = |c: &Capture| {
            let cursor = ScriptCursor::new();
            let e = ScriptedEntropy::new(&c.entropy, &cursor);
            let r = c.replay(
                Noisy {
                    entropy: e,
                    reply: None,
                    ticks: 0,
                },
                |_, _, _, _| String::new(),
            );
            (r.map(|_| ()), cursor.overrun())
        };
        assert_eq!(replay(&parsed), (Ok(()), 0));

        // One changed byte of the recorded output, or of the entropy, is caught.
        let mut bad = parsed.clone();
        bad.entropy[0] ^= 1;
        let err = replay(&bad).0.unwrap_err();
        assert!(err.contains("out udp"), "{err}");
        let mut short = parsed;
        short.entropy.pop();
        assert_eq!(replay(&short).1, 1);
    }
}
