//! The running hash of handshake messages (RFC 5246 §7.4.9; DTLS hashes each message as if
//! it were one unfragmented fragment, RFC 6347 §4.2.6).

use crate::wire::{HandshakeHeader, HandshakeType};
use sha2::{Digest, Sha256};

/// SHA-256 over the handshake messages so far.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    hash: Sha256,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Transcript {
            hash: Sha256::new(),
        }
    }

    /// Add message `seq` of `msg_type` with `body`.
    pub fn add(&mut self, msg_type: HandshakeType, seq: u16, body: &[u8]) {
        let header = HandshakeHeader::whole(msg_type, seq, body.len() as u32);
        self.hash.update(header.to_bytes());
        self.hash.update(body);
    }

    /// The hash of everything added so far (the transcript goes on).
    pub fn current(&self) -> [u8; 32] {
        self.hash.clone().finalize().into()
    }
}
