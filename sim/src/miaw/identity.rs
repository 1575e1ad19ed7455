//! Identity tokens as a site's own server signs them for User Verification, with the **test-only**
//! key of `sim/testdata/uv-test-key.pem` (compiled in): `POST /_sim/identity-token` stands in
//! for that server in the demo and the tests. A real site signs on its own backend with a key
//! that never leaves it; the org holds the public half (the `Chasitor_Verified` deployment: the
//! JWK of `sim/testdata/uv-test-key.jwk.json`).

use crate::config::JwkAlg;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

/// The test private key (PKCS#8 PEM). Test-only: it is public in this repository.
pub const TEST_KEY_PEM: &str = include_str!("../../testdata/uv-test-key.pem");
/// The `kid` of the test key's JWK.
pub const TEST_KID: &str = "chasitor-test-1";

/// What an identity token says: `sub`, `iss`, `exp` = now + `expires_in_seconds` (negative or
/// zero: expired already), and the header's `kid` and `alg`.
pub struct IdentityClaims {
    pub sub: String,
    pub iss: String,
    pub expires_in_seconds: f64,
    pub kid: String,
    pub alg: JwkAlg,
}

/// The token (`iat` = `now_secs`), signed with the test key; `Err` only if the key could not be
/// used.
pub fn sign(c: &IdentityClaims, now_secs: u64) -> Result<String, String> {
    let alg = match c.alg {
        JwkAlg::RS256 => Algorithm::RS256,
        JwkAlg::RS512 => Algorithm::RS512,
    };
    let mut header = Header::new(alg);
    header.kid = Some(c.kid.clone());
    let exp = (now_secs as f64 + c.expires_in_seconds).floor().max(0.0) as u64;
    let claims = json!({"sub": c.sub, "iss": c.iss, "iat": now_secs, "exp": exp});
    let key = EncodingKey::from_rsa_pem(TEST_KEY_PEM.as_bytes()).map_err(|e| e.to_string())?;
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())
}
