//! The simulated machine a node watches: a housing whose hot spot wanders, a bearing that
//! heats up and starts to squeal, and the sensors that see it — a 32×24 thermal camera
//! (an MLX90640-class sensor), temperature probes and a directional microphone.
//!
//! Time is the caller's (seconds since the node started), so every viewer sees the same
//! machine.

use std::f32::consts::PI;

/// Thermal frame width and height (MLX90640).
pub const WIDTH: usize = 32;
/// Thermal frame height.
pub const HEIGHT: usize = 24;
/// Bytes of a thermal frame's header on the wire.
pub const THERMAL_HEADER: usize = 12;
/// Audio sample rate (PCMU).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples per audio packet (20 ms).
pub const SAMPLES_PER_PACKET: usize = 160;

/// The machine's state at time `t` seconds: a cycle of 90 s in which the bearing heats up
/// and squeals more and more, then is "serviced" and cools down.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    t: f32,
}

impl Machine {
    /// The machine at `t` seconds.
    pub fn at(t: f32) -> Self {
        Machine { t }
    }

    /// Wear in 0..1 over the 90-second cycle.
    fn wear(&self) -> f32 {
        let phase = (self.t % 90.0) / 90.0;
        phase * phase
    }

    /// Where the hot spot is (it circles the housing), in frame coordinates.
    fn hot_spot(&self) -> (f32, f32) {
        let a = self.t * 0.35;
        (16.0 + 9.0 * a.cos(), 12.0 + 6.0 * (a * 1.3).sin())
    }

    /// Ambient temperature, °C.
    pub fn ambient_c(&self) -> f32 {
        23.5 + 0.5 * (self.t * 0.01).sin()
    }

    /// Housing temperature at the hot spot, °C.
    pub fn machine_c(&self) -> f32 {
        48.0 + 6.0 * (self.t * 0.2).sin()
    }

    /// Bearing temperature, °C: rises with wear.
    pub fn bearing_c(&self) -> f32 {
        38.0 + 40.0 * self.wear()
    }

    /// Shaft speed, rpm.
    pub fn rpm(&self) -> f32 {
        1480.0 + 15.0 * (self.t * 0.7).sin()
    }

    /// How loud the bearing squeals, 0..1.
    pub fn squeal(&self) -> f32 {
        (self.wear() * 1.4 - 0.2).clamp(0.0, 1.0)
    }

    /// The temperature seen by thermal pixel (x, y), °C.
    pub fn pixel_c(&self, x: usize, y: usize) -> f32 {
        let (hx, hy) = self.hot_spot();
        let (dx, dy) = (x as f32 - hx, y as f32 - hy);
        let spot = (self.machine_c() - self.ambient_c()) * (-(dx * dx + dy * dy) / 18.0).exp();
        // The bearing sits at the right edge of the housing, fixed.
        let (bx, by) = (x as f32 - 27.0, y as f32 - 18.0);
        let bearing = (self.bearing_c() - self.ambient_c()) * (-(bx * bx + by * by) / 6.0).exp();
        // The housing is warmer than the room; a little sensor noise.
        let housing = if (4..28).contains(&x) && (3..21).contains(&y) {
            6.0
        } else {
            0.0
        };
        let noise = 0.15 * ((x * 7 + y * 13) as f32 + self.t * 31.0).sin();
        self.ambient_c() + housing + spot.max(bearing) + noise
    }

    /// A thermal frame on the wire: version 1, width, height, a reserved byte, the frame
    /// number (u32), then min and max (i16 centi-°C), then `WIDTH × HEIGHT` pixels as i16
    /// centi-°C, row by row; all big-endian.
    pub fn thermal_frame(&self, number: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity(WIDTH * HEIGHT);
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                px.push((self.pixel_c(x, y) * 100.0).round() as i16);
            }
        }
        let (min, max) = px
            .iter()
            .fold((i16::MAX, i16::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let mut out = Vec::with_capacity(THERMAL_HEADER + 2 * px.len());
        out.extend_from_slice(&[1, WIDTH as u8, HEIGHT as u8, 0]);
        out.extend_from_slice(&number.to_be_bytes());
        out.extend_from_slice(&min.to_be_bytes());
        out.extend_from_slice(&max.to_be_bytes());
        for v in px {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// The simulated readings by name, as the `readings` channel carries them.
    pub fn readings(&self) -> [(&'static str, f32); 5] {
        [
            ("ambient_c", self.ambient_c()),
            ("machine_c", self.machine_c()),
            ("bearing_c", self.bearing_c()),
            ("rpm", self.rpm()),
            ("squeal", self.squeal()),
        ]
    }

    /// One reading as a JSON line (the `readings` channel).
    pub fn reading_json(&self, unix_ms: u64) -> String {
        format!(
            "{{\"t\":{unix_ms},\"ambient_c\":{:.2},\"machine_c\":{:.2},\"bearing_c\":{:.2},\"rpm\":{:.0},\"squeal\":{:.3}}}",
            self.ambient_c(),
            self.machine_c(),
            self.bearing_c(),
            self.rpm(),
            self.squeal()
        )
    }
}

/// The directional microphone: a 50 Hz hum of the motor, the bearing's squeal (a tone near
/// 2.9 kHz that warbles) and noise, encoded as G.711 µ-law.
#[derive(Debug, Default)]
pub struct Microphone {
    sample: u64,
    noise: u32,
}

impl Microphone {
    /// The next 20 ms of audio as PCMU.
    pub fn next_packet(&mut self, machine: &Machine) -> [u8; SAMPLES_PER_PACKET] {
        let mut out = [0u8; SAMPLES_PER_PACKET];
        let squeal = machine.squeal();
        for b in out.iter_mut() {
            let t = self.sample as f32 / SAMPLE_RATE as f32;
            self.sample += 1;
            self.noise = self
                .noise
                .wrapping_mul(1_664_525)
                .wrapping_add(1_013_904_223);
            let noise = (self.noise >> 16) as f32 / 65536.0 - 0.5;
            let hum = 0.18 * (2.0 * PI * 50.0 * t).sin();
            let warble = 2900.0 + 120.0 * (2.0 * PI * 3.0 * t).sin();
            let tone = 0.45 * squeal * (2.0 * PI * warble * t).sin();
            let v = (hum + tone + 0.04 * noise).clamp(-1.0, 1.0);
            *b = mulaw((v * 32_000.0) as i16);
        }
        out
    }
}

/// G.711 µ-law encoding of a 16-bit sample (ITU-T G.711).
pub fn mulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32_635;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let exponent = (0..8).rev().find(|e| s & (0x80 << e) != 0).unwrap_or(0);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mulaw_matches_the_g711_table() {
        // Reference values of ITU-T G.711 µ-law.
        assert_eq!(mulaw(0), 0xFF);
        assert_eq!(mulaw(-1), 0x7F);
        assert_eq!(mulaw(32_767), 0x80);
        assert_eq!(mulaw(-32_768), 0x00);
        assert_eq!(mulaw(1000), 0xCE);
    }

    #[test]
    fn the_frame_has_its_layout_and_the_hot_spot_is_hot() {
        let m = Machine::at(10.0);
        let f = m.thermal_frame(7);
        assert_eq!(f.len(), THERMAL_HEADER + 2 * WIDTH * HEIGHT);
        assert_eq!(&f[..4], &[1, 32, 24, 0]);
        assert_eq!(u32::from_be_bytes([f[4], f[5], f[6], f[7]]), 7);
        let max = i16::from_be_bytes([f[10], f[11]]);
        assert!(f32::from(max) / 100.0 > m.machine_c() - 1.0);
        assert!(m.bearing_c() < Machine::at(80.0).bearing_c());
    }
}
