"""aiortc driven over stdin/stdout for tests/interop_aiortc.rs (same line protocol as
chromium_peer.js): "offer av|dc", "accept <hex answer>", "answer <hex offer>", "summary2",
"parse <hex sdp>", "quit"; replies "ok <hex>" or "err <message>".

Summary lines: "m <mid> <currentDirection> send=<pt,...> recv=<pt,...> ext=<id,...>" from the
transceivers aiortc negotiated, then "sctp <port> <maxMessageSize>" per application section
as aiortc's own SDP parser reads the remote description.
"""
import asyncio
import sys

import aioice.ice

# Loopback only (aioice skips it by default); no STUN server either (see RTCConfiguration).
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

import aiortc  # noqa: E402
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc import sdp as aiosdp  # noqa: E402


def summary(pc, remote_sdp):
    lines = []
    for t in pc.getTransceivers():
        pts = ",".join(str(c.payloadType) for c in t._codecs)
        ext = ",".join(str(h.id) for h in t._headerExtensions)
        lines.append(f"m {t.mid} {t.currentDirection} send={pts} recv={pts} ext={ext}")
    parsed = aiosdp.SessionDescription.parse(remote_sdp)
    for m in parsed.media:
        if m.kind == "application":
            caps = m.sctpCapabilities
            lines.append(f"sctp {m.sctp_port} {caps.maxMessageSize if caps else 'none'}")
    return "\n".join(lines)


def new_pc():
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def main():
    loop = asyncio.get_event_loop()
    pc = pc2 = None
    remote = remote2 = None
    print("ready aiortc " + aiortc.__version__, flush=True)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        arg = bytes.fromhex(parts[1]).decode() if len(parts) > 1 else None
        try:
            if cmd == "offer":
                pc = new_pc()
                if arg == "av":
                    pc.addTransceiver("audio")
                    pc.addTransceiver("video")
                pc.createDataChannel("dc")
                await pc.setLocalDescription(await pc.createOffer())
                out = pc.localDescription.sdp
            elif cmd == "accept":
                await pc.setRemoteDescription(RTCSessionDescription(sdp=arg, type="answer"))
                remote = arg
                out = summary(pc, remote)
            elif cmd == "answer":
                pc2 = new_pc()
                await pc2.setRemoteDescription(RTCSessionDescription(sdp=arg, type="offer"))
                await pc2.setLocalDescription(await pc2.createAnswer())
                remote2 = arg
                out = pc2.localDescription.sdp
            elif cmd == "summary2":
                out = summary(pc2, remote2)
            elif cmd == "parse":
                # aiortc's parser reads our text and writes it back in its own words.
                out = str(aiosdp.SessionDescription.parse(arg))
            elif cmd == "quit":
                break
            else:
                raise ValueError("unknown command " + cmd)
            print("ok " + out.encode().hex(), flush=True)
        except Exception as e:  # report, keep serving
            print("err " + repr(e).replace("\n", " "), flush=True)
    for p in (pc, pc2):
        if p is not None:
            await p.close()


asyncio.run(main())
