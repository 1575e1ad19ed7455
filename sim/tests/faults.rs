//! Fault injection and the recovery paths the guide describes: 503 handover with
//! ReconnectSession, duplicate polls, 500s, dropped connections, delays; plus the request log.

mod common;

use chasitor_sim::{SimConfig, DEFAULT_ORG_ID};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn affinity_change_503_then_reconnect_session_and_resync() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    assert_eq!(v.message("before the handover").await, StatusCode::OK); // seq 2
    sim.agent(&v.id, "message", json!({"text": "m1"})).await;
    assert_eq!(v.poll().await.types(), ["ChatMessage"]);
    let offset = v.offset;
    sim.agent(&v.id, "message", json!({"text": "m2, not received yet"}))
        .await;

    sim.fault(json!({"kind": "affinity_change", "path": "/System/Messages"}))
        .await;
    let p = v.poll().await;
    assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
    let old = v.affinity.clone();
    // Everything with the old affinity is refused now.
    assert_eq!(
        v.message("cancelled").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(v.poll().await.status, StatusCode::SERVICE_UNAVAILABLE);

    // ReconnectSession with the literal affinity "null".
    let r = v
        .http
        .get(format!(
            "{}/System/ReconnectSession?ReconnectSession.offset={offset}",
            v.base
        ))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", "null")
        .header("X-LIVEAGENT-SESSION-KEY", &v.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["messages"][0]["type"], "ReconnectSession");
    assert_eq!(body["messages"][0]["message"]["resetSequence"], true);
    let token = body["messages"][0]["message"]["affinityToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(token, old);
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "just the envelope: {body}"
    );
    v.affinity = token;
    v.seq = 0;

    // The first message of the next poll is ChasitorSessionData, then what was not received.
    let p = v.poll().await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.types(), ["ChasitorSessionData", "ChatMessage"]);
    let data = &p.messages()[0]["message"];
    let transcript: Vec<(&str, &str)> = data["chatMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["type"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        transcript,
        [
            ("Chasitor", "before the handover"),
            ("Agent", "m1"),
            ("Agent", "m2, not received yet")
        ]
    );
    assert_eq!(data["chatMessages"][0]["name"], "Jon A.");
    assert_eq!(data["chatMessages"][2]["sequence"], 3);
    assert_eq!(p.messages()[1]["message"]["text"], "m2, not received yet");

    // ChasitorResyncState, then the cancelled message again: the sequence restarts at 1.
    let r = v
        .req(Method::POST, "/Chasitor/ChasitorResyncState")
        .json(&json!({"organizationId": DEFAULT_ORG_ID}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(v.message("cancelled").await, StatusCode::OK);
    assert_eq!(v.seq, 1);
    let s = sim.session(&v.id).await;
    let received: Vec<(Value, &str)> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["sequence"].clone(), r["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        received,
        [
            (json!(1), "ChasitorInit"),
            (json!(2), "ChatMessage"),
            (Value::Null, "ChasitorResyncState"),
            (json!(1), "ChatMessage"),
        ]
    );
    // And the chat goes on.
    sim.agent(&v.id, "message", json!({"text": "welcome back"}))
        .await;
    assert_eq!(v.poll().await.types(), ["ChatMessage"]);
    // The old affinity stays stale.
    let mut stale = v.clone();
    stale.affinity = old;
    assert_eq!(stale.message("x").await, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn affinity_change_answers_a_held_poll_with_503() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let v = sim.established("Andy L.").await;
    let mut held = v.clone();
    let task = tokio::spawn(async move { held.poll().await });
    sim.wait_session(&v.id, "held poll", |s| s["openPolls"] == 1)
        .await;
    sim.agent(&v.id, "affinity-change", json!({})).await;
    let p = task.await.unwrap();
    assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
    // A fault with no path hits the next request of the session, whatever it is.
    let mut v2 = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "affinity_change"})).await;
    assert_eq!(v2.message("x").await, StatusCode::SERVICE_UNAVAILABLE);
    // Requests without a session do not consume a session fault.
    sim.fault(json!({"kind": "affinity_change"})).await;
    let _ = sim.visitor().await;
    assert_eq!(sim.ctl_get("/faults").await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn second_concurrent_poll_gets_409_and_ends_the_chat() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let v = sim.established("Andy L.").await;
    let mut first = v.clone();
    let task = tokio::spawn(async move { first.poll().await });
    sim.wait_session(&v.id, "held poll", |s| s["openPolls"] == 1)
        .await;
    let mut second = v.clone();
    let p = second.poll().await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p1 = task.await.unwrap();
    assert_eq!(
        p1.status,
        StatusCode::CONFLICT,
        "the held poll learns it too"
    );
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "ended");
    assert_eq!(s["endedBy"], "duplicate_poll");
    assert_eq!(s["maxOpenPolls"], 1);
    assert_eq!(s["openPolls"], 0);
    let mut after = v.clone();
    assert_eq!(after.poll().await.status, StatusCode::FORBIDDEN);
    assert_eq!(after.message("x").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn duplicate_poll_fault() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "duplicate_poll", "path": "/System/Messages"}))
        .await;
    assert_eq!(v.message("not a poll: unaffected").await, StatusCode::OK);
    assert_eq!(v.poll().await.status, StatusCode::CONFLICT);
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "ended");
    assert_eq!(s["endedBy"], "duplicate_poll");
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn server_error_fault_with_count_and_path() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.fault(
        json!({"kind": "server_error", "count": 2, "path": "/chat/rest/Chasitor/ChatMessage"}),
    )
    .await;
    let faults = sim.ctl_get("/faults").await;
    assert_eq!(
        faults,
        json!([{"kind": "server_error", "count": 2, "ms": 0, "path": "/Chasitor/ChatMessage"}])
    );
    assert_eq!(
        v.post("/Chasitor/ChasitorTyping", None).await.0,
        StatusCode::OK
    );
    assert_eq!(v.message("a").await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v.message("b").await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v.message("c").await, StatusCode::OK);
    let types: Vec<String> = sim.session(&v.id).await["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["ChasitorInit", "ChasitorTyping", "ChatMessage"]);
    assert_eq!(sim.ctl_get("/faults").await, json!([]));
    // Bad fault specs.
    let (status, _) = sim.ctl_post("/faults", json!({"kind": "meteor"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim
        .ctl_post("/faults", json!({"kind": "drop", "count": 0}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_request_fault_refuses_without_processing() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "bad_request", "path": "/Chasitor/ChatMessage"}))
        .await;
    assert_eq!(v.message("a").await, StatusCode::BAD_REQUEST);
    assert_eq!(v.message("b").await, StatusCode::OK);
    let texts: Vec<Value> = sim.session(&v.id).await["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "ChatMessage")
        .map(|r| r["body"]["text"].clone())
        .collect();
    assert_eq!(texts, [json!("b")]);
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let sim = Sim::quick().await;
    // Raw TCP: the request is read, then the connection closes with not a byte written.
    sim.fault(json!({"kind": "drop", "path": "/System/SessionId"}))
        .await;
    let mut tcp = tokio::net::TcpStream::connect(sim.handle.addr)
        .await
        .unwrap();
    tcp.write_all(
        b"GET /chat/rest/System/SessionId HTTP/1.1\r\nHost: sim\r\nX-LIVEAGENT-API-VERSION: 56\r\nX-LIVEAGENT-AFFINITY: null\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf))
        .await
        .expect("the server closes the connection");
    match read {
        Ok(n) => assert_eq!(n, 0, "no HTTP answer: {:?}", String::from_utf8_lossy(&buf)),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }

    // An HTTP client sees a transport error, not a status.
    let mut v = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "drop", "path": "/System/Messages"}))
        .await;
    let fresh = client();
    let err = fresh
        .get(format!("{}/System/Messages?ack={}", v.base, v.ack))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", &v.affinity)
        .header("X-LIVEAGENT-SESSION-KEY", &v.key)
        .send()
        .await
        .expect_err("a dropped connection is a transport error");
    assert!(err.status().is_none());
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    // The drop was not a poll the session counts as open; the next poll works.
    sim.agent(&v.id, "message", json!({"text": "after the drop"}))
        .await;
    assert_eq!(v.poll().await.types(), ["ChatMessage"]);
    // The request log records the dropped requests with status 0.
    let log = sim.requests().await;
    let dropped: Vec<&Value> = log.iter().filter(|r| r["status"] == 0).collect();
    assert_eq!(dropped.len(), 2, "{log:?}");
    assert_eq!(dropped[0]["path"], "/chat/rest/System/SessionId");
    assert_eq!(dropped[1]["path"], "/chat/rest/System/Messages");
    assert_eq!(dropped[1]["session"], v.id.as_str());
}

#[tokio::test]
async fn delay_fault_holds_the_answer() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "delay", "ms": 400, "path": "/Chasitor/ChatMessage"}))
        .await;
    let start = Instant::now();
    assert_eq!(v.message("slow").await, StatusCode::OK);
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(400), "{took:?}");
    let start = Instant::now();
    assert_eq!(v.message("fast").await, StatusCode::OK);
    assert!(start.elapsed() < Duration::from_millis(400));
    let texts: Vec<String> = sim.session(&v.id).await["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "ChatMessage")
        .map(|r| r["body"]["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts, ["slow", "fast"]);
}

#[tokio::test]
async fn aborted_poll_is_no_longer_counted() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_secs(20),
        ..SimConfig::default()
    })
    .await;
    let mut v = sim.established("Andy L.").await;
    // The client gives up on a held poll (e.g. its clientPollTimeout) and closes the connection.
    let fresh = client();
    let poll = fresh
        .get(format!("{}/System/Messages?ack={}", v.base, v.ack))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", &v.affinity)
        .header("X-LIVEAGENT-SESSION-KEY", &v.key)
        .send();
    let task = tokio::spawn(poll);
    sim.wait_session(&v.id, "held poll", |s| s["openPolls"] == 1)
        .await;
    task.abort();
    drop(fresh);
    sim.wait_session(&v.id, "the aborted poll to be released", |s| {
        s["openPolls"] == 0
    })
    .await;
    // A new poll is not a duplicate.
    sim.agent(&v.id, "message", json!({"text": "still here"}))
        .await;
    assert_eq!(v.poll().await.types(), ["ChatMessage"]);
    assert_eq!(sim.session(&v.id).await["state"], "established");
}

#[tokio::test]
async fn request_log_lists_every_chat_request() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    v.message("x").await;
    let _ = sim.ctl_get("/sessions").await; // control requests are not logged
    let log = sim.requests().await;
    let summary: Vec<(String, String, Value, u64)> = log
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_string(),
                r["query"].clone(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "GET".into(),
                "/chat/rest/System/SessionId".into(),
                Value::Null,
                200
            ),
            (
                "POST".into(),
                "/chat/rest/Chasitor/ChasitorInit".into(),
                Value::Null,
                200
            ),
            (
                "GET".into(),
                "/chat/rest/System/Messages".into(),
                json!("ack=-1"),
                200
            ),
            (
                "GET".into(),
                "/chat/rest/System/Messages".into(),
                json!("ack=1"),
                200
            ),
            (
                "POST".into(),
                "/chat/rest/Chasitor/ChatMessage".into(),
                Value::Null,
                200
            ),
        ]
    );
    for r in &log {
        assert_eq!(r["session"], v.id.as_str(), "{r}");
        assert!(r["atMs"].as_u64().unwrap() > 1_600_000_000_000);
    }
}

#[tokio::test]
async fn reconnect_session_answers_a_poll_held_from_before_with_204() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let mut v = sim.established("Andy L.").await;
    let mut held = v.clone();
    let task = tokio::spawn(async move { held.poll().await });
    sim.wait_session(&v.id, "held poll", |s| s["openPolls"] == 1)
        .await;
    // A client reconnecting without a 503 first (the affinity does not change).
    let r = v
        .req(
            Method::GET,
            "/System/ReconnectSession?ReconnectSession.offset=0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["messages"][0]["message"]["affinityToken"],
        v.affinity.as_str()
    );
    let p = task.await.unwrap();
    assert_eq!(p.status, StatusCode::NO_CONTENT, "{}", p.body);
    let p = v.poll().await;
    assert_eq!(p.types()[0], "ChasitorSessionData");
    // A bad offset is a bad request.
    let r = v
        .req(
            Method::GET,
            "/System/ReconnectSession?ReconnectSession.offset=abc",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
