//! User Verification: the check of a site's identity token (the `customerIdentityToken` of
//! `POST …/authorization/authenticated/access-token`) against a deployment's issuer and keys,
//! after `../shared/spec/MIAW-RICH-NOTES.md` §3: RS256 or RS512, a header `kid` naming one of the
//! deployment's keys (whose `alg` it must match), a valid signature, `exp` in the future (no
//! leeway), `iss` the deployment's issuer, a non-empty `sub` and an `iat`.
//!
//! The signature is checked by `jsonwebtoken` (RustCrypto's RSA); the header and the claims are
//! read here so that each refusal has its own reason.

use super::token::base64url_decode;
use crate::config::{JwkAlg, UserVerification};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::fmt;

/// Why an identity token is refused: the API answers `401 Invalid identity token: <this>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not three base64url parts, or a header or claims that are not JSON objects.
    Malformed,
    /// An `alg` other than RS256 and RS512 (`none`, HS256, ES256, …).
    UnsupportedAlg(String),
    /// A `kid` that names none of the deployment's keys (empty: the header has none).
    UnknownKid(String),
    /// The token's `alg` is not its key's.
    AlgMismatch {
        alg: String,
        key_alg: String,
    },
    /// The deployment's key cannot be used (its `n` or `e` is not base64url).
    BadKey(String),
    BadSignature,
    Expired,
    WrongIssuer(String),
    MissingSub,
    /// `exp` or `iat` missing (or not a number).
    MissingClaim(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed => write!(f, "malformed token"),
            Refusal::UnsupportedAlg(alg) => {
                write!(f, "unsupported alg {alg:?} (RS256 or RS512 only)")
            }
            Refusal::UnknownKid(kid) if kid.is_empty() => write!(f, "unknown kid (none given)"),
            Refusal::UnknownKid(kid) => write!(f, "unknown kid {kid:?}"),
            Refusal::AlgMismatch { alg, key_alg } => {
                write!(f, "alg {alg} does not match the key's alg {key_alg}")
            }
            Refusal::BadKey(kid) => {
                write!(f, "the deployment's key {kid:?} is not a usable RSA key")
            }
            Refusal::BadSignature => write!(f, "bad signature"),
            Refusal::Expired => write!(f, "expired"),
            Refusal::WrongIssuer(iss) => write!(f, "wrong issuer {iss:?}"),
            Refusal::MissingSub => write!(f, "missing sub"),
            Refusal::MissingClaim(name) => write!(f, "missing {name}"),
        }
    }
}

fn json_part(part: &str) -> Result<serde_json::Map<String, Value>, Refusal> {
    let bytes = base64url_decode(part).ok_or(Refusal::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Refusal::Malformed),
    }
}

/// Checks `token` against the deployment's User Verification at Unix time `now_secs`; the
/// verified subject (`sub`).
pub fn verify(uv: &UserVerification, token: &str, now_secs: u64) -> Result<String, Refusal> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, claims, _signature] = parts[..] else {
        return Err(Refusal::Malformed);
    };
    let header = json_part(header)?;
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let (alg, jwk_alg) = match alg_name {
        "RS256" => (Algorithm::RS256, JwkAlg::RS256),
        "RS512" => (Algorithm::RS512, JwkAlg::RS512),
        other => return Err(Refusal::UnsupportedAlg(other.to_string())),
    };
    let kid = header.get("kid").and_then(Value::as_str).unwrap_or("");
    let key = uv
        .keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| Refusal::UnknownKid(kid.to_string()))?;
    if key.alg != jwk_alg {
        return Err(Refusal::AlgMismatch {
            alg: alg_name.to_string(),
            key_alg: format!("{:?}", key.alg),
        });
    }
    let claims = json_part(claims)?;
    let decoding = DecodingKey::from_rsa_components(&key.n, &key.e)
        .map_err(|_| Refusal::BadKey(kid.to_string()))?;
    // The library checks the signature only; the claims are checked below.
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    jsonwebtoken::decode::<Value>(token.trim(), &decoding, &validation).map_err(|e| {
        match e.kind() {
            ErrorKind::InvalidSignature => Refusal::BadSignature,
            ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
                Refusal::BadKey(kid.to_string())
            }
            _ => Refusal::Malformed,
        }
    })?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or(Refusal::MissingClaim("exp"))?;
    if exp <= now_secs as f64 {
        return Err(Refusal::Expired);
    }
    match claims.get("iss") {
        Some(Value::String(iss)) if *iss == uv.issuer => {}
        Some(Value::String(iss)) => return Err(Refusal::WrongIssuer(iss.clone())),
        other => {
            return Err(Refusal::WrongIssuer(
                other.map_or_else(String::new, Value::to_string),
            ))
        }
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::MissingSub)?;
    claims
        .get("iat")
        .and_then(Value::as_f64)
        .ok_or(Refusal::MissingClaim("iat"))?;
    Ok(sub.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::identity::{sign, IdentityClaims};
    use super::*;
    use crate::config::{Jwk, TEST_JWK, VERIFIED_ISSUER};

    fn uv() -> UserVerification {
        UserVerification {
            issuer: VERIFIED_ISSUER.to_string(),
            keys: vec![serde_json::from_str::<Jwk>(TEST_JWK).unwrap()],
        }
    }

    fn claims(sub: &str) -> IdentityClaims {
        IdentityClaims {
            sub: sub.to_string(),
            iss: VERIFIED_ISSUER.to_string(),
            expires_in_seconds: 60.0,
            kid: "chasitor-test-1".to_string(),
            alg: JwkAlg::RS256,
        }
    }

    const NOW: u64 = 2_000_000_000;

    fn check(c: &IdentityClaims) -> Result<String, Refusal> {
        verify(&uv(), &sign(c, NOW).unwrap(), NOW)
    }

    #[test]
    fn a_good_token_gives_its_subject() {
        assert_eq!(check(&claims("user-42")), Ok("user-42".to_string()));
    }

    #[test]
    fn each_failure_has_its_reason() {
        let mut c = claims("u");
        c.kid = "nope".into();
        assert_eq!(check(&c), Err(Refusal::UnknownKid("nope".into())));
        let mut c = claims("u");
        c.expires_in_seconds = 0.0;
        assert_eq!(check(&c), Err(Refusal::Expired));
        let mut c = claims("u");
        c.iss = "https://evil.example".into();
        assert!(matches!(check(&c), Err(Refusal::WrongIssuer(_))));
        assert_eq!(check(&claims("  ")), Err(Refusal::MissingSub));
        let mut c = claims("u");
        c.alg = JwkAlg::RS512;
        assert!(matches!(check(&c), Err(Refusal::AlgMismatch { .. })));
        assert_eq!(verify(&uv(), "a.b", NOW), Err(Refusal::Malformed));
        assert_eq!(verify(&uv(), "!!.e30.x", NOW), Err(Refusal::Malformed));
        // {"alg":"none"} . {} . (nothing)
        assert_eq!(
            verify(&uv(), "eyJhbGciOiJub25lIn0.e30.", NOW),
            Err(Refusal::UnsupportedAlg("none".into()))
        );
        // A good token whose signature is another token's.
        let a = sign(&claims("a"), NOW).unwrap();
        let b = sign(&claims("b"), NOW).unwrap();
        let forged = format!(
            "{}.{}",
            a.rsplit_once('.').unwrap().0,
            b.rsplit_once('.').unwrap().1
        );
        assert_eq!(verify(&uv(), &forged, NOW), Err(Refusal::BadSignature));
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(Refusal::BadSignature.to_string(), "bad signature");
        assert_eq!(
            Refusal::UnsupportedAlg("HS256".into()).to_string(),
            "unsupported alg \"HS256\" (RS256 or RS512 only)"
        );
        assert_eq!(Refusal::MissingClaim("iat").to_string(), "missing iat");
    }
}
