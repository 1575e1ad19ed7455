//! The Enhanced Chat event stream (`GET /eventrouter/v1/sse`): order, ids, resume with
//! `Last-Event-Id`, keep-alives, checks, faults on the stream and the REST routes, and CORS.

mod common;

use chasitor_sim::DEFAULT_ORG_ID;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

/// Reads events until the stream ends or is quiet for 300 ms.
async fn drain(stream: &mut SseReader) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while let Ok(Some(e)) = stream.next_within(Duration::from_millis(300)).await {
        out.push(e);
    }
    out
}

#[tokio::test]
async fn events_come_in_order_with_rising_ids_and_named_payloads() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    sim.agent(&conv, "accept", json!({"agentName": "Andy L."}))
        .await;
    sim.agent(&conv, "typing", json!({"typing": true})).await;
    sim.agent(&conv, "message", json!({"text": "Hello"})).await;
    sim.agent(&conv, "typing", json!({"typing": false})).await;
    let (_, mine) = v.say(&conv, "Hi").await;
    let mut events = stream.expect_all(QUEUED).await;
    events.extend(stream.expect_all(ACCEPTED).await);
    for _ in 0..4 {
        events.push(stream.next().await.expect("open"));
    }
    let names: Vec<&str> = events[7..].iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "CONVERSATION_TYPING_STARTED_INDICATOR",
            "CONVERSATION_MESSAGE",
            "CONVERSATION_TYPING_STOPPED_INDICATOR",
            "CONVERSATION_MESSAGE",
        ]
    );
    let ids: Vec<u64> = events.iter().map(SseEvent::id_num).collect();
    assert_eq!(ids, (1..=11).collect::<Vec<u64>>());
    for e in &events {
        assert_eq!(e.data["conversationId"], conv);
        assert!(e.data["conversationEntry"]["entryPayload"].is_string());
        assert!(e.data["channelAddressIdentifier"].is_string());
        // Every payload names its own entry type, as the entry does.
        assert_eq!(
            e.payload()["entryType"],
            e.data["conversationEntry"]["entryType"]
        );
    }
    let routing = events[1].payload();
    assert_eq!(routing["routingType"], "Initial");
    assert_eq!(routing["failureType"], "None");
    let joined = events[5].payload();
    assert_eq!(joined["entries"][0]["operation"], "add");
    assert_eq!(joined["entries"][0]["displayName"], "Andy L.");
    assert_eq!(joined["entries"][0]["participant"]["role"], "Agent");
    assert_eq!(
        events[7].data["conversationEntry"]["senderDisplayName"],
        "Andy L."
    );
    assert_eq!(
        events[8].data["conversationEntry"]["sender"]["role"],
        "Agent"
    );
    assert_eq!(
        events[8].payload()["abstractMessage"]["staticContent"]["text"],
        "Hello"
    );
    assert_eq!(events[10].data["conversationEntry"]["identifier"], mine);
}

#[tokio::test]
async fn resume_after_last_event_id_delivers_exactly_what_was_missed() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "message", json!({"text": "one"})).await;
    let seen = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(seen.id, "8");
    drop(stream);
    for text in ["two", "three", "four"] {
        sim.agent(&conv, "message", json!({"text": text})).await;
    }
    let mut stream = v.stream(Some(&seen.id)).await;
    let got = drain(&mut stream).await;
    let texts: Vec<String> = got
        .iter()
        .map(|e| {
            e.payload()["abstractMessage"]["staticContent"]["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts, ["two", "three", "four"]);
    let ids: Vec<u64> = got.iter().map(SseEvent::id_num).collect();
    assert_eq!(ids, [9, 10, 11]);
    // Live events follow on the same stream.
    sim.agent(&conv, "message", json!({"text": "five"})).await;
    assert_eq!(stream.expect("CONVERSATION_MESSAGE").await.id, "12");
    // An id beyond the last one: nothing is replayed, new events come.
    let mut ahead = v.stream(Some("12")).await;
    ahead.quiet_for(Duration::from_millis(200)).await;
    // Without Last-Event-Id the stream starts at the present.
    let mut fresh = v.stream(None).await;
    fresh.quiet_for(Duration::from_millis(200)).await;
    sim.agent(&conv, "message", json!({"text": "six"})).await;
    assert_eq!(fresh.expect("CONVERSATION_MESSAGE").await.id, "13");
    assert_eq!(ahead.expect("CONVERSATION_MESSAGE").await.id, "13");
}

#[tokio::test]
async fn a_dropped_stream_loses_nothing_on_resume() {
    let sim = Sim::miaw().await;
    let (v, conv, stream) = sim.mchat("Andy L.").await;
    drop(stream);
    sim.wait_session(&conv, "the stream to close", |s| s["openStreams"] == 0)
        .await;
    for i in 0..5 {
        sim.agent(&conv, "message", json!({"text": format!("m{i}")}))
            .await;
    }
    sim.fault(json!({"kind": "drop", "path": "/eventrouter/v1/sse"}))
        .await;
    let mut got: Vec<SseEvent> = Vec::new();
    // After the 7 events of the queue and the accept.
    let mut stream = v.stream(Some("7")).await;
    // The stream is cut after its first event, in the middle of the second.
    got.extend(drain(&mut stream).await);
    assert!(stream.cut, "the connection was cut, not ended cleanly");
    assert_eq!(got.len(), 1);
    let mut stream = v.stream(Some(&got.last().unwrap().id)).await;
    got.extend(drain(&mut stream).await);
    let ids: Vec<u64> = got.iter().map(SseEvent::id_num).collect();
    assert_eq!(ids, [8, 9, 10, 11, 12], "every event once, in order");

    drop(stream);
    sim.wait_session(&conv, "the stream to close", |s| s["openStreams"] == 0)
        .await;

    // A live stream cut when an event arrives.
    sim.fault(json!({"kind": "drop", "path": "/eventrouter/v1/sse"}))
        .await;
    let mut stream = v.stream(Some("12")).await;
    sim.agent(&conv, "message", json!({"text": "live"})).await;
    assert_eq!(stream.expect("CONVERSATION_MESSAGE").await.id, "13");
    assert!(drain(&mut stream).await.is_empty());
    assert!(stream.cut);
    let s = sim.session(&conv).await;
    assert_eq!(s["maxOpenStreams"], 1);
}

#[tokio::test]
async fn duplicate_event_fault_sends_an_event_twice_with_the_same_id() {
    let sim = Sim::miaw().await;
    let (v, conv, stream) = sim.mchat("Andy L.").await;
    drop(stream);
    sim.fault(json!({"kind": "duplicate_event", "path": "/eventrouter/v1/sse"}))
        .await;
    sim.agent(&conv, "message", json!({"text": "twice"})).await;
    sim.agent(&conv, "message", json!({"text": "once"})).await;
    let mut stream = v.stream(Some("7")).await;
    let got = drain(&mut stream).await;
    let ids: Vec<u64> = got.iter().map(SseEvent::id_num).collect();
    assert_eq!(ids, [8, 8, 9]);
    assert_eq!(got[0].data, got[1].data);
    // The fault is used up: the next stream is normal.
    let mut stream = v.stream(Some("7")).await;
    let ids: Vec<u64> = drain(&mut stream)
        .await
        .iter()
        .map(SseEvent::id_num)
        .collect();
    assert_eq!(ids, [8, 9]);
}

#[tokio::test]
async fn idle_streams_get_keep_alive_comments() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let mut stream = v.stream(Some("0")).await;
    let started = Instant::now();
    stream.keepalives(3).await;
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "every 100 ms, not faster"
    );
}

#[tokio::test]
async fn the_stream_checks_token_org_and_last_event_id() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let r = v.open_stream(Some("0"), None).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "X-Org-Id is required");
    let r = v.open_stream(Some("0"), Some("00D000000000999")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = v.open_stream(Some("abc"), Some(DEFAULT_ORG_ID)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = v
        .open_stream(Some("0"), Some(&format!("{DEFAULT_ORG_ID}AAA")))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "18 characters work");
    let r = sim
        .http
        .get(sim.url(SSE))
        .header("X-Org-Id", DEFAULT_ORG_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_stream_per_visitor_carries_every_conversation_of_that_visitor() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let other = sim.mvisitor().await;
    let a = v.create().await;
    let b = v.create().await;
    let c = other.create().await;
    let mut stream = v.stream(Some("0")).await;
    let mut other_stream = other.stream(Some("0")).await;
    for id in [&a, &b, &c] {
        sim.agent(id, "accept", json!({"agentName": "Andy L."}))
            .await;
    }
    let got = drain(&mut stream).await;
    let convs: Vec<&str> = got
        .iter()
        .map(|e| e.data["conversationId"].as_str().unwrap())
        .collect();
    // Each queued (3 events), a accepted (4) and b moved up the queue (1), b accepted (4).
    let expected: Vec<&str> = [(&a, 3), (&b, 3), (&a, 4), (&b, 1), (&b, 4)]
        .iter()
        .flat_map(|(id, n)| std::iter::repeat_n(id.as_str(), *n))
        .collect();
    assert_eq!(convs, expected);
    let ids: Vec<u64> = got.iter().map(SseEvent::id_num).collect();
    assert_eq!(
        ids,
        (1..=15).collect::<Vec<u64>>(),
        "one id sequence per visitor"
    );
    let theirs = drain(&mut other_stream).await;
    assert!(theirs
        .iter()
        .all(|e| e.data["conversationId"] == c.as_str()));
    // Queued third (3), moved up twice (2), accepted (4).
    assert_eq!(theirs.len(), 9);

    let s = sim.session(&a).await;
    assert_eq!(
        (s["openStreams"].clone(), s["maxOpenStreams"].clone()),
        (json!(1), json!(1))
    );
    // A closed stream stops counting once the server notices (at the next keep-alive).
    drop(stream);
    sim.wait_session(&a, "the stream to close", |s| s["openStreams"] == 0)
        .await;
    let _second = v.stream(None).await;
    let _third = v.stream(None).await;
    let s = sim
        .wait_session(&b, "two streams", |s| s["openStreams"] == 2)
        .await;
    assert_eq!(s["maxOpenStreams"], 2);
}

#[tokio::test]
async fn reset_ends_open_streams() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let mut stream = v.stream(Some("0")).await;
    let (status, _) = sim.ctl_post("/reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(drain(&mut stream).await.is_empty());
    assert!(stream.ended);
    assert_eq!(
        v.create_with(json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn faults_on_the_rest_routes() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let msg_path = format!("{MIAW_API}/conversation/{conv}/message");

    sim.fault(json!({"kind": "server_error", "path": msg_path, "count": 2}))
        .await;
    assert_eq!(
        v.say(&conv, "a").await.0.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        v.say(&conv, "b").await.0.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(v.say(&conv, "c").await.0.status, StatusCode::ACCEPTED);

    sim.fault(json!({"kind": "bad_request", "path": "/iamessage/api/v2/conversation"}))
        .await;
    assert_eq!(v.say(&conv, "d").await.0.status, StatusCode::BAD_REQUEST);

    sim.fault(json!({"kind": "delay", "ms": 300, "path": msg_path}))
        .await;
    let started = Instant::now();
    assert_eq!(v.say(&conv, "e").await.0.status, StatusCode::ACCEPTED);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.fault(json!({"kind": "drop", "path": msg_path})).await;
    let r = v
        .req(Method::POST, &format!("/conversation/{conv}/message"))
        .json(&MVisitor::message_body("f", &uuid()))
        .send()
        .await;
    assert!(r.is_err(), "no answer: {r:?}");

    let s = sim.session(&conv).await;
    let texts: Vec<&str> = s["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_object().unwrap()["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["c", "e"], "faulted requests are not processed");
    let log = sim.requests().await;
    let statuses: Vec<u64> = log
        .iter()
        .filter(|r| r["path"] == msg_path)
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 202, 400, 202, 0]);
    assert!(log
        .iter()
        .all(|r| r["path"] != msg_path || r["session"] == conv));

    // Live Agent faults do not hit Enhanced Chat requests and the other way round.
    sim.fault(json!({"kind": "duplicate_poll"})).await;
    sim.fault(json!({"kind": "token_expired", "path": "/System/Messages"}))
        .await;
    assert_eq!(v.say(&conv, "g").await.0.status, StatusCode::ACCEPTED);
    let pending = sim.ctl_get("/faults").await;
    assert_eq!(pending.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn token_expired_fault_expires_the_token() {
    let sim = Sim::miaw().await;
    sim.fault(json!({"kind": "token_expired"})).await;
    // The token request carries no token: not matched.
    let v = sim.mvisitor().await;
    let conv_id = uuid();
    let a = v
        .create_with(json!({"conversationId": conv_id, "esDeveloperName": "Chasitor_Demo"}))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        v.create_with(json!({})).await.status,
        StatusCode::UNAUTHORIZED,
        "and stays expired"
    );
    let w = sim.mvisitor().await;
    w.create().await;
}

#[tokio::test]
async fn rate_limited_fault_answers_429_with_retry_after_and_processes_nothing() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    sim.fault(json!({"kind": "rate_limited", "path": "/iamessage/api/v2/conversation"}))
        .await;
    let (r, _) = v.say(&conv, "limited").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.headers.get("retry-after").map(|h| h.as_bytes()),
        Some(&b"1"[..])
    );
    assert_eq!(v.say(&conv, "next").await.0.status, StatusCode::ACCEPTED);
    let view = sim.ctl_get(&format!("/sessions/{conv}")).await;
    let texts: Vec<&str> = view["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Message")
        .map(|r| {
            r["body"]["message"]["staticContent"]["text"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(texts, ["next"]);
    // A Live Agent request never takes it.
    sim.fault(json!({"kind": "rate_limited"})).await;
    let pending = sim.ctl_get("/faults").await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn cors_preflights_for_allowed_origins() {
    let sim = Sim::miaw_with(|c| c.cors_origin = Some("http://localhost:9000".into())).await;
    let preflight = |origin: &'static str, path: String| {
        sim.http
            .request(Method::OPTIONS, sim.url(&path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type,x-org-id,last-event-id",
            )
            .send()
    };
    let msg = format!("{MIAW_API}/conversation/{}/message", uuid());
    for origin in [
        "http://localhost:8080",
        "http://127.0.0.1:8080",
        "http://localhost:9000",
    ] {
        for path in [msg.clone(), SSE.to_string()] {
            let r = preflight(origin, path.clone()).await.unwrap();
            assert!(r.status().is_success(), "{origin} {path}: {}", r.status());
            let h = r.headers();
            assert_eq!(h["access-control-allow-origin"], origin);
            let allowed = h["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase();
            for name in ["authorization", "content-type", "x-org-id", "last-event-id"] {
                assert!(allowed.contains(name), "{name} in {allowed}");
            }
        }
    }
    let r = preflight("http://evil.example", msg.clone()).await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // Actual requests carry the header too, errors included.
    let r = sim
        .http
        .get(sim.url(&format!("{MIAW_API}/conversation/list")))
        .header("Origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    // The Live Agent API keeps its own preflight (its headers, --cors-origin only).
    let r = sim
        .http
        .request(Method::OPTIONS, sim.url("/chat/rest/System/Messages"))
        .header("Origin", "http://localhost:9000")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "x-liveagent-session-key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:9000"
    );
}

#[tokio::test]
async fn no_allowed_origins_no_cors() {
    let sim = Sim::miaw_with(|c| {
        for d in &mut c.miaw {
            d.allowed_origins.clear();
        }
    })
    .await;
    let r = sim
        .http
        .request(Method::OPTIONS, sim.url(SSE))
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
