#![cfg(not(target_arch = "wasm32"))] // native: fixtures are read from disk and proptest is native-only
//! The guide's JSON examples (tests/fixtures) against the protocol types.
//!
//! Fixtures are the guide's (v56) examples made valid JSON: keys quoted, values kept. Where an
//! example was broken beyond quoting, the response fixture says what was fixed in a `_note` key
//! (ignored by decoding). Request fixtures carry no `_note` (they are compared whole); the only
//! change there beyond quoting: the ChasitorInit `userAgent` was wrapped across two lines by the
//! PDF and is joined with one space.

use chasitor::live_agent::wire::*;
use chasitor::session::Method;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("serializes")
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("decodes")
}

// ---------------------------------------------------------------- request bodies (chapter 7)

fn guide_chasitor_init() -> ChasitorInit {
    ChasitorInit {
        organization_id: "00DD00000000JvXs".into(),
        deployment_id: "572D000000000J6".into(),
        button_id: "573D000000000OC".into(),
        agent_id: Some("005B00000000F3b2".into()),
        do_fallback: Some(true),
        session_id: "5503f854-0203-4324-8ed5-f793a367426f".into(),
        user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_6_8) AppleWebKit/537.36 \
                     (KHTML, like Gecko) Chrome/28.0.1500.95 Safari/537.36"
            .into(),
        language: "en-US".into(),
        screen_resolution: "2560x1440".into(),
        visitor_name: "Jon A.".into(),
        prechat_details: vec![CustomDetail {
            label: "E-mail Address".into(),
            value: "jon@example.com".into(),
            entity_maps: vec![EntityFieldMap {
                entity_name: "Contact".into(),
                field_name: "Email".into(),
                is_fast_fillable: false,
                is_auto_queryable: true,
                is_exact_matchable: true,
            }],
            transcript_fields: vec!["c__EmailAddress".into()],
            display_to_agent: true,
        }],
        prechat_entities: vec![],
        button_overrides: vec!["573D000000000OD".into()],
        receive_queue_updates: true,
        is_post: true,
    }
}

#[test]
fn chasitor_init_encodes_as_the_guide_shows() {
    let expected = fixture("request-chasitor-init.json");
    assert_eq!(to_value(&guide_chasitor_init()), expected);
    assert_eq!(decode::<ChasitorInit>(expected), guide_chasitor_init());
}

#[test]
fn chasitor_init_leaves_out_absent_routing_fields() {
    let init = ChasitorInit {
        agent_id: None,
        do_fallback: None,
        ..guide_chasitor_init()
    };
    let v = to_value(&init);
    assert!(v.get("agentId").is_none());
    assert!(v.get("doFallback").is_none());
    assert_eq!(v["receiveQueueUpdates"], json!(true));
    assert_eq!(v["isPost"], json!(true));
    assert_eq!(v["prechatEntities"], json!([]));
}

#[test]
fn custom_detail_accepts_entity_maps_spelling_and_missing_lists() {
    let d: CustomDetail = decode(json!({
        "label": "Name", "value": "Jon",
        "entityMaps": [{"entityName": "Contact", "fieldName": "LastName"}]
    }));
    assert_eq!(d.entity_maps.len(), 1);
    assert_eq!(d.entity_maps[0].field_name, "LastName");
    assert!(d.transcript_fields.is_empty());
    assert!(!d.display_to_agent);
    // Empty entity maps are left out on the wire.
    let out = to_value(&CustomDetail {
        entity_maps: vec![],
        ..d
    });
    assert!(out.get("entityFieldMaps").is_none());
    assert_eq!(out["transcriptFields"], json!([]));
}

#[test]
fn entity_encodes_with_guide_names() {
    let e = Entity {
        entity_name: "Contact".into(),
        show_on_create: Some(true),
        link_to_entity_name: None,
        link_to_entity_field: None,
        save_to_transcript: Some("Contact".into()),
        entity_fields_maps: vec![EntityFieldsMaps {
            field_name: "Email".into(),
            label: "E-mail Address".into(),
            do_find: true,
            is_exact_match: true,
            do_create: false,
        }],
    };
    let v = to_value(&e);
    assert_eq!(
        v,
        json!({
            "entityName": "Contact",
            "showOnCreate": true,
            "saveToTranscript": "Contact",
            "entityFieldsMaps": [{
                "fieldName": "Email", "label": "E-mail Address",
                "doFind": true, "isExactMatch": true, "doCreate": false
            }]
        })
    );
    assert_eq!(decode::<Entity>(v), e);
}

#[test]
fn small_request_bodies_encode_as_the_guide_shows() {
    let resync = ChasitorResyncState {
        organization_id: "00DD0000000JVXs".into(),
    };
    assert_eq!(
        to_value(&resync),
        fixture("request-chasitor-resync-state.json")
    );

    let peek = ChasitorSneakPeek {
        position: 3,
        text: "Hi there.".into(),
    };
    assert_eq!(to_value(&peek), fixture("request-chasitor-sneak-peek.json"));

    let msg = ChatMessageBody {
        text: "I have a question about my account.".into(),
    };
    assert_eq!(to_value(&msg), fixture("request-chat-message.json"));

    let event = CustomEventBody {
        event_type: "PromptForCreditCard".into(),
        data: JsonText("Visa".into()),
    };
    assert_eq!(to_value(&event), fixture("request-custom-event.json"));

    assert_eq!(
        to_value(&Breadcrumb {
            location: "http://yoursite/page2".into()
        }),
        json!({"location": "http://yoursite/page2"})
    );
}

#[test]
fn multi_noun_encodes_as_the_guide_shows() {
    let body = MultiNoun {
        nouns: vec![
            NounWrapper::new(Resource::ChatMessage, json!({"text": "Goodbye"})).expect("batchable"),
            NounWrapper::new(Resource::ChatEnd, Value::Null).expect("batchable"),
        ],
    };
    let expected = fixture("request-multi-noun.json");
    assert_eq!(to_value(&body), expected);
    let back: MultiNoun = decode(expected);
    assert_eq!(back, body);
    assert_eq!(back.nouns[0].resource(), Some(Resource::ChatMessage));
    assert_eq!(back.nouns[1].resource(), Some(Resource::ChatEnd));
}

#[test]
fn noun_wrapper_accepts_data_spelling_and_refuses_unbatchable_resources() {
    let n: NounWrapper =
        decode(json!({"prefix": "Chasitor", "noun": "ChatMessage", "data": {"text": "x"}}));
    assert_eq!(n.object, json!({"text": "x"}));
    assert!(NounWrapper::new(Resource::Messages, Value::Null).is_none());
    assert!(NounWrapper::new(Resource::MultiNoun, Value::Null).is_none());
}

#[test]
fn chat_end_body_is_exactly_the_typed_reason() {
    let text = serde_json::to_string(&ChatEndReason::client()).expect("serializes");
    assert_eq!(text, r#"{"type":"ChatEndReason","reason":"client"}"#);
    // Decoding is lenient about the type tag (the guide's own example omits it).
    let bare: ChatEndReason = decode(json!({"reason": "client"}));
    assert_eq!(bare, ChatEndReason::client());
    let typed: ChatEndReason = decode(json!({"type": "ChatEndReason", "reason": "client"}));
    assert_eq!(typed, ChatEndReason::client());
}

// ---------------------------------------------------------------- query parameters

fn pairs(q: &[(String, String)]) -> Vec<(&str, &str)> {
    q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn availability_query_lists_ids_in_brackets() {
    let q = AvailabilityQuery {
        org_id: "00D".into(),
        deployment_id: "572".into(),
        ids: vec!["573A".into(), "573B".into()],
        need_estimated_wait_time: true,
    };
    assert_eq!(
        pairs(&q.to_query()),
        vec![
            ("org_id", "00D"),
            ("deployment_id", "572"),
            ("Availability.ids", "[573A,573B]"),
            ("Availability.needEstimatedWaitTime", "1"),
        ]
    );
    let plain = AvailabilityQuery {
        need_estimated_wait_time: false,
        ..q
    };
    assert!(!plain
        .to_query()
        .iter()
        .any(|(k, _)| k == "Availability.needEstimatedWaitTime"));
}

#[test]
fn settings_visitor_id_messages_and_reconnect_queries() {
    let s = SettingsQuery {
        org_id: "00D".into(),
        deployment_id: "572".into(),
        button_ids: vec!["573A".into()],
        need_estimated_wait_time: true,
        update_breadcrumb: false,
    };
    assert_eq!(
        pairs(&s.to_query()),
        vec![
            ("org_id", "00D"),
            ("deployment_id", "572"),
            ("Settings.buttonIds", "[573A]"),
            ("Settings.needEstimatedWaitTime", "1"),
        ]
    );
    let v = VisitorIdQuery {
        org_id: "00D".into(),
        deployment_id: "572".into(),
    };
    assert_eq!(
        pairs(&v.to_query()),
        vec![("org_id", "00D"), ("deployment_id", "572")]
    );
    assert_eq!(
        pairs(&MessagesQuery::default().to_query()),
        vec![("ack", "-1")]
    );
    assert_eq!(
        pairs(&MessagesQuery { ack: 7 }.to_query()),
        vec![("ack", "7")]
    );
    assert_eq!(
        pairs(&ReconnectSessionQuery { offset: 54647226 }.to_query()),
        vec![("ReconnectSession.offset", "54647226")]
    );
}

// ---------------------------------------------------------------- response bodies (chapter 8)

#[test]
fn session_id_decodes_with_string_poll_timeout() {
    let s =
        SessionIdResponse::from_json(&fixture_text("response-session-id.json")).expect("decodes");
    assert_eq!(s.id, "241590f5-2e59-44b5-af89-9cae83bb6947");
    assert_eq!(
        s.key,
        "f6c1d699-84c7-473f-b194-abf4bf7cccf8!b65b13c7-f597-4dd2-aa3a-cbe01e69f19c"
    );
    assert_eq!(s.affinity_token, "73061fa0");
    assert_eq!(s.poll_timeout_secs(), 30);
}

#[test]
fn client_poll_timeout_accepts_number_or_string_and_defaults_to_30() {
    let with = |t: Value| {
        let mut v = json!({"id": "i", "key": "k", "affinityToken": "a"});
        if !t.is_null() {
            v["clientPollTimeout"] = t;
        }
        SessionIdResponse::from_json(&v.to_string())
            .expect("decodes")
            .poll_timeout_secs()
    };
    assert_eq!(with(json!("30")), 30);
    assert_eq!(with(json!(30)), 30);
    assert_eq!(with(json!(45)), 45);
    assert_eq!(with(json!(" 40 ")), 40);
    assert_eq!(with(json!(40.0)), 40);
    assert_eq!(with(Value::Null), 30);
    assert_eq!(with(json!("soon")), 30);
    assert_eq!(with(json!(-5)), 30);
    assert_eq!(with(json!(0)), 30);
    assert_eq!(with(json!({})), 30);
}

#[test]
fn session_id_without_key_is_an_error() {
    let err = SessionIdResponse::from_json(r#"{"id":"i","affinityToken":"a"}"#).unwrap_err();
    assert!(matches!(
        err,
        ProtocolError::UnexpectedShape {
            expected: "SessionId",
            ..
        }
    ));
    assert!(err.to_string().contains("SessionId"));
}

#[test]
fn chat_request_success_decodes() {
    let m = ServerMessage::from_parts(
        "ChatRequestSuccess",
        fixture("response-chat-request-success.json"),
    );
    let ServerMessage::ChatRequestSuccess(s) = m else {
        panic!("expected ChatRequestSuccess, got {m:?}");
    };
    assert_eq!(s.queue_position, Some(1));
    assert_eq!(s.estimated_wait_time, Some(120.0));
    let geo = s.geo_location.as_ref().expect("geoLocation");
    assert_eq!(geo.country_code, "US");
    assert_eq!(geo.country_name, "United States of America");
    assert_eq!(geo.region.as_deref(), Some("CA"));
    assert_eq!(geo.city.as_deref(), Some("San Francisco"));
    assert_eq!(geo.organization.as_deref(), Some("Salesforce"));
    assert_eq!(geo.latitude, Some(37.793880));
    assert_eq!(geo.longitude, Some(-122.395114));
    assert_eq!(s.url.as_deref(), Some("http://yoursite"));
    assert_eq!(s.oref.as_deref(), Some("http://www.google.com?q=yoursite"));
    assert_eq!(s.post_chat_url.as_deref(), Some("http://yoursite/postchat"));
    assert_eq!(s.custom_details.len(), 1);
    assert_eq!(s.custom_details[0].label, "E-mail Address");
    assert_eq!(s.custom_details[0].value, "jon@example.com");
    assert_eq!(
        *s.custom_details[0].transcript_fields,
        vec!["c__EmailAddress"]
    );
    assert!(s.custom_details[0].display_to_agent);
    assert_eq!(
        s.visitor_id.as_deref(),
        Some("acd47048-bd80-476e-aa33-741bd5cb05d3")
    );
}

#[test]
fn chat_request_success_is_lenient_about_numbers_and_odd_optionals() {
    let s: ChatRequestSuccess = decode(json!({
        "queuePosition": "2", "estimatedWaitTime": -1, "geoLocation": "nowhere", "customDetails": null
    }));
    assert_eq!(s.queue_position, Some(2));
    assert_eq!(s.estimated_wait_time, Some(-1.0));
    assert_eq!(known_wait_seconds(s.estimated_wait_time), None);
    assert_eq!(known_wait_seconds(Some(89.6)), Some(90));
    assert!(s.geo_location.is_none());
    assert!(s.custom_details.is_empty());
}

#[test]
fn chat_request_fail_decodes() {
    let m = ServerMessage::from_parts(
        "ChatRequestFail",
        fixture("response-chat-request-fail.json"),
    );
    assert_eq!(
        m,
        ServerMessage::ChatRequestFail(ChatRequestFail {
            reason: "Unavailable".into(),
            post_chat_url: Some("http://yoursite/postChat".into()),
        })
    );
}

#[test]
fn chat_established_decodes() {
    let m = ServerMessage::from_parts("ChatEstablished", fixture("response-chat-established.json"));
    assert_eq!(
        m,
        ServerMessage::ChatEstablished(ChatEstablished {
            name: "Andy L.".into(),
            user_id: "f1dda237-57f8-4816-b8e8-59775f1e44c8".into(),
            sneak_peek_enabled: true,
            chasitor_idle_timeout: None,
        })
    );
}

#[test]
fn chat_established_idle_timeout_settings_both_spellings() {
    for key in ["chasitorIdleTimeout", "chasitorIdletimeout"] {
        let mut body = json!({"name": "Andy L."});
        body[key] = json!({"isEnabled": true, "warningTime": 60, "timeout": "120"});
        let e: ChatEstablished = decode(body);
        assert!(!e.sneak_peek_enabled);
        assert_eq!(e.user_id, "");
        assert_eq!(
            e.chasitor_idle_timeout,
            Some(ChasitorIdleTimeoutSettings {
                is_enabled: true,
                warning_time: Some(60),
                timeout: Some(120),
            })
        );
    }
}

#[test]
fn agent_chat_message_decodes() {
    let m = ServerMessage::from_parts("ChatMessage", fixture("response-chat-message.json"));
    let ServerMessage::ChatMessage(msg) = m else {
        panic!("expected ChatMessage, got {m:?}");
    };
    assert_eq!(msg.name, "Andy L.");
    assert_eq!(msg.text, "Hello, how can I help you?");
    assert_eq!(msg.agent_id, None);

    let extra: AgentChatMessage = decode(json!({
        "name": "Andy L.", "text": "Hi", "agentId": "005x", "schedule": {"responseDelayMilliseconds": 0.0}
    }));
    assert_eq!(extra.agent_id.as_deref(), Some("005x"));
    assert_eq!(
        extra.schedule.and_then(|s| s.response_delay_milliseconds),
        Some(0.0)
    );
}

#[test]
fn chat_transferred_decodes() {
    let m = ServerMessage::from_parts("ChatTransferred", fixture("response-chat-transferred.json"));
    assert_eq!(
        m,
        ServerMessage::ChatTransferred(ChatTransferred {
            name: "Ryan S.".into(),
            user_id: Some("edacfa56-b203-43d5-9e1b-678278b61263".into()),
            sneak_peek_enabled: false,
            chasitor_idle_timeout: None,
        })
    );
}

#[test]
fn custom_event_decodes() {
    let m = ServerMessage::from_parts("CustomEvent", fixture("response-custom-event.json"));
    assert_eq!(
        m,
        ServerMessage::CustomEvent(CustomEventMessage {
            event_type: "CreditCardEntered".into(),
            data: JsonText("5105105105105100".into()),
        })
    );
}

#[test]
fn new_visitor_breadcrumb_and_queue_update_decode() {
    assert_eq!(
        ServerMessage::from_parts(
            "NewVisitorBreadcrumb",
            fixture("response-new-visitor-breadcrumb.json")
        ),
        ServerMessage::NewVisitorBreadcrumb(NewVisitorBreadcrumb {
            location: "http://yoursite/page2".into()
        })
    );
    assert_eq!(
        ServerMessage::from_parts("QueueUpdate", fixture("response-queue-update.json")),
        ServerMessage::QueueUpdate(QueueUpdate {
            position: Some(3),
            estimated_wait_time: Some(120.0),
        })
    );
    let frac: QueueUpdate = decode(json!({"position": 0, "estimatedWaitTime": 12.5}));
    assert_eq!(frac.position, Some(0));
    assert_eq!(frac.estimated_wait_time, Some(12.5));
}

#[test]
fn chasitor_session_data_decodes() {
    let m = ServerMessage::from_parts(
        "ChasitorSessionData",
        fixture("response-chasitor-session-data.json"),
    );
    let ServerMessage::ChasitorSessionData(d) = m else {
        panic!("expected ChasitorSessionData, got {m:?}");
    };
    assert_eq!(d.queue_position, Some(1));
    assert_eq!(
        d.geo_location.as_ref().and_then(|g| g.city.as_deref()),
        Some("San Francisco")
    );
    assert_eq!(d.url.as_deref(), Some("http://yoursite"));
    assert_eq!(d.oref.as_deref(), Some("http://www.google.com?q=yoursite"));
    assert_eq!(d.post_chat_url.as_deref(), Some("http://yoursite/postchat"));
    assert!(d.sneak_peek_enabled);
    assert_eq!(
        d.chat_messages,
        vec![
            TranscriptEntry {
                entry_type: TranscriptEntryType::Agent,
                name: "Andy L.".into(),
                content: "Hello, how can I help you?".into(),
                timestamp: 1376596367548,
                sequence: 1.into(),
            },
            TranscriptEntry {
                entry_type: TranscriptEntryType::Chasitor,
                name: "Jon A.".into(),
                content: "I have a question for you.".into(),
                timestamp: 1376596349132,
                sequence: 2.into(),
            },
        ]
    );
}

#[test]
fn transcript_entry_types_keep_unknown_values() {
    let e: TranscriptEntry =
        decode(json!({"type": "OperatorTransferred", "name": "Ryan S.", "content": ""}));
    assert_eq!(e.entry_type, TranscriptEntryType::OperatorTransferred);
    let o: TranscriptEntry = decode(json!({"type": "System", "content": "x", "timestamp": "5"}));
    assert_eq!(o.entry_type, TranscriptEntryType::Other("System".into()));
    assert_eq!(o.entry_type.as_str(), "System");
    assert_eq!(o.timestamp, 5);
    assert_eq!(o.sequence, 0);
}

#[test]
fn idle_timeout_warning_decodes_with_other_fallback() {
    let t = ServerMessage::from_parts(
        "ChasitorIdleTimeoutWarningEvent",
        json!({"idleTimeoutWarningEvent": "triggered"}),
    );
    assert_eq!(
        t,
        ServerMessage::ChasitorIdleTimeoutWarningEvent(IdleTimeoutWarning {
            idle_timeout_warning_event: IdleTimeoutWarningEvent::Triggered
        })
    );
    let c: IdleTimeoutWarning = decode(json!({"idleTimeoutWarningEvent": "cleared"}));
    assert_eq!(
        c.idle_timeout_warning_event,
        IdleTimeoutWarningEvent::Cleared
    );
    let o: IdleTimeoutWarning = decode(json!({"idleTimeoutWarningEvent": "paused"}));
    assert_eq!(
        o.idle_timeout_warning_event,
        IdleTimeoutWarningEvent::Other("paused".into())
    );
}

#[test]
fn chat_ended_and_bodiless_messages_decode_with_any_body() {
    let batch = MessagesResponse::from_json(
        r#"{"messages":[
            {"type":"ChatEnded","message":{}},
            {"type":"ChatEnded"},
            {"type":"ChatEnded","message":{"reason":"agent","attachedRecords":["500x"]}},
            {"type":"AgentTyping","message":{}},
            {"type":"AgentNotTyping","message":null},
            {"type":"AgentDisconnect"}
        ],"sequence":4}"#,
    )
    .expect("decodes");
    assert_eq!(
        batch.messages[0],
        ServerMessage::ChatEnded(ChatEnded::default())
    );
    assert_eq!(
        batch.messages[1],
        ServerMessage::ChatEnded(ChatEnded::default())
    );
    assert_eq!(
        batch.messages[2],
        ServerMessage::ChatEnded(ChatEnded {
            reason: Some("agent".into()),
            attached_records: Some(json!(["500x"])),
        })
    );
    assert_eq!(batch.messages[3], ServerMessage::AgentTyping);
    assert_eq!(batch.messages[4], ServerMessage::AgentNotTyping);
    assert_eq!(batch.messages[5], ServerMessage::AgentDisconnect);
    assert_eq!(batch.sequence, Some(4));
    assert_eq!(batch.offset, None);
}

// ---------------------------------------------------------------- envelopes

#[test]
fn messages_envelope_decodes() {
    let r = MessagesResponse::from_json(&fixture_text("response-messages.json")).expect("decodes");
    assert_eq!(r.sequence, Some(1));
    assert_eq!(r.offset, Some(1234567890));
    assert_eq!(
        r.messages,
        vec![ServerMessage::ChatEstablished(ChatEstablished {
            name: "Andy L.".into(),
            user_id: "f1dda237-57f8-4816-b8e8-59775f1e44c8".into(),
            sneak_peek_enabled: true,
            chasitor_idle_timeout: None,
        })]
    );
}

#[test]
fn messages_envelope_accepts_numeric_strings_and_missing_messages() {
    let r = MessagesResponse::from_json(r#"{"sequence":"12","offset":"99"}"#).expect("decodes");
    assert!(r.messages.is_empty());
    assert_eq!(r.sequence, Some(12));
    assert_eq!(r.offset, Some(99));
    let odd =
        MessagesResponse::from_json(r#"{"messages":"none","sequence":null}"#).expect("decodes");
    assert!(odd.messages.is_empty());
    assert_eq!(odd.sequence, None);
}

#[test]
fn reconnect_session_envelope_decodes() {
    let r = MessagesResponse::from_json(&fixture_text("response-reconnect-session.json"))
        .expect("decodes");
    assert_eq!(
        r.messages,
        vec![ServerMessage::ReconnectSession(ReconnectSessionMessage {
            reset_sequence: TrueUnlessFalse(true),
            affinity_token: "efaelfa0".into(),
        })]
    );
    let body: ReconnectSessionMessage = decode(fixture("response-reconnect-session-body.json"));
    assert_eq!(body.affinity_token, "73061fa0");
    assert!(body.reset_sequence.0);
}

#[test]
fn reconnect_session_without_reset_sequence_means_reset() {
    let m = ServerMessage::from_parts("ReconnectSession", json!({"affinityToken": "b0b0"}));
    assert_eq!(
        m,
        ServerMessage::ReconnectSession(ReconnectSessionMessage {
            reset_sequence: TrueUnlessFalse(true),
            affinity_token: "b0b0".into(),
        })
    );
    let no: ReconnectSessionMessage = decode(json!({"resetSequence": false, "affinityToken": "b"}));
    assert!(!no.reset_sequence.0);
}

#[test]
fn switch_server_envelope_decodes() {
    let r =
        MessagesResponse::from_json(&fixture_text("response-switch-server.json")).expect("decodes");
    assert_eq!(
        r.messages,
        vec![ServerMessage::SwitchServer(SwitchServer {
            new_url: "https://LiveAgentPool.salesforceliveagent.com/chat".into()
        })]
    );
    // Asked for Availability, answered SwitchServer: an error for the typed helper.
    let err =
        AvailabilityResponse::from_json(&fixture_text("response-switch-server.json")).unwrap_err();
    assert!(matches!(
        err,
        ProtocolError::UnexpectedShape {
            expected: "Availability",
            ..
        }
    ));
}

#[test]
fn availability_envelope_decodes_offline_button_as_unavailable() {
    let text = fixture_text("response-availability.json");
    let r = MessagesResponse::from_json(&text).expect("decodes");
    let expected = AvailabilityResponse {
        results: vec![
            AvailabilityResult {
                id: "573...".into(),
                is_available: true,
                estimated_wait_time: None,
            },
            AvailabilityResult {
                id: "573...".into(),
                is_available: false,
                estimated_wait_time: None,
            },
        ],
    };
    assert_eq!(
        r.messages,
        vec![ServerMessage::Availability(expected.clone())]
    );
    assert_eq!(
        AvailabilityResponse::from_json(&text).expect("decodes"),
        expected
    );
    // The guide's bare form works too.
    let bare = AvailabilityResponse::from_json(
        r#"{"results":[{"id":"573A","isAvailable":true,"estimatedWaitTime":-1},{"id":"573B"}]}"#,
    )
    .expect("decodes");
    assert!(bare.is_available("573A"));
    assert!(!bare.is_available("573B"));
    assert!(!bare.is_available("573C"));
    assert_eq!(bare.results[0].estimated_wait_time, Some(-1.0));
}

#[test]
fn settings_offline_button_without_is_available_is_false() {
    let text = json!({"messages": [{"type": "Settings", "message": {
        "pingRate": 50000.0,
        "contentServerUrl": "https://c.la1-c1-ia2.salesforceliveagent.com/content",
        "buttons": [
            {"id": "573A", "type": "Standard", "isAvailable": true, "language": "en_US"},
            {"id": "573B", "type": "Invite", "inviteRenderer": "Slide", "inviteImageWidth": 120,
             "hasInviteAfterAccept": false, "inviteRules": {"x": 1}, "estimatedWaitTime": 30},
            {"id": "573C", "type": "Holographic"},
            {"type": "Standard"}
        ]
    }}]})
    .to_string();
    let s = SettingsResponse::from_json(&text).expect("decodes");
    assert_eq!(s.ping_rate, 50000.0);
    assert_eq!(
        s.content_server_url.as_deref(),
        Some("https://c.la1-c1-ia2.salesforceliveagent.com/content")
    );
    assert_eq!(s.buttons.len(), 3, "the button without id is dropped");
    assert!(s.buttons[0].is_available);
    assert_eq!(s.buttons[0].button_type, Some(ButtonType::Standard));
    assert_eq!(s.buttons[0].language.as_deref(), Some("en_US"));
    assert!(!s.buttons[1].is_available);
    assert_eq!(s.buttons[1].button_type, Some(ButtonType::Invite));
    assert_eq!(s.buttons[1].invite_image_width, Some(120.0));
    assert_eq!(s.buttons[1].has_invite_after_accept, Some(false));
    assert_eq!(s.buttons[1].estimated_wait_time, Some(30.0));
    assert_eq!(
        s.buttons[2].button_type,
        Some(ButtonType::Other("Holographic".into()))
    );
    // The guide's table spells it `pingrate`; a bare body works too.
    let bare = SettingsResponse::from_json(r#"{"pingrate":"30","buttons":[]}"#).expect("decodes");
    assert_eq!(bare.ping_rate, 30.0);
}

#[test]
fn visitor_id_decodes_bare_or_enveloped() {
    let bare = VisitorIdResponse::from_json(r#"{"sessionId":"abc"}"#).expect("decodes");
    assert_eq!(bare.session_id, "abc");
    let env = VisitorIdResponse::from_json(
        r#"{"messages":[{"type":"VisitorId","message":{"sessionId":"def"}}]}"#,
    )
    .expect("decodes");
    assert_eq!(env.session_id, "def");
}

// ---------------------------------------------------------------- robustness

#[test]
fn unknown_type_in_a_batch_is_kept_and_the_rest_decode() {
    let r = MessagesResponse::from_json(
        r#"{"messages":[
            {"type":"ChatMessage","message":{"name":"Andy L.","text":"one"}},
            {"type":"FileTransfer","message":{"type":"Requested","uploadServletUrl":"x"}},
            {"type":"ChatMessage","message":{"name":"Andy L.","text":"two"}}
        ],"sequence":3,"offset":77}"#,
    )
    .expect("decodes");
    assert_eq!(r.messages.len(), 3);
    assert!(matches!(&r.messages[0], ServerMessage::ChatMessage(m) if m.text == "one"));
    assert_eq!(
        r.messages[1],
        ServerMessage::Unknown {
            type_name: "FileTransfer".into(),
            raw: json!({"type": "Requested", "uploadServletUrl": "x"}),
        }
    );
    assert!(matches!(&r.messages[2], ServerMessage::ChatMessage(m) if m.text == "two"));
    assert_eq!(r.sequence, Some(3));
    assert_eq!(r.offset, Some(77));
}

#[test]
fn wrong_shaped_known_message_becomes_unknown() {
    let r = MessagesResponse::from_json(
        r#"{"messages":[
            {"type":"ChatMessage","message":{"name":"Andy L.","text":42}},
            {"type":"ChatEstablished","message":"Andy L."},
            {"type":"SwitchServer","message":{}},
            "not an object",
            {"message":{"text":"no type"}},
            {"type":"QueueUpdate","message":{"position":2}}
        ]}"#,
    )
    .expect("decodes");
    assert_eq!(
        r.messages[0],
        ServerMessage::Unknown {
            type_name: "ChatMessage".into(),
            raw: json!({"name": "Andy L.", "text": 42}),
        }
    );
    assert_eq!(
        r.messages[1],
        ServerMessage::Unknown {
            type_name: "ChatEstablished".into(),
            raw: json!("Andy L."),
        }
    );
    assert!(
        matches!(&r.messages[2], ServerMessage::Unknown { type_name, .. } if type_name == "SwitchServer")
    );
    assert_eq!(
        r.messages[3],
        ServerMessage::Unknown {
            type_name: String::new(),
            raw: json!("not an object"),
        }
    );
    assert!(
        matches!(&r.messages[4], ServerMessage::Unknown { type_name, .. } if type_name.is_empty())
    );
    assert_eq!(
        r.messages[5],
        ServerMessage::QueueUpdate(QueueUpdate {
            position: Some(2),
            estimated_wait_time: None
        })
    );
}

#[test]
fn known_message_with_a_non_object_body_is_unknown() {
    // A body is an object (or null/absent, read as `{}`); a list is not read as the fields in
    // order.
    assert_eq!(
        ServerMessage::from_parts("QueueUpdate", json!([2, 30])),
        ServerMessage::Unknown {
            type_name: "QueueUpdate".into(),
            raw: json!([2, 30]),
        }
    );
    assert_eq!(
        ServerMessage::from_parts("ChatEnded", Value::Null),
        ServerMessage::ChatEnded(ChatEnded::default())
    );
}

#[test]
fn non_json_or_non_object_envelope_is_an_error() {
    assert!(matches!(
        MessagesResponse::from_json("<html>502 Bad Gateway</html>"),
        Err(ProtocolError::InvalidJson(_))
    ));
    assert!(matches!(
        MessagesResponse::from_json(""),
        Err(ProtocolError::InvalidJson(_))
    ));
    assert_eq!(
        MessagesResponse::from_json("[1,2]"),
        Err(ProtocolError::NotAnObject)
    );
    assert_eq!(
        MessagesResponse::from_json("null"),
        Err(ProtocolError::NotAnObject)
    );
    let e = MessagesResponse::from_json("nope").unwrap_err();
    assert!(e.to_string().contains("not valid JSON"));
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
}

#[test]
fn messages_round_trip_through_serialize() {
    let r = MessagesResponse::from_json(
        r#"{"messages":[
            {"type":"ChatRequestSuccess","message":{"queuePosition":1,"estimatedWaitTime":-1}},
            {"type":"AgentTyping","message":{}},
            {"type":"ChatMessage","message":{"name":"Andy L.","text":"hi"}},
            {"type":"Mystery","message":{"a":1}}
        ],"sequence":2,"offset":5}"#,
    )
    .expect("decodes");
    let text = serde_json::to_string(&r).expect("serializes");
    assert_eq!(MessagesResponse::from_json(&text).expect("decodes"), r);
    let back: MessagesResponse = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, r);
    assert_eq!(r.messages[3].type_name(), "Mystery");
}

// ---------------------------------------------------------------- resource table (chapter 6)

#[test]
fn resource_table_matches_the_guide() {
    use Header::*;
    use Method::*;
    let seq: &[Header] = &[ApiVersion, Affinity, SessionKey, Sequence];
    let session: &[Header] = &[ApiVersion, Affinity, SessionKey];
    let visitor: &[Header] = &[ApiVersion];
    let table: [(Resource, &str, Method, &[Header]); 17] = [
        (
            Resource::SessionId,
            "/System/SessionId",
            Get,
            &[Affinity, ApiVersion],
        ),
        (
            Resource::DeleteSessionId,
            "/System/SessionId",
            Delete,
            &[Affinity, ApiVersion],
        ),
        (Resource::ChasitorInit, "/Chasitor/ChasitorInit", Post, seq),
        (
            Resource::ReconnectSession,
            "/System/ReconnectSession",
            Get,
            session,
        ),
        (
            Resource::ChasitorResyncState,
            "/Chasitor/ChasitorResyncState",
            Post,
            session,
        ),
        (
            Resource::ChasitorNotTyping,
            "/Chasitor/ChasitorNotTyping",
            Post,
            seq,
        ),
        (
            Resource::ChasitorSneakPeek,
            "/Chasitor/ChasitorSneakPeek",
            Post,
            seq,
        ),
        (
            Resource::ChasitorTyping,
            "/Chasitor/ChasitorTyping",
            Post,
            seq,
        ),
        (Resource::ChatEnd, "/Chasitor/ChatEnd", Post, seq),
        (Resource::ChatMessage, "/Chasitor/ChatMessage", Post, seq),
        (Resource::CustomEvent, "/Chasitor/CustomEvent", Post, seq),
        (Resource::Messages, "/System/Messages", Get, session),
        (Resource::MultiNoun, "/System/MultiNoun", Post, seq),
        (Resource::Settings, "/Visitor/Settings", Get, visitor),
        (
            Resource::Availability,
            "/Visitor/Availability",
            Get,
            visitor,
        ),
        (Resource::Breadcrumb, "/Visitor/Breadcrumb", Post, visitor),
        (Resource::VisitorId, "/Visitor/VisitorId", Get, visitor),
    ];
    assert_eq!(Resource::ALL.len(), table.len());
    for (i, (resource, path, method, headers)) in table.iter().enumerate() {
        assert_eq!(Resource::ALL[i], *resource);
        assert_eq!(resource.path(), *path, "{resource:?}");
        assert_eq!(resource.method(), *method, "{resource:?}");
        assert_eq!(resource.headers(), *headers, "{resource:?}");
    }
}

#[test]
fn every_session_post_but_resync_carries_the_sequence() {
    for r in Resource::ALL {
        let session_post = r.method() == Method::Post && r.has_header(Header::SessionKey);
        let expected = session_post && r != Resource::ChasitorResyncState;
        assert_eq!(r.has_header(Header::Sequence), expected, "{r:?}");
    }
}

#[test]
fn header_names_and_methods() {
    assert_eq!(Header::ApiVersion.name(), "X-LIVEAGENT-API-VERSION");
    assert_eq!(Header::Affinity.name(), "X-LIVEAGENT-AFFINITY");
    assert_eq!(Header::SessionKey.name(), "X-LIVEAGENT-SESSION-KEY");
    assert_eq!(Header::Sequence.name(), "X-LIVEAGENT-SEQUENCE");
    assert_eq!(Method::Get.as_str(), "GET");
    assert_eq!(Method::Post.as_str(), "POST");
    assert_eq!(Method::Delete.as_str(), "DELETE");
}

#[test]
fn from_path_finds_every_resource() {
    for r in Resource::ALL {
        if r == Resource::DeleteSessionId {
            continue;
        }
        assert_eq!(Resource::from_path(r.path()), Some(r));
        assert_eq!(
            Resource::from_path(&format!("/chat/rest{}", r.path())),
            Some(r)
        );
    }
    assert_eq!(
        Resource::from_path("/System/SessionId/f6c1d699!b65b13c7"),
        Some(Resource::DeleteSessionId)
    );
    assert_eq!(
        Resource::from_path("/System/Messages?ack=-1"),
        Some(Resource::Messages)
    );
    assert_eq!(Resource::from_path("/System/Nope"), None);
    assert_eq!(Resource::from_path(""), None);
}

#[test]
fn nouns_name_the_batchable_chasitor_posts() {
    assert_eq!(
        Resource::ChatMessage.noun(),
        Some(("Chasitor", "ChatMessage"))
    );
    assert_eq!(Resource::ChatEnd.noun(), Some(("Chasitor", "ChatEnd")));
    assert_eq!(
        Resource::ChasitorTyping.noun(),
        Some(("Chasitor", "ChasitorTyping"))
    );
    assert_eq!(Resource::MultiNoun.noun(), None);
    assert_eq!(Resource::Messages.noun(), None);
    assert_eq!(Resource::Breadcrumb.noun(), None);
    for r in Resource::ALL {
        if let Some((prefix, noun)) = r.noun() {
            assert_eq!(r.path(), format!("/{prefix}/{noun}"));
        }
    }
}

// ---------------------------------------------------------------- properties

mod props {
    use super::*;
    use proptest::prelude::*;

    fn json_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1_000_000_000_i64..1_000_000_000).prop_map(|i| json!(i)),
            // Moderate decimals: serde_json (without `float_roundtrip`) may lose the last bit of
            // extreme floats when re-parsing, which is not this crate's concern.
            (-1_000_000_i64..1_000_000).prop_map(|i| json!(i as f64 / 100.0)),
            "[a-zA-Z0-9 ]{0,8}".prop_map(Value::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        json_leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("type".to_string()),
                        Just("message".to_string()),
                        Just("text".to_string()),
                        Just("name".to_string()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const TYPES: &[&str] = &[
        "ChatRequestSuccess",
        "ChatRequestFail",
        "ChatEstablished",
        "ChatMessage",
        "AgentTyping",
        "AgentNotTyping",
        "AgentDisconnect",
        "ChatEnded",
        "ChatTransferred",
        "QueueUpdate",
        "CustomEvent",
        "NewVisitorBreadcrumb",
        "ChasitorSessionData",
        "ChasitorIdleTimeoutWarningEvent",
        "ReconnectSession",
        "SwitchServer",
        "Availability",
        "Settings",
        "VisitorId",
        "Whatever",
    ];

    proptest! {
        #[test]
        fn from_json_never_panics(text in ".{0,64}") {
            let _ = MessagesResponse::from_json(&text);
            let _ = SessionIdResponse::from_json(&text);
        }

        #[test]
        fn any_message_body_decodes_and_keeps_its_type(
            idx in 0..TYPES.len(),
            body in json_value(),
            sequence in any::<i64>(),
        ) {
            let envelope = json!({
                "messages": [
                    {"type": TYPES[idx], "message": body},
                    {"type": "AgentTyping", "message": {}}
                ],
                "sequence": sequence
            });
            let r = MessagesResponse::from_json(&envelope.to_string()).expect("object envelope");
            prop_assert_eq!(r.messages.len(), 2);
            prop_assert_eq!(r.messages[0].type_name(), TYPES[idx]);
            prop_assert_eq!(&r.messages[1], &ServerMessage::AgentTyping);
            prop_assert_eq!(r.sequence, Some(sequence));
            // What decoded re-encodes to something that decodes to the same thing.
            let again = MessagesResponse::from_json(&serde_json::to_string(&r).expect("serializes"))
                .expect("decodes");
            prop_assert_eq!(again, r);
        }
    }
}
