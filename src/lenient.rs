//! Lenient reading: the server (and the guide's examples) write numbers as strings now and then,
//! and optional fields may come as `null` or in an odd shape. A field that does not fit becomes
//! its fallback (`None`, an empty list, 0, false, "") instead of failing the whole message.
//!
//! Answers are parsed once into a [`serde_json::Value`] and read by hand through [`Fields`]; each
//! read keeps what fits its type (see [`Loose`]). No derived `Deserialize` per wire type: each one
//! would cost its own serde code in the wasm. Both APIs' wire types read through here
//! ([`crate::live_agent::wire`], [`crate::miaw::wire`]); an answer that cannot be read at all is a
//! [`ProtocolError`].

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// What a JSON value may be read as, loosely (see each impl).
pub trait Loose: Sized {
    /// The value as `Self`, or `None` when it does not fit.
    fn loose(v: Value) -> Option<Self>;
}

/// A number from a JSON number or a numeric string ("30", " 2.5 "); not NaN or infinite.
impl Loose for f64 {
    fn loose(v: Value) -> Option<f64> {
        number(&v)
    }
}

/// An integer from a JSON number or a numeric string; a fractional value is truncated.
impl Loose for i64 {
    fn loose(v: Value) -> Option<i64> {
        integer(&v)
    }
}

/// A non-negative integer that fits in u32.
impl Loose for u32 {
    fn loose(v: Value) -> Option<u32> {
        integer(&v).and_then(|i| u32::try_from(i).ok())
    }
}

/// A boolean or "true"/"false" (any case).
impl Loose for bool {
    fn loose(v: Value) -> Option<bool> {
        boolean(&v)
    }
}

/// A string; numbers and booleans are written out.
impl Loose for String {
    fn loose(v: Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Always fits: `Some` when the value fits `T`, else `None`.
impl<T: Loose> Loose for Option<T> {
    fn loose(v: Value) -> Option<Option<T>> {
        Some(T::loose(v))
    }
}

/// Always fits: a list keeps the elements that fit `T`; a lone value that fits (a string for a
/// list of strings) is a list of one; anything else is empty.
impl<T: Loose> Loose for Vec<T> {
    fn loose(v: Value) -> Option<Vec<T>> {
        Some(match v {
            Value::Array(items) => items.into_iter().filter_map(T::loose).collect(),
            v @ Value::String(_) => T::loose(v).into_iter().collect(),
            _ => Vec::new(),
        })
    }
}

/// A boolean that is `true` unless the value is `false` (or "false"): absent, null or anything
/// else is `true`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TrueUnlessFalse(pub bool);

impl Default for TrueUnlessFalse {
    fn default() -> Self {
        TrueUnlessFalse(true)
    }
}

impl Loose for TrueUnlessFalse {
    fn loose(v: Value) -> Option<Self> {
        boolean(&v).map(TrueUnlessFalse)
    }
}

impl<'de> Deserialize<'de> for TrueUnlessFalse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| TrueUnlessFalse::loose(v).unwrap_or_default())
    }
}

/// Any JSON as text: a string as it is, null (or absent) as "", other JSON written out compactly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct JsonText(pub String);

impl Loose for JsonText {
    fn loose(v: Value) -> Option<Self> {
        Some(JsonText(match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }))
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| JsonText::loose(v).unwrap_or_default())
    }
}

/// A JSON object's fields, read by hand (no derived `Deserialize`: each derived type costs its own
/// serde code in the wasm). Every read but [`Fields::text`] is lenient: an absent field or one that
/// does not fit is the fallback (`""`, 0, false, `None`, empty), never an error.
pub(crate) struct Fields<'a>(pub(crate) &'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The fields of `v`, when it is an object.
    pub(crate) fn of(v: &'a Value) -> Option<Fields<'a>> {
        match v {
            Value::Object(map) => Some(Fields(map)),
            _ => None,
        }
    }

    /// The field's value (null when absent).
    pub(crate) fn get(&self, key: &str) -> Value {
        self.0.get(key).cloned().unwrap_or_default()
    }

    /// What fits `T` ([`Loose`]), else `T::default()`.
    pub(crate) fn loose<T: Loose + Default>(&self, key: &str) -> T {
        T::loose(self.get(key)).unwrap_or_default()
    }

    /// What fits `T` ([`Loose`]), else `None`.
    pub(crate) fn opt<T: Loose>(&self, key: &str) -> Option<T> {
        T::loose(self.get(key))
    }

    /// A required string field: only a JSON string fits.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// The field's fields, when it is an object.
    pub(crate) fn object(&self, key: &str) -> Option<Fields<'a>> {
        self.0.get(key).and_then(Fields::of)
    }

    /// The field's elements that are objects and that `read` accepts (a field that is not a
    /// list has none).
    pub(crate) fn list<T>(&self, key: &str, read: fn(Fields) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        if let Some(Value::Array(items)) = self.0.get(key) {
            for item in items {
                if let Some(t) = Fields::of(item).and_then(read) {
                    out.push(t);
                }
            }
        }
        out
    }
}

/// A number from a JSON number or a numeric string ("30", " 2.5 "), the string read as a JSON
/// number (serde_json's parser: Rust's own `f64` parser would be another 10 KB of wasm).
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match serde_json::from_str::<Value>(s.trim()) {
            Ok(Value::Number(n)) => n.as_f64(),
            _ => None,
        },
        _ => None,
    }
    .filter(|x| x.is_finite())
}

/// An integer from a JSON number or a numeric string; a fractional value is truncated.
pub(crate) fn integer(v: &Value) -> Option<i64> {
    if let Value::Number(n) = v {
        if let Some(i) = n.as_i64() {
            return Some(i);
        }
    }
    if let Value::String(s) = v {
        if let Ok(i) = s.trim().parse::<i64>() {
            return Some(i);
        }
    }
    let x = number(v)?;
    (x >= i64::MIN as f64 && x <= i64::MAX as f64).then_some(x.trunc() as i64)
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Why a server answer could not be decoded at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The body is not valid JSON (the parser's message is kept).
    InvalidJson(String),
    /// The body is JSON but not an object where the protocol requires one.
    NotAnObject,
    /// The body is a JSON object but does not have the shape of the expected type.
    UnexpectedShape {
        /// The type that was expected, e.g. "SessionId".
        expected: &'static str,
        /// serde's description of the mismatch.
        detail: String,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::InvalidJson(detail) => {
                write!(f, "the server's answer is not valid JSON: {detail}")
            }
            ProtocolError::NotAnObject => {
                write!(f, "the server's answer is JSON but not an object")
            }
            ProtocolError::UnexpectedShape { expected, detail } => {
                write!(
                    f,
                    "the server's answer is not a valid {expected} body: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for ProtocolError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_numbers_and_numeric_strings() {
        assert_eq!(number(&json!(1.5)), Some(1.5));
        assert_eq!(number(&json!(" -1 ")), Some(-1.0));
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!("inf")), None);
        assert_eq!(number(&json!("2.5e1")), Some(25.0));
        assert_eq!(number(&json!("\"3\"")), None);
        assert_eq!(number(&json!("3 4")), None);
        assert_eq!(number(&json!(true)), None);
        assert_eq!(number(&Value::Null), None);
    }

    #[test]
    fn integers_truncate_and_keep_full_precision() {
        assert_eq!(integer(&json!(1376596367548_i64)), Some(1376596367548));
        assert_eq!(integer(&json!("9007199254740993")), Some(9007199254740993));
        assert_eq!(integer(&json!(2.9)), Some(2));
        assert_eq!(integer(&json!("-4")), Some(-4));
        assert_eq!(integer(&json!(1e300)), None);
        assert_eq!(integer(&json!([1])), None);
    }

    #[test]
    fn booleans_accept_their_string_forms() {
        assert_eq!(boolean(&json!("TRUE")), Some(true));
        assert_eq!(boolean(&json!("false")), Some(false));
        assert_eq!(boolean(&json!(1)), None);
    }
}
