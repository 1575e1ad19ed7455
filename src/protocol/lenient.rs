//! Lenient field decoders: the server (and the guide's examples) write numbers as strings now and
//! then, and optional fields may come as `null` or in an odd shape. An optional field that does not
//! fit becomes `None` (or its default) instead of failing the whole message.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

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

pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(number(&Value::deserialize(d)?))
}

/// An integer, or 0.
pub(crate) fn int_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(integer(&Value::deserialize(d)?).unwrap_or(0))
}

/// A non-negative integer that fits in u32; anything else is `None`.
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(integer(&Value::deserialize(d)?).and_then(|i| u32::try_from(i).ok()))
}

/// `f64` or 0.0.
pub(crate) fn f64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(number(&Value::deserialize(d)?).unwrap_or(0.0))
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A boolean (or "true"/"false"); anything else, and absence, is `false`.
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(boolean(&Value::deserialize(d)?).unwrap_or(false))
}

/// A boolean (or "true"/"false"); anything else is `true` (used where the guide says "always true").
pub(crate) fn bool_or_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(boolean(&Value::deserialize(d)?).unwrap_or(true))
}

pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(boolean(&Value::deserialize(d)?))
}

fn string(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string (numbers and booleans are written out); anything else is `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string(Value::deserialize(d)?))
}

/// A string (numbers and booleans are written out); anything else is "".
pub(crate) fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(string(Value::deserialize(d)?).unwrap_or_default())
}

/// Any value as a string: strings as they are, other JSON written out compactly, null as "".
pub(crate) fn any_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// `Some(T)` if the value fits `T`, else `None`.
pub(crate) fn opt<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A list whose elements that do not fit `T` are dropped; a non-list is empty.
pub(crate) fn vec_skip_bad<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A list of strings; non-string elements are written out, a non-list is empty.
pub(crate) fn vec_string<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().filter_map(string).collect(),
        Value::String(s) => vec![s],
        _ => Vec::new(),
    })
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
