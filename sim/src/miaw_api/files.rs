//! Files: the visitor's upload `POST /iamessage/api/v2/conversation/{id}/file` (a
//! `multipart/form-data` body with the parts `messageEntry` and `fileData`) and
//! `GET /_sim/files/{id}`, which serves the uploads and the files of the agent's rich messages
//! with Enhanced Chat's CORS.

use super::auth::reject;
use super::multipart::{self, Part};
use super::{cors, visitor};
use crate::base_url::base_url;
use crate::miaw::state::Reject;
use crate::miaw::upload::FilePart;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as St};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};

/// What happened reading a body with a limit.
enum Read {
    Whole(Bytes),
    /// Longer than the limit (the rest was read and dropped, up to a point).
    TooLarge,
    Broken,
}

/// Reads the body, at most `limit` bytes kept. Beyond the limit, up to four times it is read
/// and dropped, so the client gets to read the 413 instead of a reset connection.
async fn read_limited(body: Body, limit: usize) -> Read {
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    let drain_to = limit.saturating_mul(4).max(limit);
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Read::Broken;
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        } else if seen > drain_to {
            return Read::TooLarge;
        }
    }
    if seen > limit {
        Read::TooLarge
    } else {
        Read::Whole(Bytes::from(kept))
    }
}

/// The `messageEntry` (a JSON object) and `fileData` (with a file name) parts; 400 otherwise.
fn upload_parts(parts: Vec<Part>) -> Result<(Value, FilePart), Reject> {
    let mut entry = None;
    let mut file = None;
    for p in parts {
        match p.name.as_str() {
            "messageEntry" if entry.is_none() => entry = Some(p),
            "fileData" if file.is_none() => file = Some(p),
            _ => {}
        }
    }
    let Some(entry) = entry else {
        return Err(Reject::bad("Missing required part messageEntry"));
    };
    let Some(file) = file else {
        return Err(Reject::bad("Missing required part fileData"));
    };
    let entry = match serde_json::from_slice::<Value>(&entry.data) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Err(Reject::bad("messageEntry must be a JSON object")),
        Err(e) => return Err(Reject::bad(format!("messageEntry is not valid JSON: {e}"))),
    };
    let Some(name) = file.filename.filter(|n| !n.trim().is_empty()) else {
        return Err(Reject::bad("The fileData part has no filename"));
    };
    let content_type = file
        .content_type
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    Ok((
        entry,
        FilePart {
            name,
            content_type,
            bytes: file.data,
        },
    ))
}

/// `POST …/conversation/{id}/file`. In order: 401, 429, the conversation (400, 404, 400 closed),
/// 403 when the deployment takes no files, 400 for a body that is not a readable multipart with
/// both parts, 413 beyond the size limit, 415 for a type not allowed, 417 as `/message`. Then
/// 202, the echo (Pending) and, after the deployment's `uploadProcessingMillis`, the
/// `MessageUpdated`.
pub(super) async fn upload(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let base = base_url(&headers);
    let allowed = {
        let mut st = sh.lock();
        visitor(&mut st, &headers).and_then(|v| {
            let limit = st.miaw.upload_allowed(&v, &id)?;
            Ok((v, limit))
        })
    };
    let (v, limit) = match allowed {
        Ok(x) => x,
        Err(r) => return reject(r),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let boundary = match multipart::boundary(content_type) {
        Ok(b) => b,
        Err(e) => return reject(Reject::bad(e)),
    };
    let bytes = match read_limited(body, limit).await {
        Read::Whole(b) => b,
        Read::TooLarge => {
            return reject(Reject::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The file is larger than the deployment's limit",
            ))
        }
        Read::Broken => return reject(Reject::bad("The body could not be read")),
    };
    let parts = match multipart::parse(&boundary, &bytes)
        .and_then(|p| upload_parts(p).map_err(|r| r.message))
    {
        Ok(p) => p,
        Err(e) => return reject(Reject::bad(e)),
    };
    let (entry, file) = parts;
    let result = sh.lock().miaw.visitor_file(&v, &id, &entry, file, &base);
    match result {
        Ok((answer, processing)) => {
            if let Some(p) = processing {
                let sh = sh.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(p.after).await;
                    sh.lock()
                        .miaw
                        .finish_upload(&p.conversation, &p.message_id, p.error);
                });
            }
            (StatusCode::ACCEPTED, Json(answer)).into_response()
        }
        Err(r) => reject(r),
    }
}

/// `GET /_sim/files/{id}` (no middleware: faults and the request log are the APIs'), with
/// Enhanced Chat's CORS.
pub fn files_router(sh: &AppState) -> Router<AppState> {
    let r = Router::new().route("/_sim/files/{id}", get(serve_file));
    match cors(sh) {
        Some(cors) => r.layer(cors),
        None => r,
    }
}

/// `inline` for images, `attachment` otherwise, with the name (an ASCII fallback in `filename`,
/// the exact one in `filename*` when they differ).
fn disposition(name: &str, mime_type: &str) -> String {
    let kind = if mime_type.to_ascii_lowercase().starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if ascii == name {
        return format!("{kind}; filename=\"{ascii}\"");
    }
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn serve_file(St(sh): St<AppState>, Path(id): Path<String>) -> Response {
    let Some(file) = sh.lock().miaw.file(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such file"})),
        )
            .into_response();
    };
    let value = |s: &str| {
        HeaderValue::from_str(s)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    let mut resp = file.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, value(&file.mime_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(&disposition(&file.name, &file.mime_type)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn dispositions() {
        assert_eq!(
            disposition("a.png", "image/png"),
            "inline; filename=\"a.png\""
        );
        assert_eq!(
            disposition("a \"b\".pdf", "application/pdf"),
            "attachment; filename=\"a _b_.pdf\"; filename*=UTF-8''a%20%22b%22.pdf"
        );
    }
}
