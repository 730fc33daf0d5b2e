//! adapters-smoltcp's streaming HTTP request-head reader: never panics, takes at most its
//! limit, and reads the same head whole or in pieces of any size (the first byte picks it).
#![no_main]
use adapters_smoltcp::http_head::RequestHead;

type Head = RequestHead<512>;

fn read(
    data: &[u8],
    piece: usize,
) -> (
    usize,
    Option<Result<(), adapters_smoltcp::http_head::HeadError>>,
    Head,
) {
    let mut h = Head::new();
    let mut taken = 0;
    for chunk in data.chunks(piece) {
        let (n, done) = h.feed(chunk);
        assert!(n <= chunk.len());
        taken += n;
        if done.is_some() {
            return (taken, done, h);
        }
        assert_eq!(n, chunk.len(), "a reader that is not done takes everything");
    }
    (taken, None, h)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (n1, d1, h1) = read(rest, rest.len().max(1));
    let (n2, d2, h2) = read(rest, usize::from(first % 16) + 1);
    assert!(n1 <= 512, "took {n1} bytes past the limit");
    assert_eq!((n1, d1), (n2, d2));
    if d1 == Some(Ok(())) {
        assert_eq!(h1.method(), h2.method());
        assert_eq!(h1.path(), h2.path());
        assert_eq!(h1.content_length(), h2.content_length());
    }
});
