//! dtls-core on a Cortex-M4 (QEMU `mps2-an386`, `-icount shift=0`): prints the bytes of an
//! endpoint and its parts, the instructions of each P-256 operation and of a complete
//! client+server handshake in memory, and the deepest stack used. Exits 0 if the handshake
//! connected and both ends exported the same SRTP keys.
//!
//! `cd dtls-core/measure && cargo run --release`
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::{CryptoProvider, PrivateKey, RustCrypto};
use dtls_core::{Config, Endpoint, DtlsRole};
use panic_semihosting as _;
use sansio::{Carrier, Instant, Path, SansIo, SeededEntropy};

static WRAPS: AtomicU32 = AtomicU32::new(0);
const RELOAD: u32 = 0x00ff_ffff;

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// Instructions executed so far (SysTick at 25 MHz = one tick per 40 ns = 40 instructions).
fn instructions() -> u64 {
    loop {
        let w = WRAPS.load(Ordering::Relaxed);
        let v = cortex_m::peripheral::SYST::get_current();
        if WRAPS.load(Ordering::Relaxed) == w {
            let ticks = u64::from(w) * u64::from(RELOAD + 1) + u64::from(RELOAD - v);
            return ticks * 40;
        }
    }
}

/// Run `f`, printing its instructions and the stack it used below the caller's frame.
fn measure<T>(label: &str, f: impl FnOnce() -> T) -> T {
    repaint();
    let sp = cortex_m::register::msp::read() as usize;
    let start = instructions();
    let r = f();
    let n = instructions() - start;
    hprintln!(
        "{:<32} {:>11} instructions, {:>6} B stack",
        label,
        n,
        sp - lowest_used()
    );
    r
}

type Ep = Endpoint<SeededEntropy>;

fn handshake(c: &mut Ep, s: &mut Ep) -> bool {
    let p = Path::udp(([10, 0, 0, 1], 5000).into(), ([10, 0, 0, 2], 5000).into());
    s.start(Instant::ZERO, p.reversed());
    c.start(Instant::ZERO, p);
    let mut out = [0u8; 1200];
    for _ in 0..10 {
        while let Some(t) = c.poll_transmit(Instant::ZERO, &mut out) {
            let _ = s.handle_datagram(Instant::ZERO, p.reversed(), &out[..t.len]);
        }
        while let Some(t) = s.poll_transmit(Instant::ZERO, &mut out) {
            let _ = c.handle_datagram(Instant::ZERO, p, &out[..t.len]);
        }
        if c.is_connected() && s.is_connected() {
            return true;
        }
    }
    false
}

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

const PAINT: u32 = 0xcccc_cccc;

/// Paint the free stack below the current frame again (cortex-m-rt painted it at boot).
fn repaint() {
    let sp = cortex_m::register::msp::read() as usize - 512;
    // SAFETY: writes only the unused stack between the bottom linker symbol and 512 bytes
    // below the current stack pointer; no live data is there.
    unsafe {
        let mut p = core::ptr::addr_of!(_stack_end) as usize;
        while p < sp {
            core::ptr::write_volatile(p as *mut u32, PAINT);
            p += 4;
        }
    }
}

/// The lowest stack address written since the last paint.
fn lowest_used() -> usize {
    // SAFETY: reads words between the linker symbols bounding the stack; nothing else owns
    // that memory as data.
    unsafe {
        let top = core::ptr::addr_of!(_stack_start) as usize;
        let mut p = core::ptr::addr_of!(_stack_end) as usize;
        while p < top && core::ptr::read_volatile(p as *const u32) == PAINT {
            p += 4;
        }
        p
    }
}

/// Deepest stack use since boot-time painting, from the top.
fn stack_used() -> usize {
    // SAFETY: the address of a linker symbol.
    let top = unsafe { core::ptr::addr_of!(_stack_start) as usize };
    top - lowest_used()
}

#[cfg(feature = "baseline")]
#[entry]
fn main() -> ! {
    hprintln!("baseline {}", instructions());
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}

#[cfg(not(feature = "baseline"))]
#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    cp.SYST.set_clock_source(SystClkSource::Core);
    cp.SYST.set_reload(RELOAD);
    cp.SYST.clear_current();
    cp.SYST.enable_interrupt();
    cp.SYST.enable_counter();

    hprintln!(
        "bytes Endpoint (client or server)      {}",
        core::mem::size_of::<Ep>()
    );
    hprintln!(
        "bytes Certificate                      {}",
        core::mem::size_of::<Certificate>()
    );
    hprintln!(
        "bytes Reassembler                      {}",
        core::mem::size_of::<dtls_core::handshake::reassembly::Reassembler>()
    );
    hprintln!(
        "bytes Flight                           {}",
        core::mem::size_of::<dtls_core::handshake::flight::Flight>()
    );
    hprintln!(
        "bytes Handshake                        {}",
        core::mem::size_of::<dtls_core::handshake::Handshake>()
    );

    let crypto = RustCrypto;
    let mut e = SeededEntropy::new(7);
    let (k1, pub1) = measure("P-256 key generation", || {
        PrivateKey::generate(&crypto, &mut e).unwrap()
    });
    let (_k2, pub2) = PrivateKey::generate(&crypto, &mut e).unwrap();
    measure("P-256 ECDH", || crypto.ecdh(&k1, &pub2).unwrap());
    let sig = measure("ECDSA P-256 sign", || crypto.sign(&k1, &[7; 32]).unwrap());
    measure("ECDSA P-256 verify", || {
        crypto.verify(&pub1, &[7; 32], sig.as_der()).unwrap()
    });
    let params = CertParams::default();
    let cc = measure("certificate generation", || {
        Certificate::generate(&crypto, &mut e, &params).unwrap()
    });
    let sc = Certificate::generate(&crypto, &mut e, &params).unwrap();

    let mut c = Endpoint::new(
        DtlsRole::Client,
        Config::default(),
        cc.clone(),
        SeededEntropy::new(1),
    );
    let mut s = Endpoint::new(
        DtlsRole::Server,
        Config::default(),
        sc.clone(),
        SeededEntropy::new(2),
    );
    c.set_remote_fingerprint(sc.fingerprint());
    s.set_remote_fingerprint(cc.fingerprint());
    let ok = measure("handshake (client + server)", || handshake(&mut c, &mut s));
    let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
    let keys = c.export_srtp_keying_material(&mut a).is_ok()
        && s.export_srtp_keying_material(&mut b).is_ok()
        && a == b;
    let mut out = [0u8; 1300];
    let payload = [0x5a; 1200];
    let t = measure("protect 1200 B AES-128-GCM", || {
        c.send(Instant::ZERO, (), &payload, &mut out).unwrap()
    });
    let p = Path::udp(([10, 0, 0, 2], 5000).into(), ([10, 0, 0, 1], 5000).into());
    let got = measure("unprotect 1200 B AES-128-GCM", || {
        s.handle_datagram(Instant::ZERO, p, &out[..t.len])
            .ok()
            .flatten()
            .map(|d| d.first().len())
    });
    hprintln!("stack, deepest since the last paint   {}", stack_used());
    hprintln!("connected {} keys equal {} data {:?}", ok, keys, got);
    if ok && keys && got == Some(1200) {
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {}
}
