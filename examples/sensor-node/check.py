#!/usr/bin/env python3
"""Checks of the sensor node from inside its network namespace (standard library only):
the page over HTTP (gzipped, byte for byte once unzipped), 404, then bad input — a flood of
junk datagrams at the media socket, a request with a 10 KB header (must get 431), a half-open
request — after which the page must still be served (the viewers that follow use the media
socket) — and a long request stalled halfway, which holds the shared request buffer 5 s at
most (408).
Prints CHECK lines; exits non-zero on the first failure.
usage: check.py PAGE_FILE"""
import gzip, os, socket, sys, time

NODE = "198.18.5.2"


def http(raw, timeout=5.0):
    c = socket.create_connection((NODE, 80), timeout=timeout)
    c.sendall(raw)
    return read_response(c)


def read_response(c):
    """The status and body of the response on `c`, which is then closed."""
    raw, head_end = read_raw(c)
    head = raw[:head_end].decode()
    return int(head.split()[1]), raw[head_end + 4:]


def read_raw(c):
    """The whole response on `c` (which is then closed), and where its head ends."""
    buf = b""
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].decode()
            length = int([l.split(":")[1] for l in head.split("\r\n") if l.lower().startswith("content-length")][0])
            if len(buf) >= head_end + 4 + length:
                c.close()
                return buf[:head_end + 4 + length], head_end
        chunk = c.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed early: {buf[:200]!r}")
        buf += chunk


def get(path):
    return http(f"GET {path} HTTP/1.1\r\nHost: {NODE}\r\n\r\n".encode())


OFFER = "\r\n".join([
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:chk1", "a=ice-pwd:checkcheckcheckcheckchec",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32), "a=setup:actpass", "a=mid:0",
    "a=sctp-port:5000", "a=max-message-size:65536", ""])


OFFER_AV = "\r\n".join([
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 0", "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:chk2", "a=ice-pwd:checkcheckcheckcheckchec",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32), "a=setup:actpass", "a=mid:0",
    "a=recvonly", "a=rtcp-mux", "a=rtpmap:0 PCMU/8000",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:chk2", "a=ice-pwd:checkcheckcheckcheckchec",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32), "a=setup:actpass", "a=mid:1",
    "a=sctp-port:5000", "a=max-message-size:65536",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:2", "a=recvonly",
    "a=rtcp-mux", "a=rtpmap:96 VP8/90000", ""])


def whep_request(body):
    return f"POST /whep HTTP/1.1\r\nHost: {NODE}\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()


def whep(body):
    return http(whep_request(body))


def check_concurrent_bodies():
    """Request and response bodies share one buffer (the answer is written after the offer),
    streamed into a small TCP send buffer: two offers sent at once on two connections get
    one whole answer (longer than the send buffer, so its connection holds the buffer across
    turns) and — once that is sent — one 503, neither body spoiled by the other."""
    a = socket.create_connection((NODE, 80), timeout=5)
    b = socket.create_connection((NODE, 80), timeout=5)
    a.sendall(whep_request(OFFER_AV))
    b.sendall(whep_request(OFFER_AV))
    raws = sorted([read_raw(a), read_raw(b)], key=lambda r: len(r[0]), reverse=True)
    (whole, head_end), (refused, refused_end) = raws
    assert whole.startswith(b"HTTP/1.1 201") and refused.startswith(b"HTTP/1.1 503"), raws
    assert refused[refused_end + 4:] == b"busy", refused
    assert len(whole) > 1024, f"the response ({len(whole)} bytes) should not fit the send buffer"
    answer = whole[head_end + 4:].decode()
    assert "m=audio 9 UDP/TLS/RTP/SAVPF 0" in answer and "a=mid:1" in answer, answer
    assert "m=video 0 " in answer, answer
    assert answer.endswith("\r\n") and "198.18.5.2 5004 typ host" in answer, answer
    assert http(f"DELETE /whep/1 HTTP/1.1\r\nHost: {NODE}\r\n\r\n".encode())[0] == 200
    print(f"CHECK http: two offers at once: one answer ({len(whole)} bytes with its head), whole, and one 503")


def check_whep():
    """A data-only WHEP offer gets an answer; a second viewer meanwhile gets 503; DELETE frees
    the node (the browser that follows then gets a connection made anew in place)."""
    status, answer = whep(OFFER)
    answer = answer.decode()
    assert status == 201, f"WHEP: {status} {answer}"
    assert "a=fingerprint:sha-256 " in answer and "198.18.5.2 5004 typ host" in answer, answer
    assert "a=setup:passive" in answer or "a=setup:active" in answer, answer
    assert whep(OFFER)[0] == 503, "a second viewer must be refused while one watches"
    assert http(f"DELETE /whep/1 HTTP/1.1\r\nHost: {NODE}\r\n\r\n".encode())[0] == 200
    assert whep("v=0\r\ngarbage")[0] == 400
    print("CHECK whep: offer answered (fingerprint, host candidate 198.18.5.2:5004), a second viewer 503, DELETE 200, a bad offer 400")


def check_shared_buffer(page):
    """Request bodies share one 4 KiB buffer (heads are read where the TCP socket holds them,
    so a long head needs no buffer): a client that stalls halfway through a long body holds
    it 5 s at most (then gets 408); meanwhile a GET with a 1.5 KB header is served at once,
    and the next request with a body waits for the buffer, then is answered."""
    slow = socket.create_connection((NODE, 80), timeout=15)
    slow.sendall(b"POST /whep HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n" + b"v" * 1500)
    time.sleep(0.5)
    t0 = time.monotonic()
    status, body = http(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 1500 + b"\r\n\r\n", timeout=15)
    quick = time.monotonic() - t0
    assert status == 200 and gzip.decompress(body) == page, f"long GET: {status}"
    assert quick < 2, f"a long head waited {quick:.1f} s: it should need no shared buffer"
    t0 = time.monotonic()
    status, _ = http(b"POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n" + b"b" * 1500, timeout=15)
    waited = time.monotonic() - t0
    assert status == 404, f"the second body: {status}"
    assert 2.5 < waited < 12, f"the second body waited {waited:.1f} s for the stalled request's 5 s"
    reply = slow.recv(4096)
    slow.close()
    assert reply.startswith(b"HTTP/1.1 408"), f"the stalled request got {reply[:40]!r}"
    print(f"CHECK abuse: a long head is served at once ({quick:.1f} s); a stalled body gets 408 after holding the shared buffer; the next body waited {waited:.1f} s, then was answered")


def main():
    page = open(sys.argv[1], "rb").read()
    status, body = get("/")
    assert status == 200 and gzip.decompress(body) == page, f"page: {status}, {len(body)} bytes"
    print(f"CHECK http: GET / 200, {len(body)} bytes gzipped, the page of p2p node ({len(page)} bytes)")
    assert get("/nothing")[0] == 404
    print("CHECK http: GET /nothing 404")
    # Bad input.
    junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(2000):
        junk.sendto(os.urandom(20 + i % 200), (NODE, 5004))
    junk.close()
    status, _ = http(b"GET / HTTP/1.1\r\nX-Flood: " + b"a" * 10000 + b"\r\n\r\n")
    assert status == 431, f"huge header: {status}"
    print("CHECK abuse: a 10 KB header gets 431")
    status, _ = http(b"POST /whep HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert status == 501, f"a chunked body: {status}"
    print("CHECK abuse: a chunked body gets 501 (only Content-Length bodies are read)")
    status, _ = http(b"POST /whep HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n" + b"v" * 4000)
    assert status == 413, f"a 4000-byte body: {status}"
    print("CHECK abuse: a body longer than the shared buffer leaves room for an answer gets 413")
    half = socket.create_connection((NODE, 80), timeout=5)
    half.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished, left open
    status, body = get("/")
    assert status == 200 and gzip.decompress(body) == page
    half.close()
    print("CHECK abuse: after 2000 junk datagrams, a huge header and a half-open request, the page is still served")
    check_shared_buffer(page)
    check_whep()
    check_concurrent_bodies()
    print("CHECK OK")


main()
