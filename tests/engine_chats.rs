#![cfg(not(target_arch = "wasm32"))] // native tests of the pure engine
//! Whole chats driven through the engine's inputs, asserting the exact requests and events.
//! The harness below plays the server: each test reads like the protocol.

use chasitor::live_agent::engine::*;
use chasitor::live_agent::wire::Resource;
use chasitor::prechat::Prechat;
use chasitor::session::*;
use serde_json::{json, Value};

const T0: Millis = 1_700_000_000_000;
const SESSION: &str =
    r#"{"id":"sess-1","key":"key-1!secret","affinityToken":"aff-1","clientPollTimeout":"30"}"#;

fn cfg() -> EngineConfig {
    EngineConfig {
        org_id: "00D000000000001".into(),
        deployment_id: "572000000000001".into(),
        button_id: "573000000000001".into(),
        api_version: "56".into(),
        language: "en-US".into(),
        user_agent: "test-browser/1.0".into(),
        screen_resolution: "1920x1080".into(),
        retry_budget_ms: 30_000,
    }
}

/// One message of a Messages answer.
fn msg(type_name: &str, body: Value) -> Value {
    json!({ "type": type_name, "message": body })
}

/// The engine and a clock; the test is the server.
struct Chat {
    e: Engine,
    now: Millis,
    rand: u32,
}

impl Chat {
    fn new() -> Chat {
        Chat {
            e: Engine::new(cfg()),
            now: T0,
            rand: 0,
        }
    }

    fn input(&mut self, input: Input) {
        self.e.handle(input, self.now, self.rand);
    }

    fn start(&mut self) {
        self.input(Input::Start(Prechat {
            visitor_name: "Jon A.".into(),
            ..Prechat::default()
        }));
    }

    fn send(&mut self, local_id: u64, text: &str) {
        self.input(Input::SendText {
            local_id,
            text: text.into(),
        });
    }

    fn requests(&mut self) -> Vec<HttpRequest> {
        std::iter::from_fn(|| self.e.poll_request()).collect()
    }

    /// Exactly one new request, to `resource`.
    #[track_caller]
    fn expect(&mut self, resource: Resource) -> HttpRequest {
        let mut reqs = self.requests();
        assert_eq!(
            reqs.iter().map(|r| r.resource).collect::<Vec<_>>(),
            vec![resource],
            "{reqs:#?}"
        );
        reqs.remove(0)
    }

    #[track_caller]
    fn no_request(&mut self) {
        let reqs = self.requests();
        assert!(reqs.is_empty(), "unexpected requests: {reqs:#?}");
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.e.poll_event()).collect()
    }

    fn aborts(&mut self) -> Vec<RequestId> {
        std::iter::from_fn(|| self.e.poll_abort()).collect()
    }

    fn reply(&mut self, r: &HttpRequest, status: u16, body: &str) {
        self.input(Input::Response {
            id: r.id,
            outcome: Outcome::Http {
                status,
                body: body.into(),
            },
        });
    }

    fn ok(&mut self, r: &HttpRequest) {
        self.reply(r, 200, "");
    }

    fn network_error(&mut self, r: &HttpRequest) {
        self.input(Input::Response {
            id: r.id,
            outcome: Outcome::Network("connection reset".into()),
        });
    }

    /// A 200 on the poll with these messages.
    fn deliver(&mut self, poll: &HttpRequest, sequence: i64, offset: i64, messages: Vec<Value>) {
        let body = json!({ "messages": messages, "sequence": sequence, "offset": offset });
        self.reply(poll, 200, &body.to_string());
    }

    fn at(&mut self, t: Millis) {
        self.now = t;
        self.input(Input::Tick);
    }
}

#[track_caller]
fn assert_headers(r: &HttpRequest, expected: &[(&str, &str)]) {
    let got: Vec<(&str, &str)> = r.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(got, expected, "headers of {:?}", r.resource);
}

#[track_caller]
fn assert_body(r: &HttpRequest, expected: Value) {
    let body: Value = serde_json::from_str(r.body.as_deref().expect("a body")).expect("JSON");
    assert_eq!(body, expected, "body of {:?}", r.resource);
}

/// A POST of the session: version, affinity, key, sequence.
#[track_caller]
fn assert_post(r: &HttpRequest, resource: Resource, affinity: &str, seq: u64) {
    assert_eq!(r.resource, resource);
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.path, resource.path());
    assert_headers(
        r,
        &[
            ("X-LIVEAGENT-API-VERSION", "56"),
            ("X-LIVEAGENT-AFFINITY", affinity),
            ("X-LIVEAGENT-SESSION-KEY", "key-1!secret"),
            ("X-LIVEAGENT-SEQUENCE", &seq.to_string()),
        ],
    );
}

/// A Messages poll with this ack and affinity.
#[track_caller]
fn assert_poll(r: &HttpRequest, ack: i64, affinity: &str) {
    assert_eq!(r.resource, Resource::Messages);
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.path, "/System/Messages");
    assert_eq!(r.query, vec![("ack".to_string(), ack.to_string())]);
    assert_headers(
        r,
        &[
            ("X-LIVEAGENT-API-VERSION", "56"),
            ("X-LIVEAGENT-AFFINITY", affinity),
            ("X-LIVEAGENT-SESSION-KEY", "key-1!secret"),
        ],
    );
    assert_eq!(r.timeout_ms, Some(35_000), "clientPollTimeout 30 s + 5 s");
    assert_eq!(r.body, None);
}

fn message_body(texts: &[&str]) -> Value {
    if let [one] = texts {
        return json!({ "text": one });
    }
    json!({ "nouns": texts.iter().map(|t| json!({
        "prefix": "Chasitor", "noun": "ChatMessage", "object": { "text": t }
    })).collect::<Vec<_>>() })
}

/// SessionId, ChasitorInit, first poll: returns the chat and the poll on its way.
fn started() -> (Chat, HttpRequest) {
    let mut c = Chat::new();
    c.start();
    let sid = c.expect(Resource::SessionId);
    c.reply(&sid, 200, SESSION);
    let init = c.expect(Resource::ChasitorInit);
    c.ok(&init);
    let poll = c.expect(Resource::Messages);
    c.events();
    (c, poll)
}

/// Started, routed and accepted by "Andy L.": returns the chat and the poll on its way (ack 2).
fn established() -> (Chat, HttpRequest) {
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        100,
        vec![msg("ChatRequestSuccess", json!({"queuePosition": 1}))],
    );
    let poll = c.expect(Resource::Messages);
    c.deliver(
        &poll,
        2,
        200,
        vec![msg(
            "ChatEstablished",
            json!({"name": "Andy L.", "userId": "u1", "sneakPeekEnabled": true}),
        )],
    );
    let poll = c.expect(Resource::Messages);
    assert_eq!(c.e.state(), &ChatState::Established);
    c.events();
    (c, poll)
}

#[test]
fn a_whole_chat_until_the_agent_ends_it() {
    let mut c = Chat::new();
    assert_eq!(c.e.state(), &ChatState::Idle);
    assert_eq!(c.e.next_deadline(), None);
    c.start();
    assert_eq!(c.events(), vec![Event::State(ChatState::SessionRequested)]);

    let sid = c.expect(Resource::SessionId);
    assert_eq!(sid.method, Method::Get);
    assert_eq!(sid.path, "/System/SessionId");
    assert!(sid.query.is_empty() && sid.body.is_none());
    assert_headers(
        &sid,
        &[
            ("X-LIVEAGENT-AFFINITY", "null"),
            ("X-LIVEAGENT-API-VERSION", "56"),
        ],
    );
    c.reply(&sid, 200, SESSION);
    assert_eq!(c.events(), vec![Event::State(ChatState::Initialising)]);

    let init = c.expect(Resource::ChasitorInit);
    assert_post(&init, Resource::ChasitorInit, "aff-1", 1);
    assert_body(
        &init,
        json!({
            "organizationId": "00D000000000001",
            "deploymentId": "572000000000001",
            "buttonId": "573000000000001",
            "sessionId": "sess-1",
            "userAgent": "test-browser/1.0",
            "language": "en-US",
            "screenResolution": "1920x1080",
            "visitorName": "Jon A.",
            "prechatDetails": [],
            "prechatEntities": [],
            "buttonOverrides": [],
            "receiveQueueUpdates": true,
            "isPost": true
        }),
    );
    assert_eq!(
        c.e.outstanding_polls(),
        0,
        "the poll starts once the chat request is in"
    );
    c.ok(&init);

    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, -1, "aff-1");
    assert_eq!(c.e.outstanding_polls(), 1);
    c.deliver(
        &poll,
        1,
        1001,
        vec![msg(
            "ChatRequestSuccess",
            json!({"queuePosition": 3, "estimatedWaitTime": 120, "postChatUrl": "https://example.com/post"}),
        )],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::State(ChatState::Queued),
            Event::PostChatUrl("https://example.com/post".into()),
            Event::Queue {
                position: Some(3),
                estimated_wait_secs: Some(120)
            },
        ]
    );

    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 1, "aff-1");
    c.deliver(
        &poll,
        2,
        1002,
        vec![
            msg(
                "QueueUpdate",
                json!({"position": 1, "estimatedWaitTime": 20}),
            ),
            msg(
                "ChatEstablished",
                json!({"name": "Andy L.", "userId": "u1", "sneakPeekEnabled": false}),
            ),
        ],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::Queue {
                position: Some(1),
                estimated_wait_secs: Some(20)
            },
            Event::State(ChatState::Established),
            Event::AgentJoined {
                name: "Andy L.".into(),
                sneak_peek_enabled: false
            },
        ]
    );
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 2, "aff-1");

    // The visitor writes.
    c.send(1, "I have a question");
    let post = c.expect(Resource::ChatMessage);
    assert_post(&post, Resource::ChatMessage, "aff-1", 2);
    assert_body(&post, json!({"text": "I have a question"}));
    c.ok(&post);
    assert_eq!(
        c.events(),
        vec![
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Queued
            },
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sent
            },
        ]
    );

    // The agent answers, is transferred, the new agent leaves, another ends the chat.
    c.deliver(
        &poll,
        3,
        1003,
        vec![
            msg("AgentTyping", json!({})),
            msg("AgentNotTyping", json!({})),
            msg(
                "ChatMessage",
                json!({"name": "Andy L.", "text": "Sure, ask away"}),
            ),
            msg(
                "ChatTransferred",
                json!({"name": "Ryan S.", "userId": "u2", "sneakPeekEnabled": true}),
            ),
            msg(
                "ChatMessage",
                json!({"name": "Ryan S.", "text": "Ryan here"}),
            ),
            msg("AgentDisconnect", json!({})),
        ],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::AgentTyping(true),
            Event::AgentTyping(false),
            Event::AgentMessage {
                name: "Andy L.".into(),
                text: "Sure, ask away".into()
            },
            Event::Transferred {
                name: "Ryan S.".into()
            },
            Event::AgentMessage {
                name: "Ryan S.".into(),
                text: "Ryan here".into()
            },
            Event::AgentDisconnected,
        ]
    );
    assert_eq!(
        c.e.state(),
        &ChatState::Established,
        "AgentDisconnect does not end the chat"
    );
    assert_eq!(c.e.agent_name(), Some("Ryan S."));
    assert!(c.e.sneak_peek_enabled());

    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 3, "aff-1");
    c.deliver(&poll, 4, 1004, vec![msg("ChatEnded", json!({}))]);
    assert_eq!(
        c.events(),
        vec![Event::State(ChatState::Ended(EndReason::Agent))]
    );
    c.no_request();
    assert_eq!(c.e.outstanding_polls(), 0);
    assert_eq!(c.e.next_deadline(), None);

    // Nothing goes out after the end.
    c.send(2, "hello?");
    c.input(Input::Typing(true));
    c.at(T0 + 3_600_000);
    c.no_request();
    assert!(c.events().is_empty());
}

#[test]
fn poll_200_sets_ack_and_offset_204_keeps_them() {
    let (mut c, poll) = started();
    assert_poll(&poll, -1, "aff-1");
    c.reply(&poll, 204, "");
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, -1, "aff-1");
    c.deliver(
        &poll,
        7,
        555,
        vec![msg("QueueUpdate", json!({"position": 2}))],
    );
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 7, "aff-1");
    c.reply(&poll, 204, "");
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 7, "aff-1");
    // An answer without a sequence keeps the ack.
    c.reply(&poll, 200, r#"{"messages":[]}"#);
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 7, "aff-1");
    assert_eq!(c.e.snapshot().offset, Some(555));
    assert_eq!(c.e.snapshot().ack, 7);
}

#[test]
fn queue_position_zero_and_unknown_wait_are_none() {
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        1,
        vec![
            msg(
                "ChatRequestSuccess",
                json!({"queuePosition": 0, "estimatedWaitTime": -1}),
            ),
            msg("QueueUpdate", json!({"position": 0})),
            msg(
                "QueueUpdate",
                json!({"position": "4", "estimatedWaitTime": 0}),
            ),
        ],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::State(ChatState::Queued),
            Event::Queue {
                position: None,
                estimated_wait_secs: None
            },
            Event::Queue {
                position: None,
                estimated_wait_secs: None
            },
            Event::Queue {
                position: Some(4),
                estimated_wait_secs: Some(0)
            },
        ]
    );
}

#[test]
fn chat_request_fail_ends_with_the_reason_and_the_post_chat_url() {
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        1,
        vec![msg(
            "ChatRequestFail",
            json!({"reason": "Unavailable", "postChatUrl": "https://x/offline"}),
        )],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::PostChatUrl("https://x/offline".into()),
            Event::State(ChatState::Ended(EndReason::RequestFailed {
                reason: "Unavailable".into()
            })),
        ]
    );
    c.no_request();
}

#[test]
fn unknown_messages_are_logged_not_fatal() {
    let (mut c, poll) = established();
    c.deliver(
        &poll,
        3,
        300,
        vec![
            msg("SomethingNew", json!({"x": 1})),
            msg(
                "ChatMessage",
                json!({"name": "Andy L.", "text": "still here"}),
            ),
            msg(
                "ChasitorIdleTimeoutWarningEvent",
                json!({"idleTimeoutWarningEvent": "triggered"}),
            ),
            msg(
                "ChasitorIdleTimeoutWarningEvent",
                json!({"idleTimeoutWarningEvent": "cleared"}),
            ),
            msg(
                "NewVisitorBreadcrumb",
                json!({"location": "https://x/page"}),
            ),
            msg("CustomEvent", json!({"type": "Card", "data": "Visa"})),
        ],
    );
    assert_eq!(
        c.events(),
        vec![
            Event::Error(EngineError::UnknownMessage {
                type_name: "SomethingNew".into()
            }),
            Event::AgentMessage {
                name: "Andy L.".into(),
                text: "still here".into()
            },
            Event::IdleWarning(true),
            Event::IdleWarning(false),
            Event::CustomEvent {
                event_type: "Card".into(),
                data: "Visa".into()
            },
        ]
    );
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 3, "aff-1");
    // A body that is not JSON: logged, the poll retried after a backoff with the same ack.
    c.reply(&poll, 200, "<html>oops</html>");
    assert!(matches!(
        c.events().as_slice(),
        [
            Event::Error(EngineError::BadResponse { .. }),
            Event::Error(EngineError::Retrying {
                retry_in_ms: 500,
                ..
            })
        ]
    ));
    c.no_request();
    c.at(T0 + 500);
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, 3, "aff-1");
}

#[test]
fn messages_typed_before_established_wait_and_go_as_one_multinoun() {
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        1,
        vec![msg("ChatRequestSuccess", json!({"queuePosition": 1}))],
    );
    let poll = c.expect(Resource::Messages);
    c.events();
    c.send(1, "hello?");
    c.send(2, "anyone there?");
    c.input(Input::CustomEvent {
        event_type: "Page".into(),
        data: "/cart".into(),
    });
    c.no_request();
    assert_eq!(
        c.events(),
        vec![
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Queued
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Queued
            },
        ]
    );
    c.deliver(
        &poll,
        2,
        2,
        vec![msg("ChatEstablished", json!({"name": "Andy L."}))],
    );
    let mut reqs = c.requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    let post = reqs.remove(1);
    assert_poll(&reqs[0], 2, "aff-1");
    assert_post(&post, Resource::MultiNoun, "aff-1", 2);
    assert_eq!(post.path, "/System/MultiNoun");
    assert_body(
        &post,
        json!({"nouns": [
            {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "hello?"}},
            {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "anyone there?"}},
            {"prefix": "Chasitor", "noun": "CustomEvent", "object": {"type": "Page", "data": "/cart"}},
        ]}),
    );
    c.ok(&post);
    assert_eq!(
        c.events(),
        vec![
            Event::State(ChatState::Established),
            Event::AgentJoined {
                name: "Andy L.".into(),
                sneak_peek_enabled: false
            },
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sent
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sent
            },
        ]
    );
    c.no_request();
}

#[test]
fn posts_go_one_at_a_time_with_rising_sequences() {
    let (mut c, _poll) = established();
    c.send(1, "a");
    let a = c.expect(Resource::ChatMessage);
    assert_post(&a, Resource::ChatMessage, "aff-1", 2);
    c.send(2, "b");
    c.send(3, "c");
    c.no_request();
    c.ok(&a);
    let bc = c.expect(Resource::MultiNoun);
    assert_post(&bc, Resource::MultiNoun, "aff-1", 3);
    assert_body(&bc, message_body(&["b", "c"]));
    c.input(Input::CustomEvent {
        event_type: "Card".into(),
        data: "Visa".into(),
    });
    c.no_request();
    c.ok(&bc);
    let ev = c.expect(Resource::CustomEvent);
    assert_post(&ev, Resource::CustomEvent, "aff-1", 4);
    assert_body(&ev, json!({"type": "Card", "data": "Visa"}));
}

#[test]
fn typing_and_sneak_peek() {
    let (mut c, _poll) = established(); // sneak peek enabled
    c.input(Input::Typing(false));
    c.no_request();
    c.input(Input::Typing(true));
    let typing = c.expect(Resource::ChasitorTyping);
    assert_post(&typing, Resource::ChasitorTyping, "aff-1", 2);
    assert_eq!(typing.body, None);
    c.input(Input::Typing(true));
    c.input(Input::SneakPeek("Hi th".into()));
    c.input(Input::SneakPeek("Hi there".into()));
    c.no_request();
    c.ok(&typing);
    // Only the latest sneak peek goes.
    let peek = c.expect(Resource::ChasitorSneakPeek);
    assert_post(&peek, Resource::ChasitorSneakPeek, "aff-1", 3);
    assert_body(&peek, json!({"position": 2, "text": "Hi there"}));
    c.input(Input::Typing(false));
    c.input(Input::Typing(true));
    c.input(Input::Typing(false));
    c.ok(&peek);
    let not = c.expect(Resource::ChasitorNotTyping);
    assert_post(&not, Resource::ChasitorNotTyping, "aff-1", 4);
}

#[test]
fn a_visitor_message_drops_waiting_typing_and_ends_typing() {
    let (mut c, _poll) = established(); // sneak peek enabled
    c.input(Input::Typing(true));
    let typing = c.expect(Resource::ChasitorTyping);
    assert_post(&typing, Resource::ChasitorTyping, "aff-1", 2);
    // While it is on its way: a sneak peek and a NotTyping wait, then the visitor sends.
    c.input(Input::SneakPeek("Hel".into()));
    c.input(Input::Typing(false));
    c.send(1, "Hello");
    // The driver's Typing(false) right after the text: nothing left to tell.
    c.input(Input::Typing(false));
    c.no_request();
    c.ok(&typing);
    // The message alone, with the next sequence (the dropped POSTs never had one).
    let m = c.expect(Resource::ChatMessage);
    assert_post(&m, Resource::ChatMessage, "aff-1", 3);
    assert_body(&m, json!({"text": "Hello"}));
    c.ok(&m);
    c.no_request();

    // Idle outbox, typing on: Enter sends the message at once, and no NotTyping ever follows.
    c.input(Input::Typing(true));
    let typing = c.expect(Resource::ChasitorTyping);
    assert_post(&typing, Resource::ChasitorTyping, "aff-1", 4);
    c.ok(&typing);
    c.send(2, "again");
    c.input(Input::Typing(false));
    let m = c.expect(Resource::ChatMessage);
    assert_post(&m, Resource::ChatMessage, "aff-1", 5);
    c.ok(&m);
    c.no_request();
    // Typing again starts afresh.
    c.input(Input::Typing(true));
    let typing = c.expect(Resource::ChasitorTyping);
    assert_post(&typing, Resource::ChasitorTyping, "aff-1", 6);
}

#[test]
fn no_typing_before_established_and_no_sneak_peek_when_disabled() {
    let (mut c, poll) = started();
    c.input(Input::Typing(true));
    c.input(Input::SneakPeek("x".into()));
    c.no_request();
    c.deliver(
        &poll,
        1,
        1,
        vec![msg(
            "ChatEstablished",
            json!({"name": "A", "sneakPeekEnabled": false}),
        )],
    );
    c.expect(Resource::Messages);
    c.input(Input::SneakPeek("x".into()));
    c.no_request();
}

#[test]
fn breadcrumbs_go_out_at_once_with_the_session_key_only_while_a_chat_runs() {
    let mut c = Chat::new();
    c.input(Input::Breadcrumb("https://shop.example/a".into()));
    c.no_request();
    let (mut c, _poll) = established();
    c.input(Input::Breadcrumb("https://shop.example/cart".into()));
    let b = c.expect(Resource::Breadcrumb);
    assert_eq!(b.method, Method::Post);
    assert_eq!(b.path, "/Visitor/Breadcrumb");
    assert_eq!(b.sequence(), None);
    assert_eq!(b.header("X-LIVEAGENT-API-VERSION"), Some("56"));
    assert_eq!(b.header("X-LIVEAGENT-SESSION-KEY"), Some("key-1!secret"));
    assert_body(&b, json!({"location": "https://shop.example/cart"}));
    // Its answer (or its failure) changes nothing.
    c.reply(&b, 500, "");
    c.no_request();
    assert_eq!(c.e.state(), &ChatState::Established);
    // A message still gets the next sequence: the breadcrumb did not take one.
    c.input(Input::SendText {
        local_id: 1,
        text: "hi".into(),
    });
    let m = c.expect(Resource::ChatMessage);
    assert_eq!(m.sequence(), Some(2));
}

#[test]
fn visitor_ends_the_chat() {
    let (mut c, poll) = established();
    c.input(Input::End);
    let end = c.expect(Resource::ChatEnd);
    assert_post(&end, Resource::ChatEnd, "aff-1", 2);
    assert_eq!(
        end.body.as_deref(),
        Some(r#"{"type":"ChatEndReason","reason":"client"}"#)
    );
    assert_eq!(c.e.state(), &ChatState::Established);
    c.ok(&end);
    assert_eq!(
        c.events(),
        vec![Event::State(ChatState::Ended(EndReason::Visitor))]
    );
    assert_eq!(c.aborts(), vec![poll.id], "the poll stops");
    c.no_request();
    assert_eq!(c.e.outstanding_polls(), 0);
    assert_eq!(c.e.next_deadline(), None);
}

#[test]
fn no_new_poll_while_the_visitor_s_chat_end_is_on_its_way() {
    let (mut c, poll) = established();
    c.input(Input::End);
    let end = c.expect(Resource::ChatEnd);
    // The server ends the session and answers the held poll before the ChatEnd answer arrives.
    c.reply(&poll, 204, "");
    c.no_request();
    c.ok(&end);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
    c.no_request();
    assert_eq!(c.e.outstanding_polls(), 0);
}

#[test]
fn end_after_waiting_messages_goes_in_one_multinoun() {
    let (mut c, _poll) = established();
    c.send(1, "one");
    let one = c.expect(Resource::ChatMessage);
    c.send(2, "two");
    c.input(Input::Typing(true));
    c.input(Input::End);
    c.send(3, "too late");
    c.ok(&one);
    let last = c.expect(Resource::MultiNoun);
    assert_post(&last, Resource::MultiNoun, "aff-1", 3);
    assert_body(
        &last,
        json!({"nouns": [
            {"prefix": "Chasitor", "noun": "ChatMessage", "object": {"text": "two"}},
            {"prefix": "Chasitor", "noun": "ChatEnd", "object": {"type": "ChatEndReason", "reason": "client"}},
        ]}),
    );
    c.ok(&last);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
}

#[test]
fn end_while_queued_or_initialising() {
    // Queued: ChatEnd right away.
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        1,
        vec![msg("ChatRequestSuccess", json!({"queuePosition": 2}))],
    );
    c.expect(Resource::Messages);
    c.send(1, "waiting...");
    c.input(Input::End);
    let end = c.expect(Resource::ChatEnd);
    assert_post(&end, Resource::ChatEnd, "aff-1", 2);
    c.ok(&end);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));

    // Initialising: ChatEnd after the chat request is in.
    let mut c = Chat::new();
    c.start();
    let sid = c.expect(Resource::SessionId);
    c.reply(&sid, 200, SESSION);
    let init = c.expect(Resource::ChasitorInit);
    c.input(Input::End);
    c.no_request();
    c.ok(&init);
    let reqs = c.requests();
    let resources: Vec<_> = reqs.iter().map(|r| r.resource).collect();
    assert_eq!(resources, vec![Resource::Messages, Resource::ChatEnd]);
    assert_post(&reqs[1], Resource::ChatEnd, "aff-1", 2);
    c.ok(&reqs[1]);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
    assert_eq!(c.aborts(), vec![reqs[0].id]);

    // Before the session exists: nothing to tell the server.
    let mut c = Chat::new();
    c.start();
    let sid = c.expect(Resource::SessionId);
    c.input(Input::End);
    assert_eq!(c.aborts(), vec![sid.id]);
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
    c.reply(&sid, 200, SESSION);
    c.no_request();
}

#[test]
fn chat_end_answered_403_still_ends_as_visitor() {
    let (mut c, _poll) = established();
    c.input(Input::End);
    let end = c.expect(Resource::ChatEnd);
    c.reply(&end, 403, "Session expired");
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::Visitor));
    c.no_request();
}

#[test]
fn a_503_mid_send_reconnects_resyncs_and_resends_once() {
    let (mut c, poll) = established();
    c.input(Input::Typing(true));
    let typing = c.expect(Resource::ChasitorTyping);
    c.ok(&typing);
    c.send(1, "hello");
    let post = c.expect(Resource::ChatMessage);
    assert_post(&post, Resource::ChatMessage, "aff-1", 3);
    c.events();

    // The server moves: the poll answers 503 while the message is in flight.
    c.reply(&poll, 503, "Invalid affinity token");
    assert_eq!(c.aborts(), vec![post.id], "what was in flight is cancelled");
    assert_eq!(c.events(), vec![Event::State(ChatState::Reconnecting)]);
    let rec = c.expect(Resource::ReconnectSession);
    assert_eq!(rec.method, Method::Get);
    assert_eq!(rec.path, "/System/ReconnectSession");
    assert_eq!(
        rec.query,
        vec![("ReconnectSession.offset".to_string(), "200".to_string())]
    );
    assert_headers(
        &rec,
        &[
            ("X-LIVEAGENT-API-VERSION", "56"),
            ("X-LIVEAGENT-AFFINITY", "null"),
            ("X-LIVEAGENT-SESSION-KEY", "key-1!secret"),
        ],
    );
    assert_eq!(c.e.outstanding_polls(), 0);
    // The cancelled POST's late answer is ignored; new messages wait.
    c.ok(&post);
    c.send(2, "are you there?");
    c.input(Input::Typing(false));
    c.no_request();

    c.reply(
        &rec,
        200,
        &json!({"messages": [msg("ReconnectSession", json!({"resetSequence": true, "affinityToken": "aff-2"}))]}).to_string(),
    );
    let poll = c.expect(Resource::Messages);
    assert_poll(&poll, -1, "aff-2");
    assert_eq!(c.e.state(), &ChatState::Reconnecting);
    c.deliver(
        &poll,
        1,
        201,
        vec![msg(
            "ChasitorSessionData",
            json!({"sneakPeekEnabled": true, "chatMessages": []}),
        )],
    );
    let mut reqs = c.requests();
    assert_eq!(
        reqs.iter().map(|r| r.resource).collect::<Vec<_>>(),
        vec![Resource::Messages, Resource::ChasitorResyncState]
    );
    let resync = reqs.remove(1);
    assert_poll(&reqs[0], 1, "aff-2");
    assert_headers(
        &resync,
        &[
            ("X-LIVEAGENT-API-VERSION", "56"),
            ("X-LIVEAGENT-AFFINITY", "aff-2"),
            ("X-LIVEAGENT-SESSION-KEY", "key-1!secret"),
        ],
    );
    assert_body(&resync, json!({"organizationId": "00D000000000001"}));
    c.ok(&resync);
    assert_eq!(c.e.state(), &ChatState::Established);

    // The cancelled message and the new one, once each, sequence reset to 1; no typing.
    let resend = c.expect(Resource::MultiNoun);
    assert_post(&resend, Resource::MultiNoun, "aff-2", 1);
    assert_body(&resend, message_body(&["hello", "are you there?"]));
    c.ok(&resend);
    c.no_request();
    let events = c.events();
    assert_eq!(
        events,
        vec![
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Queued
            },
            Event::State(ChatState::Established),
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sent
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sent
            },
        ]
    );
}

#[test]
fn a_503_on_a_post_reconnects_too_and_keeps_the_sequence_without_reset() {
    let (mut c, poll) = established();
    c.send(1, "hello");
    let post = c.expect(Resource::ChatMessage);
    c.reply(&post, 503, "");
    assert_eq!(c.aborts(), vec![poll.id]);
    let rec = c.expect(Resource::ReconnectSession);
    // A busy ReconnectSession is retried after a backoff.
    c.reply(&rec, 503, "");
    c.no_request();
    assert_eq!(c.e.next_deadline(), Some(c.now + 500));
    c.at(c.now + 500);
    let rec = c.expect(Resource::ReconnectSession);
    c.reply(
        &rec,
        200,
        &json!({"messages": [msg("ReconnectSession", json!({"resetSequence": false, "affinityToken": "aff-2"}))]}).to_string(),
    );
    let poll = c.expect(Resource::Messages);
    c.deliver(&poll, 1, 300, vec![msg("ChasitorSessionData", json!({}))]);
    let resync = c.requests().pop().expect("resync");
    assert_eq!(resync.resource, Resource::ChasitorResyncState);
    c.ok(&resync);
    let again = c.expect(Resource::ChatMessage);
    assert_post(&again, Resource::ChatMessage, "aff-2", 3);
}

#[test]
fn a_409_ends_the_chat_without_a_storm() {
    let (mut c, poll) = established();
    c.send(1, "hi");
    let post = c.expect(Resource::ChatMessage);
    c.reply(&poll, 409, "Out of sync Ack. Expected 498. Actual 4");
    assert_eq!(c.aborts(), vec![post.id]);
    assert!(c
        .events()
        .contains(&Event::State(ChatState::Ended(EndReason::DuplicatePoll))));
    c.no_request();
    assert_eq!(c.e.next_deadline(), None);
    c.ok(&post);
    c.send(2, "hello?");
    c.input(Input::End);
    c.at(T0 + 10_000_000);
    c.no_request();
    assert_eq!(c.e.outstanding_polls(), 0);
}

#[test]
fn a_refused_message_is_marked_failed_and_the_chat_goes_on() {
    let (mut c, _poll) = established();
    c.send(1, "a");
    let a = c.expect(Resource::ChatMessage);
    c.send(2, "b");
    c.send(3, "c");
    c.events();
    c.reply(&a, 400, "Bad Request");
    let events = c.events();
    assert!(
        events.contains(&Event::VisitorMessage {
            local_id: 1,
            status: Delivery::Failed
        }),
        "{events:#?}"
    );
    assert!(events.contains(&Event::Error(EngineError::Rejected { local_ids: vec![1] })));
    assert_eq!(c.e.state(), &ChatState::Established);
    // The messages behind it still go, in one MultiNoun, and are confirmed.
    let bc = c.expect(Resource::MultiNoun);
    assert_body(&bc, message_body(&["b", "c"]));
    c.ok(&bc);
    let events = c.events();
    for local_id in [2, 3] {
        assert!(events.contains(&Event::VisitorMessage {
            local_id,
            status: Delivery::Sent
        }));
        assert!(!events.contains(&Event::VisitorMessage {
            local_id,
            status: Delivery::Failed
        }));
    }
}

#[test]
fn a_403_ends_the_session_calmly() {
    let (mut c, poll) = established();
    c.reply(&poll, 403, "");
    assert_eq!(
        c.events(),
        vec![Event::State(ChatState::Ended(EndReason::SessionInvalid))]
    );
    c.no_request();
    assert_eq!(c.e.next_deadline(), None);

    let (mut c, _poll) = established();
    c.send(1, "hi");
    let post = c.expect(Resource::ChatMessage);
    c.reply(&post, 403, "");
    assert_eq!(c.e.state(), &ChatState::Ended(EndReason::SessionInvalid));
    c.no_request();
}

#[test]
fn a_gateway_error_is_an_unknown_outcome_resent_with_the_same_sequence() {
    // A relay answering 502 or 504 does not know whether the server took the POST: a resend
    // with a new sequence would show the message twice if it did.
    for status in [502, 504] {
        let (mut c, _poll) = established();
        c.send(1, "hi");
        let first = c.expect(Resource::ChatMessage);
        c.reply(&first, status, "Bad Gateway");
        c.at(c.e.next_deadline().unwrap());
        let again = c.expect(Resource::ChatMessage);
        assert_eq!(
            (again.sequence(), &again.body),
            (Some(2), &first.body),
            "{status}"
        );
    }
}

#[test]
fn network_errors_retry_with_backoff_and_the_same_sequence() {
    let (mut c, _poll) = established();
    c.send(1, "hi");
    let first = c.expect(Resource::ChatMessage);
    assert_post(&first, Resource::ChatMessage, "aff-1", 2);
    c.events();
    let t = c.now;
    c.network_error(&first);
    assert_eq!(
        c.events(),
        vec![Event::Error(EngineError::Retrying {
            resource: "ChatMessage".into(),
            problem: "network error: connection reset".into(),
            retry_in_ms: 500
        })]
    );
    assert_eq!(c.e.next_deadline(), Some(t + 500));
    c.at(t + 499);
    c.no_request();
    c.at(t + 500);
    let second = c.expect(Resource::ChatMessage);
    assert_eq!(
        (second.sequence(), &second.body),
        (Some(2), &first.body),
        "same sequence, same body"
    );
    assert_ne!(second.id, first.id);
    // The driver's timeout: unknown outcome, same sequence again, after 1 s.
    c.input(Input::Response {
        id: second.id,
        outcome: Outcome::TimedOut,
    });
    assert_eq!(c.e.next_deadline(), Some(t + 1500));
    c.at(t + 1500);
    let third = c.expect(Resource::ChatMessage);
    assert_eq!(third.sequence(), Some(2));
    // A 500 is a known failure: the next try is a new request with a new sequence, after 2 s
    // minus jitter.
    c.rand = 100;
    c.reply(&third, 500, "Internal Server Error");
    assert_eq!(c.e.next_deadline(), Some(t + 1500 + 2000 - 100));
    c.at(t + 3400);
    let fourth = c.expect(Resource::ChatMessage);
    assert_eq!(fourth.sequence(), Some(3));
    c.ok(&fourth);
    // Success resets the backoff.
    c.rand = 0;
    c.send(2, "again");
    let p = c.expect(Resource::ChatMessage);
    assert_eq!(p.sequence(), Some(4));
    c.network_error(&p);
    assert_eq!(c.e.next_deadline(), Some(c.now + 500));
}

#[test]
fn retries_give_up_after_the_budget() {
    let (mut c, poll) = established();
    let t = c.now;
    c.network_error(&poll);
    let mut waits = Vec::new();
    while let Some(when) = c.e.next_deadline() {
        waits.push(when - c.now);
        c.at(when);
        let p = c.expect(Resource::Messages);
        assert_poll(&p, 2, "aff-1");
        c.network_error(&p);
    }
    assert_eq!(waits, vec![500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert_eq!(c.now - t, 35_500);
    assert!(matches!(c.e.state(), ChatState::Ended(EndReason::Error(_))));
    // The server is told too, best effort: one ChatEnd whose answer nobody waits for.
    let end = c.expect(Resource::ChatEnd);
    assert_post(&end, Resource::ChatEnd, "aff-1", 2);
    assert_body(&end, json!({"type": "ChatEndReason", "reason": "client"}));
    c.network_error(&end);
    c.no_request();
    assert_eq!(c.e.next_deadline(), None);
}

#[test]
fn offline_spends_no_budget_and_online_resumes_at_once_with_nothing_lost() {
    let (mut c, poll) = established();
    c.input(Input::Online(false));
    // The held poll breaks with the network.
    c.network_error(&poll);
    c.send(1, "typed in the tunnel");
    // Ten minutes offline: timers fire, nothing goes out, the chat lives.
    let t = c.now;
    while c.now < t + 600_000 {
        let when = c.e.next_deadline().unwrap_or(c.now + 10_000).max(c.now + 1);
        c.at(when.min(t + 600_000));
        c.no_request();
    }
    assert_eq!(c.e.state(), &ChatState::Established);
    let queued: Vec<Event> = c
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::VisitorMessage { .. }))
        .collect();
    assert_eq!(
        queued,
        vec![Event::VisitorMessage {
            local_id: 1,
            status: Delivery::Queued
        }]
    );
    // Back online: the poll (same ack) and the message go at once, the message once.
    c.input(Input::Online(true));
    let mut reqs = c.requests();
    reqs.sort_by_key(|r| r.resource == Resource::ChatMessage);
    assert_eq!(
        reqs.iter().map(|r| r.resource).collect::<Vec<_>>(),
        vec![Resource::Messages, Resource::ChatMessage]
    );
    assert_poll(&reqs[0], 2, "aff-1");
    assert_body(&reqs[1], message_body(&["typed in the tunnel"]));
    c.ok(&reqs[1]);
    assert!(c.events().contains(&Event::VisitorMessage {
        local_id: 1,
        status: Delivery::Sent
    }));
    c.deliver(
        &reqs[0],
        3,
        300,
        vec![msg(
            "ChatMessage",
            json!({"name": "Andy L.", "text": "Written while you were away"}),
        )],
    );
    assert!(c.events().contains(&Event::AgentMessage {
        name: "Andy L.".into(),
        text: "Written while you were away".into()
    }));
    assert_poll(&c.expect(Resource::Messages), 3, "aff-1");
}

#[test]
fn back_online_the_budget_is_fresh_but_a_failing_server_still_ends_the_chat() {
    let (mut c, poll) = established();
    let t = c.now;
    c.network_error(&poll);
    // 20 s of failures against the server (of a 30 s budget), then the network goes.
    while c.now < t + 20_000 {
        let when = c.e.next_deadline().unwrap();
        c.at(when);
        let p = c.expect(Resource::Messages);
        c.network_error(&p);
    }
    c.input(Input::Online(false));
    c.at(c.now + 120_000);
    c.no_request();
    c.input(Input::Online(true));
    // A whole budget (30 s in these tests) of a reachable, failing server ends it.
    let start = c.now;
    loop {
        let p = c.expect(Resource::Messages);
        c.reply(&p, 500, "Internal Server Error");
        if c.e.state().is_ended() {
            break;
        }
        let when = c.e.next_deadline().unwrap();
        c.at(when);
    }
    assert!(
        c.now - start >= 30_000,
        "the budget counts afresh: {}",
        c.now - start
    );
    assert!(matches!(c.e.state(), ChatState::Ended(EndReason::Error(_))));
    assert_eq!(c.expect(Resource::ChatEnd).sequence(), Some(2));
}

#[test]
fn a_frozen_page_sends_nothing_and_retries_at_once_when_resumed() {
    let (mut c, poll) = established();
    c.input(Input::Frozen(true));
    c.send(1, "hello");
    c.no_request();
    // The poll died meanwhile (its deadline passed while frozen): abandoned, no budget spent.
    c.at(c.now + 120_000);
    assert!(c.aborts().contains(&poll.id));
    c.no_request();
    c.input(Input::Frozen(false));
    let reqs = c.requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!(c.e.state(), &ChatState::Established);
}

#[test]
fn becoming_visible_retries_at_once_instead_of_waiting_out_the_backoff() {
    let (mut c, poll) = established();
    c.rand = 0;
    c.network_error(&poll);
    for wait in [500, 1000, 2000] {
        c.at(c.now + wait);
        let p = c.expect(Resource::Messages);
        c.network_error(&p);
    }
    assert_eq!(
        c.e.next_deadline(),
        Some(c.now + 4000),
        "a long backoff step waits"
    );
    c.input(Input::Wake);
    assert_poll(&c.expect(Resource::Messages), 2, "aff-1");
}

#[test]
fn a_dead_poll_is_abandoned_and_replaced() {
    let (mut c, poll) = established();
    assert_eq!(poll.timeout_ms, Some(35_000));
    let t = c.now;
    assert_eq!(c.e.next_deadline(), Some(t + 35_000));
    c.at(t + 34_999);
    c.no_request();
    // The engine gives up on it itself: the driver aborts it, and the replacement waits for the
    // aborted connection to close (the server must never see two polls).
    c.at(t + 35_000);
    assert_eq!(c.aborts(), vec![poll.id]);
    c.no_request();
    c.at(t + 35_000 + ABANDON_PAUSE_MS - 1);
    c.no_request();
    c.at(t + 35_000 + ABANDON_PAUSE_MS);
    let next = c.expect(Resource::Messages);
    assert_poll(&next, 2, "aff-1");
    assert_eq!(c.e.outstanding_polls(), 1);
    // A late answer to the abandoned poll changes nothing.
    c.deliver(
        &poll,
        9,
        999,
        vec![msg("ChatMessage", json!({"name": "A", "text": "late"}))],
    );
    c.no_request();
    assert!(c.events().is_empty());
    // The driver's own timeout report: replaced at once, no abort needed.
    c.input(Input::Response {
        id: next.id,
        outcome: Outcome::TimedOut,
    });
    assert!(c.aborts().is_empty());
    let again = c.expect(Resource::Messages);
    assert_poll(&again, 2, "aff-1");
    assert_eq!(c.e.outstanding_polls(), 1);
}

#[test]
fn session_id_failures_retry_then_start() {
    let mut c = Chat::new();
    c.start();
    let sid = c.expect(Resource::SessionId);
    c.network_error(&sid);
    c.no_request();
    c.at(c.now + 500);
    let sid = c.expect(Resource::SessionId);
    c.reply(
        &sid,
        200,
        r#"{"id":"sess-1","key":"key-1!secret","affinityToken":"aff-1","clientPollTimeout":40}"#,
    );
    let init = c.expect(Resource::ChasitorInit);
    assert_eq!(init.sequence(), Some(1));
    c.ok(&init);
    let poll = c.expect(Resource::Messages);
    assert_eq!(poll.timeout_ms, Some(45_000));
}

#[test]
fn snapshot_and_restore_mid_chat() {
    let (mut c, poll) = established();
    c.deliver(
        &poll,
        3,
        300,
        vec![msg(
            "ChatMessage",
            json!({"name": "Andy L.", "text": "one"}),
        )],
    );
    let poll = c.expect(Resource::Messages);
    c.send(1, "in flight during the reload");
    let post = c.expect(Resource::ChatMessage);
    assert_post(&post, Resource::ChatMessage, "aff-1", 2);
    c.send(2, "typed just before the reload");
    c.events();

    // The page reloads: the snapshot goes through sessionStorage as JSON.
    let json = serde_json::to_string(&c.e.snapshot()).expect("snapshot serializes");
    let value: serde_json::Value = serde_json::from_str(&json).expect("snapshot parses");
    let snap = Snapshot::from_value(&value).expect("snapshot reads");
    assert_eq!(
        Some(&snap),
        serde_json::from_value::<Snapshot>(value).ok().as_ref(),
        "read by hand as serde's derive reads it"
    );
    let mut r = Chat {
        e: Engine::restore(cfg(), snap, c.now + 2_000),
        now: c.now + 2_000,
        rand: 0,
    };
    assert_eq!(r.e.state(), &ChatState::Established);
    assert_eq!(r.e.agent_name(), Some("Andy L."));
    assert_eq!(
        r.events(),
        vec![
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Queued
            },
            Event::State(ChatState::Established),
        ]
    );
    let reqs = r.requests();
    assert_eq!(
        reqs.iter().map(|q| q.resource).collect::<Vec<_>>(),
        vec![Resource::Messages, Resource::ChatMessage]
    );
    assert_poll(&reqs[0], 3, "aff-1");
    assert!(
        reqs.iter().all(|q| q.id != poll.id && q.id != post.id),
        "request ids keep rising"
    );
    // The unconfirmed POST again, with its original sequence and body.
    assert_post(&reqs[1], Resource::ChatMessage, "aff-1", 2);
    assert_eq!(reqs[1].body, post.body);
    r.ok(&reqs[1]);
    let next = r.expect(Resource::ChatMessage);
    assert_post(&next, Resource::ChatMessage, "aff-1", 3);
    r.ok(&next);
    r.deliver(
        &reqs[0],
        4,
        400,
        vec![msg(
            "ChatMessage",
            json!({"name": "Andy L.", "text": "two"}),
        )],
    );
    assert_eq!(
        r.events(),
        vec![
            Event::VisitorMessage {
                local_id: 1,
                status: Delivery::Sent
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sending
            },
            Event::VisitorMessage {
                local_id: 2,
                status: Delivery::Sent
            },
            Event::AgentMessage {
                name: "Andy L.".into(),
                text: "two".into()
            },
        ]
    );
    assert_poll(&r.expect(Resource::Messages), 4, "aff-1");
}

#[test]
fn restore_while_queued_or_reconnecting_or_ended() {
    // Queued with a message waiting: polls again, the message still waits.
    let (mut c, poll) = started();
    c.deliver(
        &poll,
        1,
        10,
        vec![msg("ChatRequestSuccess", json!({"queuePosition": 1}))],
    );
    c.send(1, "hi");
    let mut r = Chat {
        e: Engine::restore(cfg(), c.e.snapshot(), c.now),
        now: c.now,
        rand: 0,
    };
    assert_eq!(r.e.state(), &ChatState::Queued);
    let p = r.expect(Resource::Messages);
    assert_poll(&p, 1, "aff-1");
    r.deliver(
        &p,
        2,
        20,
        vec![msg("ChatEstablished", json!({"name": "A"}))],
    );
    let reqs = r.requests();
    assert_eq!(reqs[1].resource, Resource::ChatMessage);
    assert_eq!(reqs[1].sequence(), Some(2));

    // Mid-reconnect: starts the reconnect again.
    let (mut c, poll) = established();
    c.reply(&poll, 503, "");
    c.expect(Resource::ReconnectSession);
    let mut r = Chat {
        e: Engine::restore(cfg(), c.e.snapshot(), c.now),
        now: c.now,
        rand: 0,
    };
    assert_eq!(r.e.state(), &ChatState::Reconnecting);
    r.expect(Resource::ReconnectSession);

    // Ended: stays ended, asks nothing.
    let (mut c, poll) = established();
    c.reply(&poll, 403, "");
    let mut r = Chat {
        e: Engine::restore(cfg(), c.e.snapshot(), c.now),
        now: c.now,
        rand: 0,
    };
    assert_eq!(r.e.state(), &ChatState::Ended(EndReason::SessionInvalid));
    r.no_request();
}

#[test]
fn reconnect_skips_messages_the_server_already_has() {
    // A message whose answer was lost, then a 503 before its resend: the ChasitorSessionData
    // transcript shows the server has it, so it is not sent twice.
    let (mut c, poll) = established();
    c.send(1, "got there");
    let post = c.expect(Resource::ChatMessage);
    c.network_error(&post);
    c.reply(&poll, 503, "");
    let rec = c.expect(Resource::ReconnectSession);
    c.reply(
        &rec,
        200,
        &json!({"messages": [msg("ReconnectSession", json!({"affinityToken": "aff-2"}))]})
            .to_string(),
    );
    let poll = c.expect(Resource::Messages);
    c.events();
    c.deliver(
        &poll,
        1,
        201,
        vec![msg(
            "ChasitorSessionData",
            json!({"chatMessages": [{"type": "Chasitor", "name": "Jon A.", "content": "got there", "timestamp": 1, "sequence": 1}]}),
        )],
    );
    assert_eq!(
        c.events(),
        vec![Event::VisitorMessage {
            local_id: 1,
            status: Delivery::Sent
        }]
    );
    let resync = c.requests().pop().expect("resync");
    assert_eq!(resync.resource, Resource::ChasitorResyncState);
    c.ok(&resync);
    c.no_request();
}

/// A snapshot as the widget saved it before snapshots were read by hand (every enum variant that
/// can be saved, optional fields absent and present) still loads, to the same value serde's
/// derived reader gives.
#[test]
fn snapshot_saved_by_an_earlier_version_still_loads() {
    let saved = json!({
        "state": {"Ended": {"RequestFailed": {"reason": "Unavailable"}}},
        "reconnecting": false,
        "session": {"id": "s1", "key": "k1", "affinity": "a1", "client_poll_timeout": 40},
        "prechat": {
            "visitor_name": "Jon",
            "details": [{"label": "Email", "value": "jon@example.com",
                         "entityFieldMaps": [{"entityName": "Contact", "fieldName": "Email",
                                              "isFastFillable": false, "isAutoQueryable": true,
                                              "isExactMatchable": true}],
                         "transcriptFields": ["c__Email"], "displayToAgent": true}],
            "entities": [{"entityName": "Contact", "saveToTranscript": "ContactId",
                          "entityFieldsMaps": [{"fieldName": "Email", "label": "Email",
                                                "doFind": true, "isExactMatch": true,
                                                "doCreate": false}]}]
        },
        "next_sequence": 7,
        "ack": 12,
        "polling": true,
        "unconfirmed": {"items": [{"Message": {"local_id": 3, "text": "hi"}}, {"Typing": false}],
                        "sequence": 6},
        "queued": [
            {"Init": {"body": "{}"}}, "Resync",
            {"CustomEvent": {"event_type": "e", "data": "d"}},
            {"SneakPeek": {"position": 2, "text": "ty"}}, "End"
        ],
        "agent_name": "Andy L.",
        "sneak_peek_enabled": true,
        "sneak_peek_position": 2,
        "end_requested": false,
        "confirmed_messages": 2,
        "next_request_id": 31
    });
    let snap = Snapshot::from_value(&saved).expect("reads");
    assert_eq!(
        Some(&snap),
        serde_json::from_value::<Snapshot>(saved.clone())
            .ok()
            .as_ref()
    );
    assert_eq!(snap.offset, None);
    assert_eq!(snap.post_chat_url, None);
    assert_eq!(snap.queued.len(), 5);
    assert_eq!(
        snap.prechat.as_ref().map(|p| p.answers.len()),
        Some(0),
        "answers came later: absent is none"
    );
    // Written again, it reads back the same.
    let again = serde_json::to_value(&snap).expect("serializes");
    assert_eq!(Snapshot::from_value(&again), Some(snap));
    for state in [
        json!("Idle"),
        json!("Queued"),
        json!({"Ended": "Visitor"}),
        json!({"Ended": {"Error": "x"}}),
    ] {
        let mut s = saved.clone();
        s["state"] = state.clone();
        assert_eq!(
            Snapshot::from_value(&s).map(|s| s.state),
            serde_json::from_value::<Snapshot>(s).ok().map(|s| s.state),
            "{state}"
        );
    }
    // Not a snapshot: unreadable, as with serde.
    let mut bad = saved.clone();
    bad["ack"] = json!("12");
    assert_eq!(Snapshot::from_value(&bad), None);
    assert!(serde_json::from_value::<Snapshot>(bad).is_err());
}
