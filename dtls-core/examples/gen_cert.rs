//! Write a freshly generated self-signed certificate (DER) to the path given, and print its
//! SHA-256 fingerprint: `cargo run -p dtls-core --example gen_cert -- cert.der`.
#![allow(clippy::expect_used)]
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;

struct OsEntropy;
impl sansio::Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(buf))
            .expect("read /dev/urandom");
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "cert.der".into());
    let cert = Certificate::generate(&RustCrypto, &mut OsEntropy, &CertParams::default())
        .expect("generate");
    std::fs::write(&path, cert.der()).expect("write");
    println!("{}", cert.fingerprint());
}
