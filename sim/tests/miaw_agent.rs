//! The agent's side of Enhanced Chat conversations through the control API: the same endpoints
//! as for Live Agent sessions, plus receipts, the end of the messaging session and token expiry.

mod common;

use chasitor_sim::DEFAULT_BUTTON_ID;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn sessions_lists_both_apis_oldest_first() {
    let sim = Sim::miaw().await;
    let mut la = sim.visitor().await;
    assert_eq!(la.init(DEFAULT_BUTTON_ID).await, StatusCode::OK);
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let _stream = v.stream(Some("0")).await;
    v.say(&conv, "Hello?").await;
    let list = sim.wait_for_sessions(|l| l[1]["openStreams"] == 1).await;
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0]["api"].clone(), list[0]["id"].clone()),
        (json!("liveagent"), json!(la.id))
    );
    let m = &list[1];
    assert_eq!(m["api"], "miaw");
    assert_eq!(m["id"], conv);
    assert_eq!(m["state"], "queued");
    assert_eq!(m["visitorName"], "Jon A.");
    assert_eq!(m["agentName"], Value::Null);
    assert_eq!(m["maxOpenStreams"], 1);
    let received: Vec<&str> = m["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(received, ["CreateConversation", "Message"]);
    assert_eq!(
        m["received"][1]["body"]["message"]["staticContent"]["text"],
        "Hello?"
    );
    // The Live Agent session is unchanged apart from its "api".
    assert_eq!(list[0]["state"], "queued");
    assert!(list[0].get("openPolls").is_some());
    la.poll_for("ChatRequestSuccess").await;
}

impl Sim {
    async fn wait_for_sessions(&self, check: impl Fn(&Vec<Value>) -> bool) -> Vec<Value> {
        wait_for("the sessions", || async {
            let list = self.ctl_get("/sessions").await.as_array().cloned().unwrap();
            check(&list).then_some(list)
        })
        .await
    }
}

#[tokio::test]
async fn accept_message_typing_transfer_disconnect_and_end() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    let queued = stream.expect_all(QUEUED).await;
    assert_eq!(queued[1].payload()["routingType"], "Initial");
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/message"), json!({"text": "x"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "no agent yet");

    let s = sim
        .agent(&conv, "accept", json!({"agentName": "Andy L."}))
        .await;
    assert_eq!(
        (s["state"].clone(), s["agentConnected"].clone()),
        (json!("established"), json!(true))
    );
    stream.expect_all(ACCEPTED).await;
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    sim.agent(&conv, "typing", json!({"typing": true})).await;
    stream.expect("CONVERSATION_TYPING_STARTED_INDICATOR").await;
    let s = sim
        .agent(&conv, "message", json!({"text": "How can I help?"}))
        .await;
    assert_eq!(s["transcript"][0]["type"], "Agent");
    assert_eq!(s["transcript"][0]["name"], "Andy L.");
    stream.expect("CONVERSATION_MESSAGE").await;

    sim.agent(&conv, "transfer", json!({"agentName": "Bea K."}))
        .await;
    let routing = stream.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(routing.payload()["routingType"], "Transfer");
    let work = stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await;
    assert_eq!(work.payload()["workType"], "Transferred");
    let left = stream
        .expect("CONVERSATION_PARTICIPANT_CHANGED")
        .await
        .payload();
    assert_eq!(
        (
            left["entries"][0]["operation"].clone(),
            left["entries"][0]["displayName"].clone()
        ),
        (json!("remove"), json!("Andy L."))
    );
    let joined = stream
        .expect("CONVERSATION_PARTICIPANT_CHANGED")
        .await
        .payload();
    assert_eq!(
        (
            joined["entries"][0]["operation"].clone(),
            joined["entries"][0]["displayName"].clone()
        ),
        (json!("add"), json!("Bea K."))
    );
    sim.agent(&conv, "message", json!({"text": "Bea here"}))
        .await;
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(e.data["conversationEntry"]["senderDisplayName"], "Bea K.");

    let s = sim.agent(&conv, "disconnect", json!({})).await;
    assert_eq!(
        (s["state"].clone(), s["agentConnected"].clone()),
        (json!("established"), json!(false))
    );
    let left = stream
        .expect("CONVERSATION_PARTICIPANT_CHANGED")
        .await
        .payload();
    assert_eq!(left["entries"][0]["operation"], "remove");
    // The visitor may still write; another agent may accept.
    assert_eq!(v.say(&conv, "anyone?").await.0.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    sim.agent(&conv, "accept", json!({"agentName": "Cy"})).await;
    stream.expect("CONVERSATION_ROUTING_RESULT").await;
    stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await;

    // The agent's end ends the messaging session; the conversation stays open.
    let s = sim.agent(&conv, "end", json!({})).await;
    assert_eq!(
        (
            s["state"].clone(),
            s["endedBy"].clone(),
            s["endReason"].clone()
        ),
        (json!("session-ended"), json!("agent"), json!("agent"))
    );
    stream.expect_all(SESSION_ENDED).await;
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/end"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the session has ended already"
    );
    // The org closes it.
    let s = sim.agent(&conv, "close-conversation", json!({})).await;
    assert_eq!(s["state"], "ended");
    stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/close-conversation"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(v.say(&conv, "bye").await.0.status, StatusCode::BAD_REQUEST);
    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.json["openConversationsFound"], 0);
}

#[tokio::test]
async fn queue_sends_a_routing_result_with_the_wait() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    let s = sim
        .agent(
            &conv,
            "queue",
            json!({"position": 3, "estimatedWaitTime": 120}),
        )
        .await;
    assert_eq!(
        (s["queuePosition"].clone(), s["estimatedWaitTime"].clone()),
        (json!(3), json!(120))
    );
    stream.expect_all(QUEUED).await;
    let p = stream.expect("CONVERSATION_ROUTING_RESULT").await.payload();
    let q = stream.expect("CONVERSATION_QUEUE_POSITION").await.payload();
    assert_eq!(q["position"], 3);
    assert_eq!(
        p["estimatedWaitTime"],
        json!({"estimatedWaitTimeInSeconds": 120, "isEWTRequested": true})
    );
    assert_eq!(p["failureType"], "None");
    sim.agent(&conv, "accept", json!({})).await;
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/queue"), json!({"position": 1}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "not queued any more");
}

#[tokio::test]
async fn actions_without_a_meaning_in_enhanced_chat_are_refused() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    for action in ["custom-event", "affinity-change", "idle-warning"] {
        let (status, body) = sim
            .ctl_post(&format!("/sessions/{conv}/{action}"), json!({"type": "x"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action}: {body}");
    }
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/fly"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/transfer"), json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "agentName is required");
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{}/accept", uuid()), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The new actions do not exist for Live Agent sessions.
    let mut la = sim.visitor().await;
    la.init(DEFAULT_BUTTON_ID).await;
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{}/end-session", la.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delivery_and_read_receipts_from_the_agent() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let (_, first) = v.say(&conv, "one").await;
    let (_, second) = v.say(&conv, "two").await;
    stream.expect("CONVERSATION_MESSAGE").await;
    stream.expect("CONVERSATION_MESSAGE").await;

    // Delivery for every message not yet delivered.
    sim.agent(&conv, "delivered", json!({})).await;
    for id in [&first, &second] {
        let e = stream.expect("CONVERSATION_DELIVERY_ACKNOWLEDGEMENT").await;
        assert_eq!(e.data["conversationEntry"]["relatedRecords"][0], *id);
        assert_eq!(
            e.data["conversationEntry"]["entryType"],
            "DeliveryAcknowledgement"
        );
        assert_eq!(e.payload()["acknowledgedConversationEntryIdentifier"], *id);
    }
    // Read for one message.
    let s = sim.agent(&conv, "read", json!({"messageId": second})).await;
    let e = stream.expect("CONVERSATION_READ_ACKNOWLEDGEMENT").await;
    assert_eq!(e.data["conversationEntry"]["relatedRecords"][0], second);
    let lines = s["transcript"].as_array().unwrap();
    assert_eq!(
        (lines[0]["delivered"].clone(), lines[0]["read"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        (lines[1]["delivered"].clone(), lines[1]["read"].clone()),
        (json!(true), json!(true))
    );
    // Nothing left to deliver: no event.
    sim.agent(&conv, "delivered", json!({})).await;
    stream.quiet_for(Duration::from_millis(200)).await;
    let (status, _) = sim
        .ctl_post(
            &format!("/sessions/{conv}/read"),
            json!({"messageId": uuid()}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Receipts are in the history too.
    let h = v
        .entries(&conv, "?entryTypeFilter=ReadAcknowledgement")
        .await;
    assert_eq!(h.json["conversationEntries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn end_session_keeps_the_conversation_open() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let s = sim.agent(&conv, "end-session", json!({})).await;
    assert_eq!(
        (
            s["state"].clone(),
            s["messagingSession"].clone(),
            s["agentConnected"].clone()
        ),
        (json!("session-ended"), json!("ended"), json!(false))
    );
    let ended = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(ended[1].payload()["entries"][0]["operation"], "remove");
    assert_eq!(ended[0].payload()["sessionEndedByRole"], "System");
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/end-session"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{conv}/accept"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a new session starts with the visitor's message"
    );
    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.json["openConversationsFound"], 1);
    assert_eq!(
        v.say(&conv, "hi").await.0.status,
        StatusCode::EXPECTATION_FAILED
    );
}

#[tokio::test]
async fn expire_token_makes_the_next_request_401() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "expire-token", json!({})).await;
    assert_eq!(v.say(&conv, "hi").await.0.status, StatusCode::UNAUTHORIZED);
    let r = v
        .open_stream(Some("0"), Some(chasitor_sim::DEFAULT_ORG_ID))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The agent can still talk; an open stream keeps delivering.
    sim.agent(&conv, "message", json!({"text": "still here"}))
        .await;
    stream.expect("CONVERSATION_MESSAGE").await;
}

#[tokio::test]
async fn the_console_knows_enhanced_chat() {
    let sim = Sim::miaw().await;
    let page = sim.console_page().await;
    for needle in [
        "miaw",
        "end-session",
        "delivered",
        "expire-token",
        "close-conversation",
        "inactivate",
        "decline",
        "Chatbot",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
}
