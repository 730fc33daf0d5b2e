"""aioice (controlled) as the peer of ice-core's replay capture, plain lines on stdin/stdout.

Prints `ufrag X`, `pwd Y`, one `candidate:...` line per candidate and `end`; reads the other
side's lines the same way; connects; prints `connected`; waits for one datagram (printed as
`peer: ...`), answers `hello from aioice`, prints `done` and exits. Host candidates are pinned
to 127.0.0.1.
"""
import asyncio, sys
import aioice, aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


async def read_line():
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


async def main():
    conn = aioice.Connection(ice_controlling=False, components=1, use_ipv6=False)
    await conn.gather_candidates()
    print(f"ufrag {conn.local_username}\npwd {conn.local_password}", flush=True)
    for c in conn.local_candidates:
        print("candidate:" + c.to_sdp(), flush=True)
    print("end", flush=True)
    while True:
        l = await read_line()
        if l.startswith("ufrag "):
            conn.remote_username = l[6:]
        elif l.startswith("pwd "):
            conn.remote_password = l[4:]
        elif l.startswith("candidate:"):
            await conn.add_remote_candidate(aioice.Candidate.from_sdp(l[len("candidate:"):]))
        elif l == "end" or l == "":
            break
    await conn.add_remote_candidate(None)
    await asyncio.wait_for(conn.connect(), 20)
    print("connected", flush=True)
    data = await asyncio.wait_for(conn.recv(), 20)
    print("peer: " + data.decode(), flush=True)
    await conn.send(b"hello from aioice")
    await asyncio.sleep(0.3)
    print("done", flush=True)
    await conn.close()


asyncio.run(main())
