//! `--mic-wav FILE`: the microphone from a WAV file, looped. Any PCM WAV hound reads (8 to 32
//! bit integers or 32-bit floats, any rate, any channel count) is mixed down to mono and
//! resampled to 8 kHz by linear interpolation (no anti-alias filter: simple, and enough for a
//! machine's hum), then sent as PCMU like the simulated microphone.

use machine_sim::{mulaw, SAMPLES_PER_PACKET, SAMPLE_RATE};
use std::path::Path;
use std::sync::Arc;

/// Longest file accepted: 10 minutes at 8 kHz once converted.
const MAX_SAMPLES: usize = 10 * 60 * SAMPLE_RATE as usize;

/// The file's audio at 8 kHz, mono, shared by every viewer.
pub type Clip = Arc<[i16]>;

/// Read and convert `path`.
pub fn load(path: &Path) -> Result<Clip, String> {
    let mut reader =
        hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let frames = reader.len() as usize / channels;
    if spec.sample_rate == 0 || frames == 0 {
        return Err(format!("{}: no audio", path.display()));
    }
    let out_len = (frames as u64 * u64::from(SAMPLE_RATE) / u64::from(spec.sample_rate)) as usize;
    if out_len > MAX_SAMPLES {
        return Err(format!("{}: longer than 10 minutes", path.display()));
    }
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample.clamp(1, 32)) - 1);
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect();
    let clip = resample(&mono, spec.sample_rate, SAMPLE_RATE);
    if clip.is_empty() {
        return Err(format!("{}: too short", path.display()));
    }
    Ok(clip.into())
}

/// Linear interpolation from `from` Hz to `to` Hz, as 16-bit samples.
fn resample(input: &[f32], from: u32, to: u32) -> Vec<i16> {
    let out_len = (input.len() as u64 * u64::from(to) / u64::from(from.max(1))) as usize;
    let step = f64::from(from) / f64::from(to);
    (0..out_len)
        .map(|i| {
            let at = i as f64 * step;
            let k = at as usize;
            let frac = (at - k as f64) as f32;
            let a = input.get(k).copied().unwrap_or(0.0);
            let b = input.get(k + 1).copied().unwrap_or(a);
            let v = (a + (b - a) * frac).clamp(-1.0, 1.0);
            (v * 32_767.0) as i16
        })
        .collect()
}

/// A viewer's place in the clip.
#[derive(Debug)]
pub struct Player {
    clip: Clip,
    pos: usize,
}

impl Player {
    /// Start at `pos` (e.g. where the node's clock is, so viewers hear about the same).
    pub fn new(clip: Clip, pos: usize) -> Self {
        let pos = pos % clip.len().max(1);
        Player { clip, pos }
    }

    /// The next 20 ms as PCMU, looping at the end.
    pub fn next_packet(&mut self) -> [u8; SAMPLES_PER_PACKET] {
        let mut out = [0u8; SAMPLES_PER_PACKET];
        for b in out.iter_mut() {
            *b = mulaw(self.clip.get(self.pos).copied().unwrap_or(0));
            self.pos = (self.pos + 1) % self.clip.len().max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_the_pitch_and_the_level() {
        // 1 kHz at 48 kHz, amplitude 0.5: at 8 kHz still 1 kHz (8 samples a period).
        let input: Vec<f32> = (0..48_000)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let out = resample(&input, 48_000, 8000);
        assert_eq!(out.len(), 8000);
        let crossings = out.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        assert!((1990..=2010).contains(&crossings), "{crossings}");
        let peak = out.iter().map(|v| v.unsigned_abs()).max().unwrap();
        assert!((15_500..=16_500).contains(&peak), "{peak}");
    }

    #[test]
    fn the_player_loops() {
        let clip: Clip = vec![1000i16; 100].into();
        let mut p = Player::new(clip, 250);
        let a = p.next_packet();
        assert!(a.iter().all(|b| *b == mulaw(1000)));
    }
}
