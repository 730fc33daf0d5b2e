//! Put `memory.x` where the linker (cortex-m-rt's `link.x`) finds it, and store the viewer
//! page (`p2p node`'s) gzipped in `OUT_DIR/page.html.gz`.
use std::io::Write;
use std::{env, fs, path::PathBuf};

const PAGE: &str = "../../adapters/src/bin/p2p/node/page.html";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");

    let page = fs::read(PAGE).expect("the page of p2p node");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&page).expect("gzip in memory");
    let gz = gz.finish().expect("gzip in memory");
    fs::write(out.join("page.html.gz"), gz).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed={PAGE}");
}
