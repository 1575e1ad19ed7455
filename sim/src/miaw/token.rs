//! Access tokens shaped like the real ones: a JWT (`base64url(header).base64url(claims).signature`)
//! whose `exp` claim is the real expiry. The signature is a keyed hash (SipHash with a per-process
//! random key, 256 bits), not HS256: nobody but the simulator checks it, and the simulator looks
//! tokens up in its table anyway.

use serde_json::{json, Value};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Base64url, padded or not, to bytes; `None` for any other character or a bad length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut n) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    // 2 or 3 characters for the last 1 or 2 bytes; a single one carries no byte.
    (n < 6).then_some(out)
}

/// Signs JWT-looking tokens.
pub struct Signer {
    key: RandomState,
}

impl Signer {
    pub fn new() -> Signer {
        Signer {
            key: RandomState::new(),
        }
    }

    fn signature(&self, signing_input: &str) -> String {
        let mut sig = Vec::with_capacity(32);
        for round in 0u8..4 {
            let mut h = self.key.build_hasher();
            h.write_u8(round);
            h.write(signing_input.as_bytes());
            sig.extend_from_slice(&h.finish().to_be_bytes());
        }
        base64url(&sig)
    }

    /// A token with these claims (`exp` and `iat` in seconds are part of `claims`).
    pub fn issue(&self, claims: &Value) -> String {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": "chasitor-sim"});
        let input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        let sig = self.signature(&input);
        format!("{input}.{sig}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64url(plain.as_bytes()), encoded);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        for (plain, encoded) in cases {
            assert_eq!(base64url_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64url_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64url_decode("Zm9v!"), None);
        assert_eq!(base64url_decode("Zm9vY"), None);
    }

    #[test]
    fn tokens_have_three_parts_and_differ_by_claims() {
        let s = Signer::new();
        let a = s.issue(&json!({"sub": "a", "exp": 1}));
        let b = s.issue(&json!({"sub": "b", "exp": 1}));
        assert_eq!(a.split('.').count(), 3);
        assert_ne!(a, b);
        assert_eq!(a, s.issue(&json!({"sub": "a", "exp": 1})));
    }
}
