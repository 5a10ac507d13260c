//! Where in JSON text a parse error happened, as a JSON pointer.
//!
//! The dossier is parsed with plain `serde_json` (one deserializer of the model, shared by
//! every caller: the wasm package carries it once). When parsing fails, serde_json says at
//! which line and column it stopped; this module walks the text up to that point with a small
//! non-recursive scanner and names the value it stopped in. (The usual way, wrapping every
//! deserializer to track the path, instantiates the whole model's deserializer a second time:
//! ~200 KB of the .wasm.)
//!
//! Where serde_json stops, by kind of error:
//! - a scalar of the wrong type or value (`"three"` for a count, a bad date): just after it;
//! - an object or array of the wrong type: at its opening bracket (not consumed);
//! - a missing field, or an object/array given for a struct of the wrong length: just after
//!   the closing bracket of the object that lacks it;
//! - an unknown enum value: after the string, and after any whitespace and closing bracket
//!   that follow it (serde_json positions enum errors late), so those use the last string
//!   value seen ([`Location::last_string`]);
//! - syntax errors and end of input: at (or one past) the offending byte.

use super::structural::push_segment;

/// What the scanner found at the error position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// The pointer of the value the parser stopped in (or of the object whose closing
    /// bracket it stopped at).
    pub path: String,
    /// The pointer of the last string value completed before the error position.
    pub last_string: Option<String>,
}

/// The byte offset of serde_json's 1-based line and 0-based byte column (`None` when the
/// error has no position).
pub(crate) fn offset_of(json: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    if line > 1 {
        let mut seen = 1;
        for (i, b) in json.bytes().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    Some(start.saturating_add(column).min(json.len()))
}

#[derive(Debug)]
enum Frame {
    /// An object: the member key being read, whether its value is being read (from the colon
    /// on), and whether that value is done (only `,` or `}` may follow).
    Object {
        key: Option<String>,
        in_value: bool,
        done: bool,
    },
    /// An array: the element index, whether that element is being read (from its first byte
    /// on), and whether an element is awaited (after `[` or `,`).
    Array {
        index: usize,
        in_value: bool,
        awaiting: bool,
    },
}

fn pointer(frames: &[Frame]) -> String {
    let mut path = String::new();
    for frame in frames {
        match frame {
            Frame::Object {
                key: Some(key),
                in_value: true,
                ..
            } => push_segment(&mut path, key),
            Frame::Array {
                index,
                in_value: true,
                ..
            } => push_segment(&mut path, &index.to_string()),
            _ => {}
        }
    }
    path
}

/// The pointer of the container on top of the stack itself (not of the member inside it).
fn container_pointer(frames: &[Frame]) -> String {
    pointer(frames.split_last().map_or(frames, |(_, rest)| rest))
}

fn value_done(frames: &mut [Frame]) {
    match frames.last_mut() {
        Some(Frame::Object { in_value, done, .. }) => {
            *in_value = false;
            *done = true;
        }
        Some(Frame::Array {
            in_value, awaiting, ..
        }) => {
            *in_value = false;
            *awaiting = false;
        }
        None => {}
    }
}

/// The end (one past the closing quote) of the string at `start`; `None` when the text ends
/// inside it.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Whether a literal cut by the end of the text is whole (`true`, `12`) rather than cut
/// short (`tru`, `1.`, `-`).
fn whole_literal(token: &[u8]) -> bool {
    matches!(token, b"true" | b"false" | b"null")
        || (token.last().is_some_and(u8::is_ascii_digit)
            && token
                .iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')))
}

/// Walks `json` up to byte `offset` and names the value there. `eof`: the parser ran out of
/// text, so the place is after everything whole (a value cut short is the place).
pub(crate) fn locate(json: &str, offset: usize, eof: bool) -> Location {
    let bytes = json.as_bytes();
    let offset = if eof { usize::MAX } else { offset };
    let mut frames: Vec<Frame> = Vec::new();
    let mut last_string = None;
    let mut i = 0;
    let location = |path: String, last_string: Option<String>| Location { path, last_string };
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if i >= bytes.len() {
            return location(pointer(&frames), last_string);
        }
        let b = bytes[i];
        // Where a value is awaited (after a member's colon, after `[` or `,` in an array),
        // whatever comes is that value: a parser stopping there, even at a delimiter or a
        // bracket of the wrong kind, is inside it. (`]` closes an empty array, or is a
        // trailing comma: an error of the array.)
        let delimiter = matches!(b, b'}' | b']' | b',' | b':');
        let awaited = match frames.last_mut() {
            Some(Frame::Object { in_value, .. }) => *in_value,
            Some(Frame::Array {
                in_value, awaiting, ..
            }) if *awaiting && b != b']' => {
                *in_value = true;
                true
            }
            _ => false,
        };
        if awaited && delimiter && offset <= i + 1 {
            return location(pointer(&frames), last_string);
        }
        // A byte the grammar does not allow here (a key without its colon, two values without
        // a comma, text after the whole document): the parser stops at it, in the container.
        let misplaced = match frames.last() {
            Some(Frame::Object { done: true, .. }) => !matches!(b, b',' | b'}'),
            Some(Frame::Object {
                key: Some(_),
                in_value: false,
                ..
            }) => b != b':',
            Some(Frame::Object { key: None, .. }) => !matches!(b, b'"' | b'}'),
            Some(Frame::Array {
                awaiting: false, ..
            }) => !matches!(b, b',' | b']'),
            _ => false,
        };
        if misplaced && offset <= i + 1 {
            return location(container_pointer(&frames), last_string);
        }
        if matches!(b, b'}' | b']') && offset <= i + 1 {
            // The parser stopped at (or just after) the end of the container.
            return location(container_pointer(&frames), last_string);
        }
        // Just after an opening bracket (a peeked error: a list where an enum value should
        // be): the value the bracket opens. Unless a bracket follows at once: then the parser
        // stopped at that one (a container of the wrong type, not consumed), inside this one.
        let at_bracket = matches!(b, b'{' | b'[')
            && offset <= i + 1
            && !matches!(bytes.get(i + 1), Some(b'{' | b'['));
        if i >= offset || at_bracket {
            return location(pointer(&frames), last_string);
        }
        match b {
            b'{' => {
                frames.push(Frame::Object {
                    key: None,
                    in_value: false,
                    done: false,
                });
                i += 1;
            }
            b'[' => {
                frames.push(Frame::Array {
                    index: 0,
                    in_value: false,
                    awaiting: true,
                });
                i += 1;
            }
            b'}' | b']' => {
                frames.pop();
                value_done(&mut frames);
                i += 1;
            }
            b':' => {
                // A member's value starts after its colon (a key alone is not a place yet).
                if let Some(Frame::Object {
                    key: Some(_),
                    in_value,
                    ..
                }) = frames.last_mut()
                {
                    *in_value = true;
                }
                i += 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Object {
                        key,
                        in_value,
                        done,
                    }) => {
                        *key = None;
                        *in_value = false;
                        *done = false;
                    }
                    Some(Frame::Array {
                        index,
                        in_value,
                        awaiting,
                    }) => {
                        *index += 1;
                        *in_value = false;
                        *awaiting = true;
                    }
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let is_key = matches!(frames.last(), Some(Frame::Object { key: None, .. }));
                let end = string_end(bytes, i).unwrap_or(usize::MAX);
                // The text is valid UTF-8 and both ends are ASCII quotes. A bad escape or a
                // control character fails the parser inside the string, wherever it stops.
                let raw = json.get(i..end).unwrap_or("\"\"");
                let decoded = if raw.bytes().any(|b| b == b'\\' || b < 0x20) {
                    serde_json::from_str::<String>(raw).ok()
                } else {
                    Some(raw[1..raw.len() - 1].to_owned())
                };
                if end >= offset || decoded.is_none() {
                    if is_key {
                        return location(container_pointer(&frames), last_string);
                    }
                    let path = pointer(&frames);
                    return location(path.clone(), Some(path));
                }
                if is_key {
                    let key = decoded.unwrap_or_default();
                    if let Some(Frame::Object { key: k, .. }) = frames.last_mut() {
                        *k = Some(key);
                    }
                } else {
                    last_string = Some(pointer(&frames));
                    value_done(&mut frames);
                }
                i = end;
            }
            _ => {
                // A number runs over its characters; serde_json reads `true`, `false`, `null`
                // letter by letter, whatever the letters are (`f{lse` fails at the `{`); any
                // other byte is not a value, and the parser stops right after it.
                let end = match b {
                    b'-' | b'0'..=b'9' => {
                        let mut end = i + 1;
                        while end < bytes.len()
                            && matches!(bytes[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                        {
                            end += 1;
                        }
                        end
                    }
                    b't' | b'n' => (i + 4).min(bytes.len()),
                    b'f' => (i + 5).min(bytes.len()),
                    _ => i + 1,
                };
                // A literal cut short (`19.`, `tru`) fails at the byte after it, or at the end.
                let cut_short = !whole_literal(&bytes[i..end]);
                if end >= offset || (cut_short && (end == bytes.len() || offset <= end + 1)) {
                    return location(pointer(&frames), last_string);
                }
                value_done(&mut frames);
                i = end;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(json: &str, offset: usize) -> String {
        locate(json, offset, false).path
    }

    #[test]
    fn names_scalars_containers_and_closing_brackets() {
        let j = r#"{"a": {"b": [1, "x", {"c": true}]}, "d~/": null}"#;
        assert_eq!(at(j, j.find("1,").unwrap() + 1), "/a/b/0");
        assert_eq!(at(j, j.find("\"x\"").unwrap() + 3), "/a/b/1");
        assert_eq!(at(j, j.find("true").unwrap() + 4), "/a/b/2/c");
        // Just past the closing bracket of {"c": true} (a missing field): that object.
        let close = j.find("}]").unwrap();
        assert_eq!(at(j, close + 1), "/a/b/2");
        assert_eq!(at("{\"c\": 1 }", 9), "");
        // At an opening bracket (not consumed): the member it is the value of.
        assert_eq!(at(j, j.find('[').unwrap()), "/a/b");
        assert_eq!(at(j, j.find("null").unwrap() + 4), "/d~0~1");
        assert_eq!(at(j, j.len()), "");
        assert_eq!(at("[]", 1), "");
        assert_eq!(at("[]", 2), "");
    }

    #[test]
    fn end_of_input_and_garbage() {
        let eof = |json: &str| locate(json, json.len(), true).path;
        assert_eq!(eof("{\"id\": "), "/id");
        assert_eq!(eof("{\"a\": \"x\""), "");
        assert_eq!(eof("{\"a\": \"x"), "/a");
        assert_eq!(eof("{\"a\": [12"), "/a");
        assert_eq!(eof("{\"a\": [1."), "/a/0");
        assert_eq!(eof("{\"a\": tru"), "/a");
        assert_eq!(eof("{\"a\": true"), "");
        assert_eq!(at("{\"a\": f{lse}", 9), "/a");
        assert_eq!(at("{\"a\": [ }", 9), "/a/0");
        assert_eq!(at("{\"a\": [1 }", 10), "/a");
        assert_eq!(at("{\"a\": [1,]", 10), "/a");
        assert_eq!(at("{\"a\":,", 6), "/a");
        assert_eq!(at("\u{0}\u{1}garbage", 1), "");
        assert_eq!(at("{\"a\": [", 7), "/a");
        assert_eq!(at("{\"a\": [1,", 10), "/a");
        assert_eq!(at("{\"a\": [1, x", 11), "/a/1");
        assert_eq!(at("{\"a\"", 4), "");
        assert_eq!(at("{\"a\":", 5), "/a");
        assert_eq!(at("{\"a", 3), "");
        assert_eq!(at("", 0), "");
    }

    #[test]
    fn last_string_survives_a_late_position() {
        let j = r#"{"p": [{"side": "plaintiff"}], "q": 1}"#;
        let l = locate(j, j.find("],").unwrap(), false);
        assert_eq!(l.last_string.as_deref(), Some("/p/0/side"));
    }

    #[test]
    fn offsets_from_lines_and_columns() {
        assert_eq!(offset_of("ab\ncd\nef", 3, 1), Some(7));
        assert_eq!(offset_of("ab", 1, 9), Some(2));
        assert_eq!(offset_of("ab", 0, 0), None);
    }
}
