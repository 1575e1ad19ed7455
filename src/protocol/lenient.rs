//! Lenient fields: the server (and the guide's examples) write numbers as strings now and then,
//! and optional fields may come as `null` or in an odd shape. A field that does not fit becomes
//! its fallback (`None`, an empty list, 0, false, "") instead of failing the whole message.
//!
//! One wrapper does it: a field of type [`Lenient<T>`] reads any JSON value and keeps what fits
//! `T` (see [`Loose`]). An absent field takes the fallback through `#[serde(default)]` on the
//! field (on the field rather than the struct: serde then makes no whole default struct to take
//! the missing fields from, which is measurably less wasm).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::fmt;
use std::ops::Deref;

/// A field that never fails to decode: a value that does not fit `T` becomes `T::default()`.
/// Reads as `T` (`Deref`, `.0`), compares with a `T`, serializes as `T`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Lenient<T>(pub T);

impl<'de, T: Loose + Default> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Lenient::from_value)
    }
}

impl<T: Loose + Default> Lenient<T> {
    /// What fits `T`, else `T::default()`. Apart from `deserialize`, which is compiled once per
    /// `T` and deserializer, so that it stays small.
    fn from_value(v: Value) -> Self {
        Lenient(T::loose(v).unwrap_or_default())
    }
}

impl<T> Deref for Lenient<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(t: T) -> Self {
        Lenient(t)
    }
}

impl From<&str> for Lenient<String> {
    fn from(s: &str) -> Self {
        Lenient(s.to_string())
    }
}

impl<T: PartialEq> PartialEq<T> for Lenient<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

impl PartialEq<&str> for Lenient<String> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<T: fmt::Debug> fmt::Debug for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a JSON value may be read as. The default reads it with serde (nested structs and
/// string enums); scalars are looser (see each impl).
pub trait Loose: DeserializeOwned {
    /// The value as `Self`, or `None` when it does not fit.
    fn loose(v: Value) -> Option<Self> {
        serde_json::from_value(v).ok()
    }
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
        Lenient::deserialize(d).map(|Lenient(t)| t)
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
        Lenient::deserialize(d).map(|Lenient(t)| t)
    }
}

/// A number from a JSON number or a numeric string ("30", " 2.5 ").
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
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
