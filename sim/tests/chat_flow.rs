//! Whole chats over HTTP: the happy path, agent actions, queueing, visitor resources.

mod common;

use chasitor_sim::{
    ButtonConfig, OrgConfig, SimConfig, DEFAULT_BUTTON_ID, DEFAULT_DEPLOYMENT_ID, DEFAULT_ORG_ID,
    OFFLINE_BUTTON_ID,
};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn full_chat_from_session_to_end() {
    let sim = Sim::quick().await;
    let cfg = sim.ctl_get("/config").await;
    assert_eq!(cfg["orgId"], DEFAULT_ORG_ID);
    assert_eq!(cfg["deploymentId"], DEFAULT_DEPLOYMENT_ID);
    assert_eq!(
        cfg["buttons"][0],
        json!({"id": DEFAULT_BUTTON_ID, "available": true})
    );
    assert_eq!(
        cfg["buttons"][1],
        json!({"id": OFFLINE_BUTTON_ID, "available": false})
    );

    let mut v = sim.visitor().await;
    assert_eq!(v.init(DEFAULT_BUTTON_ID).await, StatusCode::OK);

    // The outcome of ChasitorInit arrives on the poll.
    let p = v.poll().await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.types(), ["ChatRequestSuccess"]);
    let success = &p.messages()[0]["message"];
    assert_eq!(success["queuePosition"], 1);
    assert_eq!(success["estimatedWaitTime"], 60);
    assert_eq!(success["customDetails"][0]["label"], "E-mail Address");
    let j = p.json.as_ref().unwrap();
    assert_eq!(j["sequence"], 1);
    assert!(j["offset"].as_u64().unwrap() > 0);

    let sessions = sim.ctl_get("/sessions").await;
    let s = &sessions[0];
    assert_eq!(s["id"], v.id.as_str());
    assert_eq!(s["key"], v.key.as_str());
    assert_eq!(s["state"], "queued");
    assert_eq!(s["visitorName"], "Jon A.");
    assert_eq!(s["prechatDetails"][0]["value"], "jon@example.com");
    assert_eq!(s["queuePosition"], 1);
    assert_eq!(s["agentName"], Value::Null);

    // The agent accepts while the visitor's poll is held: the held poll answers at once.
    let mut held = v.clone();
    let poll = tokio::spawn(async move {
        let p = held.poll().await;
        (p, held)
    });
    sim.wait_session(&v.id, "the poll to be held", |s| s["openPolls"] == 1)
        .await;
    sim.agent(&v.id, "accept", json!({"agentName": "Andy L."}))
        .await;
    let (p, held) = poll.await.unwrap();
    v = held;
    assert_eq!(p.types(), ["ChatEstablished"]);
    assert_eq!(p.messages()[0]["message"]["name"], "Andy L.");
    assert_eq!(p.messages()[0]["message"]["sneakPeekEnabled"], true);
    assert_eq!(p.json.as_ref().unwrap()["sequence"], 2);

    // Visitor side.
    assert_eq!(
        v.post("/Chasitor/ChasitorTyping", None).await.0,
        StatusCode::OK
    );
    let s = sim.session(&v.id).await;
    assert_eq!(s["visitorTyping"], true);
    let sneak = json!({"position": 3, "text": "Hi th"});
    assert_eq!(
        v.post("/Chasitor/ChasitorSneakPeek", Some(sneak)).await.0,
        StatusCode::OK
    );
    assert_eq!(sim.session(&v.id).await["sneakPeek"], "Hi th");
    assert_eq!(
        v.post("/Chasitor/ChasitorNotTyping", None).await.0,
        StatusCode::OK
    );
    assert_eq!(sim.session(&v.id).await["visitorTyping"], false);
    assert_eq!(v.message("Hi there, a question").await, StatusCode::OK);
    let ce = json!({"type": "PromptForCreditCard", "data": "Visa"});
    assert_eq!(
        v.post("/Chasitor/CustomEvent", Some(ce)).await.0,
        StatusCode::OK
    );

    // Agent side: typing, message, custom event, all delivered in order in one answer.
    sim.agent(&v.id, "typing", json!({"typing": true})).await;
    sim.agent(&v.id, "message", json!({"text": "Hello, how can I help?"}))
        .await;
    sim.agent(&v.id, "typing", json!({"typing": false})).await;
    sim.agent(
        &v.id,
        "custom-event",
        json!({"type": "CreditCardEntered", "data": "5105"}),
    )
    .await;
    let p = v.poll().await;
    assert_eq!(
        p.types(),
        [
            "AgentTyping",
            "ChatMessage",
            "AgentNotTyping",
            "CustomEvent"
        ]
    );
    assert_eq!(
        p.messages()[1]["message"],
        json!({"name": "Andy L.", "text": "Hello, how can I help?"})
    );
    assert_eq!(
        p.messages()[3]["message"],
        json!({"type": "CreditCardEntered", "data": "5105"})
    );
    assert_eq!(p.json.as_ref().unwrap()["sequence"], 6);

    // Transfer, disconnect, another agent picks the chat up.
    sim.agent(&v.id, "transfer", json!({"agentName": "Ryan S."}))
        .await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatTransferred"]);
    assert_eq!(p.messages()[0]["message"]["name"], "Ryan S.");
    sim.agent(&v.id, "disconnect", json!({})).await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["AgentDisconnect"]);
    let s = sim.session(&v.id).await;
    assert_eq!(
        s["state"], "established",
        "AgentDisconnect does not end the chat"
    );
    // The agent cannot talk while disconnected.
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{}/message", v.id), json!({"text": "x"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    sim.agent(&v.id, "accept", json!({"agentName": "Lee K."}))
        .await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatEstablished"]);
    assert_eq!(sim.session(&v.id).await["agentName"], "Lee K.");

    // The visitor ends the chat.
    let end = json!({"type": "ChatEndReason", "reason": "client"});
    assert_eq!(
        v.post("/Chasitor/ChatEnd", Some(end)).await.0,
        StatusCode::OK
    );
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "ended");
    assert_eq!(s["endedBy"], "visitor");
    let received: Vec<(i64, String)> = s["received"]
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
        received,
        [
            (1, "ChasitorInit".to_string()),
            (2, "ChasitorTyping".to_string()),
            (3, "ChasitorSneakPeek".to_string()),
            (4, "ChasitorNotTyping".to_string()),
            (5, "ChatMessage".to_string()),
            (6, "CustomEvent".to_string()),
            (7, "ChatEnd".to_string()),
        ]
    );
    assert_eq!(
        s["received"][4]["body"],
        json!({"text": "Hi there, a question"})
    );
    let transcript: Vec<&str> = s["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(transcript, ["Chasitor", "Agent", "OperatorTransferred"]);
    assert_eq!(s["maxOpenPolls"], 1);

    // The session is gone for the visitor.
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
    assert_eq!(v.message("still there?").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn agent_end_is_delivered_then_the_session_is_gone() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.agent(&v.id, "message", json!({"text": "Bye"})).await;
    sim.agent(&v.id, "end", json!({})).await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatMessage", "ChatEnded"]);
    assert_eq!(sim.session(&v.id).await["state"], "ended");
    // A ChatEnd after the agent ended the chat gets 403.
    let end = json!({"type": "ChatEndReason", "reason": "client"});
    assert_eq!(
        v.post("/Chasitor/ChatEnd", Some(end)).await.0,
        StatusCode::FORBIDDEN
    );
    // The next poll (acknowledging ChatEnded) finds no session.
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
    // Control actions on an ended chat conflict.
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{}/end", v.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn delete_session_ends_it() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    let r = v
        .http
        .delete(format!("{}/System/SessionId/{}", v.base, v.key))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", &v.affinity)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "ended");
    assert_eq!(s["endedBy"], "deleted");
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
    // A second DELETE: the session is not valid any more.
    let r = v
        .http
        .delete(format!("{}/System/SessionId/{}", v.base, v.key))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn multinoun_applies_each_noun_once_in_order() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    let body = json!({"nouns": [
        {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "one"}},
        {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "two"}},
        {"prefix": "Chasitor", "noun": "ChasitorNotTyping", "object": {}},
        {"prefix": "Chasitor", "noun": "ChatEnd", "object": {"type": "ChatEndReason", "reason": "client"}}
    ]});
    let seq = v.seq + 1;
    assert_eq!(
        v.post("/System/MultiNoun", Some(body.clone())).await.0,
        StatusCode::OK
    );
    // The same MultiNoun again (same sequence): acknowledged, not processed twice. The session
    // is over by now, so it answers 403 like any request of an ended session.
    let (status, _) = v.post_seq("/System/MultiNoun", Some(body), seq).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let s = sim.session(&v.id).await;
    let got: Vec<(i64, &str)> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|r| (r["sequence"].as_i64().unwrap(), r["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (seq, "ChatMessage"),
            (seq, "ChatMessage"),
            (seq, "ChasitorNotTyping"),
            (seq, "ChatEnd")
        ]
    );
    assert_eq!(s["received"][2]["body"], json!({"text": "two"}));
    assert_eq!(s["state"], "ended");
}

#[tokio::test]
async fn multinoun_is_validated_as_a_whole() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    // The guide's own example ends with a ChatEnd without a reason: rejected, nothing applied.
    let body = json!({"nouns": [
        {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "Goodbye"}},
        {"prefix": "Chasitor", "noun": "ChatEnd", "object": {}}
    ]});
    let (status, text) = v.post("/System/MultiNoun", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text, chasitor_sim::CHATEND_INVALID);
    let unknown = json!({"nouns": [{"prefix": "Chasitor", "noun": "Nope", "object": {}}]});
    assert_eq!(
        v.post("/System/MultiNoun", Some(unknown)).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        v.post("/System/MultiNoun", Some(json!({}))).await.0,
        StatusCode::BAD_REQUEST
    );
    // NounWrapper `data` as a JSON string works too.
    let data = json!({"nouns": [{"prefix": "Chasitor", "noun": "ChatMessage", "data": "{\"text\":\"via data\"}"}]});
    assert_eq!(
        v.post("/System/MultiNoun", Some(data)).await.0,
        StatusCode::OK
    );
    let s = sim.session(&v.id).await;
    let types: Vec<&str> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ChasitorInit", "ChatMessage"]);
    assert_eq!(s["received"][1]["body"]["text"], "via data");
}

#[tokio::test]
async fn unavailable_button_fails_the_request() {
    let sim = Sim::quick().await;
    let mut v = sim.visitor().await;
    assert_eq!(v.init(OFFLINE_BUTTON_ID).await, StatusCode::OK);
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatRequestFail"]);
    assert_eq!(p.messages()[0]["message"]["reason"], "Unavailable");
    let s = sim.session(&v.id).await;
    assert_eq!(s["state"], "ended");
    assert_eq!(s["endedBy"], "request_failed");
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);

    // Switching the button on through the control API makes the next chat succeed.
    let r = sim
        .http
        .put(sim.ctl(&format!("/buttons/{OFFLINE_BUTTON_ID}")))
        .json(&json!({"available": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        sim.ctl_get("/config").await["buttons"][1]["available"],
        true
    );
    let mut v = sim.visitor().await;
    v.init(OFFLINE_BUTTON_ID).await;
    assert_eq!(v.poll().await.types(), ["ChatRequestSuccess"]);

    // And off again: Unavailable.
    sim.http
        .put(sim.ctl(&format!("/buttons/{DEFAULT_BUTTON_ID}")))
        .json(&json!({"available": false}))
        .send()
        .await
        .unwrap();
    let mut v = sim.visitor().await;
    v.init(DEFAULT_BUTTON_ID).await;
    assert_eq!(v.poll().await.types(), ["ChatRequestFail"]);
    let r = sim
        .http
        .put(sim.ctl("/buttons/573999999999999"))
        .json(&json!({"available": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_request_failures() {
    let sim = Sim::quick().await;
    // isPost false: NoPost.
    let mut v = sim.visitor().await;
    let mut body = v.init_body(DEFAULT_BUTTON_ID);
    body["isPost"] = json!(false);
    v.post("/Chasitor/ChasitorInit", Some(body)).await;
    assert_eq!(v.poll().await.messages()[0]["message"]["reason"], "NoPost");
    // Unknown org: InternalFailure.
    let mut v = sim.visitor().await;
    let mut body = v.init_body(DEFAULT_BUTTON_ID);
    body["organizationId"] = json!("00D999999999999");
    v.post("/Chasitor/ChasitorInit", Some(body)).await;
    assert_eq!(
        v.poll().await.messages()[0]["message"]["reason"],
        "InternalFailure"
    );
    // Button overrides route to the first available target.
    let mut v = sim.visitor().await;
    let mut body = v.init_body(OFFLINE_BUTTON_ID);
    body["buttonOverrides"] = json!([
        OFFLINE_BUTTON_ID,
        format!("005000000000001_{DEFAULT_BUTTON_ID}")
    ]);
    v.post("/Chasitor/ChasitorInit", Some(body)).await;
    assert_eq!(v.poll().await.types(), ["ChatRequestSuccess"]);
    assert_eq!(sim.session(&v.id).await["buttonId"], DEFAULT_BUTTON_ID);
    // A ChasitorInit without the required IDs is not valid.
    let mut v = sim.visitor().await;
    let (status, _) = v
        .post("/Chasitor/ChasitorInit", Some(json!({"visitorName": "x"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn queue_positions_move_up_and_agent_queue_updates() {
    let sim = Sim::quick().await;
    let mut a = sim.visitor().await;
    let mut b = sim.visitor().await;
    let mut c = sim.visitor().await;
    for v in [&mut a, &mut b, &mut c] {
        v.init(DEFAULT_BUTTON_ID).await;
    }
    assert_eq!(a.poll().await.messages()[0]["message"]["queuePosition"], 1);
    assert_eq!(b.poll().await.messages()[0]["message"]["queuePosition"], 2);
    assert_eq!(c.poll().await.messages()[0]["message"]["queuePosition"], 3);
    // The first chat is accepted: the others move up and get a QueueUpdate.
    sim.agent(&a.id, "accept", json!({"agentName": "Andy L."}))
        .await;
    let p = b.poll().await;
    assert_eq!(p.types(), ["QueueUpdate"]);
    assert_eq!(
        p.messages()[0]["message"],
        json!({"position": 1, "estimatedWaitTime": 60})
    );
    assert_eq!(c.poll().await.messages()[0]["message"]["position"], 2);
    // The agent console sends its own update.
    sim.agent(
        &c.id,
        "queue",
        json!({"position": 7, "estimatedWaitTime": 300}),
    )
    .await;
    let p = c.poll().await;
    assert_eq!(
        p.messages()[0]["message"],
        json!({"position": 7, "estimatedWaitTime": 300})
    );
    assert_eq!(sim.session(&c.id).await["queuePosition"], 7);
    // Only queued chats take queue updates.
    let (status, _) = sim
        .ctl_post(&format!("/sessions/{}/queue", a.id), json!({"position": 1}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = sim
        .ctl_post("/sessions/nope/accept", json!({"agentName": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fixed_queue_position_zero_from_config() {
    let sim = Sim::start(SimConfig {
        hold: Duration::from_millis(200),
        orgs: vec![OrgConfig {
            id: "00DAA0000000001".into(),
            deployments: vec!["572AA0000000001".into()],
            buttons: vec![ButtonConfig {
                id: "573AA0000000001".into(),
                available: true,
                queue_position: Some(0),
                estimated_wait_time: -1,
                button_type: "Standard".into(),
                language: None,
            }],
            switch_server_url: None,
        }],
        ..SimConfig::default()
    })
    .await;
    let cfg = sim.ctl_get("/config").await;
    assert_eq!(
        cfg,
        json!({"orgId": "00DAA0000000001", "deploymentId": "572AA0000000001",
               "buttons": [{"id": "573AA0000000001", "available": true}]})
    );
    let mut v = sim.visitor().await;
    let mut body = v.init_body("573AA0000000001AAA");
    body["organizationId"] = json!("00DAA0000000001AAA"); // 18-character IDs match too
    body["deploymentId"] = json!("572AA0000000001");
    v.post("/Chasitor/ChasitorInit", Some(body)).await;
    let p = v.poll().await;
    assert_eq!(p.types(), ["ChatRequestSuccess"]);
    assert_eq!(p.messages()[0]["message"]["queuePosition"], 0);
    assert_eq!(p.messages()[0]["message"]["estimatedWaitTime"], -1);
}

#[tokio::test]
async fn visitor_resources() {
    let sim = Sim::quick().await;
    let get = |path: String| {
        sim.http
            .get(sim.chat(&path))
            .header("X-LIVEAGENT-API-VERSION", API)
            .send()
    };
    let q = format!("org_id={DEFAULT_ORG_ID}&deployment_id={DEFAULT_DEPLOYMENT_ID}");

    let r = get(format!(
        "/Visitor/Availability?{q}&Availability.ids=[{DEFAULT_BUTTON_ID},{OFFLINE_BUTTON_ID}]"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"messages": [{"type": "Availability", "message": {"results": [
            {"id": DEFAULT_BUTTON_ID, "isAvailable": true},
            {"id": OFFLINE_BUTTON_ID}
        ]}}]})
    );
    let r = get(format!(
        "/Visitor/Availability?{q}&Availability.ids=%5B{DEFAULT_BUTTON_ID}%5D&Availability.needEstimatedWaitTime=1"
    ))
    .await
    .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["messages"][0]["message"]["results"][0],
        json!({"id": DEFAULT_BUTTON_ID, "isAvailable": true, "estimatedWaitTime": 60})
    );
    let r = get("/Visitor/Availability?Availability.ids=[x]".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "org_id is required");

    let r = get(format!(
        "/Visitor/Settings?{q}&Settings.needEstimatedWaitTime=1"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["messages"][0]["type"], "Settings");
    assert_eq!(
        v["messages"][0]["message"]["pingRate"], 50000.0,
        "the default ping rate, in ms"
    );
    let buttons = v["messages"][0]["message"]["buttons"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(buttons.len(), 2);
    assert_eq!(buttons[0]["isAvailable"], true);
    assert_eq!(buttons[0]["estimatedWaitTime"], 60);
    assert!(buttons[1].get("isAvailable").is_none());

    let r = get(format!("/Visitor/VisitorId?{q}")).await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["messages"][0]["type"], "VisitorId");
    assert_eq!(
        v["messages"][0]["message"]["sessionId"]
            .as_str()
            .unwrap()
            .len(),
        36
    );

    // Breadcrumb: with the session key it goes to the chat (the agent sees it).
    let v = sim.established("Andy L.").await;
    let r = sim
        .http
        .post(sim.chat("/Visitor/Breadcrumb"))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-SESSION-KEY", &v.key)
        .json(&json!({"location": "https://shop.example/page2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let s = sim.session(&v.id).await;
    assert_eq!(
        s["breadcrumbs"][0]["location"],
        "https://shop.example/page2"
    );
    let r = sim
        .http
        .post(sim.chat("/Visitor/Breadcrumb"))
        .header("X-LIVEAGENT-API-VERSION", API)
        .json(&json!({"location": "https://shop.example/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        sim.ctl_get("/breadcrumbs").await[0]["location"],
        "https://shop.example/"
    );
    let r = sim
        .http
        .post(sim.chat("/Visitor/Breadcrumb"))
        .header("X-LIVEAGENT-API-VERSION", API)
        .json(&json!({"url": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn switch_server_for_a_moved_org() {
    let mut orgs = chasitor_sim::default_orgs();
    orgs[0].switch_server_url = Some("https://la.example/chat".into());
    let sim = Sim::start(SimConfig {
        orgs,
        ..SimConfig::default()
    })
    .await;
    let r = sim
        .http
        .get(sim.chat(&format!(
            "/Visitor/Availability?org_id={DEFAULT_ORG_ID}&deployment_id={DEFAULT_DEPLOYMENT_ID}&Availability.ids=[{DEFAULT_BUTTON_ID}]"
        )))
        .header("X-LIVEAGENT-API-VERSION", API)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"messages": [{"type": "SwitchServer", "message": {"newUrl": "https://la.example/chat"}}]})
    );
}

#[tokio::test]
async fn reset_clears_sessions_faults_and_buttons() {
    let sim = Sim::quick().await;
    let mut v = sim.established("Andy L.").await;
    sim.fault(json!({"kind": "server_error", "count": 5})).await;
    sim.http
        .put(sim.ctl(&format!("/buttons/{DEFAULT_BUTTON_ID}")))
        .json(&json!({"available": false}))
        .send()
        .await
        .unwrap();
    let (status, _) = sim.ctl_post("/reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sim.ctl_get("/sessions").await, json!([]));
    assert_eq!(sim.ctl_get("/faults").await, json!([]));
    assert_eq!(
        sim.ctl_get("/config").await["buttons"][0]["available"],
        true
    );
    assert_eq!(v.poll().await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_without_chasitor_init_are_not_listed() {
    let sim = Sim::quick().await;
    let v = sim.visitor().await;
    assert_eq!(sim.ctl_get("/sessions").await, json!([]));
    assert_eq!(sim.session(&v.id).await["state"], "new");
    // The key finds the session too.
    let r = sim
        .http
        .get(sim.ctl(&format!("/sessions/{}", v.key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn poll_timeout_as_string_and_agent_console() {
    let sim = Sim::start(SimConfig {
        client_poll_timeout_as_string: true,
        ..SimConfig::default()
    })
    .await;
    let r = sim
        .http
        .get(sim.chat("/System/SessionId"))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["clientPollTimeout"], "40");
    let quick = Sim::quick().await;
    let r = quick
        .http
        .get(quick.chat("/System/SessionId"))
        .header("X-LIVEAGENT-API-VERSION", API)
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["clientPollTimeout"], 11,
        "a number by default: hold (0.2 s, rounded up) + 10"
    );

    let r = sim
        .http
        .get(format!("{}/agent", sim.handle.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Agent console"));
    assert!(
        !html.contains("innerHTML"),
        "the console never uses innerHTML"
    );
    assert!(!html.contains("src=\"http"), "no external assets");
    let r = v_request(&sim).await;
    assert_eq!(r, StatusCode::METHOD_NOT_ALLOWED);
}

async fn v_request(sim: &Sim) -> StatusCode {
    let v = sim.visitor().await;
    v.req(Method::GET, "/Chasitor/ChatMessage")
        .send()
        .await
        .unwrap()
        .status()
}
