//! The simulated machine the sensor-node demos watch (`p2p node` on a server, the
//! `sensor-node` firmware on a Cortex-M4): a housing whose hot spot wanders, a bearing that
//! heats up and starts to squeal over a 90 s cycle, and the sensors that see it — a 32×24
//! thermal camera (an MLX90640-class sensor), temperature probes and a directional
//! microphone — with the wire formats the viewer page reads.
//!
//! Time is the caller's (seconds since the node started), so every viewer sees the same
//! machine. `#![no_std]`, no allocator: `f32` only (sines of our own, `expf` and `roundf`
//! from `libm`), frames into caller buffers.
#![no_std]

use core::f32::consts::PI;
use core::fmt::{self, Write};
use libm::{expf, roundf};

/// Thermal frame width (MLX90640).
pub const WIDTH: usize = 32;
/// Thermal frame height.
pub const HEIGHT: usize = 24;
/// Bytes of a thermal frame's header on the wire.
pub const HEADER: usize = 12;
/// Bytes of a whole thermal frame on the wire.
pub const FRAME: usize = HEADER + 2 * WIDTH * HEIGHT;
/// Audio sample rate (PCMU).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples per audio packet (20 ms).
pub const SAMPLES_PER_PACKET: usize = 160;

/// `sin(x)` in `f32` arithmetic only. `libm`'s `sinf` computes in `f64`, which a Cortex-M4's
/// FPU does not have: on the sensor node its software `f64` routines and argument reduction
/// cost about 6 KB of flash. Here `x` is reduced exactly (`%` is an exact remainder) to
/// [-π, π] and folded to [-π/2, π/2], where a degree-9 Taylor polynomial is within 4e-6 —
/// far below the simulated sensors' noise.
pub fn sin(x: f32) -> f32 {
    let r = reduce(x);
    let folded = if r > PI / 2.0 {
        PI - r
    } else if r < -PI / 2.0 {
        -PI - r
    } else {
        r
    };
    sin_near_zero(folded)
}

/// `cos(x)`: `sin(π/2 - |r|)` for `x` reduced to `r` in [-π, π] (no rounding of `x + π/2`).
pub fn cos(x: f32) -> f32 {
    sin_near_zero(PI / 2.0 - reduce(x).abs())
}

/// `x` modulo 2π, in [-π, π].
fn reduce(x: f32) -> f32 {
    const TAU: f32 = 2.0 * PI;
    let r = x % TAU;
    if r > PI {
        r - TAU
    } else if r < -PI {
        r + TAU
    } else {
        r
    }
}

/// `sin(r)` for `r` in [-π/2, π/2]: Taylor to degree 9 (error under 4e-6).
fn sin_near_zero(r: f32) -> f32 {
    let r2 = r * r;
    let p = 1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 / 362_880.0)));
    (r * p).clamp(-1.0, 1.0)
}

/// The machine's state at time `t` seconds: a cycle of 90 s in which the bearing heats up
/// and squeals more and more, then is "serviced" and cools down.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    t: f32,
}

impl Machine {
    /// The machine at `t` seconds since the node started.
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
        (16.0 + 9.0 * cos(a), 12.0 + 6.0 * sin(a * 1.3))
    }

    /// Ambient temperature, °C.
    pub fn ambient_c(&self) -> f32 {
        23.5 + 0.5 * sin(self.t * 0.01)
    }

    /// Housing temperature at the hot spot, °C.
    pub fn machine_c(&self) -> f32 {
        48.0 + 6.0 * sin(self.t * 0.2)
    }

    /// Bearing temperature, °C: rises with wear.
    pub fn bearing_c(&self) -> f32 {
        38.0 + 40.0 * self.wear()
    }

    /// Shaft speed, rpm.
    pub fn rpm(&self) -> f32 {
        1480.0 + 15.0 * sin(self.t * 0.7)
    }

    /// How loud the bearing squeals, 0..1.
    pub fn squeal(&self) -> f32 {
        (self.wear() * 1.4 - 0.2).clamp(0.0, 1.0)
    }

    /// The temperature seen by thermal pixel (x, y), °C.
    pub fn pixel_c(&self, x: usize, y: usize) -> f32 {
        let (hx, hy) = self.hot_spot();
        let (dx, dy) = (x as f32 - hx, y as f32 - hy);
        let spot = (self.machine_c() - self.ambient_c()) * expf(-(dx * dx + dy * dy) / 18.0);
        // The bearing sits at the right edge of the housing, fixed.
        let (bx, by) = (x as f32 - 27.0, y as f32 - 18.0);
        let bearing = (self.bearing_c() - self.ambient_c()) * expf(-(bx * bx + by * by) / 6.0);
        // The housing is warmer than the room; a little sensor noise.
        let housing = if (4..28).contains(&x) && (3..21).contains(&y) {
            6.0
        } else {
            0.0
        };
        let noise = 0.15 * sin((x * 7 + y * 13) as f32 + self.t * 31.0);
        self.ambient_c() + housing + spot.max(bearing) + noise
    }

    /// A thermal frame on the wire: version 1, width, height, a reserved byte, the frame
    /// number (u32), then min and max (i16 centi-°C), then `WIDTH × HEIGHT` pixels as i16
    /// centi-°C, row by row; all big-endian.
    pub fn thermal_frame(&self, number: u32, out: &mut [u8; FRAME]) {
        let (mut lo, mut hi) = (i16::MAX, i16::MIN);
        for (i, px) in out[HEADER..].chunks_exact_mut(2).enumerate() {
            let v = roundf(self.pixel_c(i % WIDTH, i / WIDTH) * 100.0) as i16;
            lo = lo.min(v);
            hi = hi.max(v);
            px.copy_from_slice(&v.to_be_bytes());
        }
        out[..4].copy_from_slice(&[1, WIDTH as u8, HEIGHT as u8, 0]);
        out[4..8].copy_from_slice(&number.to_be_bytes());
        out[8..10].copy_from_slice(&lo.to_be_bytes());
        out[10..12].copy_from_slice(&hi.to_be_bytes());
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

    /// One reading as a JSON line (the `readings` channel), `t` being `ms` (Unix time on a
    /// server, time since boot on a board without a wall clock). The numbers are written as
    /// fixed-point integers: `core::fmt`'s float formatting would cost a
    /// microcontroller about 8 KB of flash.
    pub fn write_reading(&self, ms: u64, out: &mut impl Write) -> fmt::Result {
        write!(
            out,
            "{{\"t\":{ms},\"ambient_c\":{},\"machine_c\":{},\"bearing_c\":{},\"rpm\":{},\"squeal\":{}}}",
            Fixed(self.ambient_c(), 2),
            Fixed(self.machine_c(), 2),
            Fixed(self.bearing_c(), 2),
            Fixed(self.rpm(), 0),
            Fixed(self.squeal(), 3)
        )
    }
}

/// `value` with `.1` to `.3` decimals (what `{:.N}` writes, for values within ±2·10⁹ / 10ᴺ),
/// formatted through integers.
struct Fixed(f32, u32);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10i64.pow(self.1);
        let n = roundf(self.0 * scale as f32) as i64;
        let sign = if n < 0 { "-" } else { "" };
        let n = n.unsigned_abs();
        let (int, frac) = (n / scale as u64, n % scale as u64);
        if self.1 == 0 {
            write!(f, "{sign}{int}")
        } else {
            write!(f, "{sign}{int}.{frac:0width$}", width = self.1 as usize)
        }
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
    pub fn next_packet(&mut self, machine: &Machine, out: &mut [u8; SAMPLES_PER_PACKET]) {
        let squeal = machine.squeal();
        for b in out.iter_mut() {
            // Seconds within the last 100 s: f32 keeps sample precision there.
            let t = (self.sample % (100 * SAMPLE_RATE as u64)) as f32 / SAMPLE_RATE as f32;
            self.sample += 1;
            self.noise = self
                .noise
                .wrapping_mul(1_664_525)
                .wrapping_add(1_013_904_223);
            let noise = (self.noise >> 16) as f32 / 65536.0 - 0.5;
            let hum = 0.18 * sin(2.0 * PI * 50.0 * t);
            let warble = 2900.0 + 120.0 * sin(2.0 * PI * 3.0 * t);
            let tone = 0.45 * squeal * sin(2.0 * PI * warble * t);
            let v = (hum + tone + 0.04 * noise).clamp(-1.0, 1.0);
            *b = mulaw((v * 32_000.0) as i16);
        }
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
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn our_sine_and_cosine_match_libm() {
        let mut x = -1000.0f32;
        while x < 1000.0 {
            // 2π in f32 is off by 1.7e-7, which adds up over |x| / 2π periods.
            let tolerance = 5e-6 + x.abs() * 3e-8;
            let (s, c) = (sin(x), cos(x));
            assert!((s - libm::sinf(x)).abs() <= tolerance, "sin({x}) = {s}");
            assert!(
                (c - libm::cosf(x)).abs() <= tolerance + 1e-6,
                "cos({x}) = {c}"
            );
            x += 0.0137;
        }
        assert!(sin(1.0e30).abs() <= 1.0 && sin(f32::NAN).is_nan());
    }

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
        let mut f = [0u8; FRAME];
        m.thermal_frame(7, &mut f);
        assert_eq!(&f[..4], &[1, 32, 24, 0]);
        assert_eq!(u32::from_be_bytes([f[4], f[5], f[6], f[7]]), 7);
        let max = i16::from_be_bytes([f[10], f[11]]);
        assert!(f32::from(max) / 100.0 > m.machine_c() - 1.0);
        assert!(m.bearing_c() < Machine::at(80.0).bearing_c());
    }

    /// Text written into a fixed buffer (the crate has no allocator).
    struct Text<const N: usize>([u8; N], usize);

    impl<const N: usize> Text<N> {
        fn new() -> Self {
            Text([0; N], 0)
        }
        fn as_str(&self) -> &str {
            core::str::from_utf8(&self.0[..self.1]).unwrap_or_default()
        }
    }

    impl<const N: usize> Write for Text<N> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.1 + s.len();
            let room = self.0.get_mut(self.1..end).ok_or(fmt::Error)?;
            room.copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }

    #[test]
    fn a_reading_is_json_with_fixed_decimals() {
        let m = Machine::at(45.0);
        let mut json = Text::<200>::new();
        m.write_reading(1234, &mut json).unwrap_or_default();
        let json = json.as_str();
        // What `{:.2}` and `{:.3}` write, from the integers the readings round to.
        let [(_, ambient), .., (_, squeal)] = m.readings();
        let (a, q) = (
            roundf(ambient * 100.0) as i64,
            roundf(squeal * 1000.0) as i64,
        );
        let mut want = Text::<64>::new();
        let _ = write!(
            want,
            "{{\"t\":1234,\"ambient_c\":{}.{:02},",
            a / 100,
            a % 100
        );
        assert!(json.starts_with(want.as_str()), "{json}");
        let mut want = Text::<64>::new();
        let _ = write!(want, "\"squeal\":{}.{:03}}}", q / 1000, q % 1000);
        assert!(json.ends_with(want.as_str()), "{json}");
    }
}
