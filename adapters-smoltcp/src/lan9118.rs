//! SMSC LAN9118 / LAN9220 Ethernet controller as a smoltcp [`Device`] (feature `lan9118`).
//!
//! The Ethernet controller of ARM's MPS2 boards (QEMU `mps2-an385`/`mps2-an386`, where it sits
//! at `0x4020_0000`, IRQ 13). Polled: no interrupt is needed, the owner's loop calls
//! `Interface::poll` and the driver looks at the FIFO levels. The reference for what QEMU
//! emulates is its `hw/net/lan9118.c`; the datasheet is SMSC's "LAN9118 High Performance
//! single-chip 10/100 Non-PCI Ethernet Controller".
//!
//! ## Register map (32-bit registers, offsets from the base)
//! | offset | name | use here |
//! |---|---|---|
//! | `0x00..0x20` | RX_DATA_FIFO | read: the received frame, 4 bytes a word, little-endian, then the FCS |
//! | `0x20..0x40` | TX_DATA_FIFO | write: command A, command B, then the frame's words |
//! | `0x40` | RX_STATUS_FIFO | read pops one status: bits 29:16 frame length with FCS, bit 15 error summary |
//! | `0x48` | TX_STATUS_FIFO | read pops one transmit status |
//! | `0x50` | ID_REV | `0x0118_xxxx` (LAN9118), `0x9220_xxxx` (LAN9220) |
//! | `0x58` | INT_STS | write 1s to clear |
//! | `0x5c` | INT_EN | 0: polled |
//! | `0x64` | BYTE_TEST | reads `0x8765_4321` when the bus and byte order are right |
//! | `0x6c` | RX_CFG | 0: no end padding, no start offset |
//! | `0x70` | TX_CFG | bit 1 TX_ON, bit 2 TXSAO (status FIFO may overrun: we do not need statuses) |
//! | `0x74` | HW_CFG | bit 0 SRST (soft reset, self-clearing) |
//! | `0x7c` | RX_FIFO_INF | bits 23:16 statuses waiting (frames), bits 15:0 data bytes waiting |
//! | `0x80` | TX_FIFO_INF | bits 23:16 statuses waiting, bits 15:0 data FIFO space |
//! | `0x84` | PMT_CTRL | bit 0 READY after reset |
//! | `0x9c` | FREE_RUN | a 25 MHz free-running 32-bit counter (a clock: see [`Lan9118::ticks`]) |
//! | `0xa4` | MAC_CSR_CMD | bit 31 busy/start, bit 30 read, bits 3:0 MAC register index |
//! | `0xa8` | MAC_CSR_DATA | data of the MAC register access |
//!
//! MAC registers (through MAC_CSR_CMD/DATA): 1 MAC_CR (bit 2 RXEN, bit 3 TXEN, bit 11
//! BCAST = *refuse* broadcast, bit 18 PRMS promiscuous, bit 19 MCPAS all multicast, bit 20
//! FDPX full duplex), 2 ADDRH (bytes 4–5 of the MAC address), 3 ADDRL (bytes 0–3).
//!
//! TX command A: bits 10:0 buffer length, bit 12 last segment, bit 13 first segment (one
//! buffer per frame here). Command B: bits 31:16 a tag, bits 10:0 frame length.

use core::cell::RefCell;
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use smoltcp::wire::EthernetAddress;

/// Where the MPS2 boards (QEMU `mps2-an385`, `mps2-an386`) map the controller.
pub const MPS2_BASE: usize = 0x4020_0000;

/// Largest frame handled (1514 bytes + 4 of FCS fit; larger ones are dropped).
pub const BUFFER: usize = 1536;

/// Register offsets (see the table above).
pub mod reg {
    /// RX data FIFO (read).
    pub const RX_DATA: usize = 0x00;
    /// TX data FIFO (write).
    pub const TX_DATA: usize = 0x20;
    /// RX status FIFO (read pops).
    pub const RX_STATUS: usize = 0x40;
    /// TX status FIFO (read pops).
    pub const TX_STATUS: usize = 0x48;
    /// Chip ID and revision.
    pub const ID_REV: usize = 0x50;
    /// Interrupt status.
    pub const INT_STS: usize = 0x58;
    /// Interrupt enable.
    pub const INT_EN: usize = 0x5c;
    /// Byte-order test.
    pub const BYTE_TEST: usize = 0x64;
    /// Receive configuration.
    pub const RX_CFG: usize = 0x6c;
    /// Transmit configuration.
    pub const TX_CFG: usize = 0x70;
    /// Hardware configuration.
    pub const HW_CFG: usize = 0x74;
    /// Receive FIFO levels.
    pub const RX_FIFO_INF: usize = 0x7c;
    /// Transmit FIFO levels.
    pub const TX_FIFO_INF: usize = 0x80;
    /// Power management (READY bit).
    pub const PMT_CTRL: usize = 0x84;
    /// 25 MHz free-running counter.
    pub const FREE_RUN: usize = 0x9c;
    /// MAC register access command.
    pub const MAC_CSR_CMD: usize = 0xa4;
    /// MAC register access data.
    pub const MAC_CSR_DATA: usize = 0xa8;
    /// The `BYTE_TEST` value.
    pub const BYTE_TEST_VALUE: u32 = 0x8765_4321;
}

const MAC_CR: u32 = 1;
const MAC_ADDRH: u32 = 2;
const MAC_ADDRL: u32 = 3;
const MAC_CR_RXEN: u32 = 1 << 2;
const MAC_CR_TXEN: u32 = 1 << 3;
const MAC_CR_MCPAS: u32 = 1 << 19;
const MAC_CR_FDPX: u32 = 1 << 20;
const CSR_BUSY: u32 = 1 << 31;
const CSR_READ: u32 = 1 << 30;
const TX_CMD_A_FIRST: u32 = 1 << 13;
const TX_CMD_A_LAST: u32 = 1 << 12;
const RX_STS_ERROR: u32 = 1 << 15;
/// Bounded waits (reset, MAC access): iterations before giving up.
const SPIN: u32 = 100_000;

/// 32-bit register access at an offset from the controller's base: [`Mmio`] on a board, a
/// model in tests.
pub trait Registers {
    /// Read the register at `offset`.
    fn read(&mut self, offset: usize) -> u32;
    /// Write `value` to the register at `offset`.
    fn write(&mut self, offset: usize, value: u32);
}

/// Memory-mapped registers at a fixed address (volatile accesses).
#[derive(Debug)]
pub struct Mmio {
    base: usize,
}

impl Mmio {
    /// The controller mapped at `base` (for MPS2, [`MPS2_BASE`]).
    ///
    /// # Safety
    /// `base` must be the address of a LAN9118-compatible controller's 256-byte register
    /// window, and nothing else may access it while this value lives.
    #[allow(unsafe_code)]
    pub const unsafe fn new(base: usize) -> Self {
        Mmio { base }
    }
}

#[allow(unsafe_code)]
impl Registers for Mmio {
    fn read(&mut self, offset: usize) -> u32 {
        let addr = (self.base + (offset & 0xfc)) as *const u32;
        // SAFETY: `new`'s contract: an aligned register of the controller's window.
        unsafe { core::ptr::read_volatile(addr) }
    }

    fn write(&mut self, offset: usize, value: u32) {
        let addr = (self.base + (offset & 0xfc)) as *mut u32;
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile(addr, value) }
    }
}

/// Why the controller could not be brought up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitError {
    /// `BYTE_TEST` did not read `0x87654321` (no controller there, or wrong byte order).
    NotFound(u32),
    /// The soft reset or a MAC register access did not finish.
    Timeout,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NicStats {
    /// Frames received and handed to smoltcp.
    pub rx_frames: u64,
    /// Frames dropped: error status, or larger than [`BUFFER`].
    pub rx_dropped: u64,
    /// Frames written to the TX FIFO.
    pub tx_frames: u64,
    /// Frames refused for lack of FIFO space.
    pub tx_busy: u64,
}

/// The driver: the registers and counters, and no frame buffers.
///
/// A received frame stays in the controller's RX FIFO until smoltcp consumes its token,
/// which reads it into a buffer on that call's stack; a frame to send is written in a buffer
/// on the transmit token's stack and then into the TX FIFO. The two buffers (3 KiB) exist
/// only while a frame passes, instead of for the device's whole life: on a microcontroller
/// whose deepest stack is elsewhere (the node's is answering an offer) that is RAM saved.
/// The registers sit in a `RefCell` because smoltcp holds the receive and the transmit token
/// at once (an answer is sent from inside the received frame's `consume`); their accesses
/// never overlap.
#[derive(Debug)]
pub struct Lan9118<R: Registers> {
    regs: RefCell<R>,
    stats: NicStats,
    tag: u16,
    ticks_high: u64,
    ticks_last: u32,
}

impl<R: Registers> Lan9118<R> {
    /// Reset the controller, set the MAC address `mac` (or keep the one it has, from its
    /// EEPROM or QEMU's `-nic ...,mac=`, with `None`), enable receive (own address,
    /// broadcast, all multicast for IPv6 neighbour discovery) and transmit.
    pub fn new(mut regs: R, mac: Option<EthernetAddress>) -> Result<Self, InitError> {
        let test = regs.read(reg::BYTE_TEST);
        if test != reg::BYTE_TEST_VALUE {
            return Err(InitError::NotFound(test));
        }
        regs.write(reg::HW_CFG, 1);
        wait(|| regs.read(reg::HW_CFG) & 1 == 0 && regs.read(reg::PMT_CTRL) & 1 == 1)?;
        regs.write(reg::INT_EN, 0);
        regs.write(reg::INT_STS, u32::MAX);
        regs.write(reg::RX_CFG, 0);
        regs.write(reg::TX_CFG, 0b110);
        let mut nic = Lan9118 {
            regs: RefCell::new(regs),
            stats: NicStats::default(),
            tag: 0,
            ticks_high: 0,
            ticks_last: 0,
        };
        if let Some(EthernetAddress(m)) = mac {
            nic.mac_write(MAC_ADDRL, u32::from_le_bytes([m[0], m[1], m[2], m[3]]))?;
            nic.mac_write(MAC_ADDRH, u32::from(m[4]) | (u32::from(m[5]) << 8))?;
        }
        nic.mac_write(
            MAC_CR,
            MAC_CR_RXEN | MAC_CR_TXEN | MAC_CR_FDPX | MAC_CR_MCPAS,
        )?;
        Ok(nic)
    }

    /// The MAC address the controller filters on.
    pub fn mac(&mut self) -> Result<EthernetAddress, InitError> {
        let l = self.mac_read(MAC_ADDRL)?.to_le_bytes();
        let h = self.mac_read(MAC_ADDRH)?.to_le_bytes();
        Ok(EthernetAddress([l[0], l[1], l[2], l[3], h[0], h[1]]))
    }

    /// The register access (a test's model, or to read other registers).
    pub fn registers(&mut self) -> &mut R {
        self.regs.get_mut()
    }

    /// The chip's `ID_REV` register.
    pub fn id(&mut self) -> u32 {
        self.regs.get_mut().read(reg::ID_REV)
    }

    /// Counters.
    pub fn stats(&self) -> NicStats {
        self.stats
    }

    /// The 25 MHz free-running counter, extended to 64 bits: a clock for the device's loop
    /// (call at least every 171 s so that no wrap is missed).
    pub fn ticks(&mut self) -> u64 {
        let now = self.regs.get_mut().read(reg::FREE_RUN);
        if now < self.ticks_last {
            self.ticks_high += 1 << 32;
        }
        self.ticks_last = now;
        self.ticks_high | u64::from(now)
    }

    /// [`ticks`](Self::ticks) as a smoltcp instant (microseconds since the counter's zero).
    pub fn now(&mut self) -> Instant {
        Instant::from_micros(i64::try_from(self.ticks() / 25).unwrap_or(i64::MAX))
    }

    fn mac_write(&mut self, index: u32, value: u32) -> Result<(), InitError> {
        let regs = self.regs.get_mut();
        regs.write(reg::MAC_CSR_DATA, value);
        regs.write(reg::MAC_CSR_CMD, CSR_BUSY | index);
        wait(|| regs.read(reg::MAC_CSR_CMD) & CSR_BUSY == 0)
    }

    fn mac_read(&mut self, index: u32) -> Result<u32, InitError> {
        let regs = self.regs.get_mut();
        regs.write(reg::MAC_CSR_CMD, CSR_BUSY | CSR_READ | index);
        wait(|| regs.read(reg::MAC_CSR_CMD) & CSR_BUSY == 0)?;
        Ok(regs.read(reg::MAC_CSR_DATA))
    }

    /// Pop the status of the next good frame waiting, leaving its data in the RX FIFO: the
    /// frame's length with its FCS, or `None` when none is waiting. Bad and oversized
    /// frames are read out and dropped (counted).
    fn next_frame(&mut self) -> Option<usize> {
        let regs = self.regs.get_mut();
        for _ in 0..8 {
            if (regs.read(reg::RX_FIFO_INF) >> 16) & 0xff == 0 {
                return None;
            }
            let status = regs.read(reg::RX_STATUS);
            let with_fcs = ((status >> 16) & 0x3fff) as usize;
            if status & RX_STS_ERROR == 0 && (18..=BUFFER).contains(&with_fcs) {
                self.stats.rx_frames += 1;
                return Some(with_fcs);
            }
            skip_words(regs, with_fcs.div_ceil(4));
            self.stats.rx_dropped += 1;
        }
        None
    }

    /// Whether the TX FIFO has room for a frame of `len` bytes and its two command words.
    fn tx_room(&mut self, len: usize) -> bool {
        let regs = self.regs.get_mut();
        // Statuses are not needed (TXSAO): drain them so the FIFO never holds stale ones.
        while (regs.read(reg::TX_FIFO_INF) >> 16) & 0xff != 0 {
            let _ = regs.read(reg::TX_STATUS);
        }
        (regs.read(reg::TX_FIFO_INF) & 0xffff) as usize >= len + 8
    }
}

/// Read `words` words out of the RX FIFO and forget them.
fn skip_words<R: Registers>(regs: &mut R, words: usize) {
    for _ in 0..words {
        let _ = regs.read(reg::RX_DATA);
    }
}

/// Write the frame `tx[..len]` into the TX FIFO as one buffer.
fn push_frame<R: Registers>(regs: &mut R, tag: u16, tx: &[u8]) {
    let len = tx.len() as u32 & 0x7ff;
    regs.write(reg::TX_DATA, TX_CMD_A_FIRST | TX_CMD_A_LAST | len);
    regs.write(reg::TX_DATA, (u32::from(tag) << 16) | len);
    for chunk in tx.chunks(4) {
        let mut w = [0u8; 4];
        if let Some(dst) = w.get_mut(..chunk.len()) {
            dst.copy_from_slice(chunk);
        }
        regs.write(reg::TX_DATA, u32::from_le_bytes(w));
    }
}

fn wait(mut done: impl FnMut() -> bool) -> Result<(), InitError> {
    for _ in 0..SPIN {
        if done() {
            return Ok(());
        }
    }
    Err(InitError::Timeout)
}

/// A received frame, still in the controller's RX FIFO: `consume` reads it into a buffer on
/// its own stack. A token dropped unconsumed reads the frame out and forgets it.
#[derive(Debug)]
pub struct RxToken<'a, R: Registers> {
    regs: &'a RefCell<R>,
    /// The frame's length with its FCS; 0 once it has been read.
    with_fcs: usize,
}

/// Room to send one frame.
#[derive(Debug)]
pub struct TxToken<'a, R: Registers> {
    regs: &'a RefCell<R>,
    stats: &'a mut NicStats,
    tag: &'a mut u16,
}

impl<R: Registers> phy::RxToken for RxToken<'_, R> {
    fn consume<T, F: FnOnce(&[u8]) -> T>(mut self, f: F) -> T {
        let mut buf = [0u8; BUFFER];
        let with_fcs = core::mem::take(&mut self.with_fcs);
        {
            let mut regs = self.regs.borrow_mut();
            for word in buf.chunks_exact_mut(4).take(with_fcs.div_ceil(4)) {
                word.copy_from_slice(&regs.read(reg::RX_DATA).to_le_bytes());
            }
        }
        f(buf.get(..with_fcs.saturating_sub(4)).unwrap_or_default())
    }
}

impl<R: Registers> Drop for RxToken<'_, R> {
    fn drop(&mut self) {
        skip_words(&mut *self.regs.borrow_mut(), self.with_fcs.div_ceil(4));
    }
}

impl<R: Registers> phy::TxToken for TxToken<'_, R> {
    fn consume<T, F: FnOnce(&mut [u8]) -> T>(self, len: usize, f: F) -> T {
        let mut buf = [0u8; BUFFER];
        let frame = buf.get_mut(..len.min(BUFFER)).unwrap_or_default();
        let r = f(frame);
        *self.tag = self.tag.wrapping_add(1);
        push_frame(&mut *self.regs.borrow_mut(), *self.tag, frame);
        self.stats.tx_frames += 1;
        r
    }
}

impl<R: Registers> Device for Lan9118<R> {
    type RxToken<'a>
        = RxToken<'a, R>
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a, R>
    where
        Self: 'a;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken<'_, R>, TxToken<'_, R>)> {
        if !self.tx_room(BUFFER) {
            self.stats.tx_busy += 1;
            return None;
        }
        let with_fcs = self.next_frame()?;
        Some((
            RxToken {
                regs: &self.regs,
                with_fcs,
            },
            TxToken {
                regs: &self.regs,
                stats: &mut self.stats,
                tag: &mut self.tag,
            },
        ))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_, R>> {
        if !self.tx_room(BUFFER) {
            self.stats.tx_busy += 1;
            return None;
        }
        Some(TxToken {
            regs: &self.regs,
            stats: &mut self.stats,
            tag: &mut self.tag,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps.max_burst_size = Some(1);
        caps
    }
}
