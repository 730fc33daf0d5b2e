//! `p2p node` with real inputs, watched by `p2p view`: readings from `--sensor-cmd` (and a
//! command that prints nonsense and exits, while the node keeps serving), the microphone from
//! `--mic-wav` (resampled and mixed down: the viewer hears its level and its pitch).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, Proc};
use std::path::PathBuf;
use std::time::Duration;

fn node(extra: &[&str]) -> (Proc, String) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec!["node", "--listen", &listen];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    p.wait_for("node ready", Duration::from_secs(20));
    (p, format!("http://{listen}/whep"))
}

fn view(url: &str, seconds: &str) -> (String, String) {
    let out = run(p2p(), &["view", url, "--duration", seconds], 30);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = text.lines().last().unwrap().to_string();
    (text, summary)
}

fn number(summary: &str, key: &str) -> f64 {
    let at = summary
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {summary}"));
    summary[at + key.len() + 3..]
        .split([',', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn readings_come_from_the_sensor_command() {
    let cmd = "while true; do echo 'bearing_c=71.5 oil_c=60.25'; sleep 0.2; done";
    let (_node, url) = node(&["--sensor-cmd", cmd]);
    let (text, summary) = view(&url, "3");
    assert!(number(&summary, "readings") >= 5.0, "{summary}");
    let reading = text
        .lines()
        .find(|l| l.starts_with("reading {"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(reading.contains("\"bearing_c\":71.5"), "{reading}");
    assert!(reading.contains("\"oil_c\":60.25"), "{reading}");
    assert!(reading.contains("\"source\":\"cmd\""), "{reading}");
    // Fields the command does not give stay simulated, so the page can chart them.
    assert!(reading.contains("\"ambient_c\":"), "{reading}");
}

#[test]
fn a_sensor_command_printing_nonsense_and_exiting_is_logged_and_restarted() {
    let cmd = "echo 'bearing_c=hot'; echo 'hello world'; head -c 5000 /dev/zero | tr '\\0' x; \
               echo; echo 'bearing_c=55.5'; exit 3";
    let (node, url) = node(&["--sensor-cmd", cmd]);
    let (text, summary) = view(&url, "4");
    // The node kept serving: frames and the good line of every run.
    assert!(number(&summary, "thermal_frames") >= 10.0, "{summary}");
    assert!(text.contains("\"bearing_c\":55.5"), "{text}");
    let log = node.output();
    for line in [
        "line skipped: value is not a number",
        "line skipped: not name=value",
        "line skipped: line longer than 1024 bytes",
        "sensor command exited",
        "exit status: 3",
        "sensor command: starting again",
    ] {
        assert!(log.contains(line), "{line:?} not in\n{log}");
    }
    // Started more than once.
    assert!(log.matches("sensor command started").count() >= 2, "{log}");
}

fn wav(name: &str, rate: u32, channels: u16, hz: f32, amplitude: f32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("node-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..rate * 2 {
        let t = i as f32 / rate as f32;
        let v = amplitude * (2.0 * std::f32::consts::PI * hz * t).sin();
        for _ in 0..channels {
            w.write_sample((v * 32_767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
    path
}

#[test]
fn the_microphone_plays_a_wav_file_resampled_to_8_khz() {
    // 16 kHz stereo, 1 kHz at half scale: mixed down and resampled, still 1 kHz, RMS 0.35.
    let path = wav("tone.wav", 16_000, 2, 1000.0, 0.5);
    let (_node, url) = node(&["--mic-wav", path.to_str().unwrap()]);
    let (_, summary) = view(&url, "3");
    assert!(number(&summary, "audio_packets") >= 100.0, "{summary}");
    let rms = number(&summary, "audio_rms");
    assert!((0.33..0.38).contains(&rms), "{summary}");
    let hz = number(&summary, "audio_hz");
    assert!((950.0..1050.0).contains(&hz), "{summary}");
    // Silence is silence (the simulated machine would hum at about 0.13).
    let quiet = wav("silence.wav", 8000, 1, 0.0, 0.0);
    let (_node, url) = node(&["--mic-wav", quiet.to_str().unwrap()]);
    let (_, summary) = view(&url, "2");
    assert!(number(&summary, "audio_rms") < 0.001, "{summary}");
}

#[test]
fn a_file_that_is_not_a_wav_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("node-inputs-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("notes.wav");
    std::fs::write(&bad, "not audio").unwrap();
    for file in [bad.to_str().unwrap(), "/nonexistent/mic.wav"] {
        let out = run(
            p2p(),
            &["node", "--listen", "127.0.0.1:0", "--mic-wav", file],
            20,
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("p2p: error:") && err.contains(file), "{err}");
    }
}

#[test]
fn a_camera_that_is_not_there_is_a_usage_error() {
    let out = run(
        p2p(),
        &[
            "node",
            "--listen",
            "127.0.0.1:0",
            "--camera",
            "/dev/video-none",
        ],
        20,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p2p: error: no camera at /dev/video-none"),
        "{err}"
    );
    // --camera and --video-cmd are one video source: not both
    let out = run(
        p2p(),
        &["node", "--camera", "/dev/null", "--video-cmd", "true"],
        20,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
