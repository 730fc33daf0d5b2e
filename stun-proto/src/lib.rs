//! # stun-proto
//!
//! STUN (RFC 8489, RFC 5389, RFC 5780) as a `#![no_std]`, allocation-free, sans-IO crate: the
//! same code answers Binding requests on a cloud server and discovers a public address on a
//! Cortex-M sensor node.
//!
//! * [`wire`] — a zero-copy [`Message`](wire::Message) view validated once, an attribute
//!   iterator yielding raw TLVs with lazy typed decoding, and a
//!   [`MessageBuilder`](wire::MessageBuilder) writing into the caller's buffer and filling
//!   MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT in place.
//! * [`auth`] — short-term and long-term keys with cached HMAC state, constant-time
//!   verification, USERHASH, stateless nonces.
//! * [`client`] — concurrent client transactions with RFC 8489 retransmission, the 401/438
//!   challenge, 300 redirects; outcomes as events.
//! * [`server`] — a stateless Binding server with optional authentication and RFC 5780.
//! * [`discovery`] — RFC 5780 NAT behaviour discovery (mapping and filtering) as a client
//!   machine.
//!
//! Parsing, verifying and building never allocate and never panic on any input.
//!
//! ## Why sans-IO
//! No socket, no clock, no global RNG: time is an argument, randomness comes from a
//! [`sansio::Entropy`] given at construction, and every datagram to send is polled out. The
//! same machine runs under tokio, on smoltcp, in a deterministic simulator and in a fuzzer.
//!
//! ## Driving a client
//! Every machine here follows [`sansio::SansIo`], the workspace's one contract: a command or
//! `handle_*`, then drain `poll_transmit`, then drain `poll_event`, then sleep until
//! `poll_timeout`. A response comes back from `handle_datagram` as a
//! [`Response`](client::Response) borrowing the datagram: parsed once, read with typed getters.
//!
//! ```
//! use sansio::{Instant, Path, SansIo, SeededEntropy};
//! use stun_proto::client::{ClientConfig, Credentials, StunClient};
//! use stun_proto::server::{ServerAuth, ServerConfig, StunServer};
//! use stun_proto::wire::Method;
//!
//! let path = Path::udp("192.0.2.10:40000".parse().unwrap(), "198.51.100.1:3478".parse().unwrap());
//! // Real code passes a cryptographically secure entropy source.
//! let mut client: StunClient<_, 4> = StunClient::new(ClientConfig::default(), Credentials::None, SeededEntropy::new(1)).unwrap();
//! let mut server: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
//! let id = client.start_request(Instant::ZERO, path, Method::BINDING, &[]).unwrap();
//! let (mut out, mut resp) = ([0u8; 576], [0u8; 576]);
//! let t = client.poll_transmit(Instant::ZERO, &mut out).unwrap();
//! // ... a socket would send out[..t.len] to t.path.remote; here the server answers:
//! let r = server.respond(Instant::ZERO, t.path.reversed(), &out[..t.len], &mut resp).unwrap().unwrap();
//! let response = client.handle_datagram(Instant::ZERO, r.path.reversed(), &resp[..r.len]).unwrap().unwrap();
//! assert_eq!(response.id, id);
//! assert!(response.is_success());
//! assert_eq!(response.mapped_address(), Some("192.0.2.10:40000".parse().unwrap()));
//! assert_eq!(response.message.software(), None);
//! assert!(client.poll_event().is_none()); // timeouts and failures are events
//! ```
//!
//! ## RFC checklist
//! Done: the RFC 8489 header, every attribute of RFC 8489, the ICE attributes of RFC 8445 and
//! the RFC 5780 attributes; MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT; short-term and
//! long-term credentials (MD5 and SHA-256 keys, PASSWORD-ALGORITHMS negotiation, USERHASH,
//! the security-feature nonce cookie); client retransmission over UDP (RTO, Rc, Rm) and the
//! Ti timeout over TCP; 401/438/300 handling; comprehension-required attributes; TCP framing
//! ([`wire::frame_len`]); the RFC 5769 and RFC 8489 Appendix B.1 vectors.
//!
//! Not done: OpaqueString/SASLprep normalisation (pass normalised credentials), DNS SRV
//! discovery, DTLS transport.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod auth;
pub mod client;
pub mod discovery;
#[doc(hidden)]
pub mod fuzzing;
pub mod server;
pub mod wire;
