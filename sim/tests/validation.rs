//! Every validation rule of the chat API: headers, session, affinity, sequence, ack, bodies,
//! long poll hold, idle timeout.

mod common;

use chasitor_sim::{SimConfig, DEFAULT_BUTTON_ID, DEFAULT_DEPLOYMENT_ID, DEFAULT_ORG_ID};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

const API_H: &str = "X-LIVEAGENT-API-VERSION";
const AFF_H: &str = "X-LIVEAGENT-AFFINITY";
const KEY_H: &str = "X-LIVEAGENT-SESSION-KEY";
const SEQ_H: &str = "X-LIVEAGENT-SEQUENCE";

/// Sends `method path` with the visitor's headers except `skip`, and `bad` replaced by garbage.
async fn send_with(
    v: &Visitor,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
    skip: Option<&str>,
    bad: Option<(&str, &str)>,
) -> (StatusCode, String) {
    let seq = (v.seq + 100).to_string();
    let headers = [
        (API_H, API),
        (AFF_H, v.affinity.as_str()),
        (KEY_H, v.key.as_str()),
        (SEQ_H, seq.as_str()),
    ];
    let mut rb = v.http.request(method, format!("{}{}", v.base, path));
    for (name, value) in headers {
        if Some(name) == skip {
            continue;
        }
        let value = match bad {
            Some((n, b)) if n == name => b,
            _ => value,
        };
        rb = rb.header(name, value);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn required_headers_per_resource() {
    let sim = Sim::quick().await;
    let v = sim.established("Andy L.").await;
    let visitor_q = format!("org_id={DEFAULT_ORG_ID}&deployment_id={DEFAULT_DEPLOYMENT_ID}");
    let msg = Some(json!({"text": "x"}));
    let cases: Vec<(Method, String, Option<serde_json::Value>, Vec<&str>)> = vec![
        (
            Method::GET,
            "/System/SessionId".into(),
            None,
            vec![API_H, AFF_H],
        ),
        (
            Method::GET,
            "/System/Messages?ack=2".into(),
            None,
            vec![API_H, AFF_H, KEY_H],
        ),
        (
            Method::GET,
            "/System/ReconnectSession?ReconnectSession.offset=1".into(),
            None,
            vec![API_H, AFF_H, KEY_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChatMessage".into(),
            msg.clone(),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChasitorTyping".into(),
            None,
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChasitorNotTyping".into(),
            None,
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChasitorSneakPeek".into(),
            Some(json!({"text": "a"})),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/CustomEvent".into(),
            Some(json!({"type": "t"})),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChatEnd".into(),
            Some(json!({"type": "ChatEndReason", "reason": "client"})),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/System/MultiNoun".into(),
            Some(json!({"nouns": []})),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChasitorResyncState".into(),
            Some(json!({"organizationId": DEFAULT_ORG_ID})),
            vec![API_H, AFF_H, KEY_H],
        ),
        (
            Method::POST,
            "/Chasitor/ChasitorInit".into(),
            Some(v.init_body(DEFAULT_BUTTON_ID)),
            vec![API_H, AFF_H, KEY_H, SEQ_H],
        ),
        (
            Method::GET,
            format!("/Visitor/Settings?{visitor_q}"),
            None,
            vec![API_H],
        ),
        (
            Method::GET,
            format!("/Visitor/Availability?{visitor_q}&Availability.ids=[a]"),
            None,
            vec![API_H],
        ),
        (
            Method::GET,
            format!("/Visitor/VisitorId?{visitor_q}"),
            None,
            vec![API_H],
        ),
        (
            Method::POST,
            "/Visitor/Breadcrumb".into(),
            Some(json!({"location": "https://x/"})),
            vec![API_H],
        ),
        (
            Method::DELETE,
            format!("/System/SessionId/{}", v.key),
            None,
            vec![API_H, AFF_H],
        ),
    ];
    for (method, path, body, required) in &cases {
        for header in required {
            let (status, text) =
                send_with(&v, method.clone(), path, body.clone(), Some(header), None).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{method} {path} without {header}: {text}"
            );
            assert!(text.contains(&header.to_ascii_uppercase()), "{text}");
        }
        // Malformed values.
        let (status, _) = send_with(
            &v,
            method.clone(),
            path,
            body.clone(),
            None,
            Some((API_H, "abc")),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path} with a bad API version"
        );
        if required.contains(&SEQ_H) {
            for bad in ["x", "-3", "1.5"] {
                let (status, _) = send_with(
                    &v,
                    method.clone(),
                    path,
                    body.clone(),
                    None,
                    Some((SEQ_H, bad)),
                )
                .await;
                assert_eq!(
                    status,
                    StatusCode::BAD_REQUEST,
                    "{method} {path} with sequence {bad}"
                );
            }
        }
    }
    // None of those requests was processed.
    let s = sim.session(&v.id).await;
    assert_eq!(s["received"].as_array().unwrap().len(), 1);
    assert_eq!(s["state"], "established");
    // With all headers, they work (here: the ChatMessage).
    let (status, _) = send_with(&v, Method::POST, "/Chasitor/ChatMessage", msg, None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_or_ended_session_is_403() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    let mut stranger = v.clone();
    stranger.key = "00000000-0000-4000-8000-000000000000!1!nope=".into();
    assert_eq!(stranger.poll().await.status, StatusCode::FORBIDDEN);
    assert_eq!(stranger.message("hi").await, StatusCode::FORBIDDEN);
    let r = stranger
        .req(
            Method::GET,
            "/System/ReconnectSession?ReconnectSession.offset=1",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let end = json!({"type": "ChatEndReason", "reason": "client"});
    assert_eq!(
        v.post("/Chasitor/ChatEnd", Some(end)).await.0,
        StatusCode::OK
    );
    assert_eq!(v.message("hi").await, StatusCode::FORBIDDEN);
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn wrong_affinity_is_503() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    let mut other = v.clone();
    other.affinity = "deadbeef".into();
    assert_eq!(other.poll().await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(other.message("x").await, StatusCode::SERVICE_UNAVAILABLE);
    // The real affinity still works.
    assert_eq!(v.message("x").await, StatusCode::OK);
}

#[tokio::test]
async fn repeated_or_lower_sequence_is_acknowledged_not_processed() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    assert_eq!(v.message("first").await, StatusCode::OK); // seq 2
    let (status, _) = v
        .post_seq("/Chasitor/ChatMessage", Some(json!({"text": "first"})), 2)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a repeated sequence is acknowledged"
    );
    let (status, _) = v
        .post_seq("/Chasitor/ChatMessage", Some(json!({"text": "older"})), 1)
        .await;
    assert_eq!(status, StatusCode::OK, "a lower sequence is acknowledged");
    // A gap is accepted (the server only refuses what it has already seen).
    let (status, _) = v
        .post_seq("/Chasitor/ChatMessage", Some(json!({"text": "fifth"})), 5)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Fired out of order, the lower one is lost although it got 200 (as observed in the field).
    let (status, _) = v
        .post_seq("/Chasitor/ChatMessage", Some(json!({"text": "fourth"})), 4)
        .await;
    assert_eq!(status, StatusCode::OK);
    let s = sim.session(&v.id).await;
    let texts: Vec<&str> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "ChatMessage")
        .map(|r| r["body"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first", "fifth"]);
    assert_eq!(s["lastSequence"], 5);
}

#[tokio::test]
async fn ack_out_of_sync_is_409_with_the_real_text() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await; // acked 2 (ChatRequestSuccess, ChatEstablished)
    assert_eq!(v.ack, 2);
    let mut wrong = v.clone();
    wrong.ack = 4;
    let p = wrong.poll().await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert_eq!(p.body, "Out of sync Ack. Expected 2. Actual 4");
    let mut behind = v.clone();
    behind.ack = -1;
    let p = behind.poll().await;
    assert_eq!(p.body, "Out of sync Ack. Expected 2. Actual -1");
    // The ack mismatch does not end the chat: the right ack works.
    sim.agent(&v.id, "message", json!({"text": "m1"})).await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatMessage"]);
    assert_eq!(sim.session(&v.id).await["state"], "established");
}

#[tokio::test]
async fn lost_answer_is_redelivered_for_the_previous_ack() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.agent(&v.id, "message", json!({"text": "m1"})).await;
    let before = v.clone();
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatMessage"]);
    let seq = v.ack;
    // The client never saw that answer and polls again with its old ack: same messages again,
    // plus what came since, in order.
    sim.agent(&v.id, "message", json!({"text": "m2"})).await;
    let mut again = before.clone();
    let p = again.poll().await;
    assert_eq!(p.types(), ["ChatMessage", "ChatMessage"]);
    assert_eq!(p.messages()[0]["message"]["text"], "m1");
    assert_eq!(p.messages()[1]["message"]["text"], "m2");
    assert_eq!(again.ack, seq + 1);
    // Acknowledging the newest delivers nothing twice.
    let p = again.poll().await;
    assert_eq!(p.status, StatusCode::NO_CONTENT);
    // Now the older ack is out of sync.
    let p = v.poll().await;
    assert_eq!(p.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn chat_message_before_established_is_500() {
    let sim = Sim::quick().await;
    let mut v = sim.visitor().await;
    let (status, _) = v
        .post("/Chasitor/ChatMessage", Some(json!({"text": "too early"})))
        .await;
    assert_eq!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "before ChasitorInit"
    );
    v.seq -= 1; // the request was not processed: its sequence can be used again
    v.init(DEFAULT_BUTTON_ID).await;
    v.poll_for("ChatRequestSuccess").await;
    // Typing while queued is fine.
    assert_eq!(
        v.post("/Chasitor/ChasitorTyping", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        v.message("still queued").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    sim.agent(&v.id, "accept", json!({"agentName": "Andy L."}))
        .await;
    v.poll_for("ChatEstablished").await;
    // The queued message is sent again with the same sequence: processed now.
    let seq = v.seq;
    let (status, _) = v
        .post_seq(
            "/Chasitor/ChatMessage",
            Some(json!({"text": "still queued"})),
            seq,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let s = sim.session(&v.id).await;
    let got: Vec<(i64, String)> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sequence"].as_i64().unwrap(),
                r["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "ChasitorInit".to_string()),
            (2, "ChasitorTyping".to_string()),
            (3, "ChatMessage".to_string())
        ],
        "the 500 did not consume sequence 3"
    );
    // CustomEvent before ChatEstablished is refused the same way.
    let mut w = sim.visitor().await;
    w.init(DEFAULT_BUTTON_ID).await;
    let (status, _) = w
        .post(
            "/Chasitor/CustomEvent",
            Some(json!({"type": "t", "data": "d"})),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn chat_end_without_type_and_reason_is_400() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    for body in [
        json!({"reason": "client"}),
        json!({"type": "ChatEndReason"}),
        json!({"type": "ChatEndReason", "reason": null}),
        json!({}),
        json!("client"),
    ] {
        let (status, text) = v.post("/Chasitor/ChatEnd", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            text,
            "Request is not a valid ChatEnd - ChatEnd requires a non-null value on the reason property"
        );
    }
    let (status, text) = v.post("/Chasitor/ChatEnd", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text, chasitor_sim::CHATEND_INVALID);
    assert_eq!(sim.session(&v.id).await["state"], "established");
    let end = json!({"type": "ChatEndReason", "reason": "client"});
    assert_eq!(
        v.post("/Chasitor/ChatEnd", Some(end)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn non_json_bodies_are_400() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    for path in [
        "/Chasitor/ChatMessage",
        "/Chasitor/ChasitorSneakPeek",
        "/Chasitor/CustomEvent",
        "/Chasitor/ChatEnd",
        "/Chasitor/ChasitorTyping",
        "/System/MultiNoun",
        "/Chasitor/ChasitorResyncState",
    ] {
        v.seq += 1;
        let r = v
            .req(Method::POST, path)
            .header(SEQ_H, v.seq.to_string())
            .body("{text: 'js object literal'}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    let r = sim
        .http
        .post(sim.chat("/Visitor/Breadcrumb"))
        .header(API_H, API)
        .body("location=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // ChatMessage needs a text.
    let (status, _) = v
        .post("/Chasitor/ChatMessage", Some(json!({"message": "x"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        sim.session(&v.id).await["received"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn poll_needs_a_numeric_ack() {
    let sim = Sim::quick().await;
    let v = sim.established("Andy L.").await;
    for q in ["", "?ack=", "?ack=abc"] {
        let r = v
            .req(Method::GET, &format!("/System/Messages{q}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
}

#[tokio::test]
async fn long_poll_is_held_then_204() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let mut v = sim.established("Andy L.").await;
    let start = Instant::now();
    let p = v.poll().await;
    let took = start.elapsed();
    assert_eq!(p.status, StatusCode::NO_CONTENT);
    assert!(p.body.is_empty());
    assert!(took >= Duration::from_millis(290), "held {took:?}");
    assert!(took < Duration::from_millis(2000), "held {took:?}");
    // A message during the hold answers at once.
    let mut held = v.clone();
    let task = tokio::spawn(async move {
        let start = Instant::now();
        (held.poll().await, start.elapsed())
    });
    sim.wait_session(&v.id, "held poll", |s| s["openPolls"] == 1)
        .await;
    sim.agent(&v.id, "message", json!({"text": "now"})).await;
    let (p, took) = task.await.unwrap();
    assert_eq!(p.types(), ["ChatMessage"]);
    assert!(took < Duration::from_millis(290), "answered after {took:?}");
}

#[tokio::test]
async fn idle_session_times_out() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let mut v = sim.established("Andy L.").await;
    // Polling keeps it alive (each poll is held 100 ms, well within the idle timeout).
    for _ in 0..5 {
        assert_eq!(v.poll().await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(sim.session(&v.id).await["state"], "established");
    // Then no poll: the session ends.
    let s = sim
        .wait_session(&v.id, "the idle timeout", |s| s["state"] == "ended")
        .await;
    assert_eq!(s["endedBy"], "timeout");
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
    assert_eq!(v.message("hello?").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_resources_and_methods() {
    let sim = Sim::quick().await;
    let r = sim
        .http
        .get(sim.chat("/Chasitor/Nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = sim
        .http
        .post(sim.chat("/Chasitor/Nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = sim.http.get(sim.chat("/System/Nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = sim
        .http
        .post(sim.chat("/System/SessionId"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Without --cors-origin, preflights are not answered.
    let r = sim
        .http
        .request(Method::OPTIONS, sim.chat("/System/SessionId"))
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_preflight_for_the_configured_origin_only() {
    let sim = Sim::start(SimConfig {
        cors_origin: Some("http://localhost:8080".into()),
        ..SimConfig::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        sim.http
            .request(Method::OPTIONS, sim.chat("/Chasitor/ChatMessage"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "x-liveagent-api-version,x-liveagent-affinity,x-liveagent-session-key,x-liveagent-sequence,content-type",
            )
            .send()
    };
    let r = preflight("http://localhost:8080").await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "x-liveagent-api-version",
        "x-liveagent-affinity",
        "x-liveagent-session-key",
        "x-liveagent-sequence",
    ] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let r = preflight("http://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // Actual requests carry the header too.
    let r = sim
        .http
        .get(sim.chat("/System/SessionId"))
        .header("Origin", "http://localhost:8080")
        .header(API_H, API)
        .header(AFF_H, "null")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
}

#[tokio::test]
async fn static_dir_is_served_at_the_root() {
    let dir = std::env::temp_dir().join(format!("chasitor-sim-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>demo host page</p>").unwrap();
    let sim = Sim::start(SimConfig {
        static_dir: Some(dir.clone()),
        ..SimConfig::default()
    })
    .await;
    let r = sim
        .http
        .get(sim.handle.base_url() + "/")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "<p>demo host page</p>");
    // The chat API is still there on the same origin.
    let v = sim.visitor().await;
    assert!(!v.key.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
