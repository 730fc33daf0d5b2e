#!/usr/bin/env python3
"""Flash of the sensor node's release image per part, from its symbols (llvm-nm -S).

A symbol goes to the part of the first crate named in it (`<X as Y>::f` counts for X's
crate). With LTO much is inlined into its caller — most visibly into the firmware's `main` —
so the parts are a lower bound and `main` (listed as "application") an upper one; the total
is exact (llvm-size). Anonymous read-only data (string literals, tables without a symbol)
is what the image holds beyond every symbol's size (string literals and tables under no
symbol), less the page, whose size is known. Under opt-level "z" LLVM's machine outliner
moves repeated instruction runs into `OUTLINED_FUNCTION_n`s, listed on their own.
usage: footprint.py ELF LLVM_BIN_DIR PAGE_FILE (the stored page: OUT_DIR/page.html.gz)"""
import os, re, subprocess, sys

PARTS = [
    ("smoltcp + LAN9118 driver + UDP driver", ["smoltcp", "adapters_smoltcp", "managed", "heapless"]),
    ("STUN + ICE (+ the TURN client, when the ICE agent has relays)", ["stun_proto", "ice_core", "turn_proto", "sha1", "md5", "crc32fast", "hmac"]),
    ("DTLS 1.2 with P-256 (ECDHE, ECDSA, certificate)", ["dtls_core", "sensor_node::p256m4", "sensor_node..p256m4", "p256", "ecdsa", "elliptic_curve", "primeorder", "crypto_bigint", "sha2", "der", "rfc6979", "chacha20poly1305", "chacha20", "poly1305"]),
    ("AES / AES-GCM / AES-CTR (DTLS and SRTP)", ["aes_gcm", "aes", "ctr", "ghash", "polyval", "cipher", "universal_hash", "aead"]),
    ("SRTP", ["srtp_core"]),
    ("SCTP + DCEP", ["sctp_core", "crc"]),
    ("RTP / RTCP", ["rtp_core"]),
    ("SDP offer/answer", ["sdp_core"]),
    ("peer connection glue", ["peer_core", "sansio"]),
    ("HTTP + WHEP", ["httparse", "sensor_node::http"]),
    ("application (main, sensors sim, viewer; inlined code of the others)", ["sensor_node", "machine_sim", "libm"]),
    ("Rust core (formatting, memcpy, soft-float helpers)", ["core", "compiler_builtins", "alloc"]),
    ("runtime (cortex-m-rt, semihosting, panic)", ["cortex_m_rt", "cortex_m_semihosting", "cortex_m", "panic_semihosting", "critical_section"]),
    ("code shared by the machine outliner (`OUTLINED_FUNCTION_n`)", []),
]
OUTLINED = PARTS[-1][0]


def part_of(name):
    if name.startswith("OUTLINED_FUNCTION_"):
        return OUTLINED
    if name.startswith(("p256_", "P256_")):  # P256-Cortex-M4's C and assembly
        return PARTS[2][0]
    best = None
    for label, crates in PARTS:
        for c in crates:
            m = re.search(r"(?<![A-Za-z0-9_])" + re.escape(c) + r"(::|\.\.)", name)
            if m and (best is None or m.start() < best[0] or (m.start() == best[0] and len(c) > best[2])):
                best = (m.start(), label, len(c))
    return best[1] if best else None


def main():
    elf, bindir, page = sys.argv[1], sys.argv[2], sys.argv[3]
    nm = subprocess.run([os.path.join(bindir, "llvm-nm"), "-S", "--size-sort", "--demangle", elf], capture_output=True, text=True, check=True).stdout
    size = subprocess.run([os.path.join(bindir, "llvm-size"), "-A", elf], capture_output=True, text=True, check=True).stdout
    sections = {l.split()[0]: int(l.split()[1]) for l in size.splitlines() if l.startswith(".") and len(l.split()) == 3 and l.split()[1].isdigit()}
    flash = sections.get(".vector_table", 0) + sections.get(".text", 0) + sections.get(".rodata", 0) + sections.get(".data", 0)
    totals = {}
    for line in nm.splitlines():
        f = line.split()
        if len(f) < 4 or f[2].lower() not in "trd":
            continue
        n, name = int(f[1], 16), " ".join(f[3:])
        label = part_of(name.replace("$LT$", "<").replace("$u20$", " ").replace("$C$", ",").replace("$GT$", ">"))
        if label is not None:
            totals[label] = totals.get(label, 0) + n
    page_len = os.path.getsize(page)
    anon = flash - sum(totals.values())
    print(f"| part | flash (bytes) |\n|---|---:|")
    for label, _ in PARTS:
        print(f"| {label} | {totals.get(label, 0):,} |")
    print(f"| the viewer page (HTML/JS, gzipped at build time) | {page_len:,} |")
    print(f"| other (vector table, literals, tables under no symbol) | {max(anon - page_len, 0):,} |")
    print(f"| **whole image** (vectors + .text + .rodata + .data) | **{flash:,}** |")
    print(f"\n.text {sections.get('.text', 0):,}, .rodata {sections.get('.rodata', 0):,}, .data {sections.get('.data', 0):,}, .bss {sections.get('.bss', 0):,}")


main()
