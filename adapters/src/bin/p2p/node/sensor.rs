//! `--sensor-cmd CMD`: real readings from a program. The node runs `sh -c CMD` and reads its
//! stdout, one reading per line: `name=value` pairs separated by spaces or commas
//! (`bearing_c=71.5 rpm=1480`), or a bare number (`sensor_c`). Names are 1 to 32 of
//! `a-z 0-9 _`; values finite numbers. A line that is none of this is logged and skipped
//! (a few log lines a second at most); a line longer than [`MAX_LINE`] is skipped whole. When
//! the program exits it is logged and started again, waiting 1 s, then 2, 4… up to 30 s.
//!
//! The latest reading goes to every viewer through a [`watch`] channel.

use super::child::{self, Running};
use adapters::ratelog::LogLimiter;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// Longest line read.
pub const MAX_LINE: usize = 1024;
/// Most fields in one line.
const MAX_FIELDS: usize = 16;

/// One reading of the program: its number (counting from 1) and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Readings so far, this one included.
    pub seq: u64,
    /// `(name, value)` in the order given.
    pub fields: Vec<(String, f64)>,
}

/// The latest reading, for the viewers.
pub type Latest = watch::Receiver<Option<Arc<Reading>>>;

/// Why a line was skipped.
pub fn parse_line(line: &str) -> Result<Vec<(String, f64)>, &'static str> {
    let line = line.trim();
    if line.is_empty() {
        return Err("empty line");
    }
    if let Ok(v) = line.parse::<f64>() {
        return finite(v).map(|v| vec![("sensor_c".to_string(), v)]);
    }
    let mut fields = Vec::new();
    for pair in line.split([' ', ',', '\t']).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').ok_or("not name=value")?;
        let good_name = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !good_name {
            return Err("bad name (1 to 32 of a-z 0-9 _)");
        }
        let value = value.parse::<f64>().map_err(|_| "value is not a number")?;
        if fields.len() == MAX_FIELDS {
            return Err("more than 16 fields");
        }
        fields.push((name.to_string(), finite(value)?));
    }
    Ok(fields)
}

fn finite(v: f64) -> Result<f64, &'static str> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err("value is not finite")
    }
}

/// Start running `cmd` (and again whenever it exits) on a thread of its own.
pub fn spawn(cmd: String) -> std::io::Result<(Latest, Running)> {
    let (tx, rx) = watch::channel(None);
    let mut seq = 0;
    let mut logs = LogLimiter::new(5);
    let running = child::spawn("sensor", cmd, move |out| {
        read_lines(out, &tx, &mut seq, &mut logs);
    })?;
    Ok((rx, running))
}

/// Read lines until end of file; publish good ones, log bad ones.
fn read_lines(
    out: impl Read,
    tx: &watch::Sender<Option<Arc<Reading>>>,
    seq: &mut u64,
    logs: &mut LogLimiter,
) {
    let mut reader = BufReader::new(out);
    let mut buf = Vec::with_capacity(MAX_LINE + 1);
    loop {
        buf.clear();
        match bounded_line(&mut reader, &mut buf) {
            Ok(Line::End) | Err(_) => return,
            Ok(Line::TooLong) => skipped(logs, "line longer than 1024 bytes", &buf),
            Ok(Line::Text) => match std::str::from_utf8(&buf).map_err(|_| "not UTF-8") {
                Ok(text) => match parse_line(text) {
                    Ok(fields) => {
                        *seq += 1;
                        tx.send_replace(Some(Arc::new(Reading { seq: *seq, fields })));
                    }
                    Err(why) => skipped(logs, why, &buf),
                },
                Err(why) => skipped(logs, why, &buf),
            },
        }
    }
}

fn skipped(logs: &mut LogLimiter, why: &str, line: &[u8]) {
    if let Some(suppressed) = logs.allow("sensor_line", Instant::now()) {
        let shown = String::from_utf8_lossy(line.get(..60).unwrap_or(line)).into_owned();
        tracing::warn!(suppressed, line = %shown.trim_end(), "sensor command: line skipped: {why}");
    }
}

/// What one call of [`bounded_line`] read.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A line (without its newline) is in the buffer.
    Text,
    /// A line over [`MAX_LINE`] was read and dropped (its start is in the buffer).
    TooLong,
    /// End of file.
    End,
}

/// Read one line into `buf`, holding at most `MAX_LINE + 1` bytes of it.
fn bounded_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Line> {
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::End);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        return Ok(Line::Text);
    }
    if buf.len() <= MAX_LINE {
        return Ok(Line::Text); // the last line, without a newline
    }
    // Skip the rest of the long line, a bounded piece at a time.
    let mut rest = Vec::with_capacity(MAX_LINE + 1);
    loop {
        rest.clear();
        let n = reader
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut rest)?;
        if n == 0 || rest.last() == Some(&b'\n') {
            return Ok(Line::TooLong);
        }
    }
}

/// A reading of the command as the `readings` channel carries it: the simulated fields the
/// page charts, each replaced by the command's value when it gave one, then the command's
/// other fields, and `"source":"cmd"`.
pub fn reading_json(sim: &[(&str, f32)], unix_ms: u64, fields: &[(String, f64)]) -> String {
    use std::fmt::Write;
    let mut out = format!("{{\"t\":{unix_ms}");
    for (name, v) in sim {
        let given = fields.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        let _ = write!(out, ",\"{name}\":{}", given.unwrap_or(f64::from(*v)));
    }
    for (name, v) in fields
        .iter()
        .filter(|(n, _)| !sim.iter().any(|(s, _)| s == n))
    {
        let _ = write!(out, ",\"{name}\":{v}");
    }
    out.push_str(",\"source\":\"cmd\"}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_fields_and_nonsense_is_refused() {
        assert_eq!(
            parse_line("bearing_c=71.5 rpm=1480"),
            Ok(vec![("bearing_c".into(), 71.5), ("rpm".into(), 1480.0)])
        );
        assert_eq!(parse_line(" 42.25\r"), Ok(vec![("sensor_c".into(), 42.25)]));
        assert_eq!(parse_line("a=1,b=2").map(|f| f.len()), Ok(2));
        assert!(parse_line("bearing_c=hot").is_err());
        assert!(parse_line("hello world").is_err());
        assert!(parse_line("Bearing=1").is_err());
        assert!(parse_line("x=NaN").is_err());
        assert!(parse_line("x=inf").is_err());
        assert!(parse_line("").is_err());
        let many: Vec<String> = (0..17).map(|i| format!("f{i}=1")).collect();
        assert!(parse_line(&many.join(" ")).is_err());
    }

    #[test]
    fn the_json_merges_the_command_over_the_simulation() {
        let sim = [("bearing_c", 40.0), ("rpm", 1500.0)];
        let fields = vec![("bearing_c".to_string(), 71.5), ("oil_c".to_string(), 60.0)];
        assert_eq!(
            reading_json(&sim, 7, &fields),
            r#"{"t":7,"bearing_c":71.5,"rpm":1500,"oil_c":60,"source":"cmd"}"#
        );
    }

    #[test]
    fn long_lines_are_skipped_whole_with_bounded_memory() {
        let mut input = b"a=1\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10 * MAX_LINE));
        input.extend_from_slice(b"\nb=2\nc=3");
        let mut r = BufReader::new(&input[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            buf.clear();
            let l = bounded_line(&mut r, &mut buf).unwrap();
            assert!(buf.len() <= MAX_LINE + 1);
            if l == Line::End {
                break;
            }
            got.push((l, String::from_utf8_lossy(&buf).len().min(5)));
        }
        assert_eq!(
            got,
            vec![
                (Line::Text, 3),
                (Line::TooLong, 5),
                (Line::Text, 3),
                (Line::Text, 3)
            ]
        );
    }
}
