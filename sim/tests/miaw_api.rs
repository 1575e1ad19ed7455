//! Enhanced Chat REST API: tokens, conversations, messages, typing, receipts, history, list and
//! the rules the server enforces (401, 417, 429, ids, deployment names).

mod common;

use chasitor_sim::{RateLimit, DEFAULT_ES_DEVELOPER_NAME, DEFAULT_ORG_ID};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn token_answer_has_a_jwt_with_a_real_exp_and_the_pre_chat_form() {
    let sim = Sim::miaw_with(|c| c.miaw[0].token_lifetime_seconds = 3600.0).await;
    let v = sim.mvisitor().await;
    assert_eq!(v.token.split('.').count(), 3);
    let claims = jwt_claims(&v.token);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(
        exp >= now + 3590 && exp <= now + 3600,
        "exp {exp}, now {now}"
    );
    assert_eq!(claims["orgId"], DEFAULT_ORG_ID);
    assert_eq!(v.answer["lastEventId"], "0");
    assert!(v.answer["context"]["deviceId"].is_string());
    let es = &v.answer["context"]["configuration"]["embeddedServiceConfig"];
    assert_eq!(es["name"], DEFAULT_ES_DEVELOPER_NAME);
    let form = &es["forms"][0];
    assert_eq!(form["formType"], "PreChat");
    assert_eq!(form["displayContext"], "Conversation");
    let fields = form["formFields"].as_array().unwrap();
    assert_eq!(fields[0]["name"], "_firstName");
    assert_eq!(fields[0]["required"], true);
    let topic = fields.iter().find(|f| f["name"] == "Topic").unwrap();
    assert_eq!(topic["type"], "ChoiceList");
    let list_id = topic["choiceListId"].clone();
    let choices = es["choiceListConfig"]["choiceList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["choiceListId"] == list_id)
        .unwrap();
    assert_eq!(
        choices["choiceListValues"][0]["choiceListValueName"],
        "Billing"
    );
    assert!(fields.iter().any(|f| f["isHidden"] == true));
}

#[tokio::test]
async fn token_requests_for_unknown_orgs_or_deployments_are_refused() {
    let sim = Sim::miaw().await;
    let mut b = token_body();
    b["orgId"] = json!("00D000000000999");
    assert_eq!(sim.token_request(b).await.0, StatusCode::BAD_REQUEST);
    let mut b = token_body();
    b["esDeveloperName"] = json!("Nope");
    let (status, v) = sim.token_request(b).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("Nope"));
    for field in [
        "orgId",
        "esDeveloperName",
        "capabilitiesVersion",
        "platform",
    ] {
        let mut b = token_body();
        b.as_object_mut().unwrap().remove(field);
        assert_eq!(
            sim.token_request(b).await.0,
            StatusCode::BAD_REQUEST,
            "{field}"
        );
    }
    // An 18-character org id works.
    let mut b = token_body();
    b["orgId"] = json!(format!("{DEFAULT_ORG_ID}AAA"));
    assert_eq!(sim.token_request(b).await.0, StatusCode::OK);
}

#[tokio::test]
async fn requests_need_a_valid_bearer_token() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let url = sim.url(&format!("{MIAW_API}/conversation/{conv}/entries"));
    let r = sim.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = sim
        .http
        .get(&url)
        .bearer_auth("abc.def.ghi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = sim
        .http
        .get(&url)
        .header("Authorization", &v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the Bearer scheme is required"
    );
    let r = sim
        .http
        .get(&url)
        .bearer_auth(&v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another visitor cannot see the conversation.
    let other = sim.mvisitor().await;
    assert_eq!(other.entries(&conv, "").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_expire_at_exp() {
    let sim = Sim::miaw_with(|c| c.miaw[0].token_lifetime_seconds = 0.4).await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    assert_eq!(v.entries(&conv, "").await.status, StatusCode::OK);
    wait_for("the token to expire", || async {
        (v.entries(&conv, "").await.status == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    // Expired: every route, the stream and the continuation token too.
    let (a, _) = v.say(&conv, "late").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let r = v.open_stream(Some("0"), Some(DEFAULT_ORG_ID)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let a = v.continuation().await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn continuation_token_keeps_the_visitor_and_the_expiry() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "message", json!({"text": "Hello"})).await;
    let hello = stream.expect("CONVERSATION_MESSAGE").await;
    let a = v.continuation().await;
    assert_eq!(a.status, StatusCode::OK);
    let token = a.json["accessToken"].as_str().unwrap().to_string();
    assert_ne!(token, v.token);
    assert_eq!(a.json["lastEventId"], hello.id);
    assert_eq!(jwt_claims(&token)["exp"], jwt_claims(&v.token)["exp"]);
    let v2 = MVisitor { token, ..v.clone() };
    let list = v2.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.json["conversations"][0]["conversationId"], conv);
    // The old token still works until it expires.
    assert_eq!(v.entries(&conv, "").await.status, StatusCode::OK);
}

#[tokio::test]
async fn conversation_ids_must_be_lowercase_uuids_and_names_must_match() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let upper = uuid().to_uppercase();
    for bad in [json!(upper), json!("not-a-uuid"), json!(""), json!(12)] {
        let a = v
            .create_with(
                json!({"conversationId": bad, "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME}),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let id = uuid();
    let a = v.create_with(json!({"conversationId": id})).await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "esDeveloperName is required"
    );
    let a = v
        .create_with(json!({"conversationId": id, "esDeveloperName": "Other"}))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let body = json!({"conversationId": id, "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME});
    let a = v.create_with(body.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.json["conversationId"], id);
    assert_eq!(v.create_with(body).await.status, StatusCode::CONFLICT);
    let a = v.entries(&id.to_uppercase(), "").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = v.entries(&uuid(), "").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = v.call(Method::POST, "/conversation", None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "no body");
}

#[tokio::test]
async fn routing_attributes_not_on_the_form_are_dropped() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let id = uuid();
    let a = v
        .create_with(json!({
            "conversationId": id,
            "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
            "routingAttributes": {"_firstName": "Ann", "_email": "ann@example.com", "Secret": "x"},
        }))
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let s = sim.session(&id).await;
    assert_eq!(s["api"], "miaw");
    assert_eq!(s["state"], "queued");
    assert_eq!(s["visitorName"], "Ann");
    assert_eq!(
        s["routingAttributes"],
        json!({"_firstName": "Ann", "_email": "ann@example.com"})
    );
    assert_eq!(s["prechatDetails"][0]["label"], "First name");
    assert_eq!(s["prechatDetails"][1]["label"], "E-mail");
    assert_eq!(s["received"][0]["type"], "CreateConversation");
    assert_eq!(s["received"][0]["body"]["routingAttributes"]["Secret"], "x");
}

#[tokio::test]
async fn messages_are_echoed_with_the_client_id_and_validated() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    stream.expect_all(QUEUED).await;
    // Before an agent: accepted, like the real server (the agent reads it on joining).
    let (a, id) = v.say(&conv, "Hi <b>there</b>").await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.json["conversationEntries"][0]["id"], id);
    assert!(a.json["conversationEntries"][0]["clientTimestamp"].is_u64());
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(e.data["conversationId"], conv);
    let entry = &e.data["conversationEntry"];
    assert_eq!(entry["identifier"], id);
    assert_eq!(entry["sender"]["role"], "EndUser");
    assert_eq!(entry["senderDisplayName"], "Jon A.");
    let p = e.payload();
    assert_eq!(p["entryType"], "Message");
    assert_eq!(p["abstractMessage"]["id"], id);
    assert_eq!(
        p["abstractMessage"]["staticContent"]["text"],
        "Hi <b>there</b>"
    );
    // A retry with the same id is answered again and not repeated on the stream.
    let again = v
        .call(
            Method::POST,
            &format!("/conversation/{conv}/message"),
            Some(MVisitor::message_body("Hi <b>there</b>", &id)),
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    stream.quiet_for(Duration::from_millis(300)).await;
    // Invalid bodies.
    let path = format!("/conversation/{conv}/message");
    let mut no_es = MVisitor::message_body("x", &uuid());
    no_es.as_object_mut().unwrap().remove("esDeveloperName");
    let mut no_id = MVisitor::message_body("x", &uuid());
    no_id["message"].as_object_mut().unwrap().remove("id");
    let mut bad_type = MVisitor::message_body("x", &uuid());
    bad_type["message"]["messageType"] = json!("RichLink");
    let mut no_text = MVisitor::message_body("x", &uuid());
    no_text["message"]["staticContent"] = json!({"formatType": "Text"});
    for body in [no_es, no_id, bad_type, no_text, json!({"text": "x"})] {
        let a = v.call(Method::POST, &path, Some(body.clone())).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let r = v
        .req(Method::POST, &path)
        .header("Content-Type", "application/json")
        .body("{text: 'x'}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let s = sim.session(&conv).await;
    let types: Vec<&str> = s["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CreateConversation", "Message"]);
    assert_eq!(s["transcript"][0]["content"], "Hi <b>there</b>");
    assert_eq!(s["transcript"][0]["type"], "Chasitor");
}

#[tokio::test]
async fn typing_and_receipts_from_the_visitor_are_recorded() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let path = format!("/conversation/{conv}/entry");
    let a = v
        .call(
            Method::POST,
            &path,
            Some(json!({"entryType": "TypingStartedIndicator", "id": uuid()})),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(sim.session(&conv).await["visitorTyping"], true);
    let a = v
        .call(
            Method::POST,
            &path,
            Some(json!({"entryType": "TypingStoppedIndicator", "id": uuid()})),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(sim.session(&conv).await["visitorTyping"], false);
    let a = v
        .call(Method::POST, &path, Some(json!({"entryType": "Message"})))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    // The visitor's typing is not echoed.
    stream.quiet_for(Duration::from_millis(200)).await;

    sim.agent(&conv, "message", json!({"text": "Hello"})).await;
    let msg = stream.expect("CONVERSATION_MESSAGE").await;
    let entry_id = msg.data["conversationEntry"]["identifier"]
        .as_str()
        .unwrap()
        .to_string();
    let acks = json!({"acks": [
        {"id": uuid(), "entryType": "Delivery", "conversationEntryId": entry_id},
        {"id": uuid(), "entryType": "Read", "conversationEntryId": entry_id},
    ]});
    let a = v
        .call(
            Method::POST,
            &format!("/conversation/{conv}/acknowledge-entries"),
            Some(acks),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let s = sim.session(&conv).await;
    let line = &s["transcript"][0];
    assert_eq!(
        (
            line["type"].clone(),
            line["delivered"].clone(),
            line["read"].clone()
        ),
        (json!("Agent"), json!(true), json!(true))
    );
    let bad =
        json!({"acks": [{"id": uuid(), "entryType": "Seen", "conversationEntryId": entry_id}]});
    let a = v
        .call(
            Method::POST,
            &format!("/conversation/{conv}/acknowledge-entries"),
            Some(bad),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn history_is_newest_first_with_objects_and_pages_by_timestamp() {
    let sim = Sim::miaw().await;
    let (v, conv, _stream) = sim.mchat("Andy L.").await;
    for i in 0..7 {
        if i % 2 == 0 {
            v.say(&conv, &format!("v{i}")).await;
        } else {
            sim.agent(&conv, "message", json!({"text": format!("a{i}")}))
                .await;
        }
    }
    let a = v.entries(&conv, "?limit=50&direction=FromEnd").await;
    assert_eq!(a.status, StatusCode::OK);
    let all = a.json["conversationEntries"].as_array().unwrap().clone();
    // Session waiting, routing result, two work results, participant added, session active,
    // 7 messages (queue positions are not kept).
    assert_eq!(all.len(), 13);
    let ts: Vec<u64> = all
        .iter()
        .map(|e| e["transcriptedTimestamp"].as_u64().unwrap())
        .collect();
    assert!(
        ts.windows(2).all(|w| w[0] > w[1]),
        "newest first, strictly: {ts:?}"
    );
    assert!(all[0]["entryPayload"].is_object(), "an object in history");
    assert_eq!(
        all[0]["entryPayload"]["abstractMessage"]["staticContent"]["text"],
        "v6"
    );
    let older: Vec<&str> = all[7..]
        .iter()
        .map(|e| e["entryType"].as_str().unwrap())
        .collect();
    assert_eq!(
        older,
        [
            "SessionStatusChanged",
            "ParticipantChanged",
            "RoutingWorkResult",
            "RoutingWorkResult",
            "RoutingResult",
            "SessionStatusChanged"
        ]
    );

    // Pages of 3 messages, going back with endTimestamp.
    let mut texts = Vec::new();
    let mut query = "?limit=3&entryTypeFilter=Message".to_string();
    loop {
        let page = v.entries(&conv, &query).await.json["conversationEntries"]
            .as_array()
            .unwrap()
            .clone();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        for e in &page {
            texts.push(
                e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let oldest = page.last().unwrap()["transcriptedTimestamp"]
            .as_u64()
            .unwrap();
        query = format!("?limit=3&entryTypeFilter=Message&endTimestamp={oldest}");
    }
    assert_eq!(texts, ["v6", "a5", "v4", "a3", "v2", "a1", "v0"]);

    // FromStart after a timestamp: oldest first.
    let after = ts[6]; // the first message (index 6 from the newest is "v0")
    let page = v
        .entries(
            &conv,
            &format!("?direction=FromStart&startTimestamp={after}&limit=2"),
        )
        .await
        .json["conversationEntries"]
        .clone();
    let texts: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(texts, ["a1", "v2"]);
    // The limit is capped at 50; 0, non-numbers and unknown directions are refused.
    for q in [
        "?limit=0",
        "?limit=x",
        "?direction=Up",
        "?startTimestamp=soon",
    ] {
        assert_eq!(
            v.entries(&conv, q).await.status,
            StatusCode::BAD_REQUEST,
            "{q}"
        );
    }
    assert_eq!(v.entries(&conv, "?limit=500").await.status, StatusCode::OK);
}

#[tokio::test]
async fn conversation_list_and_closing() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let first = v.create().await;
    let second = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    let list = v
        .call(
            Method::GET,
            "/conversation/list?inclClosedConvs=false&limit=20",
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json["openConversationsFound"], 2);
    let ids: Vec<&str> = list.json["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()], "newest first");

    // DELETE needs the deployment name.
    let a = v
        .call(Method::DELETE, &format!("/conversation/{first}"), None)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let path = format!("/conversation/{first}?esDeveloperName={DEFAULT_ES_DEVELOPER_NAME}");
    let a = v.call(Method::DELETE, &path, None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    stream.expect_all(QUEUED).await;
    stream.expect_all(QUEUED).await;
    // The session ends by the end user, the waiting work closes, the second conversation moves
    // up the queue, then the close.
    let ended = stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(ended.payload()["sessionEndedByRole"], "EndUser");
    assert_eq!(ended.payload()["sessionStatusPrev"], "Waiting");
    let work = stream.expect("CONVERSATION_ROUTING_WORK_RESULT").await;
    assert_eq!(work.payload()["workType"], "Closed");
    let moved = stream.expect("CONVERSATION_QUEUE_POSITION").await;
    assert_eq!(
        (
            moved.data["conversationId"].clone(),
            moved.payload()["position"].clone()
        ),
        (json!(second), json!(1))
    );
    let e = stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    assert_eq!(e.data["conversationId"], first);
    assert_eq!(e.payload()["entryType"], "CloseConversation");
    assert_eq!(
        v.call(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    let (a, _) = v.say(&first, "after the end").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let list = v.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.json["openConversationsFound"], 1);
    assert_eq!(list.json["conversations"].as_array().unwrap().len(), 1);
    let list = v
        .call(
            Method::GET,
            "/conversation/list?inclClosedConvs=true&limit=1",
            None,
        )
        .await;
    assert_eq!(list.json["conversations"].as_array().unwrap().len(), 1);
    let list = v
        .call(Method::GET, "/conversation/list?inclClosedConvs=true", None)
        .await;
    assert_eq!(list.json["conversations"][1]["status"], "CLOSED");
    let s = sim.session(&first).await;
    assert_eq!(
        (s["state"].clone(), s["endedBy"].clone()),
        (json!("ended"), json!("visitor"))
    );
}

#[tokio::test]
async fn an_ended_messaging_session_answers_417_until_a_new_one_is_asked_for() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    // The visitor ends the session (DELETE …/session): the agent leaves, the conversation stays.
    let path = format!("/conversation/{conv}/session?esDeveloperName={DEFAULT_ES_DEVELOPER_NAME}");
    assert_eq!(
        v.call(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    let ended = stream.expect_all(SESSION_ENDED).await;
    assert_eq!(ended[1].payload()["entries"][0]["operation"], "remove");
    assert_eq!(ended[0].payload()["sessionEndedByRole"], "EndUser");
    let s = sim.session(&conv).await;
    assert_eq!(
        (s["state"].clone(), s["messagingSession"].clone()),
        (json!("session-ended"), json!("ended"))
    );
    let (a, _) = v.say(&conv, "still there?").await;
    assert_eq!(a.status, StatusCode::EXPECTATION_FAILED);
    let (a, _) = v.say(&conv, "again?").await;
    assert_eq!(
        a.status,
        StatusCode::EXPECTATION_FAILED,
        "until isNewMessagingSession"
    );
    let mut body = MVisitor::message_body("new session", &uuid());
    body["isNewMessagingSession"] = json!(true);
    body["routingAttributes"] = json!({"Topic": "Billing"});
    let a = v
        .call(
            Method::POST,
            &format!("/conversation/{conv}/message"),
            Some(body),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    stream.expect("CONVERSATION_MESSAGE").await;
    let s = sim.session(&conv).await;
    assert_eq!(s["state"], "queued");
    assert_eq!(s["agentName"], Value::Null);
    assert_eq!(s["routingAttributes"]["Topic"], "Billing");
    let (a, _) = v.say(&conv, "plain again").await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    // The agent's side ends the session the same way.
    sim.agent(&conv, "accept", json!({"agentName": "Bea"}))
        .await;
    sim.agent(&conv, "end-session", json!({})).await;
    let (a, _) = v.say(&conv, "hello?").await;
    assert_eq!(a.status, StatusCode::EXPECTATION_FAILED);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let sim = Sim::miaw_with(|c| {
        c.miaw[0].rate_limit = Some(RateLimit {
            requests: 5,
            per_seconds: 60.0,
        })
    })
    .await;
    let v = sim.mvisitor().await;
    let conv = v.create().await; // 1
    for _ in 0..4 {
        assert_eq!(v.entries(&conv, "").await.status, StatusCode::OK);
    }
    let a = v.entries(&conv, "").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let r = v.open_stream(Some("0"), Some(DEFAULT_ORG_ID)).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the stream counts too"
    );
    // Per visitor: another one is not limited.
    let w = sim.mvisitor().await;
    w.create().await;
}

#[tokio::test]
async fn the_window_slides() {
    let sim = Sim::miaw_with(|c| {
        c.miaw[0].rate_limit = Some(RateLimit {
            requests: 2,
            per_seconds: 1.5,
        })
    })
    .await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    assert_eq!(v.entries(&conv, "").await.status, StatusCode::OK);
    assert_eq!(
        v.entries(&conv, "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    wait_for("the window to pass", || async {
        (v.entries(&conv, "").await.status == StatusCode::OK).then_some(())
    })
    .await;
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let a = v.call(Method::GET, "/nothing", None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.json["message"].is_string());
    let a: Value = sim.ctl_get("/enhanced-chat").await;
    assert_eq!(a[0]["esDeveloperName"], DEFAULT_ES_DEVELOPER_NAME);
}

#[tokio::test]
async fn the_config_file_holds_enhanced_chat_deployments() {
    let dir = std::env::temp_dir().join(format!("chasitor-sim-miaw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let only_miaw = write(
        "miaw.json",
        r#"{"enhancedChat": [{"orgId": "00DAA0000000001", "esDeveloperName": "Shop",
            "preChat": {"displayContext": "Session",
                        "fields": [{"name": "_email", "type": "Email", "required": true}]}}]}"#,
    );
    let file = chasitor_sim::load_config(&only_miaw).unwrap();
    assert!(file.orgs.is_empty());
    let d = &file.enhanced_chat[0];
    assert_eq!(d.token_lifetime_seconds, 3600.0);
    assert_eq!(d.verified_token_lifetime_seconds, 21600.0);
    assert_eq!(d.token_rate_limit_per_minute, Some(200));
    assert!(d.allow_transcript_download);
    assert_eq!(d.user_verification, None);
    assert_eq!(d.rate_limit, None);
    assert!(d.allowed_origins.is_empty());
    assert_eq!(d.estimated_wait_time, -1);
    let only_la = write(
        "la.json",
        r#"{"orgs": [{"id": "00DAA0000000001", "deployments": ["572AA0000000001"]}]}"#,
    );
    assert!(chasitor_sim::load_config(&only_la)
        .unwrap()
        .enhanced_chat
        .is_empty());
    let typo = write(
        "typo.json",
        r#"{"enhancedChat": [{"orgId": "00D", "esDeveloperName": "x", "tokenLifetime": 5}]}"#,
    );
    assert!(chasitor_sim::load_config(&typo).is_err());
    let empty = write("empty.json", r#"{"orgs": [], "enhancedChat": []}"#);
    assert!(chasitor_sim::load_config(&empty).is_err());

    let sim = Sim::miaw_with(|c| {
        c.orgs = file.orgs.clone();
        c.miaw = file.enhanced_chat.clone();
    })
    .await;
    assert_eq!(
        sim.token_request(token_body()).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut body = token_body();
    body["orgId"] = json!("00DAA0000000001");
    body["esDeveloperName"] = json!("Shop");
    let (status, v) = sim.token_request(body).await;
    assert_eq!(status, StatusCode::OK);
    let form = &v["context"]["configuration"]["embeddedServiceConfig"]["forms"][0];
    assert_eq!(form["displayContext"], "Session");
    assert_eq!(form["formFields"][0]["type"], "Email");
    let _ = std::fs::remove_dir_all(&dir);
}
