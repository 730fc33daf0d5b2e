//! # ice-core
//!
//! ICE (RFC 8445) as a `#![no_std]`, allocation-free, sans-IO agent: it finds the shortest
//! working route between two peers behind NATs (same LAN first, then the address a STUN
//! server saw, and only then a TURN relay) and keeps checking that the route still works.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(any(feature = "std", test))]
extern crate std;

mod agent;
mod candidate;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod pair;
mod sdp;

pub use agent::{Credentials, IceAgent, IceConfig, IceError, TurnServer, MAX_PWD, MAX_UFRAG};
pub use candidate::{foundation, priority, Candidate, CandidateKind, Foundation};
pub use event::{IceEvent, IceRole, IceState, SelectedPair};
pub use pair::{pair_priority, Pair, PairState};
pub use sdp::{parse_candidate, CandidateParseError};
