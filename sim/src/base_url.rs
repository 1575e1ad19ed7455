//! The simulator's base URL as a client reached it, for the absolute URLs it hands out (the
//! files of rich messages and uploads): `http://{Host}`, or what a proxy in front says with
//! `X-Forwarded-Proto` and `X-Forwarded-Host`.

use axum::http::{header, HeaderMap};

fn first_value<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `scheme://host[:port]` without a trailing slash.
pub fn base_url(h: &HeaderMap) -> String {
    let scheme = match first_value(h, "x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let valid = |host: &&str| {
        host.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
    };
    let host = first_value(h, "x-forwarded-host")
        .filter(valid)
        .or_else(|| first_value(h, header::HOST.as_str()).filter(valid))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_forwarded_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(base_url(&h), "http://localhost");
        h.insert(header::HOST, "127.0.0.1:8470".parse().unwrap());
        assert_eq!(base_url(&h), "http://127.0.0.1:8470");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert(
            "x-forwarded-host",
            "chat.example.com, inner".parse().unwrap(),
        );
        assert_eq!(base_url(&h), "https://chat.example.com");
        h.insert("x-forwarded-host", "evil.com/path".parse().unwrap());
        assert_eq!(base_url(&h), "https://127.0.0.1:8470");
    }
}
