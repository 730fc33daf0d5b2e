//! `--camera DEVICE` and `--video-cmd CMD`: a video track for the viewers.
//!
//! The node sends VP8. A camera gives raw or MJPEG frames, and no well-kept Rust crate
//! encodes VP8, so the capture and the encoder are GStreamer's (`v4l2src`, the V4L2 source
//! every Linux distribution ships, and libvpx through `vp8enc`, framed by `avmux_ivf`), run as a child process
//! that writes IVF on its stdout; `--video-cmd` runs any program that does the same (a file
//! being played, another camera stack, `videotestsrc` in the tests). The program is started
//! again when it exits.
//!
//! Every frame goes to every viewer in order (VP8 inter frames need the one before): a
//! viewer joins at the next keyframe, and one that falls more than [`QUEUE`] frames behind
//! skips to the next keyframe. The encoder is asked for a keyframe every second, since it
//! cannot hear a viewer's PLI.

use super::child::{self, Running};
use adapters::ratelog::LogLimiter;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::broadcast;

/// Largest frame accepted from the program (a 1080p keyframe is well under it).
pub const MAX_FRAME: usize = 1 << 20;
/// Frames a viewer may fall behind before it skips to the next keyframe.
pub const QUEUE: usize = 64;

/// One encoded frame.
#[derive(Debug)]
pub struct Frame {
    /// The VP8 frame.
    pub data: Vec<u8>,
    /// Whether it is a keyframe (RFC 6386 §9.1: bit 0 of the frame tag clear).
    pub key: bool,
    /// The program's timestamp in its IVF time base, turned into the 90 kHz RTP clock.
    pub rtp_time: u32,
}

/// Where frames are published.
pub type Frames = broadcast::Sender<Arc<Frame>>;

/// The GStreamer pipeline that captures `device` and writes VP8 in IVF to stdout.
pub fn camera_cmd(device: &Path) -> String {
    format!(
        "exec gst-launch-1.0 -q v4l2src device='{}' ! videoconvert ! videoscale \
         ! video/x-raw,width=640,height=480 ! videorate ! video/x-raw,framerate=30/1 \
         ! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 target-bitrate=800000 \
         error-resilient=default ! avmux_ivf ! fdsink fd=1",
        device.display().to_string().replace('\'', "")
    )
}

/// Whether `program` is on the `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Run `cmd` (IVF with VP8 on its stdout) and publish its frames.
pub fn spawn(cmd: String) -> std::io::Result<(Frames, Running)> {
    let (tx, _) = broadcast::channel(QUEUE);
    let frames = tx.clone();
    let mut logs = LogLimiter::new(5);
    let running = child::spawn("video", cmd, move |out| {
        if let Err(why) = read_ivf(out, &tx) {
            if let Some(suppressed) = logs.allow("video", Instant::now()) {
                tracing::warn!(suppressed, "video command: {why}");
            }
        }
    })?;
    Ok((frames, running))
}

/// Read IVF (a 32-byte file header, then per frame 12 bytes of size and timestamp and the
/// frame) until the end; publish every frame.
fn read_ivf(mut out: impl Read, tx: &Frames) -> Result<(), String> {
    let mut header = [0u8; 32];
    out.read_exact(&mut header)
        .map_err(|e| format!("no IVF header: {e}"))?;
    let (num, den) = parse_header(&header)?;
    loop {
        let mut fh = [0u8; 12];
        if out.read_exact(&mut fh).is_err() {
            return Ok(()); // the end
        }
        let [s0, s1, s2, s3, t @ ..] = fh;
        let size = u32::from_le_bytes([s0, s1, s2, s3]) as usize;
        if size == 0 || size > MAX_FRAME {
            return Err(format!("frame of {size} bytes"));
        }
        let pts = u64::from_le_bytes(t);
        let mut data = vec![0u8; size];
        out.read_exact(&mut data)
            .map_err(|e| format!("truncated frame: {e}"))?;
        let key = data.first().is_some_and(|b| b & 1 == 0);
        // time base num/den seconds per tick → 90 kHz
        let rtp_time = (u128::from(pts) * 90_000 * u128::from(num) / u128::from(den)) as u32;
        // Nobody watching is not an error.
        let _ = tx.send(Arc::new(Frame {
            data,
            key,
            rtp_time,
        }));
    }
}

/// Check an IVF file header; its time base (numerator, denominator).
fn parse_header(h: &[u8; 32]) -> Result<(u32, u32), String> {
    let word = |at: usize| {
        h.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_le_bytes)
    };
    if h.get(..4) != Some(b"DKIF") {
        return Err("not IVF (no DKIF)".into());
    }
    if h.get(8..12) != Some(b"VP80") {
        return Err("IVF, but not VP8".into());
    }
    // IVF stores the time base as rate (den) then scale (num): seconds = pts * num / den
    let (den, num) = (word(16), word(20));
    if den == 0 || num == 0 {
        return Err("IVF time base of zero".into());
    }
    Ok((num, den))
}

/// What a viewer does with the frames: join at a keyframe, send each in order.
#[derive(Debug)]
pub struct Feed {
    rx: broadcast::Receiver<Arc<Frame>>,
    synced: bool,
    /// Frames skipped because the viewer fell behind.
    pub skipped: u64,
}

impl Feed {
    /// A viewer's feed of `frames`, from the next keyframe on.
    pub fn new(frames: &Frames) -> Self {
        Feed {
            rx: frames.subscribe(),
            synced: false,
            skipped: 0,
        }
    }

    /// The next frame to send now, if any.
    pub fn next(&mut self) -> Option<Arc<Frame>> {
        loop {
            match self.rx.try_recv() {
                Ok(f) if self.synced || f.key => {
                    self.synced = true;
                    return Some(f);
                }
                Ok(_) => {} // waiting for a keyframe
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    self.skipped += n;
                    self.synced = false;
                }
                Err(_) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivf(frames: &[&[u8]]) -> Vec<u8> {
        let mut v = b"DKIF".to_vec();
        v.extend_from_slice(&[0, 0, 32, 0]);
        v.extend_from_slice(b"VP80");
        v.extend_from_slice(&[64, 1, 240, 0]); // 320 x 240
        v.extend_from_slice(&30u32.to_le_bytes()); // rate
        v.extend_from_slice(&1u32.to_le_bytes()); // scale
        v.extend_from_slice(&(frames.len() as u32).to_le_bytes());
        v.extend_from_slice(&[0; 4]);
        for (i, f) in frames.iter().enumerate() {
            v.extend_from_slice(&(f.len() as u32).to_le_bytes());
            v.extend_from_slice(&(i as u64).to_le_bytes());
            v.extend_from_slice(f);
        }
        v
    }

    #[test]
    fn frames_are_read_and_a_feed_starts_at_a_keyframe() {
        let (tx, _) = broadcast::channel(QUEUE);
        let mut feed = Feed::new(&tx);
        let file = ivf(&[&[0x11, 1], &[0x10, 2], &[0x11, 3]]);
        read_ivf(&file[..], &tx).expect("reads");
        let first = feed.next().expect("a frame");
        assert!(first.key && first.data == [0x10, 2]);
        assert_eq!(first.rtp_time, 3000, "frame 1 at 1/30 s is 3000 at 90 kHz");
        assert_eq!(feed.next().map(|f| f.data.clone()), Some(vec![0x11, 3]));
        assert!(feed.next().is_none());
    }

    #[test]
    fn bad_streams_end_with_a_reason() {
        let (tx, _) = broadcast::channel(QUEUE);
        assert!(read_ivf(&b"RIFF...."[..], &tx).is_err());
        let mut huge = ivf(&[]);
        huge.extend_from_slice(&(MAX_FRAME as u32 + 1).to_le_bytes());
        huge.extend_from_slice(&[0; 8]);
        assert_eq!(
            read_ivf(&huge[..], &tx),
            Err(format!("frame of {} bytes", MAX_FRAME + 1))
        );
        let mut not_vp8 = ivf(&[]);
        not_vp8[8..12].copy_from_slice(b"H264");
        assert!(read_ivf(&not_vp8[..], &tx).is_err());
    }

    #[test]
    fn a_viewer_that_falls_behind_skips_to_the_next_keyframe() {
        let (tx, _) = broadcast::channel(4);
        let mut feed = Feed::new(&tx);
        let frame = |key: bool| {
            Arc::new(Frame {
                data: vec![u8::from(!key)],
                key,
                rtp_time: 0,
            })
        };
        let _ = tx.send(frame(true));
        assert!(feed.next().is_some_and(|f| f.key));
        for _ in 0..6 {
            let _ = tx.send(frame(false));
        }
        assert!(feed.next().is_none(), "lagged: waits for a keyframe");
        assert_eq!(feed.skipped, 2);
        let _ = tx.send(frame(true));
        assert!(feed.next().is_some_and(|f| f.key));
    }
}
