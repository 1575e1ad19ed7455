//! Helpers for the integration tests: a simulator on an ephemeral port and a visitor client that
//! speaks the Chat REST API the way the guide describes.
#![allow(dead_code)]

pub mod miaw;
#[allow(unused_imports)]
pub use miaw::*;

use chasitor_sim::{
    SimConfig, SimHandle, DEFAULT_BUTTON_ID, DEFAULT_DEPLOYMENT_ID, DEFAULT_ORG_ID,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

pub const API: &str = "56";

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start(cfg: SimConfig) -> Sim {
        Sim {
            handle: chasitor_sim::start(cfg).await.expect("start simulator"),
            http: client(),
        }
    }

    /// Hold 200 ms, idle timeout 30 s.
    pub async fn quick() -> Sim {
        Sim::start(SimConfig {
            hold: Duration::from_millis(200),
            idle_timeout: Duration::from_secs(30),
            ..SimConfig::default()
        })
        .await
    }

    pub fn chat(&self, path: &str) -> String {
        format!("{}{}", self.handle.chat_url(), path)
    }

    pub fn ctl(&self, path: &str) -> String {
        format!("{}{}", self.handle.control_url(), path)
    }

    pub async fn ctl_get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(self.ctl(path))
            .send()
            .await
            .expect("control GET");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("json")
    }

    pub async fn ctl_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.ctl(path))
            .json(&body)
            .send()
            .await
            .expect("control POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The agent console's page (`/agent`).
    pub async fn console_page(&self) -> String {
        let r = self
            .http
            .get(self.url("/agent"))
            .send()
            .await
            .expect("GET /agent");
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.expect("the page")
    }

    /// A control POST that must succeed.
    pub async fn agent(&self, id: &str, action: &str, body: Value) -> Value {
        let (status, v) = self
            .ctl_post(&format!("/sessions/{id}/{action}"), body)
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {v}");
        v
    }

    pub async fn fault(&self, body: Value) {
        let (status, v) = self.ctl_post("/faults", body).await;
        assert_eq!(status, StatusCode::OK, "fault: {v}");
    }

    pub async fn session(&self, id: &str) -> Value {
        self.ctl_get(&format!("/sessions/{id}")).await
    }

    /// Waits (briefly re-checking the control API) until `check` holds for the session.
    pub async fn wait_session(
        &self,
        id: &str,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        wait_for(what, || async {
            let s = self.session(id).await;
            check(&s).then_some(s)
        })
        .await
    }

    pub async fn requests(&self) -> Vec<Value> {
        self.ctl_get("/requests")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn visitor(&self) -> Visitor {
        Visitor::new(self).await
    }

    /// A visitor whose chat an agent accepted; the ChatRequestSuccess and ChatEstablished polls
    /// are done.
    pub async fn established(&self, agent: &str) -> Visitor {
        let mut v = self.visitor().await;
        assert_eq!(v.init(DEFAULT_BUTTON_ID).await, StatusCode::OK);
        v.poll_for("ChatRequestSuccess").await;
        self.agent(&v.id, "accept", json!({"agentName": agent}))
            .await;
        v.poll_for("ChatEstablished").await;
        v
    }
}

/// Re-checks `f` every 5 ms until it yields a value (at most 10 s).
pub async fn wait_for<T, F, Fut>(what: &str, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub struct Poll {
    pub status: StatusCode,
    pub body: String,
    pub json: Option<Value>,
}

impl Poll {
    pub fn types(&self) -> Vec<String> {
        self.json
            .as_ref()
            .and_then(|j| j["messages"].as_array())
            .map(|a| {
                a.iter()
                    .map(|m| m["type"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn messages(&self) -> Vec<Value> {
        self.json
            .as_ref()
            .and_then(|j| j["messages"].as_array())
            .cloned()
            .unwrap_or_default()
    }
}

/// A chat visitor: session, affinity, outgoing sequence, ack and offset.
#[derive(Clone)]
pub struct Visitor {
    pub http: reqwest::Client,
    pub base: String,
    pub id: String,
    pub key: String,
    pub affinity: String,
    pub seq: i64,
    pub ack: i64,
    pub offset: u64,
}

impl Visitor {
    pub async fn new(sim: &Sim) -> Visitor {
        let base = sim.handle.chat_url();
        let r = sim
            .http
            .get(format!("{base}/System/SessionId"))
            .header("X-LIVEAGENT-API-VERSION", API)
            .header("X-LIVEAGENT-AFFINITY", "null")
            .send()
            .await
            .expect("SessionId");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("SessionId json");
        Visitor {
            http: sim.http.clone(),
            base,
            id: v["id"].as_str().expect("id").to_string(),
            key: v["key"].as_str().expect("key").to_string(),
            affinity: v["affinityToken"]
                .as_str()
                .expect("affinityToken")
                .to_string(),
            seq: 0,
            ack: -1,
            offset: 0,
        }
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.base, path))
            .header("X-LIVEAGENT-API-VERSION", API)
            .header("X-LIVEAGENT-AFFINITY", &self.affinity)
            .header("X-LIVEAGENT-SESSION-KEY", &self.key)
    }

    pub fn init_body(&self, button: &str) -> Value {
        json!({
            "organizationId": DEFAULT_ORG_ID,
            "deploymentId": DEFAULT_DEPLOYMENT_ID,
            "buttonId": button,
            "sessionId": self.id,
            "userAgent": "integration-test",
            "language": "en-US",
            "screenResolution": "1920x1080",
            "visitorName": "Jon A.",
            "prechatDetails": [{"label": "E-mail Address", "value": "jon@example.com",
                                "entityFieldMaps": [], "transcriptFields": [], "displayToAgent": true}],
            "prechatEntities": [],
            "buttonOverrides": [],
            "receiveQueueUpdates": true,
            "isPost": true
        })
    }

    pub async fn init(&mut self, button: &str) -> StatusCode {
        let body = self.init_body(button);
        self.post("/Chasitor/ChasitorInit", Some(body)).await.0
    }

    /// POSTs with the next sequence number.
    pub async fn post(&mut self, path: &str, body: Option<Value>) -> (StatusCode, String) {
        self.seq += 1;
        let seq = self.seq;
        self.post_seq(path, body, seq).await
    }

    pub async fn post_seq(
        &self,
        path: &str,
        body: Option<Value>,
        seq: i64,
    ) -> (StatusCode, String) {
        let mut rb = self
            .req(reqwest::Method::POST, path)
            .header("X-LIVEAGENT-SEQUENCE", seq.to_string());
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("POST");
        let status = r.status();
        (status, r.text().await.unwrap_or_default())
    }

    pub async fn message(&mut self, text: &str) -> StatusCode {
        self.post("/Chasitor/ChatMessage", Some(json!({"text": text})))
            .await
            .0
    }

    /// One `System/Messages` poll with the current ack; a 200 moves the ack and offset on.
    pub async fn poll(&mut self) -> Poll {
        let r = self
            .req(
                reqwest::Method::GET,
                &format!("/System/Messages?ack={}", self.ack),
            )
            .send()
            .await
            .expect("poll");
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        let json: Option<Value> = serde_json::from_str(&body).ok();
        if status == StatusCode::OK {
            let j = json.as_ref().expect("200 poll has JSON");
            self.ack = j["sequence"].as_i64().expect("sequence");
            self.offset = j["offset"].as_u64().expect("offset");
        }
        Poll { status, body, json }
    }

    /// Polls (through 204s) until a message of type `kind` arrives; returns every message seen.
    pub async fn poll_for(&mut self, kind: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        for _ in 0..50 {
            let p = self.poll().await;
            match p.status {
                StatusCode::OK => {
                    let msgs = p.messages();
                    let found = msgs.iter().any(|m| m["type"] == kind);
                    seen.extend(msgs);
                    if found {
                        return seen;
                    }
                }
                StatusCode::NO_CONTENT => {}
                other => panic!("poll for {kind}: {other} {}", p.body),
            }
        }
        panic!("no {kind} after 50 polls; saw {seen:?}");
    }
}

/// VmRSS of this process in kB.
pub fn vm_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}
