//! Enhanced Chat messaging sessions and routing: `CONVERSATION_SESSION_STATUS_CHANGED` on every
//! transition, the agent's end (the session ends, the conversation stays open), new sessions,
//! bots, customer inactivity, queue positions, routing work results, the routing status route,
//! the org's and the visitor's closes, CORS for Salesforce's own client and JSON 404s.

mod common;

use chasitor_sim::DEFAULT_ES_DEVELOPER_NAME;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The payload of a session status event: `(status, prev, ended by)`.
fn status(e: &SseEvent) -> (Value, Value, Value) {
    assert_eq!(e.event, "CONVERSATION_SESSION_STATUS_CHANGED");
    let entry = &e.data["conversationEntry"];
    assert_eq!(entry["entryType"], "SessionStatusChanged");
    assert_eq!(entry["sender"]["role"], "System");
    assert_eq!(entry["senderDisplayName"], "System");
    let p = e.payload();
    assert_eq!(p["entryType"], "SessionStatusChanged");
    assert_eq!(p["conversationIdentifier"], e.data["conversationId"]);
    assert!(p["sessionStartTime"].is_u64());
    if p["sessionStatus"] == "Ended" {
        assert!(p["sessionEndTime"].is_u64());
    } else {
        assert!(p["sessionEndTime"].is_null());
    }
    (
        p["sessionStatus"].clone(),
        p["sessionStatusPrev"].clone(),
        p["sessionEndedByRole"].clone(),
    )
}

fn work(e: &SseEvent) -> Value {
    assert_eq!(e.event, "CONVERSATION_ROUTING_WORK_RESULT");
    let entry = &e.data["conversationEntry"];
    assert_eq!(entry["sender"]["role"], "Router");
    let p = e.payload();
    assert_eq!(p["entryType"], "RoutingWorkResult");
    assert_eq!(p["workItemId"], e.data["conversationId"]);
    p["workType"].clone()
}

fn position(e: &SseEvent) -> Value {
    assert_eq!(e.event, "CONVERSATION_QUEUE_POSITION");
    assert_eq!(e.data["conversationEntry"]["sender"]["role"], "Router");
    let p = e.payload();
    assert_eq!(p["entryType"], "QueuePosition");
    assert_eq!(p["workItemId"], e.data["conversationId"]);
    let routing = p["pendingServiceRoutingId"].as_str().unwrap();
    assert_eq!(routing.len(), 18, "{routing}");
    assert!(routing.starts_with("0JR"), "{routing}");
    p["position"].clone()
}

fn participant(e: &SseEvent) -> (Value, Value, Value) {
    assert_eq!(e.event, "CONVERSATION_PARTICIPANT_CHANGED");
    let p = &e.payload()["entries"][0];
    (
        p["operation"].clone(),
        p["displayName"].clone(),
        p["participant"]["role"].clone(),
    )
}

fn s(v: &str) -> Value {
    json!(v)
}

async fn routing_status(v: &MVisitor, conv: &str) -> Value {
    let a = v
        .call(Method::GET, &format!("/conversation/{conv}"), None)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["conversationId"], conv);
    a.json["routingStatus"].clone()
}

async fn new_session_message(v: &MVisitor, conv: &str, text: &str, new: bool) -> Answer {
    let mut body = MVisitor::message_body(text, &uuid());
    if new {
        body["isNewMessagingSession"] = json!(true);
        body["routingAttributes"] = json!({"Topic": "Billing"});
    }
    v.call(
        Method::POST,
        &format!("/conversation/{conv}/message"),
        Some(body),
    )
    .await
}

fn open_count(list: &Answer) -> Value {
    list.json["openConversationsFound"].clone()
}

#[tokio::test]
async fn a_session_waits_goes_active_and_the_agents_end_keeps_the_conversation_open() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    assert_eq!(routing_status(&v, &conv).await, "INITIAL");
    let q = stream.expect_all(QUEUED).await;
    assert_eq!(status(&q[0]), (s("Waiting"), s("New"), Value::Null));
    let first_session = q[0].payload()["sessionId"].as_str().unwrap().to_string();
    assert_eq!(q[1].payload()["routingType"], "Initial");
    assert_eq!(position(&q[2]), 1);
    let view = sim.session(&conv).await;
    assert_eq!(
        (
            view["state"].clone(),
            view["sessionId"].clone(),
            view["sessionStatus"].clone(),
            view["participantRole"].clone(),
            view["routingStatus"].clone(),
            view["queuePosition"].clone(),
        ),
        (
            s("queued"),
            s(&first_session),
            s("Waiting"),
            Value::Null,
            s("INITIAL"),
            json!(1)
        )
    );

    // An agent accepts: Assigned, Accepted, the agent joins, Waiting → Active.
    sim.agent(&conv, "accept", json!({"agentName": "Andy L."}))
        .await;
    let a = stream.expect_all(ACCEPTED).await;
    assert_eq!((work(&a[0]), work(&a[1])), (s("Assigned"), s("Accepted")));
    assert_eq!(participant(&a[2]), (s("add"), s("Andy L."), s("Agent")));
    assert_eq!(status(&a[3]), (s("Active"), s("Waiting"), Value::Null));
    assert_eq!(a[3].payload()["sessionId"], first_session.as_str());
    assert_eq!(routing_status(&v, &conv).await, "ROUTED");
    let view = sim.session(&conv).await;
    assert_eq!(
        (
            view["state"].clone(),
            view["sessionStatus"].clone(),
            view["participantRole"].clone()
        ),
        (s("established"), s("Active"), s("Agent"))
    );

    // The agent's End: the agent leaves, the work closes, the session ends by Agent. No close.
    let view = sim.agent(&conv, "end", json!({"reason": "resolved"})).await;
    assert_eq!(
        (
            view["state"].clone(),
            view["sessionStatus"].clone(),
            view["endReason"].clone(),
            view["participantRole"].clone(),
        ),
        (s("session-ended"), s("Ended"), s("resolved"), Value::Null)
    );
    let e = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(participant(&e[1]), (s("remove"), s("Andy L."), s("Agent")));
    assert_eq!(work(&e[2]), "Closed");
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("Agent")));
    stream.quiet_for(Duration::from_millis(200)).await;
    assert_eq!(routing_status(&v, &conv).await, "NEEDS_ROUTING");
    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(open_count(&list), 1, "still open");
    assert_eq!(list.json["conversations"][0]["status"], "OPEN");

    // 417 without isNewMessagingSession; with it a new session, routed again.
    let a = new_session_message(&v, &conv, "hello?", false).await;
    assert_eq!(a.status, StatusCode::EXPECTATION_FAILED);
    assert!(a.json["message"].is_string());
    let a = new_session_message(&v, &conv, "new session", true).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Waiting"), s("New"), Value::Null));
    let second_session = st.payload()["sessionId"].as_str().unwrap().to_string();
    assert_ne!(second_session, first_session, "a new sessionId");
    let m = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        m.payload()["abstractMessage"]["staticContent"]["text"],
        "new session"
    );
    let r = stream.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(r.payload()["routingType"], "Initial");
    assert_eq!(
        position(&stream.expect("CONVERSATION_QUEUE_POSITION").await),
        1
    );
    assert_eq!(routing_status(&v, &conv).await, "NEEDS_ROUTING");
    let view = sim.session(&conv).await;
    assert_eq!(view["state"], "queued");
    assert_eq!(view["routingAttributes"]["Topic"], "Billing");
    assert_eq!(view["endedBy"], Value::Null);

    // A second agent accepts the new session.
    sim.agent(&conv, "accept", json!({"agentName": "Bea"}))
        .await;
    let a = stream.expect_all(ACCEPTED).await;
    assert_eq!(participant(&a[2]), (s("add"), s("Bea"), s("Agent")));
    assert_eq!(status(&a[3]), (s("Active"), s("Waiting"), Value::Null));
    assert_eq!(a[3].payload()["sessionId"], second_session.as_str());
    sim.agent(&conv, "message", json!({"text": "Bea here"}))
        .await;
    let m = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(m.data["conversationEntry"]["senderDisplayName"], "Bea");
    // Session events are in history (newest first), queue positions are not.
    let h = v.entries(&conv, "?limit=50").await.json;
    let types: Vec<&str> = h["conversationEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entryType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "SessionStatusChanged")
            .count(),
        5
    );
    assert!(!types.contains(&"QueuePosition"));
    let newest_status = h["conversationEntries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entryType"] == "SessionStatusChanged")
        .unwrap();
    assert_eq!(newest_status["entryPayload"]["sessionStatus"], "Active");
}

#[tokio::test]
async fn end_session_is_by_system_and_close_conversation_ends_then_closes() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "end-session", json!({})).await;
    let e = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("System")));
    // Closing a conversation whose session ended: only the close.
    let view = sim.agent(&conv, "close-conversation", json!({})).await;
    assert_eq!(view["state"], "ended");
    let c = stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    assert_eq!(c.data["conversationEntry"]["sender"]["role"], "System");
    assert_eq!(c.payload()["entryType"], "CloseConversation");
    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(open_count(&list), 0);

    // Closing an active conversation: the session ends by System first.
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "close-conversation", json!({})).await;
    let e = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("System")));
    stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    let a = new_session_message(&v, &conv, "hi", true).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "closed for good");
    let (status_code, _) = sim
        .ctl_post(&format!("/sessions/{conv}/close-conversation"), json!({}))
        .await;
    assert_eq!(status_code, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_visitor_ends_the_session_or_closes_the_conversation() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let q = format!("?esDeveloperName={DEFAULT_ES_DEVELOPER_NAME}");
    let a = v
        .call(
            Method::DELETE,
            &format!("/conversation/{conv}/session{q}"),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let e = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("EndUser")));
    assert_eq!(sim.session(&conv).await["state"], "session-ended");
    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(open_count(&list), 1);
    // Again: nothing more.
    let a = v
        .call(
            Method::DELETE,
            &format!("/conversation/{conv}/session{q}"),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    // The close of a conversation whose session ended: only the close.
    let a = v
        .call(Method::DELETE, &format!("/conversation/{conv}{q}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    let view = sim.session(&conv).await;
    assert_eq!(
        (view["state"].clone(), view["endedBy"].clone()),
        (s("ended"), s("visitor"))
    );

    // The close of an active conversation: the session ends by EndUser, then the close.
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let a = v
        .call(Method::DELETE, &format!("/conversation/{conv}{q}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let e = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("EndUser")));
    stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
}

#[tokio::test]
async fn a_bot_accepts_talks_transfers_to_the_queue_and_an_agent_takes_over() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    stream.expect_all(QUEUED).await;
    let view = sim
        .agent(
            &conv,
            "accept",
            json!({"agentName": "Einstein", "role": "Chatbot"}),
        )
        .await;
    assert_eq!(view["participantRole"], "Chatbot");
    let a = stream.expect_all(ACCEPTED).await;
    assert_eq!(participant(&a[2]), (s("add"), s("Einstein"), s("Chatbot")));
    assert_eq!(status(&a[3]), (s("Active"), s("Waiting"), Value::Null));
    sim.agent(&conv, "typing", json!({"typing": true})).await;
    let t = stream.expect("CONVERSATION_TYPING_STARTED_INDICATOR").await;
    assert_eq!(t.data["conversationEntry"]["sender"]["role"], "Chatbot");
    sim.agent(&conv, "message", json!({"text": "I am a bot"}))
        .await;
    let m = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(m.data["conversationEntry"]["sender"]["role"], "Chatbot");
    assert_eq!(m.data["conversationEntry"]["senderDisplayName"], "Einstein");
    let (code, _) = sim
        .ctl_post(
            &format!("/sessions/{conv}/accept"),
            json!({"role": "Robot"}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);

    // The bot hands over to the queue.
    let view = sim.agent(&conv, "transfer", json!({})).await;
    assert_eq!(
        (
            view["state"].clone(),
            view["routingStatus"].clone(),
            view["sessionStatus"].clone()
        ),
        (s("queued"), s("TRANSFER"), s("Active"))
    );
    assert_eq!(routing_status(&v, &conv).await, "TRANSFER");
    assert_eq!(
        participant(&stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await),
        (s("remove"), s("Einstein"), s("Chatbot"))
    );
    let r = stream.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(r.payload()["routingType"], "Transfer");
    assert_eq!(
        work(&stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Transferred"
    );
    assert_eq!(
        position(&stream.expect("CONVERSATION_QUEUE_POSITION").await),
        1
    );
    // An agent may not transfer to the queue.
    sim.agent(&conv, "accept", json!({"agentName": "Andy L."}))
        .await;
    let a = stream.expect_all(&ACCEPTED[..3]).await;
    assert_eq!((work(&a[0]), work(&a[1])), (s("Assigned"), s("Accepted")));
    assert_eq!(participant(&a[2]), (s("add"), s("Andy L."), s("Agent")));
    assert_eq!(routing_status(&v, &conv).await, "ROUTED");
    let (code, _) = sim
        .ctl_post(&format!("/sessions/{conv}/transfer"), json!({}))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    sim.agent(&conv, "message", json!({"text": "Andy here"}))
        .await;
    let m = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(m.data["conversationEntry"]["sender"]["role"], "Agent");
}

#[tokio::test]
async fn a_bot_transfers_to_a_named_agent_and_a_bots_end_is_by_chatbot() {
    let sim = Sim::miaw().await;
    let (_v, conv, mut stream) = sim
        .mchat_with(json!({"agentName": "Bot", "role": "Chatbot"}))
        .await;
    sim.agent(&conv, "transfer", json!({"agentName": "Andy L."}))
        .await;
    let r = stream.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(r.payload()["routingType"], "Transfer");
    assert_eq!(
        work(&stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Transferred"
    );
    assert_eq!(
        participant(&stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await),
        (s("remove"), s("Bot"), s("Chatbot"))
    );
    assert_eq!(
        participant(&stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await),
        (s("add"), s("Andy L."), s("Agent"))
    );
    assert_eq!(sim.session(&conv).await["participantRole"], "Agent");

    // A bot's end: ended by Chatbot.
    let v2 = sim.mvisitor().await;
    let conv2 = v2.create().await;
    let mut stream2 = v2.stream(Some("0")).await;
    stream2.expect_all(QUEUED).await;
    sim.agent(&conv2, "accept", json!({"role": "Chatbot"}))
        .await;
    stream2.expect_all(ACCEPTED).await;
    sim.agent(&conv2, "end", json!({})).await;
    let e = stream2.expect_all(SESSION_ENDED).await;
    assert_eq!(participant(&e[1]).2, "Chatbot");
    assert_eq!(status(&e[0]), (s("Ended"), s("Active"), s("Chatbot")));
    assert_eq!(sim.session(&conv2).await["endedBy"], "chatbot");

    // The end of a waiting conversation: by System.
    let v3 = sim.mvisitor().await;
    let conv3 = v3.create().await;
    let mut stream3 = v3.stream(Some("0")).await;
    stream3.expect_all(QUEUED).await;
    sim.agent(&conv3, "end", json!({})).await;
    let st = stream3.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Ended"), s("Waiting"), s("System")));
    assert_eq!(
        work(&stream3.expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Closed"
    );
}

#[tokio::test]
async fn customer_inactivity_by_configuration_then_waiting_again_on_the_next_message() {
    let sim = Sim::miaw_with(|c| c.miaw[0].customer_inactivity_seconds = Some(0.3)).await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let active_at = Instant::now();
    let session_id = sim.session(&conv).await["sessionId"].clone();
    // A visitor message restarts the count.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (a, _) = v.say(&conv, "still here").await;
    let said_at = Instant::now();
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert!(
        said_at.elapsed() >= Duration::from_millis(300),
        "counted from the visitor's last message ({:?} after it, {:?} after Active)",
        said_at.elapsed(),
        active_at.elapsed()
    );
    assert_eq!(status(&st), (s("Inactive"), s("Active"), Value::Null));
    let e = stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(participant(&e), (s("remove"), s("Andy L."), s("Agent")));
    assert_eq!(
        work(&stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Closed"
    );
    assert_eq!(st.payload()["sessionId"], session_id);
    let view = sim.session(&conv).await;
    assert_eq!(
        (view["state"].clone(), view["sessionStatus"].clone()),
        (s("inactive"), s("Inactive"))
    );
    assert_eq!(routing_status(&v, &conv).await, "NEEDS_ROUTING");
    stream.quiet_for(Duration::from_millis(400)).await;

    // The next message (no isNewMessagingSession needed): Waiting again, same session, routed.
    let a = new_session_message(&v, &conv, "hello again", false).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Waiting"), s("Inactive"), Value::Null));
    assert_eq!(st.payload()["sessionId"], session_id);
    stream.expect("CONVERSATION_MESSAGE").await;
    let r = stream.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(r.payload()["routingType"], "Initial");
    assert_eq!(
        position(&stream.expect("CONVERSATION_QUEUE_POSITION").await),
        1
    );
    // Waiting does not go inactive.
    stream.quiet_for(Duration::from_millis(400)).await;
    sim.agent(&conv, "accept", json!({"agentName": "Bea"}))
        .await;
    let a = stream.expect_all(ACCEPTED).await;
    assert_eq!(status(&a[3]), (s("Active"), s("Waiting"), Value::Null));
    // Inactive again 0.3 s after becoming Active.
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Inactive"), s("Active"), Value::Null));
    let e = stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(participant(&e).0, "remove");
}

#[tokio::test]
async fn customer_inactivity_by_control_action() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let view = sim.agent(&conv, "inactivate", json!({})).await;
    assert_eq!(view["state"], "inactive");
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Inactive"), s("Active"), Value::Null));
    stream.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(
        work(&stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Closed"
    );
    let (code, _) = sim
        .ctl_post(&format!("/sessions/{conv}/inactivate"), json!({}))
        .await;
    assert_eq!(code, StatusCode::CONFLICT, "not active");
    // Without customerInactivitySeconds nothing happens on its own.
    let (a, _) = v.say(&conv, "back").await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream
        .expect_all(&[
            "CONVERSATION_SESSION_STATUS_CHANGED",
            "CONVERSATION_MESSAGE",
        ])
        .await;
    stream.expect_all(&QUEUED[1..]).await;
    sim.agent(&conv, "accept", json!({})).await;
    stream.expect_all(ACCEPTED).await;
    stream.quiet_for(Duration::from_millis(400)).await;
    // The end of an inactive session: by the agent's End, no participant, no work result.
    sim.agent(&conv, "inactivate", json!({})).await;
    stream.expect_all(SESSION_ENDED).await;
    sim.agent(&conv, "end", json!({})).await;
    let st = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(status(&st), (s("Ended"), s("Inactive"), s("System")));
}

#[tokio::test]
async fn queue_positions_on_entering_and_shifting_and_work_results() {
    let sim = Sim::miaw().await;
    let visitors = [
        sim.mvisitor().await,
        sim.mvisitor().await,
        sim.mvisitor().await,
    ];
    let mut convs = Vec::new();
    let mut streams = Vec::new();
    for (i, v) in visitors.iter().enumerate() {
        let conv = v.create().await;
        let mut stream = v.stream(Some("0")).await;
        let q = stream.expect_all(QUEUED).await;
        assert_eq!(position(&q[2]), i as i64 + 1);
        assert_eq!(sim.session(&conv).await["queuePosition"], i as i64 + 1);
        convs.push(conv);
        streams.push(stream);
    }
    // The first is declined: it stays waiting, nobody moves.
    let view = sim.agent(&convs[0], "decline", json!({})).await;
    assert_eq!(view["state"], "queued");
    assert_eq!(
        work(&streams[0].expect("CONVERSATION_ROUTING_WORK_RESULT").await),
        "Declined"
    );
    streams[1].quiet_for(Duration::from_millis(150)).await;
    // The first is accepted: the others move up.
    sim.agent(&convs[0], "accept", json!({})).await;
    streams[0].expect_all(ACCEPTED).await;
    assert_eq!(
        position(&streams[1].expect("CONVERSATION_QUEUE_POSITION").await),
        1
    );
    assert_eq!(
        position(&streams[2].expect("CONVERSATION_QUEUE_POSITION").await),
        2
    );
    // The second closes: the third moves up.
    let q = format!("?esDeveloperName={DEFAULT_ES_DEVELOPER_NAME}");
    visitors[1]
        .call(
            Method::DELETE,
            &format!("/conversation/{}{q}", convs[1]),
            None,
        )
        .await;
    assert_eq!(
        position(&streams[2].expect("CONVERSATION_QUEUE_POSITION").await),
        1
    );
    assert_eq!(sim.session(&convs[2]).await["queuePosition"], 1);
    // A new conversation queues behind the third.
    let v4 = sim.mvisitor().await;
    let c4 = v4.create().await;
    let mut s4 = v4.stream(Some("0")).await;
    assert_eq!(position(&s4.expect_all(QUEUED).await[2]), 2);
    // The queue action sets a position explicitly, with its routing result.
    sim.agent(
        &c4,
        "queue",
        json!({"position": 7, "estimatedWaitTime": 30}),
    )
    .await;
    let r = s4.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(
        r.payload()["estimatedWaitTime"]["estimatedWaitTimeInSeconds"],
        30
    );
    assert_eq!(position(&s4.expect("CONVERSATION_QUEUE_POSITION").await), 7);
    streams[2].quiet_for(Duration::from_millis(150)).await;
    // Decline is for waiting conversations only.
    let (code, _) = sim
        .ctl_post(&format!("/sessions/{}/decline", convs[0]), json!({}))
        .await;
    assert_eq!(code, StatusCode::CONFLICT);
}

#[tokio::test]
async fn routing_status_is_the_visitors_own() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    assert_eq!(routing_status(&v, &conv).await, "INITIAL");
    let other = sim.mvisitor().await;
    let a = other
        .call(Method::GET, &format!("/conversation/{conv}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.json["message"].is_string());
    let a = v
        .call(Method::GET, &format!("/conversation/{}", uuid()), None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let r = sim
        .http
        .get(sim.url(&format!("{MIAW_API}/conversation/{conv}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The list is still the list.
    let list = v
        .call(
            Method::GET,
            "/conversation/list?inclClosedConvs=false&limit=20",
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(open_count(&list), 1);
}

#[tokio::test]
async fn the_preflight_of_salesforces_own_stream_reader_is_allowed() {
    let sim = Sim::miaw().await;
    for (path, method) in [
        (SSE.to_string(), "GET"),
        (
            format!("{MIAW_API}/conversation/{}/message", uuid()),
            "POST",
        ),
        (format!("{MIAW_API}/conversation/{}", uuid()), "DELETE"),
    ] {
        let r = sim
            .http
            .request(Method::OPTIONS, sim.url(&path))
            .header("Origin", "http://localhost:8080")
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization,cache-control,last-event-id,x-org-id",
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], "http://localhost:8080");
        assert!(h.contains_key("access-control-max-age"));
        let allowed = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for name in [
            "authorization",
            "content-type",
            "cache-control",
            "last-event-id",
            "x-org-id",
        ] {
            assert!(allowed.contains(name), "{name} in {allowed}");
        }
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        assert!(methods.contains(method), "{method} in {methods}");
    }
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_json_404() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let cases = [
        (Method::GET, format!("{MIAW_API}/nothing")),
        (
            Method::GET,
            format!("{MIAW_API}/conversation/{conv}/nothing"),
        ),
        (Method::GET, "/eventrouter/v2/sse".to_string()),
        (Method::GET, "/iamessage".to_string()),
        (Method::PUT, format!("{MIAW_API}/conversation/{conv}")),
        (
            Method::GET,
            format!("{MIAW_API}/conversation/{conv}/message"),
        ),
        (Method::DELETE, format!("{MIAW_API}/conversation/list")),
        (Method::POST, SSE.to_string()),
        (
            Method::GET,
            format!("{MIAW_API}/authorization/unauthenticated/access-token"),
        ),
    ];
    for (method, path) in cases {
        let r = sim
            .http
            .request(method.clone(), sim.url(&path))
            .bearer_auth(&v.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("application/json"), "{method} {path}: {ct}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], 404, "{method} {path}");
        assert!(body["message"].is_string());
    }
    // The Live Agent API keeps its own answers.
    let r = sim
        .http
        .get(sim.url("/chat/rest/Nothing/Here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
