//! The TLS 1.2 key schedule with SHA-256 (RFC 5246 §5, §8.1, §6.3; RFC 7627 §4; RFC 5705 §4).

use core::fmt;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the master secret.
pub const MASTER_SECRET_LEN: usize = 48;

/// `P_SHA256(secret, label || seed[0] || seed[1] || …)` into `out` (RFC 5246 §5).
pub fn prf(secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    // HMAC accepts keys of any length; the error arm cannot happen.
    let Ok(keyed) = HmacSha256::new_from_slice(secret) else {
        return;
    };
    let mac_seed = |mut m: HmacSha256| {
        m.update(label);
        for s in seed {
            m.update(s);
        }
        m
    };
    // A(1) = HMAC(secret, seed)
    let mut a: [u8; 32] = mac_seed(keyed.clone()).finalize().into_bytes().into();
    for chunk in out.chunks_mut(32) {
        let mut m = keyed.clone();
        m.update(&a);
        let mut block: [u8; 32] = mac_seed(m).finalize().into_bytes().into();
        chunk.copy_from_slice(block.get(..chunk.len()).unwrap_or(&[]));
        block.zeroize();
        let mut next = keyed.clone();
        next.update(&a);
        a = next.finalize().into_bytes().into();
    }
    a.zeroize();
}

/// The 48-byte master secret, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterSecret(pub(crate) [u8; MASTER_SECRET_LEN]);

impl MasterSecret {
    /// The extended master secret (RFC 7627 §4): `PRF(pre_master_secret, "extended master
    /// secret", session_hash)`, where `session_hash` is the transcript hash through
    /// ClientKeyExchange.
    pub fn extended(pre_master_secret: &[u8], session_hash: &[u8; 32]) -> Self {
        let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
        prf(
            pre_master_secret,
            b"extended master secret",
            &[session_hash],
            &mut ms.0,
        );
        ms
    }

    /// The bytes (for tests and key logging; handle with care).
    pub fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }

    /// The key block (RFC 5246 §6.3): `PRF(master, "key expansion", server_random ||
    /// client_random)`.
    pub fn key_block(&self, client_random: &[u8; 32], server_random: &[u8; 32], out: &mut [u8]) {
        prf(
            &self.0,
            b"key expansion",
            &[server_random, client_random],
            out,
        );
    }

    /// Finished `verify_data` (RFC 5246 §7.4.9): `PRF(master, "client finished" | "server
    /// finished", handshake_hash)[..12]`.
    pub fn verify_data(&self, client: bool, handshake_hash: &[u8; 32]) -> [u8; 12] {
        let label: &[u8] = if client {
            b"client finished"
        } else {
            b"server finished"
        };
        let mut out = [0u8; 12];
        prf(&self.0, label, &[handshake_hash], &mut out);
        out
    }

    /// Keying material exporter (RFC 5705 §4): `PRF(master, label, client_random ||
    /// server_random [|| context_len || context])`.
    pub fn export(
        &self,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), ExportError> {
        if is_reserved_label(label) {
            return Err(ExportError::ReservedLabel);
        }
        match context {
            None => prf(&self.0, label, &[client_random, server_random], out),
            Some(ctx) => {
                let len = u16::try_from(ctx.len()).map_err(|_| ExportError::ContextTooLong)?;
                let len = len.to_be_bytes();
                prf(
                    &self.0,
                    label,
                    &[client_random, server_random, &len, ctx],
                    out,
                )
            }
        }
        Ok(())
    }
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

/// Labels the key schedule itself uses; an exporter must not produce them (RFC 5705 §4).
fn is_reserved_label(label: &[u8]) -> bool {
    [
        &b"client finished"[..],
        b"server finished",
        b"master secret",
        b"extended master secret",
        b"key expansion",
    ]
    .contains(&label)
}

/// Why keying material could not be exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportError {
    /// The handshake is not complete.
    NotConnected,
    /// The label is one the TLS key schedule uses.
    ReservedLabel,
    /// The context is longer than 65535 bytes.
    ContextTooLong,
    /// No SRTP profile was negotiated.
    NoSrtpProfile,
    /// The output buffer is not the length the profile needs.
    BadLength,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportError::NotConnected => "handshake not complete",
            ExportError::ReservedLabel => "label reserved by TLS",
            ExportError::ContextTooLong => "context longer than 65535 bytes",
            ExportError::NoSrtpProfile => "no SRTP profile negotiated",
            ExportError::BadLength => "wrong output length",
        })
    }
}

impl core::error::Error for ExportError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        let s: std::string::String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The TLS 1.2 PRF-SHA256 vector published on the IETF TLS list (2010) and reproduced by
    /// `openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:9bbe…
    /// -kdfopt seed:"test label" -kdfopt hexseed:a0ba… TLS1-PRF`.
    #[test]
    fn prf_sha256_known_answer() {
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let expected = hex(
            "E3:F2:29:BA:72:7B:E1:7B:8D:12:26:20:55:7C:D4:53:C2:AA:B2:1D:07:C3:D4:95:32:9B:52:D4:
             E6:1E:DB:5A:6B:30:17:91:E9:0D:35:C9:C9:A4:6B:4E:14:BA:F9:AF:0F:A0:22:F7:07:7D:EF:17:
             AB:FD:37:97:C0:56:4B:AB:4F:BC:91:66:6E:9D:EF:9B:97:FC:E3:4F:79:67:89:BA:A4:80:82:D1:
             22:EE:42:C5:A7:2E:5A:51:10:FF:F7:01:87:34:7B:66",
        );
        let mut out = [0u8; 100];
        prf(&secret, b"test label", &[&seed], &mut out);
        assert_eq!(out.to_vec(), expected);
        // Split seeds hash the same as one seed.
        let mut split = [0u8; 100];
        prf(
            &secret,
            b"test ",
            &[b"label", &seed[..3], &seed[3..]],
            &mut split,
        );
        assert_eq!(split, out);
    }

    /// Checked with `openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:<pms>
    /// -kdfopt seed:"extended master secret" -kdfopt hexseed:<hash> TLS1-PRF`.
    #[test]
    fn extended_master_secret_is_the_prf_with_its_label() {
        let pms = [0x11u8; 32];
        let hash = [0x22u8; 32];
        let ms = MasterSecret::extended(&pms, &hash);
        let mut direct = [0u8; 48];
        prf(&pms, b"extended master secret", &[&hash], &mut direct);
        assert_eq!(ms.as_bytes(), &direct);
        assert_eq!(ms.as_bytes().to_vec(), hex(OPENSSL_EMS));
    }

    const OPENSSL_EMS: &str =
        "2B:1C:58:7D:99:3B:68:62:38:13:66:15:5E:49:1B:C7:32:B4:A4:26:0B:DF:4F:E8:
         27:A9:CD:62:6E:76:E1:8E:9A:0D:14:64:BD:BD:74:D2:C4:60:3F:48:3B:BA:1A:7F";

    #[test]
    fn exporter_refuses_reserved_labels_and_adds_context() {
        let ms = MasterSecret([5; 48]);
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let mut out = [0u8; 60];
        assert_eq!(
            ms.export(&cr, &sr, b"key expansion", None, &mut out),
            Err(ExportError::ReservedLabel)
        );
        ms.export(&cr, &sr, b"EXTRACTOR-dtls_srtp", None, &mut out)
            .unwrap();
        let mut direct = [0u8; 60];
        prf(&ms.0, b"EXTRACTOR-dtls_srtp", &[&cr, &sr], &mut direct);
        assert_eq!(out, direct);
        let mut with_ctx = [0u8; 60];
        ms.export(&cr, &sr, b"EXTRACTOR-dtls_srtp", Some(b""), &mut with_ctx)
            .unwrap();
        assert_ne!(
            with_ctx, out,
            "an empty context differs from no context (RFC 5705 §4)"
        );
    }
}
