extern crate std;

use super::*;
use std::string::String;

const BROWSER: &[u8] = b"GET /?turn=198.18.5.1:3478&user=u HTTP/1.1\r\nHost: 198.18.5.2\r\n\
Connection: keep-alive\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, \
like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml\r\n\
Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US\r\n\r\n";

/// Feed `data` in pieces of `piece` bytes: what was taken and the outcome.
fn read(
    head: &mut RequestHead<4096>,
    data: &[u8],
    piece: usize,
) -> (usize, Option<Result<(), HeadError>>) {
    let mut taken = 0;
    for chunk in data.chunks(piece) {
        let (n, done) = head.feed(chunk);
        taken += n;
        if done.is_some() {
            return (taken, done);
        }
        assert_eq!(n, chunk.len(), "a reader that is not done takes everything");
    }
    (taken, None)
}

#[test]
fn a_browser_get_is_read_in_pieces_of_any_size() {
    for piece in [1, 2, 3, 7, 64, 1000] {
        let mut h = RequestHead::<4096>::new();
        assert_eq!(read(&mut h, BROWSER, piece), (BROWSER.len(), Some(Ok(()))));
        assert_eq!(
            (h.method(), h.path(), h.content_length()),
            ("GET", Some("/"), 0)
        );
        assert!(h.is_done());
    }
}

#[test]
fn it_stops_at_the_heads_end_leaving_the_body_and_the_next_request() {
    let req = b"POST /whep HTTP/1.1\r\ncontent-LENGTH:  5 \r\nContent-Type: application/sdp\r\n\r\nv=0\r\nGET / HTTP/1.1\r\n\r\n";
    let mut h = RequestHead::<4096>::new();
    let (n, done) = h.feed(req);
    assert_eq!(done, Some(Ok(())));
    assert_eq!(&req[n..n + 5], b"v=0\r\n");
    assert_eq!(
        (h.method(), h.path(), h.content_length()),
        ("POST", Some("/whep"), 5)
    );
    assert_eq!(
        h.feed(&req[n..]),
        (0, Some(Ok(()))),
        "done: takes nothing more"
    );
    h.reset();
    assert!(h.is_empty());
    assert_eq!(h.feed(&req[n + 5..]), (req.len() - n - 5, Some(Ok(()))));
    assert_eq!(
        (h.method(), h.path(), h.content_length()),
        ("GET", Some("/"), 0)
    );
}

#[test]
fn bare_line_feeds_and_http_1_0_are_read() {
    let mut h = RequestHead::<4096>::new();
    let req = b"DELETE /whep/1 HTTP/1.0\nHost: x\nContent-Length: 0\n\n";
    assert_eq!(h.feed(req), (req.len(), Some(Ok(()))));
    assert_eq!((h.method(), h.path()), ("DELETE", Some("/whep/1")));
}

#[test]
fn a_head_over_the_limit_is_refused_without_storing_it() {
    let mut h = RequestHead::<4096>::new();
    let mut req = b"GET / HTTP/1.1\r\nX-Flood: ".to_vec();
    req.resize(10_000, b'a');
    let (n, done) = read(&mut h, &req, 512);
    assert_eq!((n, done), (4096, Some(Err(HeadError::TooLarge))));
    // A long header under the limit is fine: nothing of it is kept.
    let mut h = RequestHead::<4096>::new();
    let mut req = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
    req.resize(3000, b'p');
    req.extend_from_slice(b"\r\n\r\n");
    assert_eq!(h.feed(&req), (req.len(), Some(Ok(()))));
}

#[test]
fn a_path_longer_than_kept_is_none_and_its_query_is_skipped() {
    let mut long = b"GET /".to_vec();
    long.resize(5 + PATH, b'x');
    long.extend_from_slice(b"?q=1 HTTP/1.1\r\n\r\n");
    let mut h = RequestHead::<4096>::new();
    assert_eq!(h.feed(&long), (long.len(), Some(Ok(()))));
    assert_eq!(h.path(), None);
    let mut fits = b"GET /".to_vec();
    fits.resize(3 + PATH, b'y');
    fits.extend_from_slice(b" HTTP/1.1\r\n\r\n");
    let mut h = RequestHead::<4096>::new();
    assert_eq!(h.feed(&fits), (fits.len(), Some(Ok(()))));
    assert_eq!(h.path().map(str::len), Some(PATH - 1));
}

#[test]
fn malformed_and_unsupported_heads_are_refused() {
    let cases: &[(&[u8], HeadError)] = &[
        (b"GET / HTTP/2.0\r\n\r\n", HeadError::Malformed),
        (b"GET  / HTTP/1.1\r\n\r\n", HeadError::Malformed),
        (b"G(T / HTTP/1.1\r\n\r\n", HeadError::Malformed),
        (b"LONGMETHOD / HTTP/1.1\r\n\r\n", HeadError::Malformed),
        (b"GET / HTTP/1.1\rX\n\r\n", HeadError::Malformed),
        (b"GET /\x01 HTTP/1.1\r\n\r\n", HeadError::Malformed),
        (
            b"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            HeadError::Malformed,
        ),
        (b"GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n", HeadError::Malformed),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            HeadError::Unsupported,
        ),
    ];
    for (req, want) in cases {
        let mut h = RequestHead::<4096>::new();
        let (_, done) = h.feed(req);
        assert_eq!(done, Some(Err(*want)), "{}", String::from_utf8_lossy(req));
    }
}

#[test]
fn repeated_equal_lengths_are_one_and_a_huge_one_saturates() {
    let mut h = RequestHead::<4096>::new();
    let req = b"POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n";
    assert_eq!(h.feed(req).1, Some(Ok(())));
    assert_eq!(h.content_length(), 7);
    let mut h = RequestHead::<4096>::new();
    let req = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n";
    assert_eq!(h.feed(req).1, Some(Ok(())));
    assert_eq!(h.content_length(), usize::MAX);
}
