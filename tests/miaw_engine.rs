#![cfg(not(target_arch = "wasm32"))] // native tests of the pure engine
//! Whole Enhanced Chat conversations through the sans-IO engine: the requests it makes, the
//! answers and stream bytes it gets, the events the view sees. Plus a property test: any
//! interleaving of stream drops, duplicate events, chunk splits and failed sends loses and
//! doubles nothing.

use chasitor::miaw::engine::{
    Call, Config, Engine, Request, AGENT_TYPING_MS, STREAM_IDLE_MS, TYPING_REFRESH_MS,
};
use chasitor::prechat::Prechat;
use chasitor::session::{
    ChatState, Delivery, EndReason, Ender, EngineError, Event, Input, Method, Outcome,
};
use proptest::prelude::*;
use serde_json::{json, Value};

mod miaw_support;
use miaw_support::*;

// ------------------------------------------------------------------------------ scenarios

#[test]
fn a_whole_conversation_start_queue_chat_receipts_close() {
    let mut c = Chat::new();
    c.input(Input::Start(prechat()));
    assert_eq!(c.events(), [Event::State(ChatState::SessionRequested)]);
    let token = c.expect(Call::Token);
    assert_eq!(token.method, Method::Post);
    assert_eq!(
        token.path,
        "/iamessage/api/v2/authorization/unauthenticated/access-token"
    );
    assert_eq!(token.header("Authorization"), None);
    let b = body(&token);
    assert_eq!(b["orgId"], "00D000000000001AAA");
    assert_eq!(b["esDeveloperName"], "Chasitor_Demo");
    assert_eq!(b["platform"], "Web");
    assert_eq!(b["capabilitiesVersion"], "1");

    c.answer(&token, 200, &token_answer(TOKEN, "41"));
    assert_eq!(c.events(), [Event::State(ChatState::Initialising)]);
    let reqs = c.requests();
    let stream = reqs
        .iter()
        .find(|r| r.call == Call::Stream)
        .unwrap()
        .clone();
    let create = reqs
        .iter()
        .find(|r| r.call == Call::Create)
        .unwrap()
        .clone();
    assert!(stream.stream && stream.timeout_ms.is_none());
    assert_eq!(stream.path, "/eventrouter/v1/sse");
    assert_eq!(stream.header("Authorization"), Some("Bearer tok-1"));
    assert_eq!(stream.header("Accept"), Some("text/event-stream"));
    assert_eq!(stream.header("X-Org-Id"), Some("00D000000000001"));
    assert_eq!(stream.header("Last-Event-Id"), Some("41"));
    assert_eq!(create.path, "/iamessage/api/v2/conversation");
    let cb = body(&create);
    let conv = cb["conversationId"].as_str().unwrap().to_string();
    assert_eq!(conv.len(), 36);
    assert_eq!(conv, conv.to_lowercase());
    assert_eq!(&conv[14..15], "4", "a version 4 UUID: {conv}");
    // Empty answers are left out of the routing attributes.
    assert_eq!(
        cb["routingAttributes"],
        json!({"_firstName": "Ada", "_email": "ada@example.com"})
    );

    c.chunk(&stream, "");
    c.answer(&create, 201, "{}");
    assert_eq!(c.events(), [Event::State(ChatState::Queued)]);

    // Routing: the wait, then an agent.
    let routed = event(
        &conv,
        "CONVERSATION_ROUTING_RESULT",
        "r1",
        "RoutingResult",
        ("System", ""),
        json!({"routingType": "Initial", "failureType": "None",
               "estimatedWaitTime": {"estimatedWaitTimeInSeconds": 90, "isEWTRequested": true}}),
        &[],
    );
    c.chunk(&stream, &frame(42, &routed));
    assert_eq!(
        c.events(),
        [Event::Queue {
            position: None,
            estimated_wait_secs: Some(90)
        }]
    );
    // Split anywhere: a frame in two chunks is one event.
    let f = frame(43, &joined(&conv, "p1", "Ada Agent"));
    let (a, b2) = f.split_at(17);
    c.chunk(&stream, a);
    assert_eq!(c.events(), []);
    c.chunk(&stream, b2);
    assert_eq!(
        c.events(),
        [
            Event::AgentJoined {
                name: "Ada Agent".into(),
                sneak_peek_enabled: false
            },
            Event::State(ChatState::Established)
        ]
    );

    // The agent writes: shown, and a delivery receipt goes back.
    c.chunk(
        &stream,
        &frame(44, &agent_says(&conv, "m1", "Hello! How can I help?")),
    );
    assert_eq!(
        c.events(),
        [Event::AgentMessage {
            name: "Ada Agent".into(),
            text: "Hello! How can I help?".into()
        }]
    );
    let ack = c.expect(Call::Acknowledge);
    assert_eq!(
        ack.path,
        format!("/iamessage/api/v2/conversation/{conv}/acknowledge-entries")
    );
    let acks = body(&ack)["acks"].clone();
    assert_eq!(acks[0]["entryType"], "Delivery");
    assert_eq!(acks[0]["conversationEntryId"], "m1");
    c.answer(&ack, 202, "");

    // The visitor writes: sending, sent, echoed, delivered, read.
    c.input(Input::SendText {
        local_id: 1,
        text: "My order is late".into(),
    });
    let post = c.expect(Call::Message);
    assert_eq!(
        post.path,
        format!("/iamessage/api/v2/conversation/{conv}/message")
    );
    assert_eq!(post.header("Authorization"), Some("Bearer tok-1"));
    let pb = body(&post);
    let msg_id = pb["message"]["id"].as_str().unwrap().to_string();
    assert_eq!(pb["message"]["messageType"], "StaticContentMessage");
    assert_eq!(pb["message"]["staticContent"]["text"], "My order is late");
    assert_eq!(pb["esDeveloperName"], "Chasitor_Demo");
    assert_ne!(msg_id, conv);
    c.answer(
        &post,
        202,
        &json!({"conversationEntries": [{"id": msg_id}]}).to_string(),
    );
    c.chunk(
        &stream,
        &frame(
            45,
            &message(&conv, &msg_id, ("EndUser", "Ada"), "My order is late"),
        ),
    );
    c.chunk(
        &stream,
        &frame(
            46,
            &simple(
                &conv,
                "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
                "d1",
                "DeliveryAcknowledgement",
                &[&msg_id],
            ),
        ),
    );
    c.chunk(
        &stream,
        &frame(
            47,
            &simple(
                &conv,
                "CONVERSATION_READ_ACKNOWLEDGEMENT",
                "d2",
                "ReadAcknowledgement",
                &[&msg_id],
            ),
        ),
    );
    let events = c.events();
    assert_eq!(
        statuses(&events, 1),
        [
            Delivery::Queued,
            Delivery::Sending,
            Delivery::Sent,
            Delivery::Delivered,
            Delivery::Read
        ]
    );
    // The echo is not shown as an agent message.
    assert!(agent_messages(&events).is_empty());

    // The visitor ends the chat: DELETE with the developer name, then ended.
    c.input(Input::End);
    let close = c.expect(Call::Close);
    assert_eq!(close.method, Method::Delete);
    assert_eq!(close.path, format!("/iamessage/api/v2/conversation/{conv}"));
    assert_eq!(
        close.query,
        [("esDeveloperName".to_string(), "Chasitor_Demo".to_string())]
    );
    c.answer(&close, 204, "");
    assert_eq!(
        c.events(),
        [Event::State(ChatState::Ended(EndReason::Visitor))]
    );
    assert_eq!(
        c.aborts(),
        [stream.id],
        "the stream is closed with the chat"
    );
    assert_eq!(c.e.next_deadline(), None);
}

#[test]
fn messages_written_while_queued_go_at_once_and_typing_waits_for_the_conversation() {
    let mut c = Chat::new();
    c.input(Input::Start(prechat()));
    let token = c.expect(Call::Token);
    // Before the conversation exists nothing is sent.
    c.input(Input::SendText {
        local_id: 1,
        text: "early".into(),
    });
    c.input(Input::Typing(true));
    c.answer(&token, 200, &token_answer(TOKEN, "0"));
    let reqs = c.requests();
    assert!(!reqs.iter().any(|r| r.call == Call::Message));
    let create = reqs
        .iter()
        .find(|r| r.call == Call::Create)
        .unwrap()
        .clone();
    c.answer(&create, 201, "{}");
    let post = c.expect(Call::Message);
    assert_eq!(body(&post)["message"]["staticContent"]["text"], "early");
}

#[test]
fn typing_both_ways_expires_after_five_seconds() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();

    // The agent types and never says it stopped: the indicator ends after 5 s.
    c.chunk(
        &stream,
        &frame(
            2,
            &simple(
                &conv,
                "CONVERSATION_TYPING_STARTED_INDICATOR",
                "t1",
                "TypingStartedIndicator",
                &[],
            ),
        ),
    );
    assert_eq!(c.events(), [Event::AgentTyping(true)]);
    c.advance(AGENT_TYPING_MS - 1);
    assert_eq!(c.events(), []);
    c.advance(1);
    assert_eq!(c.events(), [Event::AgentTyping(false)]);
    // A message ends it at once.
    c.chunk(
        &stream,
        &frame(
            3,
            &simple(
                &conv,
                "CONVERSATION_TYPING_STARTED_INDICATOR",
                "t2",
                "TypingStartedIndicator",
                &[],
            ),
        ),
    );
    c.chunk(&stream, &frame(4, &agent_says(&conv, "m2", "Here")));
    let events = c.events();
    assert_eq!(
        &events[..2],
        [Event::AgentTyping(true), Event::AgentTyping(false)]
    );
    let ack = c.expect(Call::Acknowledge);
    c.answer(&ack, 202, "");

    // The visitor types: started, sent again every 4 s while typing, then stopped.
    c.input(Input::Typing(true));
    let on = c.expect(Call::Typing);
    assert_eq!(body(&on)["entryType"], "TypingStartedIndicator");
    assert_eq!(
        on.path,
        format!("/iamessage/api/v2/conversation/{conv}/entry")
    );
    c.answer(&on, 202, "");
    c.advance(TYPING_REFRESH_MS);
    let again = c.expect(Call::Typing);
    assert_eq!(body(&again)["entryType"], "TypingStartedIndicator");
    assert_ne!(body(&again)["id"], body(&on)["id"]);
    c.answer(&again, 202, "");
    c.input(Input::Typing(false));
    let off = c.expect(Call::Typing);
    assert_eq!(body(&off)["entryType"], "TypingStoppedIndicator");
    c.answer(&off, 202, "");
    c.advance(TYPING_REFRESH_MS * 2);
    assert_eq!(c.requests(), []);
}

#[test]
fn a_417_sends_the_same_message_again_as_a_new_messaging_session() {
    let mut c = Chat::new();
    c.established();
    let post = c.send(1, "Are you there?");
    let id = body(&post)["message"]["id"].clone();
    assert_eq!(body(&post).get("isNewMessagingSession"), None);
    c.answer(&post, 417, "The messaging session has ended");
    let again = c.expect(Call::Message);
    assert_eq!(body(&again)["message"]["id"], id, "the same message");
    assert_eq!(body(&again)["isNewMessagingSession"], true);
    // Routed again with the visitor's pre-chat answers, as the conversation was.
    assert_eq!(
        body(&again)["routingAttributes"],
        json!({"_firstName": "Ada", "_email": "ada@example.com"})
    );
    assert_eq!(body(&post).get("routingAttributes"), None);
    c.answer(&again, 202, "{}");
    assert_eq!(statuses(&c.events(), 1).last(), Some(&Delivery::Sent));
    // The next message is an ordinary one again.
    let next = c.send(2, "Thanks");
    assert_eq!(body(&next).get("isNewMessagingSession"), None);
    assert_eq!(body(&next).get("routingAttributes"), None);
    assert_eq!(c.e.state(), &ChatState::Established);
}

#[test]
fn a_401_ends_the_chat_it_cannot_go_on() {
    let mut c = Chat::new();
    let stream = c.established();
    let post = c.send(1, "hello");
    c.answer(&post, 401, "");
    let events = c.events();
    assert!(events.contains(&Event::State(ChatState::Ended(EndReason::SessionInvalid))));
    assert_eq!(c.aborts(), [stream.id]);
    assert_eq!(c.requests(), []);
    // A new chat starts from a new token.
    c.input(Input::Start(prechat()));
    c.expect(Call::Token);
}

#[test]
fn a_401_on_the_stream_ends_the_chat_too() {
    let mut c = Chat::new();
    let stream = c.established();
    c.answer(&stream, 401, "");
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::SessionInvalid));
}

#[test]
fn sends_failing_with_429_and_5xx_back_off_then_go_within_the_budget() {
    let mut c = Chat::new();
    c.established();
    let post = c.send(1, "hello");
    let id = body(&post)["message"]["id"].clone();
    c.answer(&post, 429, "Too many requests");
    assert!(c.e.retrying());
    assert_eq!(c.requests(), [], "not at once");
    c.until_deadline();
    let again = c.expect(Call::Message);
    assert_eq!(body(&again)["message"]["id"], id);
    c.answer(&again, 503, "");
    c.until_deadline();
    let third = c.expect(Call::Message);
    c.fail(&third, Outcome::Network("reset".into()));
    c.until_deadline();
    let fourth = c.expect(Call::Message);
    assert_eq!(body(&fourth)["message"]["id"], id);
    c.answer(&fourth, 202, "{}");
    assert!(!c.e.retrying());
    assert_eq!(statuses(&c.events(), 1).last(), Some(&Delivery::Sent));
}

#[test]
fn a_server_failing_for_the_whole_budget_ends_the_chat() {
    let mut c = Chat::new();
    c.established();
    let mut post = c.send(1, "hello");
    loop {
        c.answer(&post, 500, "");
        if c.e.state().is_ended() {
            break;
        }
        c.until_deadline();
        post = c.expect(Call::Message);
    }
    assert!(c.now - T0 >= 60_000);
    assert!(matches!(c.e.state(), ChatState::Ended(EndReason::Error(_))));
}

#[test]
fn offline_spends_no_budget_and_back_online_retries_at_once() {
    let mut c = Chat::new();
    c.established();
    c.input(Input::Online(false));
    c.input(Input::SendText {
        local_id: 1,
        text: "typed offline".into(),
    });
    assert_eq!(c.requests(), [], "nothing goes out offline");
    c.advance(10 * 60_000);
    assert!(!c.e.state().is_ended());
    c.input(Input::Online(true));
    // The stream went quiet meanwhile (no byte for 90 s): it reconnects with the send.
    let reqs = c.requests();
    assert_eq!(
        reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
        [Call::Stream, Call::Message]
    );
    let post = reqs[1].clone();
    c.answer(&post, 202, "{}");
    assert_eq!(statuses(&c.events(), 1).last(), Some(&Delivery::Sent));
}

#[test]
fn a_dropped_stream_reconnects_from_the_last_event_and_duplicates_show_once() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.chunk(&stream, &frame(7, &agent_says(&conv, "m1", "one")));
    // The same event again (a server resending after a reconnect): shown once.
    c.chunk(&stream, &frame(7, &agent_says(&conv, "m1", "one")));
    // Half of the next frame, then the connection drops.
    let f = frame(8, &agent_says(&conv, "m2", "two"));
    c.chunk(&stream, &f[..f.len() / 2]);
    c.fail(&stream, Outcome::Network("connection reset".into()));
    assert_eq!(agent_messages(&c.events()), ["one"]);
    let acks: Vec<_> = c.requests();
    assert_eq!(
        acks.iter().map(|r| r.call).collect::<Vec<_>>(),
        [Call::Acknowledge]
    );
    c.answer(&acks[0], 202, "");
    c.until_deadline();
    let again = c.expect(Call::Stream);
    assert_eq!(again.header("Last-Event-Id"), Some("7"));
    assert_ne!(again.query, stream.query, "a fresh _ts");
    c.chunk(&again, "");
    assert!(!c.e.retrying());
    c.chunk(&again, &frame(8, &agent_says(&conv, "m2", "two")));
    assert_eq!(agent_messages(&c.events()), ["two"]);
    assert_eq!(c.e.open_streams(), 1);
}

#[test]
fn ninety_seconds_without_a_byte_is_a_drop() {
    let mut c = Chat::new();
    let stream = c.established();
    c.advance(STREAM_IDLE_MS - 1_000);
    // A keep-alive comment keeps it alive.
    c.chunk(&stream, ": ping\n\n");
    c.advance(STREAM_IDLE_MS - 1_000);
    assert_eq!(c.aborts(), []);
    c.advance(1_000);
    assert_eq!(c.aborts(), [stream.id]);
    c.until_deadline();
    let again = c.expect(Call::Stream);
    assert_eq!(again.header("Last-Event-Id"), Some("1"));
}

#[test]
fn a_stream_that_ends_is_opened_again() {
    let mut c = Chat::new();
    let stream = c.established();
    c.answer(&stream, 200, "");
    assert!(!c.e.state().is_ended());
    c.until_deadline();
    c.expect(Call::Stream);
}

#[test]
fn the_agent_closing_ends_the_chat() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.chunk(
        &stream,
        &frame(
            2,
            &simple(
                &conv,
                "CONVERSATION_CLOSE_CONVERSATION",
                "c1",
                "CloseConversation",
                &[],
            ),
        ),
    );
    assert_eq!(
        c.events(),
        [Event::State(ChatState::Ended(EndReason::Agent))]
    );
    assert_eq!(c.aborts(), [stream.id]);
}

#[test]
fn transfer_and_leaving_are_told() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.chunk(
        &stream,
        &frame(2, &participant(&conv, "p2", "Ada Agent", "remove")),
    );
    c.chunk(&stream, &frame(3, &joined(&conv, "p3", "Bo Agent")));
    c.chunk(&stream, &frame(4, &joined(&conv, "p4", "Cy Agent")));
    assert_eq!(
        c.events(),
        [
            Event::AgentDisconnected,
            // The chat was established before: the new agent is announced as joining again.
            Event::AgentJoined {
                name: "Bo Agent".into(),
                sneak_peek_enabled: false
            },
            Event::Transferred {
                name: "Cy Agent".into()
            },
        ]
    );
    assert_eq!(c.e.agent_name(), Some("Cy Agent"));
}

#[test]
fn a_transfer_is_one_change_of_agent() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    let transfer = event(
        &conv,
        "CONVERSATION_ROUTING_RESULT",
        "r2",
        "RoutingResult",
        ("System", ""),
        json!({"routingType": "Transfer", "failureType": "None"}),
        &[],
    );
    c.chunk(&stream, &frame(2, &transfer));
    c.chunk(
        &stream,
        &frame(3, &participant(&conv, "p2", "Ada Agent", "remove")),
    );
    c.chunk(&stream, &frame(4, &joined(&conv, "p3", "Bo Agent")));
    assert_eq!(
        c.events(),
        [Event::Transferred {
            name: "Bo Agent".into()
        }]
    );
    assert_eq!(c.e.agent_name(), Some("Bo Agent"));
}

#[test]
fn the_default_form_fills_salesforce_standard_pre_chat_fields() {
    let mut c = Chat::new();
    c.input(Input::Start(Prechat {
        answers: vec![
            ("firstName".into(), "Ada".into()),
            ("lastName".into(), "Lovelace".into()),
            ("email".into(), "ada@example.com".into()),
            ("OrderNumber".into(), "42".into()),
        ],
        ..Prechat::default()
    }));
    let token = c.expect(Call::Token);
    c.answer(&token, 200, &token_answer(TOKEN, "0"));
    let create = c
        .requests()
        .into_iter()
        .find(|r| r.call == Call::Create)
        .unwrap();
    assert_eq!(
        body(&create)["routingAttributes"],
        json!({"_firstName": "Ada", "_lastName": "Lovelace", "_email": "ada@example.com", "OrderNumber": "42"})
    );
}

#[test]
fn routing_that_fails_ends_the_chat_with_its_reason() {
    let mut c = Chat::new();
    let stream = c.queued();
    let conv = c.conversation();
    let failed = event(
        &conv,
        "CONVERSATION_ROUTING_RESULT",
        "r1",
        "RoutingResult",
        ("System", ""),
        json!({"routingType": "Initial", "failureType": "RoutingError", "failureReason": "No agents"}),
        &[],
    );
    c.chunk(&stream, &frame(2, &failed));
    assert_eq!(
        c.e.state(),
        &ChatState::Ended(EndReason::RequestFailed {
            reason: "No agents".into()
        })
    );
}

#[test]
fn unknown_events_and_other_conversations_are_skipped_not_fatal() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.chunk(
        &stream,
        "id: 2\nevent: CONVERSATION_PROGRESS_INDICATOR\ndata: {\"conversationId\":\"x\"}\n\n",
    );
    c.chunk(
        &stream,
        "id: 3\nevent: CONVERSATION_MESSAGE\ndata: not json\n\n",
    );
    c.chunk(
        &stream,
        &frame(4, &agent_says("0000-other", "m9", "not for us")),
    );
    c.chunk(&stream, &frame(5, &agent_says(&conv, "m1", "for us")));
    let events = c.events();
    assert_eq!(agent_messages(&events), ["for us"]);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Error(EngineError::UnknownMessage { type_name }) if type_name == "CONVERSATION_PROGRESS_INDICATOR"
    )));
    assert_eq!(c.e.state(), &ChatState::Established);
}

#[test]
fn a_message_the_server_refuses_is_marked_not_sent_and_the_next_goes() {
    let mut c = Chat::new();
    c.established();
    let post = c.send(1, "bad");
    c.answer(&post, 400, "Bad Request");
    let events = c.events();
    assert_eq!(statuses(&events, 1).last(), Some(&Delivery::Failed));
    c.send(2, "good");
}

#[test]
fn ending_before_the_conversation_exists_ends_here() {
    let mut c = Chat::new();
    c.input(Input::Start(prechat()));
    let token = c.expect(Call::Token);
    c.input(Input::End);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
    assert_eq!(c.aborts(), [token.id]);
}

#[test]
fn a_reload_resumes_with_a_continuation_token_history_and_the_stream() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.chunk(
        &stream,
        &frame(5, &agent_says(&conv, "m1", "before the reload")),
    );
    // A message on its way when the page goes.
    c.input(Input::SendText {
        local_id: 1,
        text: "in flight".into(),
    });
    let reqs = c.requests();
    let post = reqs.iter().find(|r| r.call == Call::Acknowledge).cloned();
    assert!(post.is_some());
    let msg_id = c.e.sent()[0].id.clone();
    let snap = c.e.snapshot();
    let json = serde_json::to_string(&snap).unwrap();

    // The new page.
    let snap = serde_json::from_str(&json).unwrap();
    let mut r = Chat {
        e: Engine::restore(cfg(), snap, c.now + 1_000),
        now: c.now + 1_000,
        rand: 99,
    };
    assert_eq!(r.e.state(), &ChatState::Established);
    assert_eq!(r.e.agent_name(), Some("Ada Agent"));
    let cont = r.expect(Call::Continuation);
    assert_eq!(cont.method, Method::Get);
    assert_eq!(cont.header("Authorization"), Some("Bearer tok-1"));
    r.answer(
        &cont,
        200,
        &json!({"accessToken": "tok-2", "lastEventId": "3"}).to_string(),
    );
    let reqs = r.requests();
    let list = reqs.iter().find(|q| q.call == Call::List).unwrap().clone();
    // What waited goes with the new token: the receipt first, then the message, same id.
    let ack = reqs
        .iter()
        .find(|q| q.call == Call::Acknowledge)
        .unwrap()
        .clone();
    assert_eq!(ack.header("Authorization"), Some("Bearer tok-2"));
    let stream2 = reqs
        .iter()
        .find(|q| q.call == Call::Stream)
        .unwrap()
        .clone();
    assert_eq!(stream2.header("Authorization"), Some("Bearer tok-2"));
    assert_eq!(
        stream2.header("Last-Event-Id"),
        Some("5"),
        "the saved id, not the token's"
    );
    assert_eq!(
        list.query_pairs(),
        [("inclClosedConvs", "false"), ("limit", "20")]
    );
    r.answer(
        &list,
        200,
        &json!({"openConversationsFound": 1, "conversations": [{"conversationId": conv}]})
            .to_string(),
    );
    let history = r.expect(Call::History);
    assert_eq!(
        history.path,
        format!("/iamessage/api/v2/conversation/{conv}/entries")
    );
    // Newest first; "m1" was seen before the reload, "m2" was missed.
    let entry = |id: &str, text: &str| {
        json!({"identifier": id, "entryType": "Message", "sender": {"role": "Agent"},
               "senderDisplayName": "Ada Agent",
               "entryPayload": {"abstractMessage": {"messageType": "StaticContentMessage", "id": id,
                                "staticContent": {"formatType": "Text", "text": text}}}})
    };
    r.answer(
        &history,
        200,
        &json!({"conversationEntries": [entry("m3", "third"), entry("m2", "missed"), entry("m1", "before the reload")]})
            .to_string(),
    );
    let events = r.events();
    assert_eq!(agent_messages(&events), ["missed", "third"]);
    // The unconfirmed message goes again under the same id; the stream repeats nothing.
    r.chunk(&stream2, "");
    r.chunk(&stream2, &frame(6, &agent_says(&conv, "m3", "third")));
    assert_eq!(agent_messages(&r.events()), Vec::<String>::new());
    r.answer(&ack, 202, "");
    let again = r.expect(Call::Message);
    assert_eq!(body(&again)["message"]["id"], msg_id.as_str());
    assert_eq!(
        body(&again)["message"]["staticContent"]["text"],
        "in flight"
    );
}

#[test]
fn a_reload_finds_the_conversation_closed_meanwhile() {
    let mut c = Chat::new();
    c.established();
    let snap = c.e.snapshot();
    let mut r = Chat {
        e: Engine::restore(cfg(), snap, c.now),
        now: c.now,
        rand: 3,
    };
    let cont = r.expect(Call::Continuation);
    r.answer(&cont, 200, &token_answer("tok-2", "9"));
    let list = r
        .requests()
        .into_iter()
        .find(|q| q.call == Call::List)
        .unwrap();
    r.answer(
        &list,
        200,
        &json!({"openConversationsFound": 0, "conversations": []}).to_string(),
    );
    assert_eq!(r.e.state(), &ChatState::Ended(EndReason::Agent));
}

#[test]
fn a_reload_with_an_expired_token_ends_the_chat() {
    let mut c = Chat::new();
    c.established();
    let mut r = Chat {
        e: Engine::restore(cfg(), c.e.snapshot(), c.now),
        now: c.now,
        rand: 3,
    };
    let cont = r.expect(Call::Continuation);
    r.answer(&cont, 401, "");
    assert_eq!(r.e.state(), &ChatState::Ended(EndReason::SessionInvalid));
}

trait QueryPairs {
    fn query_pairs(&self) -> Vec<(&str, &str)>;
}

impl QueryPairs for Request {
    fn query_pairs(&self) -> Vec<(&str, &str)> {
        self.query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

// --------------------------------------------------------- the token and form before a chat

/// An unsigned JWT with this `exp`.
fn jwt(exp_secs: u64) -> String {
    miaw_support::jwt(serde_json::json!({ "exp": exp_secs }))
}

#[test]
fn the_window_opening_fetches_the_token_and_the_deployments_form_then_the_chat_uses_both() {
    use chasitor::config::FieldKind;
    let mut c = Chat::new();
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    assert_eq!(c.e.state(), &ChatState::Idle);
    // Asked twice (the window opened again): one token.
    c.input(Input::Prepare);
    assert_eq!(c.requests(), []);
    let mut answer: Value =
        serde_json::from_str(include_str!("fixtures/miaw/answer-access-token.json")).unwrap();
    answer["accessToken"] = json!(jwt((T0 / 1000) + 3600));
    c.answer(&token, 200, &answer.to_string());
    assert_eq!(c.e.state(), &ChatState::Idle, "no chat yet");
    assert_eq!(c.events(), []);
    let form = c.e.poll_form().expect("the deployment's form");
    let fields: Vec<(&str, FieldKind, bool, bool)> = form
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.required, f.hidden))
        .collect();
    assert_eq!(
        fields,
        [
            ("_firstName", FieldKind::Text, true, false),
            ("_email", FieldKind::Email, true, false),
            ("Topic", FieldKind::Choice, true, false),
            ("Page_URL", FieldKind::Text, false, true),
            ("Subscribe", FieldKind::Checkbox, false, false),
        ]
    );
    assert_eq!(form[0].label, "First name");
    assert_eq!(form[1].label, "_email", "no display label: the name");
    assert_eq!(form[2].choices, ["Billing", "Shipping"]);
    assert_eq!(c.e.poll_form(), None, "once");
    assert_eq!(c.e.next_deadline(), None, "nothing runs before the chat");

    // The chat starts on that token: straight to the conversation, the stream with it.
    c.input(Input::Start(Prechat {
        answers: vec![
            ("_firstName".into(), "Ada".into()),
            ("Topic".into(), "Billing".into()),
        ],
        ..Prechat::default()
    }));
    let reqs = c.requests();
    assert_eq!(
        reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
        [Call::Create, Call::Stream]
    );
    assert_eq!(
        body(&reqs[0])["routingAttributes"],
        json!({"_firstName": "Ada", "Topic": "Billing"})
    );
    assert_eq!(c.events(), [Event::State(ChatState::Initialising)]);
}

#[test]
fn a_token_from_before_the_form_that_expired_is_not_used() {
    let mut c = Chat::new();
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    c.answer(&token, 200, &token_answer(&jwt(T0 / 1000 + 30), "0"));
    c.input(Input::Start(prechat()));
    c.expect(Call::Token);
    assert_eq!(c.e.state(), &ChatState::SessionRequested);
}

#[test]
fn a_failed_token_before_the_form_costs_nothing_and_the_chat_asks_again() {
    let mut c = Chat::new();
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    c.answer(&token, 500, "");
    assert_eq!(c.e.state(), &ChatState::Idle);
    assert_eq!(c.e.next_deadline(), None);
    assert_eq!(c.e.poll_form(), None);
    c.input(Input::Start(prechat()));
    let again = c.expect(Call::Token);
    c.answer(&again, 200, &token_answer(TOKEN, "0"));
    assert_eq!(c.e.state(), &ChatState::Initialising);
}

#[test]
fn a_chat_started_while_the_first_token_is_on_its_way_takes_it() {
    let mut c = Chat::new();
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    c.input(Input::Start(prechat()));
    assert_eq!(c.requests(), [], "no second token");
    c.answer(&token, 200, &token_answer(TOKEN, "0"));
    let calls: Vec<Call> = c.requests().iter().map(|r| r.call).collect();
    assert!(
        calls.contains(&Call::Create) && calls.contains(&Call::Stream),
        "{calls:?}"
    );
}

// ----------------------------------------------------------------------- property test

/// What the network does next.
#[derive(Clone, Debug)]
enum Step {
    /// The agent writes (the server logs an event).
    AgentSays,
    /// The visitor writes.
    VisitorSends,
    /// The stream delivers what it has, split into chunks of this size.
    Deliver(usize),
    /// The stream repeats its last event.
    Duplicate,
    /// The stream drops.
    Drop,
    /// The send on its way: answered, failed before or after the server took it, or 500.
    AnswerSend(u8),
    /// The other requests are answered; time passes to the next deadline.
    Settle,
    /// The server tells something that changes no message: a queue position, a routing work
    /// result, the session active, an event or a message type the widget does not know.
    Noise(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::AgentSays),
        3 => Just(Step::VisitorSends),
        4 => (1usize..40).prop_map(Step::Deliver),
        1 => Just(Step::Duplicate),
        1 => Just(Step::Drop),
        3 => (0u8..4).prop_map(Step::AnswerSend),
        2 => Just(Step::Settle),
        2 => (0u8..5).prop_map(Step::Noise),
    ]
}

/// The engine's events into what the view showed, its requests into those on their way.
fn collect(
    c: &mut Chat,
    shown: &mut Vec<String>,
    confirmed: &mut Vec<u64>,
    inflight: &mut Vec<Request>,
) {
    for e in c.events() {
        match e {
            Event::AgentMessage { text, .. } => shown.push(text),
            Event::VisitorMessage {
                local_id,
                status: Delivery::Sent,
            } => confirmed.push(local_id),
            _ => {}
        }
    }
    inflight.extend(c.requests());
}

/// A model server: the visitor's event log, the messages it took (by id).
#[derive(Default)]
struct Server {
    log: Vec<(u64, String)>,
    /// Bytes the open stream has not delivered yet.
    pending: String,
    /// The last frame sent (for duplicates).
    last_frame: Option<String>,
    messages: Vec<String>,
}

/// A frame of [`Step::Noise`].
fn noise_frame(id: u64, conv: &str, entry: &str, kind: u8) -> String {
    let (name, entry_type, role, payload) = match kind {
        0 => (
            "CONVERSATION_QUEUE_POSITION",
            "QueuePosition",
            "Router",
            json!({"entryType": "QueuePosition", "position": 2}),
        ),
        1 => (
            "CONVERSATION_ROUTING_WORK_RESULT",
            "RoutingWorkResult",
            "Router",
            json!({"entryType": "RoutingWorkResult", "workType": "Accepted"}),
        ),
        2 => (
            "CONVERSATION_SESSION_STATUS_CHANGED",
            "SessionStatusChanged",
            "System",
            json!({"entryType": "SessionStatusChanged", "sessionStatus": "Active", "sessionStatusPrev": "Waiting"}),
        ),
        3 => (
            "CONVERSATION_STREAMING_TOKEN",
            "StreamingToken",
            "Chatbot",
            json!({"entryType": "StreamingToken", "token": "Hel"}),
        ),
        _ => (
            "CONVERSATION_MESSAGE",
            "Message",
            "Agent",
            json!({"entryType": "Message", "abstractMessage": {"messageType": "FormMessage", "id": entry}}),
        ),
    };
    frame(
        id,
        &event(
            conv,
            name,
            entry,
            entry_type,
            (role, "Ada Agent"),
            payload,
            &[],
        ),
    )
}

impl Server {
    fn push(&mut self, frame_of: impl FnOnce(u64) -> String) {
        let id = self.log.len() as u64 + 1;
        let f = frame_of(id);
        self.log.push((id, f.clone()));
        self.pending.push_str(&f);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn no_message_is_lost_or_doubled(steps in prop::collection::vec(step(), 1..80)) {
        let mut c = Chat::new();
        c.e = Engine::new(Config { retry_budget_ms: u64::MAX / 4, ..cfg() });
        let mut stream = c.established();
        let conv = c.conversation();
        let mut server = Server::default();
        // The join was event 1.
        server.log.push((1, String::new()));
        let mut said = 0u32;
        let mut noise = 0u32;
        let mut sent_local = 0u64;
        let mut shown: Vec<String> = Vec::new();
        let mut confirmed: Vec<u64> = Vec::new();
        let mut inflight: Vec<Request> = Vec::new();


        for s in steps {
            match s {
                Step::AgentSays => {
                    said += 1;
                    let text = format!("agent {said}");
                    server.push(|id| frame(id, &agent_says(&conv, &format!("a{said}"), &text)));
                }
                Step::VisitorSends => {
                    sent_local += 1;
                    c.input(Input::SendText { local_id: sent_local, text: format!("visitor {sent_local}") });
                }
                Step::Deliver(size) => {
                    if c.e.open_streams() == 1 {
                        let bytes = std::mem::take(&mut server.pending);
                        for piece in bytes.as_bytes().chunks(size) {
                            c.input(Input::Chunk { id: stream.id, bytes: piece.to_vec() });
                        }
                        if let Some((_, f)) = server.log.last() { server.last_frame = Some(f.clone()); }
                    }
                }
                Step::Duplicate => {
                    if let Some(f) = server.last_frame.clone().filter(|f| !f.is_empty()) {
                        c.input(Input::Chunk { id: stream.id, bytes: f.into_bytes() });
                    }
                }
                Step::Drop => {
                    c.fail(&stream, Outcome::Network("dropped".into()));
                }
                Step::AnswerSend(fate) => {
                    if let Some(i) = inflight.iter().position(|r| r.call == Call::Message) {
                        let r = inflight.remove(i);
                        let id = body(&r)["message"]["id"].as_str().unwrap().to_string();
                        let took = fate != 1;
                        if took && !server.messages.contains(&id) {
                            server.messages.push(id.clone());
                            let text = body(&r)["message"]["staticContent"]["text"].as_str().unwrap().to_string();
                            server.push(|n| frame(n, &message(&conv, &id, ("EndUser", "Ada"), &text)));
                        }
                        match fate {
                            0 => c.answer(&r, 202, "{}"),
                            1 | 2 => c.fail(&r, Outcome::Network("lost".into())),
                            _ => c.answer(&r, 500, ""),
                        }
                    }
                }
                Step::Noise(kind) => {
                    noise += 1;
                    let entry = format!("n{noise}");
                    server.push(|id| noise_frame(id, &conv, &entry, kind));
                }
                Step::Settle => {
                    for r in std::mem::take(&mut inflight) {
                        if r.call == Call::Message {
                            inflight.push(r);
                        } else if r.call != Call::Stream {
                            c.answer(&r, 202, "");
                        }
                    }
                    if c.e.next_deadline().is_some() { c.until_deadline(); }
                }
            }
            collect(&mut c, &mut shown, &mut confirmed, &mut inflight);
            // A new stream replays the log after its Last-Event-Id.
            if let Some(i) = inflight.iter().position(|r| r.call == Call::Stream) {
                stream = inflight.remove(i);
                let after: u64 = stream.header("Last-Event-Id").and_then(|v| v.parse().ok()).unwrap_or(0);
                server.pending = server.log.iter().filter(|(id, _)| *id > after).map(|(_, f)| f.clone()).collect();
                c.chunk(&stream, "");
            }
            prop_assert!(c.e.open_streams() <= 1);
            prop_assert!(!c.e.state().is_ended(), "{:?}", c.e.state());
        }
        // Everything settles: the stream delivers all, every send is answered.
        for _ in 0..200 {
            for r in std::mem::take(&mut inflight) {
                match r.call {
                    Call::Message => {
                        let id = body(&r)["message"]["id"].as_str().unwrap().to_string();
                        if !server.messages.contains(&id) {
                            server.messages.push(id.clone());
                            let text = body(&r)["message"]["staticContent"]["text"].as_str().unwrap().to_string();
                            server.push(|n| frame(n, &message(&conv, &id, ("EndUser", "Ada"), &text)));
                        }
                        c.answer(&r, 202, "{}");
                    }
                    Call::Stream => inflight.push(r),
                    _ => c.answer(&r, 202, ""),
                }
            }
            collect(&mut c, &mut shown, &mut confirmed, &mut inflight);
            if let Some(i) = inflight.iter().position(|r| r.call == Call::Stream) {
                stream = inflight.remove(i);
                let after: u64 = stream.header("Last-Event-Id").and_then(|v| v.parse().ok()).unwrap_or(0);
                server.pending = server.log.iter().filter(|(id, _)| *id > after).map(|(_, f)| f.clone()).collect();
                c.chunk(&stream, "");
            }
            if c.e.open_streams() == 1 && !server.pending.is_empty() {
                let bytes = std::mem::take(&mut server.pending);
                c.chunk(&stream, &bytes);
            }
            collect(&mut c, &mut shown, &mut confirmed, &mut inflight);
            if !inflight.is_empty() {
                continue;
            }
            if c.e.open_streams() == 1 && server.pending.is_empty() && !c.e.retrying() {
                break;
            }
            c.until_deadline();
            collect(&mut c, &mut shown, &mut confirmed, &mut inflight);
        }
        let expected: Vec<String> = (1..=said).map(|i| format!("agent {i}")).collect();
        prop_assert_eq!(shown, expected, "every agent message once, in order");
        prop_assert_eq!(server.messages.len() as u64, sent_local, "every visitor message reached the server once");
        let mut confirmed_sorted = confirmed.clone();
        confirmed_sorted.sort();
        confirmed_sorted.dedup();
        prop_assert_eq!(confirmed_sorted, (1..=sent_local).collect::<Vec<_>>(), "every visitor message confirmed");
    }
}

/// The saved snapshot is read by hand in the widget (`Snapshot::from_value`): every field and every
/// kind of waiting item reads back as the derived `Serialize` wrote it, the same as the derived
/// `Deserialize` reads it; a snapshot of another shape is not read.
#[test]
fn a_snapshot_reads_back_by_hand_exactly() {
    use chasitor::miaw::engine::{Outgoing, Sent, Snapshot};
    let snap = Snapshot {
        state: ChatState::Ended(EndReason::Error("gone".into())),
        token: Some("tok".into()),
        conversation_id: Some("3f6c2d4e-0000-4000-8000-000000000001".into()),
        created: true,
        last_event_id: None,
        attributes: vec![
            ("_firstName".into(), "Ada".into()),
            ("Topic".into(), "Delivery".into()),
        ],
        outbox: vec![
            Outgoing::Message {
                local_id: 7,
                id: "m-7".into(),
                text: "Hi \"there\"\n…".into(),
                reply_to: None,
                option: None,
            },
            Outgoing::Message {
                local_id: 8,
                id: "m-8".into(),
                text: String::new(),
                reply_to: Some("menu-1".into()),
                option: Some("opt-2".into()),
            },
            Outgoing::Typing(true),
            Outgoing::Delivered(vec!["e-1".into(), "e-2".into()]),
            Outgoing::Close,
        ],
        sent: vec![
            Sent {
                local_id: 5,
                id: "m-5".into(),
                status: Delivery::Read,
            },
            Sent {
                local_id: 6,
                id: "m-6".into(),
                status: Delivery::Failed,
            },
        ],
        seen: vec!["e-0".into()],
        agent_name: Some("Andy L.".into()),
        new_session: false,
        end_requested: true,
        session_form: true,
        uploads_max: Some(5_242_880),
        subject: Some("customer-42".into()),
        transcript_pdf: true,
        next_request_id: 42,
        rng: u64::MAX,
    };
    let value = serde_json::to_value(&snap).unwrap();
    assert_eq!(Snapshot::from_value(&value), Some(snap.clone()));
    assert_eq!(
        serde_json::from_value::<Snapshot>(value.clone()).unwrap(),
        snap
    );
    // Between two messaging sessions, with the session's form still to answer.
    let between = Snapshot {
        state: ChatState::SessionEnded {
            by: Ender::Bot,
            form: true,
        },
        ..snap.clone()
    };
    let v = serde_json::to_value(&between).unwrap();
    assert_eq!(Snapshot::from_value(&v), Some(between));
    // A snapshot from before `session_form` existed still reads.
    let mut older = value.clone();
    older.as_object_mut().unwrap().remove("session_form");
    assert!(Snapshot::from_value(&older).is_some_and(|s| !s.session_form));
    let mut broken = value;
    broken["sent"][0]["status"] = json!("Lost");
    assert_eq!(Snapshot::from_value(&broken), None);
}
