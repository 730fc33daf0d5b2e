//! Batched UDP syscalls for servers: `recvmmsg(2)` and `sendmmsg(2)` with optional UDP GSO
//! (`UDP_SEGMENT`), on Linux. Elsewhere they return `Unsupported`.
//!
//! This is the crate's only `unsafe` code. Every call builds its `mmsghdr`/`iovec`/`sockaddr`
//! arrays on the stack from the safe slices it is given, hands them to the kernel for the
//! duration of one syscall and reads back only what the kernel reported as written; no
//! pointer outlives the call. The kernel never writes beyond the lengths passed in.
//!
//! Why not a crate: quinn-udp (the well-kept option) turns on `IP_PMTUDISC_PROBE` (DF on
//! every datagram), GRO and kernel timestamps on the sockets it wraps — right for QUIC, wrong
//! for a TURN relay, which must not set DF unless the client asked (RFC 8656 §14), and it
//! has no `sendmmsg` across destinations, which is what the relay's peer→client path needs.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd};

/// Most datagrams one call receives or sends.
pub const BATCH: usize = 32;

/// What the kernel reported for one received datagram.
#[derive(Clone, Copy, Debug)]
pub struct RecvMeta {
    /// Who sent it.
    pub from: SocketAddr,
    /// Bytes written into the buffer.
    pub len: usize,
    /// The datagram was longer than the buffer and was cut (drop it).
    pub truncated: bool,
}

impl Default for RecvMeta {
    fn default() -> Self {
        RecvMeta {
            from: SocketAddr::from(([0, 0, 0, 0], 0)),
            len: 0,
            truncated: false,
        }
    }
}

/// One datagram (or, with `segment`, a train of equal-sized datagrams) to send.
#[derive(Clone, Copy, Debug)]
pub struct SendMsg<'a> {
    /// Destination.
    pub to: SocketAddr,
    /// The bytes, gathered from these slices in order.
    pub parts: &'a [IoSlice<'a>],
    /// UDP GSO: the kernel cuts the gathered bytes into datagrams of this size (the last may
    /// be shorter). `None` sends one datagram.
    pub segment: Option<u16>,
}

/// Receive up to `min(bufs.len(), meta.len(), BATCH)` datagrams without blocking. Returns
/// how many arrived (at least one) or `WouldBlock`.
pub fn recv_batch(
    socket: &impl AsFd,
    bufs: &mut [IoSliceMut<'_>],
    meta: &mut [RecvMeta],
) -> io::Result<usize> {
    imp::recv_batch(socket.as_fd().as_raw_fd(), bufs, meta)
}

/// [`recv_batch`] on a tokio socket: how many datagrams arrived and whether the socket is
/// now drained. A short batch means the kernel queue was empty, so tokio's readiness is
/// cleared at once ("would block") rather than after one more, empty, syscall; a datagram
/// arriving meanwhile raises a fresh edge, so none is missed. `WouldBlock` when none came.
#[cfg(feature = "tokio")]
pub fn try_recv_batch(
    socket: &tokio::net::UdpSocket,
    bufs: &mut [IoSliceMut<'_>],
    meta: &mut [RecvMeta],
) -> io::Result<(usize, bool)> {
    let full = bufs.len().min(meta.len()).min(BATCH);
    let mut got = 0;
    let r = socket.try_io(tokio::io::Interest::READABLE, || {
        got = recv_batch(socket, bufs, meta)?;
        if got < full {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(got)
    });
    match r {
        Ok(n) => Ok((n, false)),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok((got, true)),
        Err(e) => Err(e),
    }
}

/// Send `msgs` without blocking. Returns how many were sent (a prefix; at least one) or the
/// error of the first.
pub fn send_batch(socket: &impl AsFd, msgs: &[SendMsg<'_>]) -> io::Result<usize> {
    imp::send_batch(socket.as_fd().as_raw_fd(), msgs)
}

/// Send one datagram without blocking (and without consulting any event loop's readiness:
/// a UDP send either fits in the socket buffer now or is dropped).
pub fn send_one(socket: &impl AsFd, data: &[u8], to: SocketAddr) -> io::Result<()> {
    let parts = [IoSlice::new(data)];
    let msg = SendMsg {
        to,
        parts: &parts,
        segment: None,
    };
    send_batch(socket, &[msg]).map(|_| ())
}

/// Set (or clear) the don't-fragment bit on every datagram the socket sends (IPv4
/// `IP_MTU_DISCOVER` = `IP_PMTUDISC_DO`, IPv6 `IPV6_DONTFRAG`), for TURN's DONT-FRAGMENT.
pub fn set_dont_fragment(socket: &impl AsFd, ipv6: bool, on: bool) -> io::Result<()> {
    imp::set_dont_fragment(socket.as_fd().as_raw_fd(), ipv6, on)
}

/// Set the socket's receive and send buffers to `bytes` past the `net.core.{r,w}mem_max`
/// caps (`SO_RCVBUFFORCE`, `SO_SNDBUFFORCE`; they need `CAP_NET_ADMIN`, else the error).
/// For load generators and tests that must not be the ones losing datagrams.
pub fn force_buffers(socket: &impl AsFd, bytes: usize) -> io::Result<()> {
    imp::force_buffers(socket.as_fd().as_raw_fd(), bytes)
}

/// Whether this system accepts UDP GSO (`UDP_SEGMENT`) on sends.
pub fn gso_supported() -> bool {
    cfg!(target_os = "linux")
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod imp {
    use super::{RecvMeta, SendMsg, BATCH};
    use std::io::{self, IoSliceMut};
    use std::mem::{size_of, zeroed, MaybeUninit};
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
    use std::os::fd::RawFd;

    /// Room for one `UDP_SEGMENT` control message (a `u16`), 8-byte aligned.
    #[derive(Clone, Copy)]
    #[repr(C, align(8))]
    struct Cmsg([u8; 32]);

    fn to_storage(a: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
        let mut s: libc::sockaddr_storage = unsafe { zeroed() };
        let len = match a {
            SocketAddr::V4(v4) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
                unsafe { std::ptr::write((&raw mut s).cast::<libc::sockaddr_in>(), sin) };
                size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(v6) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: v6.port().to_be(),
                    sin6_flowinfo: v6.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: v6.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
                unsafe { std::ptr::write((&raw mut s).cast::<libc::sockaddr_in6>(), sin6) };
                size_of::<libc::sockaddr_in6>()
            }
        };
        (s, len as libc::socklen_t)
    }

    fn from_storage(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
        match i32::from(s.ss_family) {
            libc::AF_INET => {
                // SAFETY: the kernel wrote a sockaddr_in (family AF_INET) into the storage,
                // which is aligned for it.
                let sin =
                    unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Some(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(sin.sin_port),
                )))
            }
            libc::AF_INET6 => {
                // SAFETY: as above, for sockaddr_in6 (family AF_INET6).
                let sin6 =
                    unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }

    pub(super) fn recv_batch(
        fd: RawFd,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> io::Result<usize> {
        let n = bufs.len().min(meta.len()).min(BATCH);
        if n == 0 {
            return Ok(0);
        }
        // The kernel fills the names; only their first n slots are read back, after it did.
        let mut names = [MaybeUninit::<libc::sockaddr_storage>::uninit(); BATCH];
        let mut hdrs = [MaybeUninit::<libc::mmsghdr>::uninit(); BATCH];
        for ((h, name), buf) in hdrs
            .iter_mut()
            .zip(names.iter_mut())
            .zip(bufs.iter_mut())
            .take(n)
        {
            // SAFETY: plain old data, zero is valid (null pointers, zero lengths).
            let mut m: libc::mmsghdr = unsafe { zeroed() };
            m.msg_hdr.msg_name = name.as_mut_ptr().cast();
            m.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            // IoSliceMut is ABI-compatible with iovec on Unix (std guarantees it).
            m.msg_hdr.msg_iov = (buf as *mut IoSliceMut<'_>).cast();
            m.msg_hdr.msg_iovlen = 1;
            h.write(m);
        }
        // SAFETY: `hdrs[..n]` are initialised and point at `names` and `bufs`, alive and
        // exclusively borrowed for the call; the kernel writes at most msg_namelen / iov_len
        // bytes into each and touches no header past n.
        let got = unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr().cast::<libc::mmsghdr>(),
                n as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            return Err(io::Error::last_os_error());
        }
        let got = got as usize;
        for ((m, h), name) in meta.iter_mut().zip(hdrs.iter()).zip(names.iter()).take(got) {
            // SAFETY: the first `got` headers were initialised above and updated by the
            // kernel, which also wrote their names (msg_namelen bytes, a whole sockaddr for
            // UDP) before reporting them received.
            let (h, name) = unsafe { (h.assume_init_ref(), name.assume_init_ref()) };
            *m = RecvMeta {
                from: from_storage(name).unwrap_or(m.from),
                len: h.msg_len as usize,
                truncated: h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
            };
        }
        Ok(got)
    }

    pub(super) fn send_batch(fd: RawFd, msgs: &[SendMsg<'_>]) -> io::Result<usize> {
        let n = msgs.len().min(BATCH);
        if n == 0 {
            return Ok(0);
        }
        let mut names = [MaybeUninit::<libc::sockaddr_storage>::uninit(); BATCH];
        let mut cmsgs = [MaybeUninit::<Cmsg>::uninit(); BATCH];
        let mut hdrs = [MaybeUninit::<libc::mmsghdr>::uninit(); BATCH];
        for (((h, name), c), m) in hdrs
            .iter_mut()
            .zip(names.iter_mut())
            .zip(cmsgs.iter_mut())
            .zip(msgs.iter())
            .take(n)
        {
            let (storage, len) = to_storage(&m.to);
            let name = name.write(storage);
            // SAFETY: plain old data, zero is valid (null pointers, zero lengths).
            let mut mh: libc::mmsghdr = unsafe { zeroed() };
            mh.msg_hdr.msg_name = (name as *mut libc::sockaddr_storage).cast();
            mh.msg_hdr.msg_namelen = len;
            // The kernel only reads the iovecs on send; IoSlice is ABI-compatible with iovec.
            mh.msg_hdr.msg_iov = m.parts.as_ptr().cast_mut().cast();
            mh.msg_hdr.msg_iovlen = m.parts.len() as _;
            if let Some(seg) = m.segment {
                let c = c.write(Cmsg([0; 32]));
                write_segment_cmsg(c, seg);
                mh.msg_hdr.msg_control = c.0.as_mut_ptr().cast();
                // SAFETY: CMSG_SPACE is a pure size computation.
                mh.msg_hdr.msg_controllen =
                    unsafe { libc::CMSG_SPACE(size_of::<u16>() as u32) } as _;
            }
            h.write(mh);
        }
        // SAFETY: `hdrs[..n]` are initialised and point at `names`, `cmsgs` and the caller's
        // slices, all alive for the call; sendmmsg only reads them (and msg_len).
        let sent = unsafe {
            libc::sendmmsg(
                fd,
                hdrs.as_mut_ptr().cast::<libc::mmsghdr>(),
                n as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(sent as usize)
    }

    pub(super) fn set_dont_fragment(fd: RawFd, ipv6: bool, on: bool) -> io::Result<()> {
        let (level, name, value) = if ipv6 {
            (
                libc::IPPROTO_IPV6,
                libc::IPV6_DONTFRAG,
                libc::c_int::from(on),
            )
        } else if on {
            (
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                libc::IP_PMTUDISC_DO,
            )
        } else {
            (
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                libc::IP_PMTUDISC_DONT,
            )
        };
        set_int(fd, level, name, value)
    }

    pub(super) fn force_buffers(fd: RawFd, bytes: usize) -> io::Result<()> {
        let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, v)?;
        set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, v)
    }

    /// `setsockopt` of one `c_int`.
    pub(super) fn set_int(
        fd: RawFd,
        level: libc::c_int,
        name: libc::c_int,
        value: libc::c_int,
    ) -> io::Result<()> {
        // SAFETY: `value` is a c_int that lives across the call; its size is passed.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&raw const value).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Write one `SOL_UDP`/`UDP_SEGMENT` control message carrying `seg` into `c`.
    fn write_segment_cmsg(c: &mut Cmsg, seg: u16) {
        // SAFETY: a msghdr whose control buffer is `c` (32 bytes, 8-aligned) lets CMSG_FIRSTHDR
        // and CMSG_DATA compute pointers inside `c`; CMSG_SPACE(2) = 24 <= 32, so the header
        // and the two data bytes written lie inside `c`.
        unsafe {
            let mut mh: libc::msghdr = zeroed();
            mh.msg_control = c.0.as_mut_ptr().cast();
            mh.msg_controllen = libc::CMSG_SPACE(size_of::<u16>() as u32) as _;
            let cm = libc::CMSG_FIRSTHDR(&raw const mh);
            if cm.is_null() {
                return;
            }
            (*cm).cmsg_level = libc::SOL_UDP;
            (*cm).cmsg_type = libc::UDP_SEGMENT;
            (*cm).cmsg_len = libc::CMSG_LEN(size_of::<u16>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(cm).cast::<u16>(), seg);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{RecvMeta, SendMsg};
    use std::io::{self, IoSliceMut};
    use std::os::fd::RawFd;

    pub(super) fn recv_batch(
        _: RawFd,
        _: &mut [IoSliceMut<'_>],
        _: &mut [RecvMeta],
    ) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "recvmmsg: Linux only",
        ))
    }

    pub(super) fn send_batch(_: RawFd, _: &[SendMsg<'_>]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "sendmmsg: Linux only",
        ))
    }

    pub(super) fn set_dont_fragment(_: RawFd, _: bool, _: bool) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "DF: Linux only"))
    }

    pub(super) fn force_buffers(_: RawFd, _: usize) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "SO_RCVBUFFORCE: Linux only",
        ))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::net::UdpSocket;

    #[test]
    fn batch_round_trip_with_gso_and_truncation() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        let a = [1u8; 10];
        let b = [2u8; 100];
        let (g1, g2) = ([3u8; 8], [4u8; 5]);
        let pa = [IoSlice::new(&a)];
        let pb = [IoSlice::new(&b)];
        let pg = [IoSlice::new(&g1), IoSlice::new(&g2)];
        let msgs = [
            SendMsg {
                to,
                parts: &pa,
                segment: None,
            },
            SendMsg {
                to,
                parts: &pb,
                segment: None,
            },
            SendMsg {
                to,
                parts: &pg,
                segment: Some(8),
            },
        ];
        assert_eq!(send_batch(&tx, &msgs).unwrap(), 3);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut store = vec![[0u8; 64]; 8];
        let mut bufs: Vec<IoSliceMut<'_>> = store.iter_mut().map(|b| IoSliceMut::new(b)).collect();
        let mut meta = [RecvMeta::default(); 8];
        let n = recv_batch(&rx, &mut bufs, &mut meta).unwrap();
        assert_eq!(n, 4, "10 bytes, 100 bytes (cut), then GSO 8 + 5");
        let from = tx.local_addr().unwrap();
        assert!(meta[..n].iter().all(|m| m.from == from));
        assert_eq!((meta[0].len, meta[0].truncated), (10, false));
        assert!(meta[1].truncated);
        assert_eq!((meta[2].len, meta[3].len), (8, 5));
        drop(bufs);
        assert_eq!(store[2][..8], [3u8; 8]);
        assert_eq!(store[3][..5], [4u8; 5]);
        assert_eq!(
            recv_batch(&rx, &mut [IoSliceMut::new(&mut [0u8; 4])], &mut meta)
                .unwrap_err()
                .kind(),
            io::ErrorKind::WouldBlock
        );
    }

    #[test]
    fn ipv6_addresses_survive_the_round_trip() {
        let Ok(rx) = UdpSocket::bind("[::1]:0") else {
            return;
        }; // no IPv6 loopback here
        let tx = UdpSocket::bind("[::1]:0").unwrap();
        let data = [9u8; 3];
        let parts = [IoSlice::new(&data)];
        let to = rx.local_addr().unwrap();
        send_batch(
            &tx,
            &[SendMsg {
                to,
                parts: &parts,
                segment: None,
            }],
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut buf = [0u8; 16];
        let mut meta = [RecvMeta::default(); 1];
        let n = recv_batch(&rx, &mut [IoSliceMut::new(&mut buf)], &mut meta).unwrap();
        assert_eq!(n, 1);
        assert_eq!(meta[0].from, tx.local_addr().unwrap());
    }
}
