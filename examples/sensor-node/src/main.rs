//! A WebRTC sensor node on a Cortex-M4 (QEMU `mps2-an386`, LAN9118 Ethernet), with no
//! allocator and no RTOS: one loop over smoltcp.
//!
//! * 198.18.5.2, static;
//! * HTTP/1.1 on TCP 80: `GET /` the viewer page of `p2p node`, `POST /whep` a WHEP offer
//!   (one viewer at a time; 503 while one is watching), `DELETE /whep/1`;
//! * the viewer's `peer_core` connection on UDP 5004: ICE, DTLS (P-256 certificate made at
//!   boot), SRTP, SCTP — `thermal` and `readings` data channels and PCMU audio from the
//!   simulated machine of [`sim`].
//!
//! Entropy: QEMU has no TRNG, so the test passes a seed on the command line (`-append
//! seed=N`, read over semihosting); a real board feeds its TRNG into `sansio::Entropy`
//! instead (see the README's porting note). The log goes out over semihosting; a line that
//! starts with `ERROR` fails the test.
#![no_std]
#![no_main]

mod http;
mod p256m4;
mod viewer;

use adapters_smoltcp::lan9118::{Lan9118, Mmio, MPS2_BASE};
use adapters_smoltcp::smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
use adapters_smoltcp::smoltcp::socket::{tcp, udp};
use adapters_smoltcp::smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};
use adapters_smoltcp::{deadline, from_smoltcp, UdpDriver};
use core::mem::MaybeUninit;
use core::net::SocketAddr;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use dtls_core::cert::{CertParams, Certificate};
use panic_semihosting as _;
use sansio::SeededEntropy;

/// The node's address on its segment.
const IP: [u8; 4] = [198, 18, 5, 2];
/// A locally administered MAC address.
const MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0xc6, 0x12, 0x05, 0x02]);
const MEDIA_PORT: u16 = 5004;
const HTTP_PORT: u16 = 80;
/// HTTP connections at once (a browser opens two or three).
const HTTP_CONNS: usize = 4;
/// The media socket's receive buffer: a full-size datagram and the next (the most it held
/// over a test run, browsers and flood, was 1,475 B).
const MEDIA_RX: usize = 2048;
/// The media socket's send buffer: one full-size datagram. The driver hands the socket a
/// datagram only while one surely fits, here when it is empty; the loop turns again at once
/// while datagrams wait (the most it held was 1,197 B).
const MEDIA_TX: usize = 1536;
/// Each HTTP connection's TCP receive buffer (its window: requests are copied out into the
/// server's buffers as they arrive).
const TCP_RX: usize = 512;
/// Each HTTP connection's TCP send buffer: a response head and the first part of its body
/// (bodies are streamed as it drains).
const TCP_TX: usize = 512;
const _: () = assert!(TCP_TX >= http::MIN_TCP_TX);
/// The page `p2p node` serves, byte for byte once unzipped (`build.rs` gzips it).
const PAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/page.html.gz"));

/// The seed the test passed (`-append seed=N`, read with semihosting's SYS_GET_CMDLINE), or 0.
fn seed_from_cmdline() -> u64 {
    let mut buf = [0u8; 256];
    let block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `block[1]` bytes into `buf` (and the length
    // back into `block`, which is not read: the digits are found by scanning).
    let r = unsafe { cortex_m_semihosting::syscall(0x15, &block) };
    let buf = core::hint::black_box(buf);
    if r != 0 {
        return 0;
    }
    let Some(at) = buf.windows(5).position(|w| w == b"seed=") else {
        return 0;
    };
    buf.iter()
        .skip(at + 5)
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |n, b| {
            n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'))
        })
}

/// Stack bytes ever used, and the stack's size: `cortex-m-rt`'s `paint-stack` filled it with
/// `0xCCCC_CCCC` at reset; the lowest word no longer painted is the high-water mark.
fn stack_high_water() -> (usize, usize) {
    extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }
    // SAFETY: the linker's symbols bound the stack; the words below the current stack
    // pointer are only read, as plain words.
    unsafe {
        let (top, bottom) = (
            core::ptr::addr_of!(_stack_start) as usize,
            core::ptr::addr_of!(_stack_end) as usize,
        );
        let mut p = bottom;
        while p < top && core::ptr::read_volatile(p as *const u32) == 0xCCCC_CCCC {
            p += 4;
        }
        (top - p, top - bottom)
    }
}

/// `.data` + `.bss`: the RAM taken before the stack.
fn static_ram() -> usize {
    extern "C" {
        static __sdata: u32;
        static __ebss: u32;
    }
    // Only the symbols' addresses are taken (no read).
    core::ptr::addr_of!(__ebss) as usize - core::ptr::addr_of!(__sdata) as usize
}

/// A `&'static mut` to a static initialised by a constant (so in `.bss`/`.data` from reset,
/// never built on the stack), taken once: a second take fails the node.
macro_rules! take_static {
    ($ty:ty = $init:expr) => {{
        static mut CELL: $ty = $init;
        static TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        if TAKEN.swap(true, core::sync::atomic::Ordering::Relaxed) {
            fail("a static taken twice");
        }
        // SAFETY: `TAKEN` lets this run once, so this is the only reference to `CELL`.
        unsafe { &mut *core::ptr::addr_of_mut!(CELL) }
    }};
}

/// `slots` (a static of [`take_static!`], left uninitialised so that it is in `.bss`), each
/// set to what `make` returns: a table whose empty value is not all zeros would otherwise
/// sit in `.data`, and its image in flash as well.
fn filled<T, const N: usize>(
    slots: &'static mut [MaybeUninit<T>; N],
    make: impl Fn() -> T,
) -> &'static mut [T] {
    for s in slots.iter_mut() {
        s.write(make());
    }
    // SAFETY: every element was just written; `MaybeUninit<T>` has `T`'s layout.
    unsafe { &mut *(core::ptr::from_mut(slots) as *mut [T; N]) }
}

/// An uninitialised static table for [`filled`].
macro_rules! table {
    ($ty:ty; $n:expr) => {
        take_static!([MaybeUninit<$ty>; $n] = [const { MaybeUninit::uninit() }; $n])
    };
}

fn fail(what: &str) -> ! {
    hprintln!("ERROR {}", what);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Wake every millisecond (the loop sleeps with `wfi` in between).
fn start_systick(mut syst: cortex_m::peripheral::SYST) {
    syst.set_clock_source(cortex_m::peripheral::syst::SystClkSource::Core);
    syst.set_reload(25_000 - 1); // 25 MHz core clock on MPS2
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {}

struct App<'a> {
    viewer: &'a mut viewer::Viewer,
    now: sansio::Instant,
    local: SocketAddr,
}

impl http::App for App<'_> {
    fn respond(&mut self, req: &http::Request<'_>, resp: &mut http::Response<'_>) {
        match (req.method, req.path) {
            ("GET", "/") => {
                resp.status(200, "text/html; charset=utf-8");
                resp.static_gzip(PAGE);
            }
            ("POST", "/whep") => self.whep(req, resp),
            ("DELETE", p) if p.starts_with("/whep/") => {
                self.viewer.close();
                resp.status(200, "text/plain");
            }
            _ => resp.status(404, "text/plain"),
        }
    }
}

impl App<'_> {
    fn whep(&mut self, req: &http::Request<'_>, resp: &mut http::Response<'_>) {
        let Ok(offer) = core::str::from_utf8(req.body) else {
            resp.status(400, "text/plain");
            return;
        };
        match self.viewer.offer(self.now, self.local, offer, resp.room()) {
            Ok(n) => {
                resp.set_len(n);
                resp.status(201, "application/sdp");
                resp.location("/whep/1");
                hprintln!(
                    "whep: answered viewer {} ({} bytes of SDP; the offer had {})",
                    self.viewer.sessions,
                    n,
                    offer.len()
                );
            }
            Err(why) => {
                resp.text(why);
                resp.status(if why == "busy" { 503 } else { 400 }, "text/plain");
                hprintln!("whep: refused an offer: {}", why);
            }
        }
    }
}

fn udp_socket(
    meta: &'static mut [udp::PacketMetadata],
    rx: &'static mut [u8],
    meta2: &'static mut [udp::PacketMetadata],
    tx: &'static mut [u8],
    port: u16,
) -> udp::Socket<'static> {
    let mut s = udp::Socket::new(
        udp::PacketBuffer::new(meta, rx),
        udp::PacketBuffer::new(meta2, tx),
    );
    if s.bind(port).is_err() {
        fail("bind");
    }
    s
}

#[entry]
fn main() -> ! {
    let (nic, viewer) = boot();
    serve(nic, viewer)
}

/// The NIC, the certificate and the viewer's connection (not inlined: what boot builds on
/// the stack is gone before [`serve`]'s long-lived frame exists).
#[inline(never)]
fn boot() -> (&'static mut Lan9118<Mmio>, &'static mut viewer::Viewer) {
    let Some(cp) = cortex_m::Peripherals::take() else {
        fail("core peripherals");
    };
    start_systick(cp.SYST);
    let seed = seed_from_cmdline();
    // SAFETY: MPS2's LAN9118 register window; this is its only user.
    let regs = unsafe { Mmio::new(MPS2_BASE) };
    let nic = match Lan9118::new(regs, Some(MAC)) {
        Ok(n) => take_static!(MaybeUninit<Lan9118<Mmio>> = MaybeUninit::uninit()).write(n),
        Err(_) => fail("no LAN9118 at 0x40200000"),
    };
    hprintln!("sensor-node: LAN9118 id {:#010x}, seed {}", nic.id(), seed);
    let mut entropy = SeededEntropy::new(seed ^ nic.ticks());
    let (dtls, peer_seed) = make_dtls(nic, &mut entropy);
    hprintln!(
        "stack: high-water {} bytes after the certificate",
        stack_high_water().0
    );
    let viewer = viewer::Viewer::init(
        take_static!(MaybeUninit<viewer::Viewer> = MaybeUninit::uninit()),
        take_static!(MaybeUninit<viewer::Peer> = MaybeUninit::uninit()),
        dtls,
        peer_seed,
        entropy,
    );
    (nic, viewer)
}

/// The node's certificate and the DTLS endpoint that keeps it, in its static; and the seed
/// of the connection (not inlined: the certificate made on the stack is gone before the
/// connection is built).
#[inline(never)]
fn make_dtls(
    nic: &mut Lan9118<Mmio>,
    entropy: &mut SeededEntropy,
) -> (&'static mut viewer::Dtls, u64) {
    let certificate = make_certificate(nic, entropy);
    viewer::init_dtls(
        take_static!(MaybeUninit<viewer::Dtls> = MaybeUninit::uninit()),
        &certificate,
        entropy,
    )
}

/// The node's certificate, made from `entropy` (not inlined: the key generation's
/// temporaries are gone once it returns).
#[inline(never)]
fn make_certificate(nic: &mut Lan9118<Mmio>, entropy: &mut SeededEntropy) -> Certificate {
    let t0 = nic.now();
    if let Err(what) = p256m4::self_test() {
        fail(what);
    }
    hprintln!(
        "sensor-node: P-256 known answers (RFC 6979 A.2.5, ECDH) pass in {} ms",
        (nic.now() - t0).total_millis()
    );
    let t0 = nic.now();
    let Ok(certificate) = Certificate::generate(&p256m4::P256M4, entropy, &CertParams::default())
    else {
        fail("certificate");
    };
    hprintln!(
        "sensor-node: certificate made in {} ms",
        (nic.now() - t0).total_millis()
    );
    certificate
}

/// The periodic report: the stack's high-water mark, static RAM, the media socket's
/// datagrams and the most its buffers held (a frame of its own, out of `serve`'s).
#[inline(never)]
fn report(media: &UdpDriver) {
    let (used, size) = stack_high_water();
    hprintln!(
        "stack: high-water {} bytes (of {}); static RAM in use {} bytes",
        used,
        size,
        static_ram()
    );
    let media = media.stats();
    hprintln!(
        "media: {} datagrams in, {} refused; socket peaks: rx {} tx {} B",
        media.received,
        media.rejected,
        media.rx_peak,
        media.tx_peak
    );
}

/// The network and the loop, for good (not inlined into `main`: boot's frames are gone).
#[inline(never)]
fn serve(nic: &'static mut Lan9118<Mmio>, viewer: &'static mut viewer::Viewer) -> ! {
    let boot = nic.now();
    let mut iface = Interface::new(Config::new(HardwareAddress::Ethernet(MAC)), nic, boot);
    iface.update_ip_addrs(|a| {
        let _ = a.push(IpCidr::new(Ipv4Address::from(IP).into(), 24));
    });

    let storage = filled(table!(SocketStorage<'static>; 1 + HTTP_CONNS), || {
        SocketStorage::EMPTY
    });
    let mut sockets = SocketSet::new(&mut storage[..]);
    let media_h = sockets.add(udp_socket(
        filled(table!(udp::PacketMetadata; 8), || {
            udp::PacketMetadata::EMPTY
        }),
        take_static!([u8; MEDIA_RX] = [0; MEDIA_RX]),
        filled(table!(udp::PacketMetadata; 8), || {
            udp::PacketMetadata::EMPTY
        }),
        take_static!([u8; MEDIA_TX] = [0; MEDIA_TX]),
        MEDIA_PORT,
    ));
    let tcp_rx = take_static!([[u8; TCP_RX]; HTTP_CONNS] = [[0; TCP_RX]; HTTP_CONNS]);
    let tcp_tx = take_static!([[u8; TCP_TX]; HTTP_CONNS] = [[0; TCP_TX]; HTTP_CONNS]);
    let mut handles: heapless::Vec<SocketHandle, HTTP_CONNS> = heapless::Vec::new();
    for (rx, tx) in tcp_rx.iter_mut().zip(tcp_tx.iter_mut()) {
        let s = tcp::Socket::new(
            tcp::SocketBuffer::new(&mut rx[..]),
            tcp::SocketBuffer::new(&mut tx[..]),
        );
        let _ = handles.push(sockets.add(s));
    }
    let local_media = SocketAddr::from((IP, MEDIA_PORT));
    let mut media_drv = UdpDriver::new(media_h, local_media);
    let server = take_static!(http::Server<HTTP_CONNS> = http::Server::new());
    server.attach(HTTP_PORT, &handles);
    let scratch = take_static!([u8; viewer::SCRATCH] = [0; viewer::SCRATCH]);
    hprintln!(
        "memory: peer {} B, ice {} B, dtls {} B, viewer {} B, http {} B, interface {} B",
        core::mem::size_of::<viewer::Peer>(),
        core::mem::size_of::<viewer::Ice>(),
        core::mem::size_of::<viewer::Dtls>(),
        core::mem::size_of::<viewer::Viewer>(),
        core::mem::size_of::<http::Server<HTTP_CONNS>>(),
        core::mem::size_of::<Interface>()
    );
    hprintln!(
        "stack: high-water {} bytes at the end of boot",
        stack_high_water().0
    );
    hprintln!("sensor-node: listening on 198.18.5.2 (HTTP tcp/80, media udp/5004)");

    let mut next_report = nic.now();
    loop {
        let now = nic.now();
        if now >= next_report {
            next_report = now + adapters_smoltcp::smoltcp::time::Duration::from_secs(2);
            report(&media_drv);
        }
        iface.poll(now, &mut *nic, &mut sockets);
        let mut app = App {
            viewer: &mut *viewer,
            now: from_smoltcp(now),
            local: local_media,
        };
        server.poll(now, &mut sockets, &mut app);
        let next = viewer.poll(now, &mut sockets, &mut media_drv, scratch);
        iface.poll(now, &mut *nic, &mut sockets);
        let wait = deadline(now, iface.poll_delay(now, &sockets), next);
        if wait.is_none_or(|d| d.total_micros() > 0) {
            cortex_m::asm::wfi(); // until the next SysTick (1 ms)
        }
    }
}
