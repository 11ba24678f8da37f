//! JSON as Python writes it. Python's `json` module (so xarray, zarr-python
//! 2 and 3, numcodecs) writes the bare literals `NaN`, `Infinity` and
//! `-Infinity` for non-finite floats; strict JSON has no such values, and
//! serde_json's `Value` cannot hold them. Every document is therefore read
//! with [`parse`], which accepts those three literals outside strings and
//! keeps each as a marker string (a U+FDD0 noncharacter followed by the
//! literal); [`special_float`] tells a marker's value, and [`to_text`] /
//! [`to_pretty`] write markers back as the bare literals, so a document
//! rewritten by libzarr keeps them as Python wrote them.

use serde_json::Value;

/// The prefix of a marker string: a Unicode noncharacter, never meant for
/// interchange, so no real attribute text starts with it.
const MARK: char = '\u{FDD0}';

const LITERALS: [(&str, f64); 3] = [
    ("-Infinity", f64::NEG_INFINITY),
    ("Infinity", f64::INFINITY),
    ("NaN", f64::NAN),
];

/// The float a marker string stands for (NaN, +Inf, -Inf), None for any
/// other value.
pub fn special_float(v: &Value) -> Option<f64> {
    let s = v.as_str()?.strip_prefix(MARK)?;
    LITERALS.iter().find(|(lit, _)| *lit == s).map(|&(_, x)| x)
}

/// The marker value for a non-finite float (None for a finite one).
pub fn special_value(x: f64) -> Option<Value> {
    let lit = if x.is_nan() {
        "NaN"
    } else if x == f64::INFINITY {
        "Infinity"
    } else if x == f64::NEG_INFINITY {
        "-Infinity"
    } else {
        return None;
    };
    Some(Value::String(format!("{MARK}{lit}")))
}

/// Parse JSON text, accepting bare `NaN`, `Infinity` and `-Infinity` as
/// Python writes them. Strict JSON is parsed as is; only text that fails
/// is rewritten (literals outside strings become marker strings) and parsed
/// again, so the error of text that is bad for another reason is the
/// original one.
pub fn parse(text: &[u8]) -> serde_json::Result<Value> {
    match serde_json::from_slice(text) {
        Ok(v) => Ok(v),
        Err(e) => match mark_literals(text) {
            Some(fixed) => serde_json::from_slice(&fixed).map_err(|_| e),
            None => Err(e),
        },
    }
}

/// The text with each bare literal outside strings replaced by its marker
/// string, or None when there is none.
fn mark_literals(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() + 16);
    let (mut i, mut in_string, mut changed) = (0, false, false);
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < text.len() {
        let b = text[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' if i + 1 < text.len() => {
                    out.push(text[i + 1]);
                    i += 1;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
            continue;
        }
        let prev_ok = i == 0 || !ident(text[i - 1]);
        let hit = LITERALS
            .iter()
            .map(|(lit, _)| lit.as_bytes())
            .find(|lit| prev_ok && text[i..].starts_with(lit) && text.get(i + lit.len()).is_none_or(|&n| !ident(n)));
        match hit {
            Some(lit) => {
                out.push(b'"');
                out.extend_from_slice(MARK.encode_utf8(&mut [0; 4]).as_bytes());
                out.extend_from_slice(lit);
                out.push(b'"');
                i += lit.len();
                changed = true;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

/// Marker strings (quoted, as serde_json writes them: it never escapes
/// U+FDD0) back to bare literals.
fn unmark(text: String) -> String {
    if !text.contains(MARK) {
        return text;
    }
    let mut t = text;
    for (lit, _) in LITERALS {
        t = t.replace(&format!("\"{MARK}{lit}\""), lit);
    }
    t
}

/// Compact JSON text; non-finite floats as bare literals (as Python writes them).
pub fn to_text(v: &Value) -> String {
    unmark(v.to_string())
}

/// Pretty JSON text (2-space indent, trailing newline) as bytes, for documents.
pub fn to_pretty(v: &Value) -> Vec<u8> {
    let s = serde_json::to_string_pretty(v).expect("JSON values serialize");
    let mut b = unmark(s).into_bytes();
    b.push(b'\n');
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_literals_read_and_write_back() {
        let text = br#"{"a": NaN, "b": [1.5, Infinity, -Infinity], "s": "NaN Infinity", "e": "x\"NaN"}"#;
        let v = parse(text).unwrap();
        assert!(special_float(&v["a"]).unwrap().is_nan());
        assert_eq!(special_float(&v["b"][1]), Some(f64::INFINITY));
        assert_eq!(special_float(&v["b"][2]), Some(f64::NEG_INFINITY));
        assert_eq!(v["s"], "NaN Infinity");
        assert_eq!(v["e"], "x\"NaN");
        assert_eq!(special_float(&v["s"]), None);
        assert_eq!(
            to_text(&v),
            r#"{"a":NaN,"b":[1.5,Infinity,-Infinity],"s":"NaN Infinity","e":"x\"NaN"}"#
        );
        assert_eq!(parse(to_text(&v).as_bytes()).unwrap(), v);
    }

    #[test]
    fn other_bad_text_keeps_its_error() {
        assert!(parse(b"{\"a\": NaNa}").is_err());
        assert!(parse(b"{\"a\": nan}").is_err());
        assert!(parse(b"{not json").is_err());
        assert!(parse(b"{\"a\": xNaN}").is_err());
        assert_eq!(parse(b"[1, 2]").unwrap(), serde_json::json!([1, 2]));
    }
}
