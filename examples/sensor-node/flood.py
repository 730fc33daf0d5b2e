#!/usr/bin/env python3
"""Junk at the node's media socket while a browser watches (standard library only): random
bytes and datagrams that look like each class the socket demultiplexes (RFC 7983) — STUN
Binding requests with made-up credentials, DTLS records of garbage, RTP and RTCP of unknown
streams. The node must keep streaming through it. Prints `FLOOD {"sent": N}` at the end.
usage: flood.py HOST PORT SECONDS RATE"""
import json, os, random, socket, struct, sys, time


def stun():
    user = os.urandom(random.randint(1, 40)).hex().encode()
    attrs = struct.pack("!HH", 0x0006, len(user)) + user + b"\0" * (-len(user) % 4)
    attrs += struct.pack("!HH", 0x0008, 20) + os.urandom(20)  # MESSAGE-INTEGRITY of nothing
    return struct.pack("!HHI", 0x0001, len(attrs), 0x2112A442) + os.urandom(12) + attrs


def dtls():
    body = os.urandom(random.randint(0, 200))
    epoch = random.choice([0, 1, 7])
    return struct.pack("!BHH", random.choice([20, 21, 22, 23]), 0xFEFD, epoch) + os.urandom(6) + struct.pack("!H", len(body)) + body


def rtp():
    pt = random.choice([0, 96, 111, 200, 201, 205, 206])
    return bytes([0x80 | random.randint(0, 1) << 4, pt]) + os.urandom(random.randint(10, 300))


def junk():
    return os.urandom(random.randint(1, 400))


def main():
    host, port, secs, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.5.1", 0))
    kinds = [stun, dtls, rtp, junk]
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < secs:
        for _ in range(max(rate // 50, 1)):  # in 20 ms bursts
            s.sendto(random.choice(kinds)(), (host, port))
            sent += 1
        time.sleep(0.02)
    print("FLOOD " + json.dumps({"sent": sent}), flush=True)


main()
