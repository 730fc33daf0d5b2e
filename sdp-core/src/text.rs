//! Small text helpers for the grammar: tokens and strictly decimal numbers.

use core::str::FromStr;

/// A non-empty run of characters without whitespace.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && !s.contains(|c: char| c.is_whitespace())
}

/// The first whitespace-separated token and the rest (leading whitespace removed).
pub(crate) fn split_token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
    let (token, rest) = s.split_at(end);
    if token.is_empty() || token.contains(char::is_whitespace) {
        return None;
    }
    Some((
        token,
        rest.trim_start_matches(|c: char| c.is_ascii_whitespace()),
    ))
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
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let (token, rest) = split_token(self.rest)?;
        self.rest = rest;
        Some(token)
    }
}
