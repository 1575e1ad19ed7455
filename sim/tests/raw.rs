//! `POST /_sim/sessions/{id}/raw`: the next poll answers exactly the body given (bad answers for the
//! widget's tests), without moving the ack; the messages waiting come on the poll after it.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

async fn raw_poll(v: &Visitor) -> (StatusCode, String, String) {
    let r = v
        .req(Method::GET, &format!("/System/Messages?ack={}", v.ack))
        .send()
        .await
        .expect("poll");
    let status = r.status();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ctype, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_next_poll_answers_the_raw_body_and_the_messages_come_after_it() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    let ack = v.ack;
    sim.agent(&v.id, "message", json!({"text": "m1"})).await;

    let (status, body) = sim
        .ctl_post(
            &format!("/sessions/{}/raw", v.id),
            json!({"body": "{\"messages\": [{\"type\": \"ChatMes"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["queued"], 1);
    let (status, body2) = sim
        .ctl_post(
            &format!("/sessions/{}/raw", v.id),
            json!({"status": 500, "body": "<h1>oops</h1>", "contentType": "text/html"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body2}");
    assert_eq!(body2["queued"], 2);

    // Exactly the bodies given, in order, with their status and content type.
    let (status, ctype, text) = raw_poll(&v).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/json");
    assert_eq!(text, "{\"messages\": [{\"type\": \"ChatMes");
    let (status, ctype, text) = raw_poll(&v).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(ctype, "text/html");
    assert_eq!(text, "<h1>oops</h1>");

    // The ack did not move: the same ack gets the message that was waiting.
    assert_eq!(v.ack, ack);
    let p = v.poll().await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.types(), ["ChatMessage"]);
    assert_eq!(p.messages()[0]["message"]["text"], "m1");
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "established");
    assert!(s["maxOpenPolls"].as_u64() <= Some(1));
}

#[tokio::test]
async fn a_held_poll_answers_the_raw_body_at_once() {
    let sim = Sim::quick().await;
    let v = sim.established("Andy L.").await;
    let held = {
        let v = v.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = raw_poll(&v).await;
            (answer, started.elapsed())
        })
    };
    wait_for("the poll to be held", || async {
        (sim.session(&v.id).await["openPolls"] == 1).then_some(())
    })
    .await;
    let huge = "x".repeat(1_000_000);
    let (status, _) = sim
        .ctl_post(
            &format!("/sessions/{}/raw", v.id),
            json!({"body": huge, "contentType": "text/plain"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ((status, ctype, text), took) = held.await.expect("poll task");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "text/plain");
    assert_eq!(text.len(), 1_000_000);
    assert!(
        took < Duration::from_secs(5),
        "answered at once, not after the hold"
    );
}

#[tokio::test]
async fn raw_answers_are_refused_for_ended_or_unknown_chats_and_bad_bodies() {
    let sim = Sim::quick().await;
    let v = sim.established("Andy L.").await;
    let path = format!("/sessions/{}/raw", v.id);
    let (status, _) = sim.ctl_post(&path, json!({"status": 200})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "body is required");
    let (status, _) = sim.ctl_post(&path, json!({"status": 99, "body": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim
        .ctl_post("/sessions/nope/raw", json!({"body": ""}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.agent(&v.id, "end", json!({})).await;
    let (status, _) = sim.ctl_post(&path, json!({"body": "x"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}
