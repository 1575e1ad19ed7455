#![cfg(not(target_arch = "wasm32"))] // native tests of the pure engine
//! Enhanced Chat as the real server speaks it, through the sans-IO engine: messaging sessions
//! that end while the conversation goes on (`CONVERSATION_SESSION_STATUS_CHANGED`), customer
//! inactivity, queue positions, routing work results, a bot handing over to a person, and events
//! and message types the widget does not know mixed into a chat.

use chasitor::miaw::engine::Call;
use chasitor::prechat::Prechat;
use chasitor::session::{ChatState, Delivery, EndReason, Ender, EngineError, Event, Input};
use serde_json::{json, Value};

mod miaw_support;
use miaw_support::*;

/// `CONVERSATION_SESSION_STATUS_CHANGED`: `status` after `prev`, ended by `by` (or nobody).
fn session(conv: &str, id: &str, status: &str, prev: &str, by: Option<&str>) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_SESSION_STATUS_CHANGED",
        id,
        "SessionStatusChanged",
        ("System", "System"),
        json!({"entryType": "SessionStatusChanged", "sessionId": "s1", "conversationIdentifier": conv,
               "sessionStatus": status, "sessionStatusPrev": prev, "sessionStartTime": 1,
               "sessionEndTime": null, "sessionEndedByRole": by}),
        &[],
    )
}

/// A participant of `role` joining (`add`) or leaving (`remove`).
fn member(conv: &str, id: &str, name: &str, role: &str, op: &str) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_PARTICIPANT_CHANGED",
        id,
        "ParticipantChanged",
        ("System", ""),
        json!({"entryType": "ParticipantChanged", "entries": [{"operation": op, "displayName": name,
               "participant": {"role": role, "subject": name}}]}),
        &[],
    )
}

fn queue_position(conv: &str, id: &str, position: i64) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_QUEUE_POSITION",
        id,
        "QueuePosition",
        ("Router", ""),
        json!({"entryType": "QueuePosition", "pendingServiceRoutingId": "0JR000000000001AAA",
               "workItemId": conv, "position": position}),
        &[],
    )
}

fn work_result(conv: &str, id: &str, work_type: &str) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_ROUTING_WORK_RESULT",
        id,
        "RoutingWorkResult",
        ("Router", ""),
        json!({"entryType": "RoutingWorkResult", "workType": work_type, "workItemId": conv}),
        &[],
    )
}

fn routing(conv: &str, id: &str, routing_type: &str, wait: Option<i64>) -> (String, Value) {
    let mut payload = json!({"entryType": "RoutingResult", "routingType": routing_type,
                             "failureType": "None"});
    if let Some(secs) = wait {
        payload["estimatedWaitTime"] =
            json!({"estimatedWaitTimeInSeconds": secs, "isEWTRequested": true});
    }
    event(
        conv,
        "CONVERSATION_ROUTING_RESULT",
        id,
        "RoutingResult",
        ("Router", ""),
        payload,
        &[],
    )
}

/// The frames, numbered from `first`, as one chunk each.
fn ended_by(by: Ender) -> Event {
    Event::State(ChatState::SessionEnded { by, form: false })
}

#[test]
fn the_agent_ends_the_session_the_visitor_writes_again_and_a_second_agent_takes_it() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    // As the simulator sends it: the session's end, then the agent leaving and the work closed.
    feed(
        &mut c,
        &stream,
        2,
        &[
            session(&conv, "e1", "Ended", "Active", Some("Agent")),
            member(&conv, "e2", "Ada Agent", "Agent", "remove"),
            work_result(&conv, "e3", "Closed"),
        ],
    );
    // Told once, who ended it; the conversation stays: no close, the stream stays open.
    assert_eq!(c.events(), [ended_by(Ender::Agent)]);
    assert_eq!(c.requests(), []);
    assert_eq!(c.aborts(), []);
    assert_eq!(c.e.open_streams(), 1);
    assert!(c.e.next_deadline().is_some(), "the stream is watched");

    // Writing again starts a new messaging session, routed with the visitor's answers.
    let post = c.send(1, "One more question");
    assert_eq!(body(&post)["isNewMessagingSession"], true);
    assert_eq!(
        body(&post)["routingAttributes"],
        json!({"_firstName": "Ada", "_email": "ada@example.com"})
    );
    assert_eq!(c.e.state(), &ChatState::Queued);
    c.answer(&post, 202, "{}");
    let events = c.events();
    assert!(events.contains(&Event::State(ChatState::Queued)));
    assert_eq!(statuses(&events, 1).last(), Some(&Delivery::Sent));

    // The new session waits in the queue, then a second agent takes it.
    feed(
        &mut c,
        &stream,
        5,
        &[
            session(&conv, "e4", "Waiting", "New", None),
            routing(&conv, "e5", "Initial", Some(90)),
            queue_position(&conv, "e6", 2),
            queue_position(&conv, "e7", 1),
            work_result(&conv, "e8", "Assigned"),
            work_result(&conv, "e9", "Accepted"),
            member(&conv, "e10", "Bo Agent", "Agent", "add"),
            session(&conv, "e11", "Active", "Waiting", None),
        ],
    );
    assert_eq!(
        c.events(),
        [
            Event::Queue {
                position: None,
                estimated_wait_secs: Some(90)
            },
            Event::Queue {
                position: Some(2),
                estimated_wait_secs: Some(90)
            },
            Event::Queue {
                position: Some(1),
                estimated_wait_secs: Some(90)
            },
            Event::AgentJoined {
                name: "Bo Agent".into(),
                sneak_peek_enabled: false
            },
            Event::State(ChatState::Established),
        ]
    );
    // The session goes on as usual: the next message is an ordinary one.
    let next = c.send(2, "Thanks, Bo");
    assert_eq!(body(&next).get("isNewMessagingSession"), None);
    assert_eq!(body(&next).get("routingAttributes"), None);
}

#[test]
fn the_agent_leaving_before_the_sessions_end_is_told_then_the_end() {
    // The order of the two events is not documented: the other order tells both, once each.
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[
            member(&conv, "e1", "Ada Agent", "Agent", "remove"),
            session(&conv, "e2", "Ended", "Active", Some("Agent")),
        ],
    );
    assert_eq!(
        c.events(),
        [Event::AgentDisconnected, ended_by(Ender::Agent)]
    );
}

#[test]
fn the_visitors_end_between_sessions_closes_the_conversation() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[session(&conv, "e1", "Ended", "Active", Some("System"))],
    );
    assert_eq!(c.events(), [ended_by(Ender::System)]);
    // Typing between sessions goes nowhere.
    c.input(Input::Typing(true));
    assert_eq!(c.requests(), []);
    c.input(Input::End);
    let close = c.expect(Call::Close);
    assert_eq!(close.method, chasitor::session::Method::Delete);
    assert!(close.path.ends_with(&conv));
    // The server's own status event for the visitor's end changes nothing; the answer ends it.
    feed(
        &mut c,
        &stream,
        3,
        &[session(&conv, "e2", "Ended", "Ended", Some("EndUser"))],
    );
    assert_eq!(c.events(), []);
    c.answer(&close, 204, "");
    assert_eq!(
        c.events(),
        [Event::State(ChatState::Ended(EndReason::Visitor))]
    );
}

#[test]
fn a_bot_answers_first_and_its_handover_to_a_person_is_one_change() {
    let mut c = Chat::new();
    let stream = c.queued();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[
            routing(&conv, "e1", "Initial", None),
            member(&conv, "e2", "Astro", "Chatbot", "add"),
            session(&conv, "e3", "Active", "Waiting", None),
            message(
                &conv,
                "m1",
                ("Chatbot", "Astro"),
                "Hi, I am Astro. How can I help?",
            ),
        ],
    );
    let events = c.events();
    assert!(events.contains(&Event::AgentJoined {
        name: "Astro".into(),
        sneak_peek_enabled: false
    }));
    assert!(events.contains(&Event::AgentMessage {
        name: "Astro".into(),
        text: "Hi, I am Astro. How can I help?".into()
    }));
    assert_eq!(c.e.state(), &ChatState::Established);
    assert_eq!(c.e.agent_name(), Some("Astro"));

    // The bot transfers to the queue; a person picks the chat up.
    feed(
        &mut c,
        &stream,
        6,
        &[
            routing(&conv, "e4", "Transfer", None),
            member(&conv, "e5", "Astro", "Chatbot", "remove"),
            work_result(&conv, "e6", "Transferred"),
            queue_position(&conv, "e7", 1),
            work_result(&conv, "e8", "Accepted"),
            member(&conv, "e9", "Ada Agent", "Agent", "add"),
        ],
    );
    assert_eq!(
        c.events(),
        [Event::Transferred {
            name: "Ada Agent".into()
        }]
    );
    assert_eq!(c.e.agent_name(), Some("Ada Agent"));
}

#[test]
fn a_bot_that_ends_the_session_is_named_as_the_one_who_ended_it() {
    let mut c = Chat::new();
    let stream = c.queued();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[
            member(&conv, "e1", "Astro", "Chatbot", "add"),
            session(&conv, "e2", "Ended", "Active", Some("Chatbot")),
            member(&conv, "e3", "Astro", "Chatbot", "remove"),
        ],
    );
    assert_eq!(c.events().last(), Some(&ended_by(Ender::Bot)));
    // Writing again: routed again, and whoever joins is announced as joining.
    let post = c.send(1, "Can I talk to a person?");
    assert_eq!(body(&post)["isNewMessagingSession"], true);
    c.answer(&post, 202, "{}");
    feed(
        &mut c,
        &stream,
        5,
        &[
            session(&conv, "e4", "Waiting", "New", None),
            member(&conv, "e5", "Ada Agent", "Agent", "add"),
        ],
    );
    assert!(c.events().contains(&Event::AgentJoined {
        name: "Ada Agent".into(),
        sneak_peek_enabled: false
    }));
}

#[test]
fn inactivity_is_told_and_the_next_message_routes_the_session_again() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[
            session(&conv, "e1", "Inactive", "Active", None),
            member(&conv, "e2", "Ada Agent", "Agent", "remove"),
            work_result(&conv, "e3", "Closed"),
        ],
    );
    assert_eq!(c.events(), [Event::Inactive(true)]);
    assert_eq!(c.e.state(), &ChatState::Established);
    // The next message wakes it: an ordinary message (no new session), then Waiting again.
    let post = c.send(1, "Sorry, I was away");
    assert_eq!(body(&post).get("isNewMessagingSession"), None);
    c.answer(&post, 202, "{}");
    c.events();
    feed(
        &mut c,
        &stream,
        5,
        &[
            session(&conv, "e4", "Waiting", "Inactive", None),
            queue_position(&conv, "e5", 1),
            member(&conv, "e6", "Ada Agent", "Agent", "add"),
            session(&conv, "e7", "Active", "Waiting", None),
        ],
    );
    assert_eq!(
        c.events(),
        [
            Event::Inactive(false),
            Event::State(ChatState::Queued),
            Event::Queue {
                position: Some(1),
                estimated_wait_secs: None
            },
            Event::AgentJoined {
                name: "Ada Agent".into(),
                sneak_peek_enabled: false
            },
            Event::State(ChatState::Established),
        ]
    );
}

#[test]
fn queue_positions_update_while_waiting_and_keep_the_estimated_wait() {
    let mut c = Chat::new();
    let stream = c.queued();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[
            session(&conv, "e1", "Waiting", "New", None),
            queue_position(&conv, "e2", 3),
            routing(&conv, "e3", "Initial", Some(120)),
            queue_position(&conv, "e4", 2),
            // Nonsense positions are not shown as such.
            queue_position(&conv, "e5", 0),
        ],
    );
    let queue: Vec<(Option<u32>, Option<u32>)> = c
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Queue {
                position,
                estimated_wait_secs,
            } => Some((position, estimated_wait_secs)),
            _ => None,
        })
        .collect();
    assert_eq!(
        queue,
        [
            (Some(3), None),
            (Some(3), Some(120)),
            (Some(2), Some(120)),
            (None, Some(120)),
        ]
    );
    assert_eq!(c.e.state(), &ChatState::Queued);
}

#[test]
fn a_deployment_asking_its_form_every_session_asks_it_again_before_the_next() {
    let mut c = Chat::new();
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    let form = json!({"accessToken": TOKEN, "lastEventId": "0", "context": {"configuration": {
        "embeddedServiceConfig": {"forms": [{"formType": "PreChat", "displayContext": "Session",
            "formFields": [{"name": "Topic", "type": "Text", "required": true, "order": 1,
                            "labels": {"display": "Topic"}}]}]}}}});
    c.answer(&token, 200, &form.to_string());
    assert!(c.e.poll_form().is_some());
    c.input(Input::Start(Prechat {
        answers: vec![("Topic".into(), "Delivery".into())],
        ..Prechat::default()
    }));
    let stream = c.created();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        1,
        &[
            member(&conv, "e1", "Ada Agent", "Agent", "add"),
            session(&conv, "e2", "Ended", "Active", Some("Agent")),
        ],
    );
    assert_eq!(
        c.events().last(),
        Some(&Event::State(ChatState::SessionEnded {
            by: Ender::Agent,
            form: true
        }))
    );
    // The form answered: the same conversation, the next message carries the new answers.
    c.input(Input::Start(Prechat {
        answers: vec![("Topic".into(), "Returns".into())],
        ..Prechat::default()
    }));
    assert_eq!(c.events(), [ended_by(Ender::Agent)]);
    assert_eq!(c.conversation(), conv);
    assert_eq!(c.requests(), [], "nothing goes before the visitor writes");
    let post = c.send(1, "About my return");
    assert_eq!(body(&post)["isNewMessagingSession"], true);
    assert_eq!(
        body(&post)["routingAttributes"],
        json!({"Topic": "Returns"})
    );
}

#[test]
fn unknown_events_entries_and_message_types_mixed_into_a_chat_lose_nothing() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    let post = c.send(1, "Where is my parcel?");
    let unknown_entry = event(
        &conv,
        "CONVERSATION_SOMETHING_NEW",
        "u1",
        "SomethingNew",
        ("Agent", "Ada Agent"),
        json!({"entryType": "SomethingNew"}),
        &[],
    );
    let form = event(
        &conv,
        "CONVERSATION_MESSAGE",
        "u2",
        "Message",
        ("Agent", "Ada Agent"),
        json!({"entryType": "Message", "abstractMessage": {"messageType": "HologramMessage", "id": "u2",
               "hologram": {"depth": 3}}}),
        &[],
    );
    let link = event(
        &conv,
        "CONVERSATION_MESSAGE",
        "u3",
        "Message",
        ("Agent", "Ada Agent"),
        json!({"entryType": "Message", "abstractMessage": {"messageType": "StaticContentMessage",
               "id": "u3", "staticContent": {"formatType": "RichLink", "text": "Track it here"}}}),
        &[],
    );
    c.chunk(
        &stream,
        "id: 2\nevent: CONVERSATION_PROGRESS_INDICATOR\ndata: {\"conversationId\":\"x\"}\n\n",
    );
    feed(&mut c, &stream, 3, &[unknown_entry, form, link]);
    c.chunk(
        &stream,
        "id: 6\nevent: CONVERSATION_STREAMING_TOKEN\ndata: oops\n\n",
    );
    c.answer(&post, 202, "{}");
    feed(
        &mut c,
        &stream,
        7,
        &[agent_says(&conv, "m1", "It ships today")],
    );
    let events = c.events();
    assert_eq!(agent_messages(&events), ["It ships today"]);
    // A link card without an address: what it says, as a rich row.
    assert!(events.iter().any(|e| matches!(
        e,
        Event::AgentRich { text, .. } if text == "Track it here"
    )));
    assert!(events.contains(&Event::Unshowable {
        name: "Ada Agent".into()
    }));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Error(EngineError::UnknownMessage { type_name }) if type_name == "CONVERSATION_SOMETHING_NEW"
    )));
    assert_eq!(statuses(&events, 1).last(), Some(&Delivery::Sent));
    assert_eq!(c.e.state(), &ChatState::Established);
    // Each message the agent sent, shown or not, gets its delivery receipt.
    let acks = c.expect(Call::Acknowledge);
    let acks = body(&acks);
    let ids: Vec<&str> = acks["acks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["conversationEntryId"].as_str())
        .collect();
    assert_eq!(ids, ["u2", "u3"]);
}

#[test]
fn a_bot_leaving_before_any_transfer_signal_is_still_a_handover_not_a_departure() {
    let mut c = Chat::new();
    let stream = c.queued();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[member(&conv, "e1", "Astro", "Chatbot", "add")],
    );
    c.events();
    // The bot's removal comes first, with nothing before it saying a transfer is on its way.
    feed(
        &mut c,
        &stream,
        3,
        &[
            member(&conv, "e2", "Astro", "Chatbot", "remove"),
            member(&conv, "e3", "Ada Agent", "Agent", "add"),
        ],
    );
    assert_eq!(
        c.events(),
        [Event::Transferred {
            name: "Ada Agent".into()
        }]
    );
}
