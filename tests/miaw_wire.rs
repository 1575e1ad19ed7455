#![cfg(not(target_arch = "wasm32"))] // native: fixtures are read from disk
//! Enhanced Chat wire types against the hand-written fixtures in tests/fixtures/miaw (see its
//! README): request bodies compared whole, answers and stream events decoded and checked.

use chasitor::lenient::ProtocolError;
use chasitor::miaw::wire::*;
use serde_json::{json, Map, Value};

mod miaw_support;
use miaw_support::base64url;

const CONV: &str = "5a8f2c3e-1b4d-4e6f-9a7b-0c1d2e3f4a5b";
const AGENT_MESSAGE_ID: &str = "1d6e5c4b-3a2f-4e1d-8c9b-7a6f5e4d3c2b";
const VISITOR_MESSAGE_ID: &str = "9f8e7d6c-5b4a-4f3e-8d2c-1b0a9f8e7d6c";

fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/miaw/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).expect("fixture is JSON")
}

/// An answer fixture decoded by its type's `from_json`.
fn answer<T>(name: &str, from_json: fn(&str) -> Result<T, ProtocolError>) -> T {
    from_json(&fixture_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A request body as JSON, to compare whole.
fn to_value(body: String) -> Value {
    serde_json::from_str(&body).expect("a body is JSON")
}

/// A known event's data, from its name and data.
fn conversation(name: &str, data: &str) -> EventData {
    match ServerEvent::decode(name, data) {
        ServerEvent::Conversation(data) => *data,
        other => panic!("{name}: {other:?}"),
    }
}

/// A known event from its fixture: `event-routing-result.json` is CONVERSATION_ROUTING_RESULT.
fn conversation_event(file_stem: &str) -> EventData {
    let name = format!(
        "CONVERSATION_{}",
        file_stem.replace('-', "_").to_uppercase()
    );
    conversation(&name, &fixture_text(&format!("event-{file_stem}.json")))
}

/// The entry of a known event whose data is `data`.
fn entry_of(name: &str, data: Value) -> ConversationEntry {
    conversation(name, &data.to_string()).conversation_entry
}

fn payload(file_stem: &str) -> EntryPayload {
    conversation_event(file_stem).conversation_entry.payload
}

fn attributes(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

// ---------------------------------------------------------------------------- requests

#[test]
fn access_token_request_for_the_web() {
    let request = AccessTokenRequest::web("00DXX0000000001", "Web_Chat");
    assert_eq!(
        to_value(request.to_json()),
        fixture("request-access-token.json")
    );
    let with_context = AccessTokenRequest {
        device_id: Some("d2a1f0e9-8c7b-4a6d-9e5f-4a3b2c1d0e9f".into()),
        context: Some(ClientContext {
            app_name: "chasitor".into(),
            client_version: "0.1.0".into(),
        }),
        ..request
    };
    assert_eq!(
        to_value(with_context.to_json()),
        fixture("request-access-token-with-context.json")
    );
}

#[test]
fn create_conversation_request() {
    let request = CreateConversationRequest {
        conversation_id: CONV.into(),
        es_developer_name: "Web_Chat".into(),
        routing_attributes: attributes(
            json!({"_firstName": "Jon", "_email": "jon@example.com", "Subscribe": true}),
        ),
    };
    assert_eq!(
        to_value(request.to_json()),
        fixture("request-create-conversation.json")
    );
    let without = CreateConversationRequest {
        routing_attributes: Map::new(),
        ..request
    };
    assert_eq!(
        to_value(without.to_json()),
        json!({"conversationId": CONV, "esDeveloperName": "Web_Chat"})
    );
}

#[test]
fn send_message_request_plain_text() {
    let request = SendMessageRequest::text(VISITOR_MESSAGE_ID, "My parcel is late", "Web_Chat");
    assert_eq!(
        to_value(request.to_json()),
        fixture("request-send-message.json")
    );
}

#[test]
fn send_message_request_opening_a_new_session() {
    let mut request = SendMessageRequest::text(
        "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b",
        "Still there?",
        "Web_Chat",
    );
    request.message.in_reply_to_message_id = Some(AGENT_MESSAGE_ID.to_string());
    request.is_new_messaging_session = true;
    request.routing_attributes = attributes(json!({"_firstName": "Jon"}));
    request.language = Some("en_US".into());
    assert_eq!(
        to_value(request.to_json()),
        fixture("request-send-message-new-session.json")
    );
}

#[test]
fn typing_requests() {
    let started = TypingRequest {
        entry_type: TypingEntry::TypingStartedIndicator,
        id: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".into(),
    };
    assert_eq!(
        to_value(started.to_json()),
        fixture("request-typing-started.json")
    );
    let stopped = TypingRequest {
        entry_type: TypingEntry::TypingStoppedIndicator,
        id: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e".into(),
    };
    assert_eq!(
        to_value(stopped.to_json()),
        fixture("request-typing-stopped.json")
    );
}

#[test]
fn acknowledge_entries_request() {
    let ack = |id: &str, entry_type| Ack {
        id: id.into(),
        entry_type,
        conversation_entry_id: AGENT_MESSAGE_ID.into(),
    };
    let request = AcknowledgeEntriesRequest {
        acks: vec![
            ack("c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f", AckType::Delivery),
            ack("d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a", AckType::Read),
        ],
    };
    assert_eq!(
        to_value(request.to_json()),
        fixture("request-acknowledge-entries.json")
    );
}

// ----------------------------------------------------------------------------- answers

#[test]
fn access_token_answer_with_the_prechat_form() {
    let token = answer("answer-access-token.json", AccessTokenAnswer::from_json);
    assert!(token.access_token.starts_with("eyJ"));
    assert_eq!(token.last_event_id, "0");
    assert_eq!(jwt_expiry_secs(&token.access_token), Some(1_764_459_300));
    assert_eq!(
        token.context.device_id,
        "d2a1f0e9-8c7b-4a6d-9e5f-4a3b2c1d0e9f"
    );

    let config = &token.context.configuration.embedded_service_config;
    assert_eq!(config.name, "Web_Chat");
    let form = config.prechat_form().expect("a pre-chat form");
    assert_eq!(form.display_context, "Conversation");
    assert!(!form.every_session());

    let fields = form.fields_in_order();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["_firstName", "_email", "Topic", "Page_URL", "Subscribe"]
    );
    let (first, email, topic, page, subscribe) =
        (fields[0], fields[1], fields[2], fields[3], fields[4]);
    assert_eq!(first.field_type, "Text");
    assert_eq!(first.label(), "First name");
    assert_eq!(email.label(), "_email", "no labels: the name");
    assert_eq!(topic.label(), "How can we help?");
    assert_eq!(first.max_length, Some(40));
    // "true", "2" and "80" as strings: read as the server meant them.
    assert_eq!(email.field_type, "Email");
    assert!(email.required);
    assert_eq!(email.order, 2);
    assert_eq!(email.max_length, Some(80));
    assert!(page.is_hidden && !page.required);
    assert_eq!(subscribe.field_type, "Checkbox");
    assert_eq!(subscribe.max_length, None);

    assert_eq!(topic.field_type, "ChoiceList");
    let choices: Vec<(&str, &str)> = config
        .choices(&topic.choice_list_id)
        .iter()
        .map(|c| {
            (
                c.choice_list_value_id.as_str(),
                c.choice_list_value_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        choices,
        [
            ("0XzXX0000000001", "Billing"),
            ("0XzXX0000000002", "Shipping")
        ]
    );
    assert!(config.choices("unknown").is_empty());
}

#[test]
fn form_fields_in_order_keep_theirs_when_equal() {
    let token = AccessTokenAnswer::from_json(
        &json!({"accessToken": "t", "context": {"configuration": {"embeddedServiceConfig": {
            "forms": [{"formType": "PreChat", "formFields": [
                {"name": "c", "order": 2}, {"name": "a", "order": "1"}, {"name": "d", "order": 2},
                {"name": "x"}, {"name": "b", "order": 1}, "not a field"]}]}}}})
        .to_string(),
    )
    .unwrap();
    let config = &token.context.configuration.embedded_service_config;
    let form = config.prechat_form().expect("a pre-chat form");
    let names: Vec<&str> = form
        .fields_in_order()
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["x", "a", "b", "c", "d"]);
}

#[test]
fn a_token_answer_without_a_form_or_context() {
    let token = AccessTokenAnswer::from_json(
        &json!({"accessToken": "t", "context": {"configuration": null}}).to_string(),
    )
    .unwrap();
    assert_eq!(token.last_event_id, "");
    assert_eq!(
        token
            .context
            .configuration
            .embedded_service_config
            .prechat_form(),
        None
    );
    // Without a token the answer is useless: an error.
    assert!(AccessTokenAnswer::from_json(r#"{"lastEventId": "1"}"#).is_err());
    assert!(AccessTokenAnswer::from_json(r#"{"accessToken": 7}"#).is_err());
}

#[test]
fn continuation_token_answer() {
    let token = answer(
        "answer-continuation-token.json",
        ContinuationTokenAnswer::from_json,
    );
    assert_eq!(token.last_event_id, "1764455704001-0");
    assert_eq!(token.context, TokenContext::default());
    assert_eq!(jwt_expiry_secs(&token.access_token), Some(1_764_462_900));
}

#[test]
fn send_message_answer() {
    let sent = answer("answer-send-message.json", SendMessageAnswer::from_json);
    assert_eq!(sent.conversation_entries.len(), 1);
    assert_eq!(sent.conversation_entries[0].id, VISITOR_MESSAGE_ID);
    assert_eq!(
        sent.conversation_entries[0].client_timestamp,
        1_764_455_702_999
    );
}

#[test]
fn list_conversations_answer() {
    let list = answer(
        "answer-list-conversations.json",
        ListConversationsAnswer::from_json,
    );
    assert_eq!(list.open_conversations_found, 2);
    assert_eq!(list.conversations.len(), 2);
    // The second's start time is a string; it is still the latest.
    let latest = list.latest().expect("a conversation");
    assert_eq!(latest.conversation_id, CONV);
    assert_eq!(latest.start_timestamp, 1_764_455_689_000);
    let empty = ListConversationsAnswer::from_json(r#"{"openConversationsFound": 0}"#).unwrap();
    assert_eq!(empty.latest(), None);
}

#[test]
fn history_entries_newest_first_with_object_payloads() {
    let history = answer("answer-entries.json", EntriesAnswer::from_json);
    let entries = &history.conversation_entries;
    // The element that is not an object is left out; the rest keep their order.
    assert_eq!(entries.len(), 5);

    let visitor = &entries[0];
    assert_eq!(visitor.identifier, VISITOR_MESSAGE_ID);
    assert_eq!(visitor.sender.role, "EndUser");
    match &visitor.payload {
        EntryPayload::Message(m) => {
            assert_eq!(m.text(), Some("My parcel is late"));
            assert_eq!(m.abstract_message.id, VISITOR_MESSAGE_ID);
        }
        other => panic!("{other:?}"),
    }

    assert_eq!(entries[1].sender_display_name, "Ada");
    assert!(matches!(&entries[1].payload, EntryPayload::Message(m)
        if m.text() == Some("Hi, I'm Ada. How can I help?")));

    match &entries[2].payload {
        EntryPayload::ParticipantChanged(p) => {
            assert_eq!(p.entries.len(), 1);
            assert!(p.entries[0].joined());
            assert_eq!(p.entries[0].participant.role, "Agent");
        }
        other => panic!("{other:?}"),
    }

    assert_eq!(entries[3].entry_type, "SessionStatusChanged");
    assert!(
        matches!(&entries[3].payload, EntryPayload::SessionStatusChanged(s)
        if s.status == "Active" && s.ended_by_role.is_empty())
    );

    match &entries[4].payload {
        EntryPayload::RoutingResult(r) => {
            assert!(!r.failed());
            assert_eq!(r.wait_secs(), None, "-1 is no estimate");
        }
        other => panic!("{other:?}"),
    }
    assert!(entries
        .windows(2)
        .all(|w| w[0].transcripted_timestamp >= w[1].transcripted_timestamp));
}

#[test]
fn answers_that_are_not_json_objects_are_errors() {
    for body in ["not json", "[]", "null", "\"x\""] {
        assert!(AccessTokenAnswer::from_json(body).is_err(), "{body}");
        assert!(SendMessageAnswer::from_json(body).is_err(), "{body}");
        assert!(ListConversationsAnswer::from_json(body).is_err(), "{body}");
        assert!(EntriesAnswer::from_json(body).is_err(), "{body}");
    }
}

// ------------------------------------------------------------------------ stream events

#[test]
fn conversation_message_event() {
    let data = conversation_event("message");
    assert_eq!(data.conversation_id, CONV);
    assert_eq!(data.channel_type, "embedded_messaging");
    let entry = &data.conversation_entry;
    assert_eq!(entry.identifier, AGENT_MESSAGE_ID);
    assert_eq!(entry.entry_type, "Message");
    assert_eq!(entry.sender.role, "Agent");
    assert_eq!(entry.sender_display_name, "Ada");
    assert_eq!(entry.transcripted_timestamp, 1_764_455_702_345);
    assert_eq!(entry.client_timestamp, 1_764_455_702_301);
    match &entry.payload {
        EntryPayload::Message(m) => {
            assert_eq!(m.text(), Some("Hi, I'm Ada. How can I help?"));
            assert_eq!(m.abstract_message.id, AGENT_MESSAGE_ID);
            assert_eq!(m.message_reason, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_same_entry_from_the_stream_and_from_history_decodes_alike() {
    let streamed = conversation_event("message").conversation_entry;
    let history = answer("answer-entries.json", EntriesAnswer::from_json);
    assert_eq!(streamed, history.conversation_entries[1]);
}

#[test]
fn routing_result_event_with_the_estimated_wait() {
    match payload("routing-result") {
        EntryPayload::RoutingResult(r) => {
            assert_eq!(r.routing_type, "Initial");
            assert!(!r.failed());
            assert_eq!(r.wait_secs(), Some(95), "from the string \"95\"");
            assert_eq!(
                r.estimated_wait_time.as_ref().unwrap().is_ewt_requested,
                Some(true)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn routing_failures() {
    let decode = |payload: Value| EntryPayload::decode("RoutingResult", payload);
    let failed = decode(
        json!({"failureType": "RoutingError", "failureReason": "No agents",
        "estimatedWaitTime": null}),
    );
    match failed {
        EntryPayload::RoutingResult(r) => {
            assert!(r.failed());
            assert_eq!(r.failure_reason, "No agents");
            assert_eq!(r.wait_secs(), None);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(decode(json!({})), EntryPayload::RoutingResult(r) if !r.failed()));
    // The seconds count unless the server says no estimate was asked for.
    let wait = |ewt: Value| match decode(json!({"estimatedWaitTime": ewt})) {
        EntryPayload::RoutingResult(r) => r.wait_secs(),
        other => panic!("{other:?}"),
    };
    assert_eq!(wait(json!({"estimatedWaitTimeInSeconds": 30})), Some(30));
    assert_eq!(
        wait(json!({"estimatedWaitTimeInSeconds": 0, "isEWTRequested": false})),
        None
    );
    assert_eq!(wait(json!({"estimatedWaitTimeInSeconds": "x"})), None);
    assert_eq!(wait(json!("soon")), None);
}

#[test]
fn participant_changed_event() {
    match payload("participant-changed") {
        EntryPayload::ParticipantChanged(p) => {
            let changes: Vec<(bool, &str, &str)> = p
                .entries
                .iter()
                .map(|c| {
                    (
                        c.joined(),
                        c.display_name.as_str(),
                        c.participant.role.as_str(),
                    )
                })
                .collect();
            assert_eq!(
                changes,
                [(false, "Astro", "Chatbot"), (true, "Ada", "Agent")]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn typing_events() {
    assert_eq!(
        payload("typing-started-indicator"),
        EntryPayload::TypingStarted
    );
    assert_eq!(
        payload("typing-stopped-indicator"),
        EntryPayload::TypingStopped
    );
    let data = conversation_event("typing-started-indicator");
    assert_eq!(data.conversation_entry.sender_display_name, "Ada");
}

#[test]
fn acknowledgement_events() {
    for (stem, expected) in [
        (
            "delivery-acknowledgement",
            EntryPayload::DeliveryAcknowledgement,
        ),
        ("read-acknowledgement", EntryPayload::ReadAcknowledgement),
    ] {
        let entry = conversation_event(stem).conversation_entry;
        assert_eq!(entry.payload, expected);
        assert_eq!(entry.acknowledged_id(), Some(VISITOR_MESSAGE_ID));
    }
}

#[test]
fn close_conversation_event() {
    assert_eq!(
        payload("close-conversation"),
        EntryPayload::CloseConversation
    );
}

#[test]
fn an_unknown_event_name_is_unknown_with_its_data() {
    let data = fixture_text("event-progress-indicator.json");
    match ServerEvent::decode("CONVERSATION_PROGRESS_INDICATOR", &data) {
        ServerEvent::Unknown { name, raw } => {
            assert_eq!(name, "CONVERSATION_PROGRESS_INDICATOR");
            assert_eq!(raw, fixture("event-progress-indicator.json"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_known_event_whose_entry_type_is_unknown_is_typed_by_the_event_name() {
    let entry = entry_of(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        json!({"conversationId": CONV, "conversationEntry": {
            "identifier": "e1", "entryType": "TypingIndicatorV2", "entryPayload": "{}"}}),
    );
    assert_eq!(entry.payload, EntryPayload::TypingStarted);
    assert_eq!(entry.entry_type, "TypingIndicatorV2");

    // An unknown event name stays unknown, whatever its entry says.
    let data = json!({"conversationEntry": {"identifier": "e2", "entryType": "Message",
        "entryPayload": "{}"}});
    assert!(matches!(
        ServerEvent::decode("X_NEW_NAME", &data.to_string()),
        ServerEvent::Unknown { name, .. } if name == "X_NEW_NAME"
    ));
}

#[test]
fn an_entry_without_an_entry_type_takes_the_payloads_or_the_event_names() {
    let from_payload = entry_of(
        "CONVERSATION_MESSAGE",
        json!({"conversationEntry": {"identifier": "e2",
            "entryPayload": "{\"entryType\":\"ReadAcknowledgement\"}"}}),
    );
    assert_eq!(from_payload.entry_type, "ReadAcknowledgement");
    assert_eq!(from_payload.payload, EntryPayload::ReadAcknowledgement);

    let bare = entry_of(
        "CONVERSATION_CLOSE_CONVERSATION",
        json!({"conversationEntry": {"identifier": "e3"}}),
    );
    assert_eq!(bare.entry_type, "CloseConversation");
    assert_eq!(bare.payload, EntryPayload::CloseConversation);
}

#[test]
fn odd_event_data_is_unknown_never_an_error() {
    for (data, raw) in [
        ("not json", json!("not json")),
        ("[1,2]", json!([1, 2])),
        ("{\"conversationId\":\"c\"}", json!({"conversationId": "c"})),
        (
            "{\"conversationEntry\":\"x\"}",
            json!({"conversationEntry": "x"}),
        ),
    ] {
        assert_eq!(
            ServerEvent::decode("CONVERSATION_MESSAGE", data),
            ServerEvent::Unknown {
                name: "CONVERSATION_MESSAGE".into(),
                raw
            },
            "{data}"
        );
    }
}

#[test]
fn a_message_payload_that_is_not_an_object_is_unknown() {
    let entry = entry_of(
        "CONVERSATION_MESSAGE",
        json!({"conversationEntry": {"entryType": "Message", "entryPayload": "oops"}}),
    );
    assert_eq!(
        entry.payload,
        EntryPayload::Unknown {
            name: "Message".into(),
            raw: json!("oops")
        }
    );
    // A known entry type is kept whatever the event's name says.
    let entry = entry_of(
        "CONVERSATION_MESSAGE",
        json!({"conversationEntry": {"entryType": "RoutingResult", "entryPayload": "[]"}}),
    );
    assert_eq!(
        entry.payload,
        EntryPayload::Unknown {
            name: "RoutingResult".into(),
            raw: json!([])
        }
    );
}

#[test]
fn only_static_text_messages_have_text() {
    let choices = EntryPayload::decode(
        "Message",
        json!({"abstractMessage": {"messageType": "ChoicesMessage", "id": "m",
            "staticContent": {"formatType": "Buttons", "text": "Pick one"}}}),
    );
    let EntryPayload::Message(m) = choices else {
        panic!("{choices:?}")
    };
    assert_eq!(m.text(), None);
    assert_eq!(m.abstract_message.message_type, "ChoicesMessage");
    let EntryPayload::Message(empty) = EntryPayload::decode("Message", json!({})) else {
        panic!("a message")
    };
    assert_eq!(empty.text(), None);
}

// --------------------------------------------------------------------------------- JWT

fn jwt(claims: &str) -> String {
    format!("eyJhbGciOiJub25lIn0.{}.sig", base64url(claims.as_bytes()))
}

#[test]
fn jwt_expiry_reads_the_exp_claim() {
    assert_eq!(
        jwt_expiry_secs(&jwt(r#"{"exp":1764459300}"#)),
        Some(1_764_459_300)
    );
    assert_eq!(jwt_expiry_secs(&jwt(r#"{"exp":"42","sub":"x"}"#)), Some(42));
    // Every payload length, so every padding case of base64url.
    for pad in 0..4 {
        let claims = format!(r#"{{"exp":7,"p":"{}"}}"#, "x".repeat(pad));
        assert_eq!(jwt_expiry_secs(&jwt(&claims)), Some(7), "{claims}");
    }
    // Padding '=' is accepted too.
    assert_eq!(
        jwt_expiry_secs("h.eyJleHAiOjF9.s"),
        jwt_expiry_secs("h.eyJleHAiOjF9==.s")
    );
    assert_eq!(jwt_expiry_secs("h.eyJleHAiOjF9.s"), Some(1));
}

#[test]
fn jwt_expiry_is_none_for_what_is_not_a_token_with_exp() {
    assert_eq!(jwt_expiry_secs(""), None);
    assert_eq!(jwt_expiry_secs("not-a-jwt"), None);
    assert_eq!(jwt_expiry_secs("a.b+c/d.e"), None, "not base64url");
    assert_eq!(jwt_expiry_secs(&jwt("not json")), None);
    assert_eq!(jwt_expiry_secs(&jwt(r#"{"sub":"x"}"#)), None);
    assert_eq!(jwt_expiry_secs(&jwt(r#"{"exp":-5}"#)), None);
    assert_eq!(jwt_expiry_secs(&jwt(r#"{"exp":null}"#)), None);
}

/// The events of a session's life the real server sends (issue 25): who ended the session, the
/// place in the queue (a number as a string reads as meant), what routing did with the work.
#[test]
fn session_status_queue_position_and_routing_work_result_events() {
    match payload("session-status-changed") {
        EntryPayload::SessionStatusChanged(s) => {
            assert_eq!(s.status, "Ended");
            assert_eq!(s.previous, "Active");
            assert_eq!(s.ended_by_role, "Agent");
            assert_eq!(s.session_id, "0Mw000000000001AAA");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        payload("queue-position"),
        EntryPayload::QueuePosition { position: Some(3) }
    );
    assert_eq!(
        payload("routing-work-result"),
        EntryPayload::RoutingWorkResult {
            work_type: "Transferred".into()
        }
    );
}
