//! The visitor's files: what may be sent (the deployment's limit and the types the widget
//! offers), checked before an upload (pure, no DOM).
//!
//! No list of the types Enhanced Chat accepts is published (the notes' UNCONFIRMED): the widget
//! offers images, PDF and plain text, and a server's 415 says what it refuses after all.

use serde_json::Value;

/// The limit when the deployment names none: what community clients use.
pub const DEFAULT_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// The file picker's `accept`: the types the widget offers.
pub const ACCEPT: &str =
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv";

/// Why a file is not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than the limit (or empty).
    TooLarge,
    /// A type the widget does not offer.
    Type,
}

/// A file may go when it is within `max_bytes` and of a type the widget offers.
pub fn check(mime: &str, size: u64, max_bytes: u64) -> Result<(), Refusal> {
    let mime = mime.trim().to_ascii_lowercase();
    if mime.is_empty() || !ACCEPT.split(',').any(|t| t == mime) {
        return Err(Refusal::Type);
    }
    if size == 0 || size > max_bytes {
        return Err(Refusal::TooLarge);
    }
    Ok(())
}

/// `maxFileSize` of the deployment's `attachments`: its unit is not documented (UNCONFIRMED).
/// A number up to 1,024 is read as megabytes, a larger one as bytes; none (or nonsense) is the
/// default.
pub fn max_bytes(v: Value) -> u64 {
    // A numeric string as a whole number (no float parser in the wasm for this).
    let n = v.as_f64().or_else(|| {
        v.as_str()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(|n| n as f64)
    });
    match n {
        Some(n) if n > 0.0 && n <= 1024.0 => (n * 1024.0 * 1024.0) as u64,
        Some(n) if n > 1024.0 => n as u64,
        _ => DEFAULT_MAX_BYTES,
    }
}
