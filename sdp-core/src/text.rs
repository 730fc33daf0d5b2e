//! Small text helpers for the grammar: tokens and strictly decimal numbers.

use core::str::FromStr;

/// A non-empty run of characters without whitespace.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && !has_whitespace(s)
}

/// Whether `s` has any whitespace; the Unicode check runs only on non-ASCII text.
fn has_whitespace(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().any(u8::is_ascii_whitespace) || (!s.is_ascii() && s.contains(char::is_whitespace))
}

fn skip_ascii_whitespace(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_whitespace).count();
    // ASCII whitespace is one byte per character, so `n` is a character boundary.
    s.get(n..).unwrap_or("")
}

/// The first whitespace-separated token and the rest (leading whitespace removed).
pub(crate) fn split_token(s: &str) -> Option<(&str, &str)> {
    let s = skip_ascii_whitespace(s);
    let end = s
        .bytes()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let (token, rest) = (s.get(..end)?, s.get(end..)?);
    if token.is_empty() || (!token.is_ascii() && token.contains(char::is_whitespace)) {
        return None;
    }
    Some((token, skip_ascii_whitespace(rest)))
}

/// A decimal number made of ASCII digits only (no sign, no spaces), in range for `T`.
pub(crate) fn int<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whitespace-separated tokens that can also hand out the unread rest.
#[derive(Clone, Debug)]
pub(crate) struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Tokens { rest: s }
    }
    /// The unread text, leading whitespace removed.
    pub(crate) fn rest(&self) -> &'a str {
        self.rest
            .trim_start_matches(|c: char| c.is_ascii_whitespace())
    }
    /// Whether the text is used up: no token is left and no text that is not a token.
    ///
    /// The iterator also ends on text that is not a token (Unicode whitespace inside
    /// non-ASCII text); a grammar that wants every token must check this after its loop.
    pub(crate) fn finished(&mut self) -> bool {
        self.next().is_none() && self.rest().is_empty()
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let (token, rest) = split_token(self.rest)?;
        self.rest = rest;
        Some(token)
    }
}
