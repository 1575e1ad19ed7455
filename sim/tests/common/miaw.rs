//! Helpers for the Enhanced Chat tests: a visitor client of the REST API and a raw
//! `text/event-stream` reader over reqwest's body chunks.

use super::Sim;
use chasitor_sim::{SimConfig, DEFAULT_ES_DEVELOPER_NAME, DEFAULT_ORG_ID};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

pub const MIAW_API: &str = "/iamessage/api/v2";
pub const SSE: &str = "/eventrouter/v1/sse";

/// A lowercase version-4 UUID.
pub fn uuid() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u8(1);
    let a = h.finish();
    let mut h = RandomState::new().build_hasher();
    h.write_u8(2);
    let b = h.finish();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0x0fff) as u16,
        ((b >> 48) as u16 & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// The claims of a JWT (its middle part, base64url).
pub fn jwt_claims(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("JWT has a payload");
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in part.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            other => panic!("not base64url: {}", other as char),
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&out).expect("JWT claims are JSON")
}

impl Sim {
    /// Hold 200 ms, keep-alives every 100 ms, the demo deployment without a rate limit.
    pub async fn miaw() -> Sim {
        Sim::miaw_with(|_| {}).await
    }

    /// Like [`Sim::miaw`], with the configuration changed by `f`.
    pub async fn miaw_with(f: impl FnOnce(&mut SimConfig)) -> Sim {
        let mut cfg = SimConfig {
            hold: Duration::from_millis(200),
            keepalive: Duration::from_millis(100),
            ..SimConfig::default()
        };
        cfg.miaw[0].rate_limit = None;
        f(&mut cfg);
        Sim::start(cfg).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.base_url(), path)
    }

    /// A visitor with a fresh token for the demo deployment.
    pub async fn mvisitor(&self) -> MVisitor {
        let (status, v) = self.token_request(token_body()).await;
        assert_eq!(status, StatusCode::OK, "token: {v}");
        MVisitor {
            http: self.http.clone(),
            base: self.handle.base_url(),
            token: v["accessToken"].as_str().expect("accessToken").to_string(),
            answer: v,
        }
    }

    pub async fn token_request(&self, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(&format!(
                "{MIAW_API}/authorization/unauthenticated/access-token"
            )))
            .json(&body)
            .send()
            .await
            .expect("token request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A visitor whose new conversation an agent accepted, with a stream reading from the start.
    pub async fn mchat(&self, agent: &str) -> (MVisitor, String, SseReader) {
        self.mchat_with(json!({"agentName": agent})).await
    }

    /// [`Sim::mchat`] with this `accept` body (a bot: `{"agentName", "role": "Chatbot"}`).
    pub async fn mchat_with(&self, accept: Value) -> (MVisitor, String, SseReader) {
        let v = self.mvisitor().await;
        let conv = v.create().await;
        let mut stream = v.stream(Some("0")).await;
        stream.expect_all(QUEUED).await;
        self.agent(&conv, "accept", accept).await;
        stream.expect_all(ACCEPTED).await;
        (v, conv, stream)
    }
}

/// What a new conversation (or a new messaging session) sends when it is queued.
pub const QUEUED: &[&str] = &[
    "CONVERSATION_SESSION_STATUS_CHANGED",
    "CONVERSATION_ROUTING_RESULT",
    "CONVERSATION_QUEUE_POSITION",
];

/// What an agent's (or a bot's) accept sends.
pub const ACCEPTED: &[&str] = &[
    "CONVERSATION_ROUTING_WORK_RESULT",
    "CONVERSATION_ROUTING_WORK_RESULT",
    "CONVERSATION_PARTICIPANT_CHANGED",
    "CONVERSATION_SESSION_STATUS_CHANGED",
];

/// What the agent's end sends (the messaging session ends, the conversation stays open): the
/// session's end first, then the participant leaving and the work closed.
pub const SESSION_ENDED: &[&str] = &[
    "CONVERSATION_SESSION_STATUS_CHANGED",
    "CONVERSATION_PARTICIPANT_CHANGED",
    "CONVERSATION_ROUTING_WORK_RESULT",
];

pub fn token_body() -> Value {
    json!({
        "orgId": DEFAULT_ORG_ID,
        "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
        "capabilitiesVersion": "1",
        "platform": "Web",
    })
}

/// An Enhanced Chat visitor: its token.
#[derive(Clone)]
pub struct MVisitor {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    /// The token answer.
    pub answer: Value,
}

pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl MVisitor {
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{MIAW_API}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub async fn send(rb: reqwest::RequestBuilder) -> Answer {
        let r = rb.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Answer {
            status,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut rb = self.req(method, path);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        MVisitor::send(rb).await
    }

    /// Creates a conversation with a pre-chat name; its id.
    pub async fn create(&self) -> String {
        let id = uuid();
        let a = self
            .create_with(json!({
                "conversationId": id,
                "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
                "routingAttributes": {"_firstName": "Jon", "_lastName": "A.", "_email": "jon@example.com"},
            }))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "create: {}", a.json);
        id
    }

    pub async fn create_with(&self, body: Value) -> Answer {
        self.call(Method::POST, "/conversation", Some(body)).await
    }

    pub fn message_body(text: &str, id: &str) -> Value {
        json!({
            "message": {
                "id": id,
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
        })
    }

    /// Sends a text message with a new id; the answer and the id.
    pub async fn say(&self, conv: &str, text: &str) -> (Answer, String) {
        let id = uuid();
        let a = self
            .call(
                Method::POST,
                &format!("/conversation/{conv}/message"),
                Some(MVisitor::message_body(text, &id)),
            )
            .await;
        (a, id)
    }

    /// `GET /authorization/continuation-access-token` with this visitor's token.
    pub async fn continuation(&self) -> Answer {
        self.call(
            Method::GET,
            "/authorization/continuation-access-token",
            None,
        )
        .await
    }

    pub async fn entries(&self, conv: &str, query: &str) -> Answer {
        self.call(
            Method::GET,
            &format!("/conversation/{conv}/entries{query}"),
            None,
        )
        .await
    }

    /// Opens the event stream (`Last-Event-Id` when given); panics unless it answers 200.
    pub async fn stream(&self, last_event_id: Option<&str>) -> SseReader {
        let r = self.open_stream(last_event_id, Some(DEFAULT_ORG_ID)).await;
        assert_eq!(r.status(), StatusCode::OK, "stream");
        SseReader::new(r)
    }

    pub async fn open_stream(
        &self,
        last_event_id: Option<&str>,
        org: Option<&str>,
    ) -> reqwest::Response {
        let mut rb = self
            .http
            .get(format!("{}{SSE}?_ts=1", self.base))
            .header("Accept", "text/event-stream")
            .bearer_auth(&self.token);
        if let Some(org) = org {
            rb = rb.header("X-Org-Id", org);
        }
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-Id", id);
        }
        rb.send().await.expect("stream request")
    }
}

/// Checks a PDF's frame: `%PDF-` first, `%%EOF` last, `startxref` pointing at the xref table
/// and each of its entries at its object (`N 0 obj`); its text (the binary comment of the second
/// line shown lossily).
pub fn check_pdf(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "starts with %PDF-");
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"), "ends with %%EOF");
    let at = |offset: usize, what: &str| pdf[offset..].starts_with(what.as_bytes());
    let tail = std::str::from_utf8(&pdf[pdf.len().saturating_sub(40)..]).expect("an ASCII tail");
    let start: usize = tail
        .rsplit("startxref\n")
        .next()
        .and_then(|t| t.lines().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref and an offset");
    assert!(at(start, "xref\n0 "), "startxref points at the xref table");
    let table = std::str::from_utf8(&pdf[start..]).expect("an ASCII table");
    let mut lines = table.lines().skip(1);
    let count: usize = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|n| n.parse().ok())
        .expect("the table's size");
    assert!(lines.next().unwrap().starts_with("0000000000 65535 f"));
    for n in 1..count {
        let entry = lines.next().expect("an xref entry");
        let offset: usize = entry[..10].parse().expect("an offset");
        assert!(at(offset, &format!("{n} 0 obj")), "object {n} at {offset}");
    }
    String::from_utf8_lossy(pdf).into_owned()
}

/// One server-sent event.
#[derive(Clone, Debug)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

impl SseEvent {
    pub fn id_num(&self) -> u64 {
        self.id.parse().expect("numeric event id")
    }

    /// `data.conversationEntry.entryPayload`, parsed (it is a JSON string on the stream).
    pub fn payload(&self) -> Value {
        let p = self.data["conversationEntry"]["entryPayload"]
            .as_str()
            .expect("entryPayload is a string on the stream");
        serde_json::from_str(p).expect("entryPayload is JSON")
    }
}

/// A raw `text/event-stream` reader: frames separated by a blank line, `id:`, `event:`,
/// `data:` fields and `:` comments (counted).
pub struct SseReader {
    resp: reqwest::Response,
    buf: String,
    pub comments: usize,
    pub ended: bool,
    /// The stream ended with a transport error (cut), not a clean end.
    pub cut: bool,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> SseReader {
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ct.starts_with("text/event-stream"), "content type {ct}");
        SseReader {
            resp,
            buf: String::new(),
            comments: 0,
            ended: false,
            cut: false,
        }
    }

    /// The next event within 5 s; `None` when the stream ended (a frame cut short is dropped,
    /// as a browser does).
    pub async fn next(&mut self) -> Option<SseEvent> {
        self.next_within(Duration::from_secs(5))
            .await
            .expect("an event within the time limit")
    }

    /// `Err(())` when nothing arrived in `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Result<Option<SseEvent>, ()> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf[..end].to_string();
                self.buf.drain(..end + 2);
                if let Some(e) = self.parse(&frame) {
                    return Ok(Some(e));
                }
            }
            if self.ended {
                return Ok(None);
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return Err(()),
                Ok(Ok(Some(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Ok(None)) => self.ended = true,
                Ok(Err(_)) => {
                    self.ended = true;
                    self.cut = true;
                }
            }
        }
    }

    fn parse(&mut self, frame: &str) -> Option<SseEvent> {
        let (mut id, mut event, mut data) = (None, None, Vec::new());
        for line in frame.lines() {
            if line.starts_with(':') {
                self.comments += 1;
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => id = Some(value.to_string()),
                "event" => event = Some(value.to_string()),
                "data" => data.push(value.to_string()),
                _ => {}
            }
        }
        if data.is_empty() {
            return None;
        }
        Some(SseEvent {
            id: id.expect("every event has an id"),
            event: event.expect("every event is named"),
            data: serde_json::from_str(&data.join("\n")).expect("data is JSON"),
        })
    }

    /// The next event, which must be named `name`.
    pub async fn expect(&mut self, name: &str) -> SseEvent {
        let e = self.next().await.expect("stream open");
        assert_eq!(e.event, name, "{:?}", e.data);
        e
    }

    /// The next events, which must be named `names` in this order.
    pub async fn expect_all(&mut self, names: &[&str]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for name in names {
            out.push(self.expect(name).await);
        }
        out
    }

    /// Asserts that no event arrives within `limit`.
    pub async fn quiet_for(&mut self, limit: Duration) {
        if let Ok(e) = self.next_within(limit).await {
            panic!("expected no event, got {e:?}");
        }
    }

    /// Reads until `n` keep-alive comments have arrived (no event allowed in between).
    pub async fn keepalives(&mut self, n: usize) {
        let want = self.comments + n;
        while self.comments < want {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf[..end].to_string();
                self.buf.drain(..end + 2);
                assert!(self.parse(&frame).is_none(), "unexpected event");
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.resp.chunk())
                .await
                .expect("a keep-alive within 5 s")
                .expect("stream open")
                .expect("stream open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// One part of a hand-made `multipart/form-data` body: name, file name, Content-Type, bytes.
pub struct MPart<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: &'a [u8],
}

/// A `multipart/form-data` body as browsers' `FormData` sends it: `(Content-Type, body)`.
pub fn multipart(parts: &[MPart<'_>]) -> (String, Vec<u8>) {
    let boundary = "----chasitorTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
        if let Some(f) = p.filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(t) = p.content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The `messageEntry` of an upload.
pub fn upload_entry(msg_id: &str, file_id: &str, caption: Option<&str>) -> Value {
    let mut message = json!({"id": msg_id, "fileId": file_id});
    if let Some(c) = caption {
        message["text"] = json!(c);
    }
    json!({
        "message": message,
        "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
        "isNewMessagingSession": false,
    })
}

impl MVisitor {
    /// `POST /conversation/{conv}/file` with this body.
    pub async fn upload_raw(&self, conv: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let rb = self
            .req(Method::POST, &format!("/conversation/{conv}/file"))
            .header("Content-Type", content_type)
            .body(body);
        MVisitor::send(rb).await
    }

    /// Uploads `data` as the PNG `a.png`, a new message with the file id `file_id`.
    pub async fn upload_png(&self, conv: &str, file_id: &str, data: &[u8]) -> Answer {
        let entry = upload_entry(&uuid(), file_id, None);
        self.upload(conv, &entry, "a.png", "image/png", data).await
    }

    /// Uploads `data` as `name` (`content_type`) with this `messageEntry`.
    pub async fn upload(
        &self,
        conv: &str,
        entry: &Value,
        name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Answer {
        let entry = entry.to_string();
        let (ct, body) = multipart(&[
            MPart {
                name: "messageEntry",
                filename: None,
                content_type: Some("application/json"),
                data: entry.as_bytes(),
            },
            MPart {
                name: "fileData",
                filename: Some(name),
                content_type: Some(content_type),
                data,
            },
        ]);
        self.upload_raw(conv, &ct, body).await
    }

    /// Answers menu `menu_id` with the options `options`; the answer and the message id.
    pub async fn choose(&self, conv: &str, menu_id: &str, options: &[&str]) -> (Answer, String) {
        let id = uuid();
        let selected: Vec<Value> = options
            .iter()
            .map(|o| json!({"optionIdentifier": o}))
            .collect();
        let body = json!({
            "message": {
                "id": id,
                "messageType": "ChoicesResponseMessage",
                "inReplyToMessageId": menu_id,
                "choicesResponse": {"formatType": "Selections", "selectedOptions": selected},
            },
            "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
            "isNewMessagingSession": false,
        });
        let a = self
            .call(
                Method::POST,
                &format!("/conversation/{conv}/message"),
                Some(body),
            )
            .await;
        (a, id)
    }
}
