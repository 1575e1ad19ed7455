//! A `multipart/form-data` reader (RFC 7578) for the upload route: the parts of a whole body,
//! each with its name, file name, `Content-Type` and bytes (shared with the body, not copied).
//! What browsers' `FormData` and common HTTP clients send; no nested multiparts.

use axum::body::Bytes;

/// One part of the body.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn boundary(content_type: &str) -> Result<String, String> {
    let mut params = content_type.split(';');
    let mime = params.next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!(
            "The body must be multipart/form-data, not {content_type:?}"
        ));
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or_else(|| "The multipart Content-Type has no boundary".to_string())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => return None,
            Some(p) => i += p,
        }
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `name="x"; filename="y"` of a Content-Disposition (quoted values; `%22`, `%0D`, `%0A` as
/// browsers escape them; `filename*=UTF-8''…` percent-decoded).
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    // Skip the disposition type (`form-data`).
    match rest.find(';') {
        Some(i) => rest = &rest[i + 1..],
        None => return out,
    }
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = &rest[eq + 1..];
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => v.push(c),
                }
            }
            value = v
                .replace("%22", "\"")
                .replace("%0D", "\r")
                .replace("%0A", "\n");
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((key, value));
    }
    out
}

/// `UTF-8''%E2%82%AC.txt` → `€.txt`.
fn ext_value(v: &str) -> Option<String> {
    let (charset, rest) = v.split_once('\'')?;
    let (_, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn part(headers: &str, data: Bytes) -> Result<Part, String> {
    let (mut name, mut filename, mut filename_ext, mut content_type) = (None, None, None, None);
    for line in headers.split("\r\n").filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!(
                "A multipart header line is not `Name: value`: {line:?}"
            ));
        };
        let v = v.trim();
        if k.trim().eq_ignore_ascii_case("content-disposition") {
            for (key, value) in disposition_params(v) {
                match key.as_str() {
                    "name" => name = Some(value),
                    "filename" => filename = Some(value),
                    "filename*" => filename_ext = ext_value(&value),
                    _ => {}
                }
            }
        } else if k.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(v.to_string());
        }
    }
    let Some(name) = name else {
        return Err("A multipart part has no Content-Disposition name".to_string());
    };
    Ok(Part {
        name,
        filename: filename_ext.or(filename),
        content_type,
        data,
    })
}

/// The parts of a whole `multipart/form-data` body with this boundary.
pub fn parse(boundary: &str, body: &Bytes) -> Result<Vec<Part>, String> {
    let unreadable = |why: &str| Err(format!("The multipart body is unreadable: {why}"));
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let next_delimiter = format!("\r\n--{boundary}");
    let nd = next_delimiter.as_bytes();
    // The first delimiter: at the start, or after a preamble line.
    let mut at = if body.starts_with(d) {
        d.len()
    } else {
        match find(body, nd, 0) {
            Some(i) => i + nd.len(),
            None => return unreadable("no boundary line"),
        }
    };
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break.
        while matches!(body.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return unreadable("a boundary line does not end with CRLF");
        }
        at += 2;
        // Headers up to an empty line (none at all: the empty line at once).
        let (headers_end, data_start) = if body[at..].starts_with(b"\r\n") {
            (at, at + 2)
        } else {
            match find(body, b"\r\n\r\n", at) {
                Some(i) => (i, i + 4),
                None => return unreadable("a part has no end of headers"),
            }
        };
        let headers = match std::str::from_utf8(&body[at..headers_end]) {
            Ok(h) => h.to_string(),
            Err(_) => return unreadable("part headers are not UTF-8"),
        };
        let Some(data_end) = find(body, nd, data_start) else {
            return unreadable("a part does not end with a boundary");
        };
        parts.push(part(&headers, body.slice(data_start..data_end))?);
        at = data_end + nd.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &str)]) -> Bytes {
        let mut b = String::from("preamble\r\n");
        for (headers, data) in parts {
            b.push_str(&format!("--XyZ\r\n{headers}\r\n\r\n{data}\r\n"));
        }
        b.push_str("--XyZ--\r\n");
        Bytes::from(b)
    }

    #[test]
    fn reads_names_file_names_types_and_data() {
        let b = body(&[
            (
                "Content-Disposition: form-data; name=\"messageEntry\"\r\nContent-Type: application/json",
                "{\"a\":1}",
            ),
            (
                "content-disposition: form-data; name=\"fileData\"; filename=\"a%22b;c.png\"\r\ncontent-type: image/png",
                "\r\n-XyZ not a boundary\r\n--",
            ),
        ]);
        let parts = parse(
            &boundary("multipart/form-data; boundary=\"XyZ\"").unwrap(),
            &b,
        )
        .unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "messageEntry");
        assert_eq!(&parts[0].data[..], b"{\"a\":1}");
        assert_eq!(parts[1].filename.as_deref(), Some("a\"b;c.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(&parts[1].data[..], b"\r\n-XyZ not a boundary\r\n--");
    }

    #[test]
    fn extended_file_names_and_refusals() {
        let b = body(&[(
            "Content-Disposition: form-data; name=fileData; filename*=UTF-8''%E2%82%AC.txt",
            "",
        )]);
        let parts = parse("XyZ", &b).unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("€.txt"));
        assert!(parts[0].data.is_empty());
        assert!(boundary("application/json").is_err());
        assert!(boundary("multipart/form-data").is_err());
        assert!(parse("XyZ", &Bytes::from_static(b"--XyZ\r\nno end")).is_err());
        assert!(parse("XyZ", &Bytes::from_static(b"nothing")).is_err());
        let no_name = body(&[("Content-Type: text/plain", "x")]);
        assert!(parse("XyZ", &no_name).is_err());
    }
}
