#!/usr/bin/env python3
"""Stack frames of the sensor node's release image, from its disassembly (llvm-objdump -d).

A function's frame is what its prologue reserves: registers pushed (`push`, `stmdb sp!`,
`vpush`) and `sub sp` (immediate, or a register loaded with `movw`/`movt`). Prints the
largest frames, then, for each root function named, the deepest chain below it through
direct calls (`bl`, `b` to another function). Calls through pointers (`core::fmt`'s, trait
objects) and exception frames are not followed, so a chain is a lower bound of what the
painted high-water mark measures; it shows where the room goes.
usage: stack.py LLVM_OBJDUMP ELF [ROOT_SUBSTRING ...]  (e.g. sensor_node::serve sensor_node::boot)"""
import re, subprocess, sys

PUSH = re.compile(r"\b(?:push|stmdb)(?:\.w)?\s+(?:sp!,\s*)?\{([^}]*)\}")
VPUSH = re.compile(r"\bvpush(?:\.\d+)?\s+\{([^}]*)\}")
MOVW = re.compile(r"\bmovw\s+(r\d+|ip|lr),\s*#(0x[0-9a-f]+|\d+)")
MOVT = re.compile(r"\bmovt\s+(r\d+|ip|lr),\s*#(0x[0-9a-f]+|\d+)")
SUB_IMM = re.compile(r"\bsub(?:w|\.w)?\s+sp,\s*(?:sp,\s*)?#(0x[0-9a-f]+|\d+)")
SUB_REG = re.compile(r"\bsub(?:w|\.w)?\s+sp,\s*(?:sp,\s*)?(r\d+|ip|lr)\b")
CALL = re.compile(r"\b(?:bl|b|b\.w)\s+0x[0-9a-f]+\s+<([^>+]*)")
START = re.compile(r"^[0-9a-f]+ <(.*)>:")


def vregs(text):
    """Registers in a `vpush` list, `d8-d15` counting as eight."""
    n = 0
    for r in text.split(","):
        r = r.strip()
        if "-" in r:
            a, b = r.split("-")
            n += int(b[1:]) - int(a[1:]) + 1
        elif r:
            n += 1
    return n


def parse(lines):
    """Each function's frame in bytes and the functions it calls directly."""
    frames, calls, fn, regs = {}, {}, None, {}
    for line in lines:
        m = START.match(line)
        if m:
            fn, regs = m.group(1), {}
            frames[fn], calls[fn] = 0, set()
            continue
        if fn is None:
            continue
        if m := VPUSH.search(line):
            frames[fn] += 8 * vregs(m.group(1))
        elif m := PUSH.search(line):
            frames[fn] += 4 * len(m.group(1).split(","))
        elif m := SUB_IMM.search(line):
            frames[fn] += int(m.group(1), 0)
        elif (m := SUB_REG.search(line)) and m.group(1) in regs:
            frames[fn] += regs[m.group(1)]
        elif m := MOVW.search(line):
            regs[m.group(1)] = int(m.group(2), 0)
        elif (m := MOVT.search(line)) and m.group(1) in regs:
            regs[m.group(1)] += int(m.group(2), 0) << 16
        elif (m := CALL.search(line)) and m.group(1) != fn:
            calls[fn].add(m.group(1))
    return frames, calls


def deepest(frames, calls):
    """The deepest chain below a function: (bytes, [(function, frame), ...])."""
    memo = {}

    def walk(f, seen):
        if f in memo:
            return memo[f]
        best = (0, [])
        for c in calls.get(f, ()):
            if c not in seen:
                d = walk(c, seen | {f})
                if d[0] > best[0]:
                    best = d
        r = (frames.get(f, 0) + best[0], [(f, frames.get(f, 0))] + best[1])
        memo[f] = r
        return r

    return lambda f: walk(f, frozenset())


def main():
    objdump, elf, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", "-C", elf],
                         capture_output=True, text=True, check=True).stdout
    frames, calls = parse(out.splitlines())
    print("largest frames (bytes):")
    for f, n in sorted(frames.items(), key=lambda x: -x[1])[:12]:
        print(f"{n:8} {f[:110]}")
    chain = deepest(frames, calls)
    for root in roots:
        for f in [f for f in frames if root in f]:
            total, path = chain(f)
            print(f"\ndeepest chain below {f[:80]}: {total} bytes")
            for g, n in path:
                if n:
                    print(f"{n:8} {g[:110]}")


main()
