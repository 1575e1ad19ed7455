//! Random identifiers (session IDs, keys, affinity tokens) without an RNG dependency.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A random 64-bit number (SipHash with a random key over a counter and the clock).
pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.finish()
}

/// A version-4 style UUID string.
pub fn uuid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0x0fff) as u16,
        ((b >> 48) as u16 & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// An 8-hex-digit affinity token like `73061fa0`.
pub fn affinity_token() -> String {
    format!("{:08x}", random_u64() as u32)
}

/// A session key shaped like the real ones: `uuid!millis!base64-signature=`.
pub fn session_key(id: &str) -> String {
    // URL-safe, so the key can go in the path of `DELETE System/SessionId/{key}` unencoded.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut sig = String::with_capacity(28);
    while sig.len() < 27 {
        let mut r = random_u64();
        for _ in 0..10 {
            if sig.len() == 27 {
                break;
            }
            sig.push(ALPHABET[(r & 63) as usize] as char);
            r >>= 6;
        }
    }
    sig.push('=');
    format!("{id}!{}!{sig}", now_ms())
}

/// A Salesforce-looking 15-character ID with the given 3-character prefix.
pub fn sf_id(prefix: &str, seed: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(seed.as_bytes());
    let n = h.finish();
    format!("{prefix}{:012X}", n & 0xffff_ffff_ffff)
}
