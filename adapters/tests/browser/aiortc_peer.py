"""aiortc (its own ICE, DTLS, SRTP and SCTP in Python) against peer-core's WHEP/WHIP lab.

usage: aiortc_peer.py BASE_URL whep|whip

whep: a viewer with a data channel and recvonly video + audio: messages of 1 B to 256 KiB
      (binary and text) must echo back intact; our VP8 frames and µ-law tone are decoded by
      aiortc and counted.
whip: a publisher of aiortc's synthetic video (aiortc encodes VP8); the lab counts frames and
      keyframes, and a PLI it sends on the "control" channel's command makes aiortc encode
      a keyframe.
Prints one line per check; exits non-zero on any failure.
"""
import asyncio
import hashlib
import json
import re
import sys
import time
import urllib.request

import aioice.ice

# aioice skips loopback when gathering: pin it (the lab listens on 127.0.0.1).
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import VideoStreamTrack  # noqa: E402


def post(url, sdp):
    req = urllib.request.Request(url, data=sdp.encode(), method="POST",
                                 headers={"Content-Type": "application/sdp"})
    with urllib.request.urlopen(req, timeout=15) as r:
        assert r.status == 201, r.status
        print("Location", r.headers["Location"], flush=True)
        return r.read().decode()


async def connect(pc, url):
    t0 = time.monotonic()
    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers before returning
    # aiortc announces a=max-message-size:65536 but takes messages of any size; peer-core, as
    # browsers do, sends no more than the peer announces (RFC 8841), and the echo checks go
    # to 256 KiB both ways: announce what aiortc actually takes.
    offer = re.sub(r"a=max-message-size:\d+", "a=max-message-size:262144", pc.localDescription.sdp)
    answer = await asyncio.get_running_loop().run_in_executor(None, post, url, offer)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return t0


def digest(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:16] + ":" + str(len(data))


async def echo_checks(ch, inbox):
    for size in [1, 1000, 65536, 262144]:
        for kind in ["binary", "string"]:
            raw = bytes((i * 7 + size) & 0x7F for i in range(size))
            data = raw if kind == "binary" else raw.decode()
            ch.send(data)
            back = await asyncio.wait_for(inbox.get(), 20)
            ok = type(back) is type(data) and digest(back) == digest(data)
            print(f"aiortc {kind} {size} B {'intact' if ok else 'CORRUPT'}", flush=True)
            assert ok


async def count_frames(track, seconds):
    frames, samples, width, end = 0, 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            f = await asyncio.wait_for(track.recv(), 2)
        except asyncio.TimeoutError:
            break
        frames += 1
        samples += getattr(f, "samples", 0)
        width = getattr(f, "width", width)
    return frames, samples, width


async def whep(base):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    ch = pc.createDataChannel("browser")
    inbox, tracks = asyncio.Queue(), {}
    greeting = asyncio.get_running_loop().create_future()
    ch.on("message", inbox.put_nowait)

    @pc.on("datachannel")
    def on_channel(c):
        c.on("message", lambda m: greeting.done() or greeting.set_result(m))

    pc.on("track", lambda t: tracks.__setitem__(t.kind, t))
    t0 = await connect(pc, base + "/whep")
    print("greeting:", await asyncio.wait_for(greeting, 20), f"after {1000 * (time.monotonic() - t0):.0f} ms", flush=True)
    await echo_checks(ch, inbox)
    video, audio = await asyncio.gather(count_frames(tracks["video"], 4), count_frames(tracks["audio"], 4))
    print(f"aiortc decoded {video[0]} video frames {video[2]}px wide, {audio[0]} audio frames ({audio[1]} samples)", flush=True)
    assert video[0] >= 60 and video[2] == 320, video
    assert audio[0] >= 100, audio
    await pc.close()


async def whip(base):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(VideoStreamTrack())
    control = pc.createDataChannel("control")
    inbox = asyncio.Queue()
    control.on("message", inbox.put_nowait)
    opened = asyncio.get_running_loop().create_future()
    control.on("open", lambda: opened.set_result(True))
    await connect(pc, base + "/whip")
    await asyncio.wait_for(opened, 20)

    async def ask(cmd):
        control.send(cmd)
        return await asyncio.wait_for(inbox.get(), 10)

    await asyncio.sleep(3)
    before = json.loads(await ask("stats"))
    print(f"before PLI: peer-core counted {before['frames']} frames, {before['keyframes']} keyframes", flush=True)
    print("control:", await ask("pli"), flush=True)
    await asyncio.sleep(2)
    after = json.loads(await ask("stats"))
    print(f"after PLI: peer-core counted {after['frames']} frames, {after['keyframes']} keyframes", flush=True)
    assert before["frames"] >= 30 and after["frames"] > before["frames"], (before, after)
    assert before["keyframes"] >= 1 and after["keyframes"] > before["keyframes"], (before, after)
    print("aiortc WHIP OK", flush=True)
    await pc.close()


if __name__ == "__main__":
    base, mode = sys.argv[1], sys.argv[2]
    asyncio.run({"whep": whep, "whip": whip}[mode](base))
