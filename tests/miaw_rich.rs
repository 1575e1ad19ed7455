#![cfg(not(target_arch = "wasm32"))] // native tests of the pure protocol and engine
//! Enhanced Chat beyond plain text: each message format read from fixtures in the notes' shapes
//! (and unknown ones kept as "cannot be shown" or their text, never fatal), the menu's answer and
//! the upload's request bodies, and the engine's scenarios for menus and files: answered,
//! refused, retried; uploaded, refused (413, 415, later by the server), cut by the network,
//! cancelled, cut by a reload.

mod miaw_support;

use chasitor::miaw::engine::{Call, Engine, Request};
use chasitor::miaw::files::{self, Refusal};
use chasitor::miaw::rich::{image_allowed, size_text, Content, Rich, Upload};
use chasitor::miaw::{EntryPayload, SendMessageRequest, ServerEvent};
use chasitor::session::{Delivery, Event, FileInfo, FileProblem, Input, Outcome};
use miaw_support::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/miaw/rich/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn rich(name: &str) -> Rich {
    Rich::read(fixture(name))
}

fn titles(rich: &Rich) -> Vec<(&str, &str)> {
    rich.options()
        .into_iter()
        .map(|o| (o.id.as_str(), o.title.as_str()))
        .collect()
}

#[test]
fn buttons_and_quick_replies_are_menus_with_their_option_identifiers() {
    let buttons = rich("buttons.json");
    assert_eq!(buttons.id, "m-buttons");
    assert!(
        matches!(&buttons.content, Content::Menu { text, chips: false, .. } if text == "How can I help you today?")
    );
    assert_eq!(
        titles(&buttons),
        [
            ("3f1c2a4e-0000-4000-8000-000000000001", "Track my order"),
            ("3f1c2a4e-0000-4000-8000-000000000002", "Return an item"),
            ("3f1c2a4e-0000-4000-8000-000000000003", "Talk to a person"),
        ]
    );
    assert!(!buttons.chips());
    let quick = rich("quick-replies.json");
    assert!(quick.chips());
    assert_eq!(titles(&quick), [("q-yes", "Yes"), ("q-no", "No")]);
    assert_eq!(quick.summary(), "Was this helpful? · Yes · No");
}

#[test]
fn a_carousel_has_cards_with_their_images_matched_by_id_and_their_buttons() {
    let carousel = rich("carousel.json");
    let Content::Carousel { cards, .. } = &carousel.content else {
        panic!("{carousel:?}")
    };
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0].title, "Blue kettle");
    assert_eq!(cards[0].subtitle, "1.7 l, 39 €");
    let image = cards[0].image.as_ref().unwrap();
    assert_eq!(
        (image.url.as_str(), image.alt.as_str()),
        ("https://cdn.example.com/blue.png", "A blue kettle")
    );
    assert_eq!(
        cards[1].image.as_ref().unwrap().url,
        "https://cdn.example.com/red.png"
    );
    // Every card's options answer the one menu.
    assert_eq!(
        titles(&carousel),
        [
            ("c-1", "Buy the blue one"),
            ("c-2", "Buy the red one"),
            ("c-3", "More about it")
        ]
    );
}

#[test]
fn static_content_formats_read_as_the_visitor_sees_them() {
    let link = rich("rich-link.json");
    match &link.content {
        Content::Link {
            link,
            subtitle,
            image,
            text,
        } => {
            assert_eq!(link.url, "https://example.com/help/returns");
            assert_eq!(link.title, "How returns work");
            assert_eq!(subtitle, "Help Center");
            assert_eq!(
                image.as_ref().unwrap().url,
                "https://cdn.example.com/returns.png"
            );
            assert_eq!(text, "");
        }
        other => panic!("{other:?}"),
    }
    let files = rich("attachments.json");
    match &files.content {
        Content::Files { text, files } => {
            assert_eq!(text, "Here is your invoice.");
            let got: Vec<_> = files
                .iter()
                .map(|f| (f.name.as_str(), f.mime.as_str(), f.url.as_deref()))
                .collect();
            assert_eq!(
                got,
                [
                    (
                        "invoice.pdf",
                        "application/pdf",
                        Some("https://files.example.com/f1")
                    ),
                    (
                        "photo.png",
                        "image/png",
                        Some("https://files.example.com/f2")
                    ),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&rich("webview.json").content,
        Content::WebView { link } if link.url == "https://example.com/survey" && link.title == "Take our 1-minute survey"));
    assert!(matches!(&rich("error-message.json").content,
        Content::Error { text } if text == "We could not look up your order — The order service is not answering."));
    assert!(
        matches!(&rich("form.json").content, Content::Form { title } if title == "Shipping address")
    );
}

#[test]
fn citations_keep_only_web_addresses_titled_by_their_label_or_address() {
    let cite = rich("text-citations.json");
    let Content::Text { text, citations } = &cite.content else {
        panic!("{cite:?}")
    };
    assert_eq!(text, "You can return items within 30 days.");
    let links: Vec<_> = citations
        .iter()
        .map(|l| (l.url.as_str(), l.title.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("https://example.com/help/returns", "Return policy"),
            (
                "https://example.com/help/refunds",
                "https://example.com/help/refunds"
            ),
        ]
    );
}

#[test]
fn unknown_types_and_formats_show_their_text_or_nothing_never_fail() {
    let holo = rich("unknown-type.json");
    assert!(!holo.showable(), "no text: the row says it cannot be shown");
    let exp = rich("unknown-format.json");
    assert!(exp.showable());
    assert!(matches!(&exp.content, Content::Other { text } if text == "Rate us from 1 to 5"));
    // Nonsense is nothing to show, not a panic.
    for junk in ["", "null", "[1,2]", "\"text\"", "{\"messageType\":7}"] {
        assert!(!Rich::parse(junk).showable(), "{junk}");
    }
    // A link card whose address is not http(s) is its text, never a link.
    let bad = Rich::read(json!({"messageType": "StaticContentMessage", "id": "x",
        "staticContent": {"formatType": "RichLink", "linkItem": {"url": "javascript:alert(1)",
        "titleItem": {"title": "Click me"}}}}));
    assert!(matches!(&bad.content, Content::Other { text } if text == "Click me"));
    let bad_view = Rich::read(json!({"messageType": "StaticContentMessage",
        "staticContent": {"formatType": "WebView", "url": "data:text/html,hi", "title": {"title": "Open"}}}));
    assert!(matches!(&bad_view.content, Content::Other { text } if text == "Open"));
}

#[test]
fn images_load_from_https_or_the_configured_salesforce_host_only() {
    let api = "http://127.0.0.1:8085";
    assert!(image_allowed("https://cdn.example.com/a.png", api));
    assert!(image_allowed("http://127.0.0.1:8085/_sim/files/1", api));
    assert!(!image_allowed("http://127.0.0.1:8085.evil.com/x.png", api));
    assert!(!image_allowed("http://evil.example.com/x.png", api));
    assert!(!image_allowed("data:image/png;base64,AAAA", api));
    assert!(!image_allowed("javascript:alert(1)", api));
    assert!(image_allowed(
        "http://127.0.0.1:8085/x.png",
        "http://127.0.0.1:8085/some/path"
    ));
}

#[test]
fn the_answer_to_a_menu_is_a_choices_response_with_the_option_identifier() {
    let req = SendMessageRequest::choice("a1", "m-buttons", "opt-2", "Chasitor_Demo");
    let body: Value = serde_json::from_str(&req.to_json()).unwrap();
    assert_eq!(
        body,
        json!({"message": {"id": "a1", "messageType": "ChoicesResponseMessage",
            "inReplyToMessageId": "m-buttons",
            "choicesResponse": {"formatType": "Selections",
                "selectedOptions": [{"optionIdentifier": "opt-2"}]}},
            "esDeveloperName": "Chasitor_Demo"})
    );
    let entry = SendMessageRequest::file("m1", "f1", "Chasitor_Demo");
    let body: Value = serde_json::from_str(&entry.to_json()).unwrap();
    assert_eq!(
        body,
        json!({"message": {"id": "m1", "fileId": "f1"}, "esDeveloperName": "Chasitor_Demo"})
    );
}

#[test]
fn an_upload_result_is_read_by_its_entry_type_whatever_the_event_is_called() {
    let payload = fixture("upload-updated-error.json");
    for name in ["CONVERSATION_MESSAGE", "CONVERSATION_MESSAGE_UPDATED"] {
        let data = json!({"conversationId": "c", "conversationEntry": {"identifier": "u1",
            "entryType": "MessageUpdated", "sender": {"role": "EndUser"},
            "entryPayload": payload.to_string()}});
        let ServerEvent::Conversation(event) = ServerEvent::decode(name, &data.to_string()) else {
            panic!("{name}")
        };
        match event.conversation_entry.payload {
            EntryPayload::MessageUpdated { id, message } => {
                assert_eq!(id, "m-up");
                assert_eq!(Rich::read(message).upload(), Upload::Error);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn files_are_checked_against_the_limit_and_the_types_offered() {
    let max = files::DEFAULT_MAX_BYTES;
    assert_eq!(files::check("image/png", 1000, max), Ok(()));
    assert_eq!(files::check("application/pdf", max, max), Ok(()));
    assert_eq!(
        files::check("application/pdf", max + 1, max),
        Err(Refusal::TooLarge)
    );
    assert_eq!(files::check("image/png", 0, max), Err(Refusal::TooLarge));
    assert_eq!(
        files::check("application/x-msdownload", 10, max),
        Err(Refusal::Type)
    );
    assert_eq!(files::check("", 10, max), Err(Refusal::Type));
    // The deployment's maxFileSize: megabytes when small, bytes when large, else the default.
    assert_eq!(files::max_bytes(json!(10)), 10 * 1024 * 1024);
    assert_eq!(files::max_bytes(json!(2_000_000)), 2_000_000);
    assert_eq!(files::max_bytes(json!("nonsense")), max);
    assert_eq!(files::max_bytes(Value::Null), max);
    assert_eq!(size_text(820), "820 B");
    assert_eq!(size_text(14 * 1024), "14 KB");
    assert_eq!(size_text(5 * 1024 * 1024), "5.0 MB");
}

// ------------------------------------------------------------------ engine scenarios

fn rich_event(conv: &str, entry_id: &str, message: Value) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_MESSAGE",
        entry_id,
        "Message",
        ("Chatbot", "Chasitor Bot"),
        json!({"entryType": "Message", "abstractMessage": message}),
        &[],
    )
}

fn file(key: u64) -> FileInfo {
    FileInfo {
        key,
        name: "scan.pdf".into(),
        mime: "application/pdf".into(),
        size: 123_456,
    }
}

fn failed(events: &[Event], local: u64) -> Vec<FileProblem> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::FileFailed { local_id, problem } if *local_id == local => Some(*problem),
            _ => None,
        })
        .collect()
}

#[test]
fn a_bots_menu_comes_as_a_rich_row_and_its_answer_goes_as_a_choice_and_is_confirmed() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    feed(
        &mut c,
        &stream,
        2,
        &[rich_event(&conv, "e-menu", fixture("buttons.json"))],
    );
    let events = c.events();
    let json = events
        .iter()
        .find_map(|e| match e {
            Event::AgentRich { name, text, json } => {
                assert_eq!(name, "Chasitor Bot");
                assert!(text.starts_with("How can I help you today?"));
                Some(json.clone())
            }
            _ => None,
        })
        .expect("a rich row");
    assert_eq!(Rich::parse(&json), rich("buttons.json"));
    // The delivery receipt for it goes first.
    let ack = c.expect(Call::Acknowledge);
    c.answer(&ack, 202, "{}");

    c.input(Input::Choose {
        local_id: 1,
        reply_to: "m-buttons".into(),
        option: "3f1c2a4e-0000-4000-8000-000000000002".into(),
    });
    let post = c.expect(Call::Message);
    let b = body(&post);
    assert_eq!(b["message"]["messageType"], "ChoicesResponseMessage");
    assert_eq!(b["message"]["inReplyToMessageId"], "m-buttons");
    assert_eq!(
        b["message"]["choicesResponse"]["selectedOptions"][0]["optionIdentifier"],
        "3f1c2a4e-0000-4000-8000-000000000002"
    );
    c.answer(&post, 202, "{}");
    assert_eq!(
        statuses(&c.events(), 1),
        [Delivery::Queued, Delivery::Sending, Delivery::Sent]
    );
}

#[test]
fn a_refused_answer_is_marked_not_sent_and_a_retry_goes_under_a_new_id() {
    let mut c = Chat::new();
    c.established();
    let choose = Input::Choose {
        local_id: 4,
        reply_to: "m-buttons".into(),
        option: "nope".into(),
    };
    c.input(choose.clone());
    let post = c.expect(Call::Message);
    c.answer(&post, 400, "{\"message\":\"unknown optionIdentifier\"}");
    assert_eq!(statuses(&c.events(), 4).last(), Some(&Delivery::Failed));
    c.input(choose);
    let again = c.expect(Call::Message);
    assert_ne!(body(&again)["message"]["id"], body(&post)["message"]["id"]);
    c.answer(&again, 202, "{}");
    assert_eq!(statuses(&c.events(), 4).last(), Some(&Delivery::Sent));
    assert_eq!(c.e.sent().iter().filter(|s| s.local_id == 4).count(), 1);
}

#[test]
fn a_file_goes_on_its_own_channel_and_follows_the_servers_result() {
    let mut c = Chat::new();
    let stream = c.established();
    let conv = c.conversation();
    c.input(Input::SendFile {
        local_id: 1,
        file: file(77),
    });
    let upload = c.expect(Call::Upload);
    assert_eq!(upload.file, Some(file(77)));
    assert!(upload.path.ends_with(&format!("/conversation/{conv}/file")));
    assert_eq!(upload.timeout_ms, None, "a large file takes what it takes");
    let entry = body(&upload);
    let message_id = entry["message"]["id"].as_str().unwrap().to_string();
    assert!(entry["message"]["fileId"]
        .as_str()
        .is_some_and(|f| f.len() == 36));
    assert_eq!(entry["esDeveloperName"], "Chasitor_Demo");
    assert_eq!(c.e.upload_of(upload.id), Some(1));
    // A message written meanwhile is not held up by the file.
    let text = c.send(2, "It is the scan");
    c.answer(&text, 202, "{}");
    c.answer(
        &upload,
        202,
        &json!({"conversationEntries": [{"id": message_id}]}).to_string(),
    );
    let events = c.events();
    assert_eq!(
        statuses(&events, 1),
        [Delivery::Queued, Delivery::Sending, Delivery::Sent]
    );
    assert_eq!(statuses(&events, 2).last(), Some(&Delivery::Sent));
    // Then the server could not take it after all: the row is not sent, whatever it said.
    let mut updated = fixture("upload-updated-error.json");
    updated["id"] = json!(message_id);
    let update = event(
        &conv,
        "CONVERSATION_MESSAGE",
        "u9",
        "MessageUpdated",
        ("EndUser", "Ada"),
        updated,
        &[],
    );
    feed(&mut c, &stream, 5, &[update]);
    assert_eq!(failed(&c.events(), 1), [FileProblem::Refused]);
    assert_eq!(
        c.e.sent().iter().find(|s| s.local_id == 1).unwrap().status,
        Delivery::Failed
    );
}

#[test]
fn too_large_refused_types_and_a_cut_network_mark_the_file_not_sent() {
    let mut c = Chat::new();
    c.established();
    for (local_id, outcome, problem) in [
        (
            1,
            Outcome::Http {
                status: 413,
                body: String::new(),
            },
            FileProblem::TooLarge,
        ),
        (
            2,
            Outcome::Http {
                status: 415,
                body: String::new(),
            },
            FileProblem::Type,
        ),
        (
            3,
            Outcome::Network("the upload broke off".into()),
            FileProblem::Interrupted,
        ),
        (
            4,
            Outcome::Http {
                status: 503,
                body: String::new(),
            },
            FileProblem::Interrupted,
        ),
    ] {
        c.input(Input::SendFile {
            local_id,
            file: file(local_id),
        });
        let upload = c.expect(Call::Upload);
        c.fail(&upload, outcome);
        let events = c.events();
        assert_eq!(failed(&events, local_id), [problem]);
        assert!(!matches!(
            c.e.state(),
            chasitor::session::ChatState::Ended(_)
        ));
    }
    // A retry (the same row) goes again, and can succeed.
    c.input(Input::SendFile {
        local_id: 3,
        file: file(3),
    });
    let upload = c.expect(Call::Upload);
    c.answer(&upload, 202, "{}");
    assert_eq!(
        statuses(&c.events(), 3),
        [Delivery::Queued, Delivery::Sending, Delivery::Sent]
    );
}

#[test]
fn cancelling_aborts_the_upload_on_its_way_or_drops_a_waiting_one() {
    let mut c = Chat::new();
    c.established();
    for local_id in [1, 2] {
        c.input(Input::SendFile {
            local_id,
            file: file(local_id),
        });
    }
    let first = c.expect(Call::Upload);
    c.input(Input::CancelUpload { local_id: 2 });
    assert_eq!(failed(&c.events(), 2), [FileProblem::Cancelled]);
    assert!(c.aborts().is_empty(), "the waiting one was not on the wire");
    c.input(Input::CancelUpload { local_id: 1 });
    assert_eq!(c.aborts(), [first.id]);
    assert_eq!(failed(&c.events(), 1), [FileProblem::Cancelled]);
    // A late answer to the aborted upload changes nothing; nothing else goes.
    c.answer(&first, 202, "{}");
    assert!(c
        .events()
        .iter()
        .all(|e| !matches!(e, Event::VisitorMessage { local_id: 1, .. })));
    assert!(c.requests().is_empty());
}

#[test]
fn after_the_session_ended_a_file_opens_a_new_one_and_a_417_sends_it_again() {
    let mut c = Chat::new();
    c.established();
    c.input(Input::SendFile {
        local_id: 1,
        file: file(1),
    });
    let upload = c.expect(Call::Upload);
    c.answer(&upload, 417, "{}");
    let again = c.expect(Call::Upload);
    assert_eq!(body(&again)["isNewMessagingSession"], true);
    assert_eq!(
        body(&again)["message"]["id"],
        body(&upload)["message"]["id"]
    );
    c.answer(&again, 202, "{}");
    assert_eq!(statuses(&c.events(), 1).last(), Some(&Delivery::Sent));
}

#[test]
fn a_reload_mid_upload_marks_the_file_not_sent_and_resends_the_texts() {
    let mut c = Chat::new();
    c.established();
    c.input(Input::SendFile {
        local_id: 1,
        file: file(1),
    });
    c.expect(Call::Upload);
    c.input(Input::SendText {
        local_id: 2,
        text: "and a note".into(),
    });
    c.expect(Call::Message);
    let snap = c.e.snapshot();
    let json = serde_json::to_value(&snap).unwrap();
    let read = chasitor::miaw::engine::Snapshot::from_value(&json).unwrap();
    let mut e = Engine::restore(cfg(), read, c.now + 1000);
    let events: Vec<Event> = std::iter::from_fn(|| e.poll_event()).collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(
                e,
                Event::FileFailed {
                    local_id: 1,
                    problem: FileProblem::Interrupted
                }
            ))
            .count(),
        1,
        "{events:?}"
    );
    assert!(events.contains(&Event::VisitorMessage {
        local_id: 2,
        status: Delivery::Sending
    }));
}

#[test]
fn the_deployments_file_limit_comes_with_the_token_and_survives_a_reload() {
    let mut c = Chat::new();
    c.input(Input::Start(prechat()));
    let token = c.expect(Call::Token);
    let answer = json!({"accessToken": TOKEN, "lastEventId": "0", "context": {"configuration":
        {"embeddedServiceConfig": {"attachments": {"endUserToAgent": true, "maxFileSize": 3}}}}});
    c.answer(&token, 200, &answer.to_string());
    assert_eq!(c.e.uploads_max(), Some(3 * 1024 * 1024));
    let snap = serde_json::to_value(c.e.snapshot()).unwrap();
    let read = chasitor::miaw::engine::Snapshot::from_value(&snap).unwrap();
    assert_eq!(
        Engine::restore(cfg(), read, c.now).uploads_max(),
        Some(3 * 1024 * 1024)
    );

    let mut off = Chat::new();
    off.input(Input::Start(prechat()));
    let token = off.expect(Call::Token);
    let answer = json!({"accessToken": TOKEN, "context": {"configuration":
        {"embeddedServiceConfig": {"attachments": {"endUserToAgent": false, "maxFileSize": 3}}}}});
    off.answer(&token, 200, &answer.to_string());
    assert_eq!(off.e.uploads_max(), None, "no paperclip");
}

// ------------------------------------------------------------------------ property test

use chasitor::miaw::engine::Config;
use proptest::prelude::*;

/// What happens next in a chat with a bot's menus and the visitor's files.
#[derive(Clone, Debug)]
enum Step {
    /// The bot writes: text (0), buttons (1), quick replies (2), a file (3).
    BotSays(u8),
    VisitorSends,
    /// The visitor answers the bot's last menu.
    VisitorChooses,
    VisitorFile,
    /// The stream delivers what it has, in chunks of this size.
    Deliver(usize),
    Duplicate,
    Drop,
    /// The send on its way: answered (0), lost before (1) or after (2) the server took it, 500.
    AnswerSend(u8),
    /// The upload on its way: 202 (0), 413 (1), the network (2), 500 (3).
    AnswerUpload(u8),
    Settle,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..4).prop_map(Step::BotSays),
        2 => Just(Step::VisitorSends),
        2 => Just(Step::VisitorChooses),
        2 => Just(Step::VisitorFile),
        4 => (1usize..60).prop_map(Step::Deliver),
        1 => Just(Step::Duplicate),
        1 => Just(Step::Drop),
        3 => (0u8..4).prop_map(Step::AnswerSend),
        3 => (0u8..4).prop_map(Step::AnswerUpload),
        2 => Just(Step::Settle),
    ]
}

/// The bot's message `n` of kind `kind`, as the abstractMessage the server logs.
fn bot_message(n: u32, kind: u8) -> Value {
    let id = format!("b{n}");
    match kind {
        0 => json!({"messageType": "StaticContentMessage", "id": id,
                    "staticContent": {"formatType": "Text", "text": format!("bot {n}")}}),
        1 | 2 => json!({"messageType": "ChoicesMessage", "id": id,
                    "choices": {"formatType": if kind == 1 { "Buttons" } else { "QuickReplies" },
                        "text": format!("bot {n}"),
                        "optionItems": [{"titleItem": {"title": "A"}, "optionIdentifier": format!("{id}-a")},
                                        {"titleItem": {"title": "B"}, "optionIdentifier": format!("{id}-b")}]}}),
        _ => json!({"messageType": "StaticContentMessage", "id": id,
                    "staticContent": {"formatType": "Attachments", "text": format!("bot {n}"),
                        "attachments": [{"id": format!("f{n}"), "name": "a.pdf", "mimeType": "application/pdf",
                                         "url": "https://files.example.com/a.pdf"}]}}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]
    #[test]
    fn menus_and_files_mixed_into_a_chat_lose_and_double_nothing(steps in prop::collection::vec(step(), 1..80)) {
        let mut c = Chat::new();
        c.e = Engine::new(Config { retry_budget_ms: u64::MAX / 4, ..cfg() });
        let mut stream = c.established();
        let conv = c.conversation();
        // The server: its event log (the join was 1), what the open stream has not delivered,
        // the last frame, the messages and files it took (by message id).
        let mut log: Vec<String> = vec![String::new()];
        let mut pending = String::new();
        let mut last = String::new();
        let mut took: Vec<String> = Vec::new();
        let mut took_files: Vec<String> = Vec::new();
        let (mut said, mut local, mut last_menu) = (0u32, 0u64, None::<u32>);
        let mut texts = 0u64; // texts and answers the visitor sent
        let mut files: Vec<u64> = Vec::new();
        let mut inflight: Vec<Request> = Vec::new();
        let mut events: Vec<Event> = Vec::new();

        fn push(log: &mut Vec<String>, pending: &mut String, e: (String, Value)) {
            let f = frame(log.len() as u64 + 1, &e);
            log.push(f.clone());
            pending.push_str(&f);
        }
        // The server takes a message (once per id) and echoes it.
        let take = |r: &Request, took: &mut Vec<String>, log: &mut Vec<String>, pending: &mut String| {
            let id = body(r)["message"]["id"].as_str().unwrap().to_string();
            if !took.contains(&id) {
                took.push(id.clone());
                push(log, pending, event(&conv, "CONVERSATION_MESSAGE", &id, "Message", ("EndUser", "Ada"),
                    json!({"entryType": "Message", "abstractMessage": {"messageType": "StaticContentMessage", "id": id,
                           "staticContent": {"formatType": "Text", "text": "echo"}}}), &[]));
            }
        };

        for s in steps {
            match s {
                Step::BotSays(kind) => {
                    said += 1;
                    if kind == 1 || kind == 2 { last_menu = Some(said); }
                    push(&mut log, &mut pending, event(&conv, "CONVERSATION_MESSAGE", &format!("e{said}"), "Message",
                        ("Chatbot", "Bot"), json!({"entryType": "Message", "abstractMessage": bot_message(said, kind)}), &[]));
                }
                Step::VisitorSends => {
                    local += 1;
                    texts += 1;
                    c.input(Input::SendText { local_id: local, text: format!("visitor {local}") });
                }
                Step::VisitorChooses => {
                    if let Some(n) = last_menu.take() {
                        local += 1;
                        texts += 1;
                        c.input(Input::Choose { local_id: local, reply_to: format!("b{n}"), option: format!("b{n}-a") });
                    }
                }
                Step::VisitorFile => {
                    local += 1;
                    files.push(local);
                    c.input(Input::SendFile { local_id: local, file: file(local) });
                }
                Step::Deliver(size) => {
                    if c.e.open_streams() == 1 {
                        let bytes = std::mem::take(&mut pending);
                        for piece in bytes.as_bytes().chunks(size) {
                            c.input(Input::Chunk { id: stream.id, bytes: piece.to_vec() });
                        }
                        last = log.last().cloned().unwrap_or_default();
                    }
                }
                Step::Duplicate => {
                    if !last.is_empty() {
                        c.input(Input::Chunk { id: stream.id, bytes: last.clone().into_bytes() });
                    }
                }
                Step::Drop => c.fail(&stream, Outcome::Network("dropped".into())),
                Step::AnswerSend(fate) => {
                    if let Some(i) = inflight.iter().position(|r| r.call == Call::Message) {
                        let r = inflight.remove(i);
                        if fate != 1 { take(&r, &mut took, &mut log, &mut pending); }
                        match fate {
                            0 => c.answer(&r, 202, "{}"),
                            1 | 2 => c.fail(&r, Outcome::Network("lost".into())),
                            _ => c.answer(&r, 500, ""),
                        }
                    }
                }
                Step::AnswerUpload(fate) => {
                    if let Some(i) = inflight.iter().position(|r| r.call == Call::Upload) {
                        let r = inflight.remove(i);
                        match fate {
                            0 => {
                                let id = body(&r)["message"]["id"].as_str().unwrap().to_string();
                                prop_assert!(!took_files.contains(&id), "a file taken twice");
                                took_files.push(id);
                                c.answer(&r, 202, "{}");
                            }
                            1 => c.answer(&r, 413, ""),
                            2 => c.fail(&r, Outcome::Network("cut".into())),
                            _ => c.answer(&r, 500, ""),
                        }
                    }
                }
                Step::Settle => {
                    for r in std::mem::take(&mut inflight) {
                        if matches!(r.call, Call::Message | Call::Upload | Call::Stream) {
                            inflight.push(r);
                        } else {
                            c.answer(&r, 202, "");
                        }
                    }
                    if c.e.next_deadline().is_some() { c.until_deadline(); }
                }
            }
            events.extend(c.events());
            inflight.extend(c.requests());
            if let Some(i) = inflight.iter().position(|r| r.call == Call::Stream) {
                stream = inflight.remove(i);
                let after: usize = stream.header("Last-Event-Id").and_then(|v| v.parse().ok()).unwrap_or(0);
                pending = log.iter().skip(after).cloned().collect();
                c.chunk(&stream, "");
            }
            prop_assert!(!c.e.state().is_ended(), "{:?}", c.e.state());
        }
        // Everything settles: sends and uploads answered, the stream delivers all.
        for _ in 0..200 {
            for r in std::mem::take(&mut inflight) {
                match r.call {
                    Call::Message => { take(&r, &mut took, &mut log, &mut pending); c.answer(&r, 202, "{}"); }
                    Call::Upload => {
                        let id = body(&r)["message"]["id"].as_str().unwrap().to_string();
                        prop_assert!(!took_files.contains(&id), "a file taken twice");
                        took_files.push(id);
                        c.answer(&r, 202, "{}");
                    }
                    Call::Stream => inflight.push(r),
                    _ => c.answer(&r, 202, ""),
                }
            }
            events.extend(c.events());
            inflight.extend(c.requests());
            if let Some(i) = inflight.iter().position(|r| r.call == Call::Stream) {
                stream = inflight.remove(i);
                let after: usize = stream.header("Last-Event-Id").and_then(|v| v.parse().ok()).unwrap_or(0);
                pending = log.iter().skip(after).cloned().collect();
                c.chunk(&stream, "");
            }
            if c.e.open_streams() == 1 && !pending.is_empty() {
                let bytes = std::mem::take(&mut pending);
                c.chunk(&stream, &bytes);
            }
            events.extend(c.events());
            inflight.extend(c.requests());
            if inflight.is_empty() && c.e.open_streams() == 1 && pending.is_empty() && !c.e.retrying() {
                break;
            }
            if inflight.is_empty() { c.until_deadline(); }
        }
        // Every bot message shown once, in order, whatever its format.
        let shown: Vec<String> = events.iter().filter_map(|e| match e {
            Event::AgentMessage { text, .. } => Some(text.clone()),
            Event::AgentRich { json, .. } => Some(format!("bot {}", Rich::parse(json).id.trim_start_matches('b'))),
            _ => None,
        }).collect();
        let expected: Vec<String> = (1..=said).map(|n| format!("bot {n}")).collect();
        prop_assert_eq!(shown, expected);
        // Every text and answer reached the server once and was confirmed.
        prop_assert_eq!(took.len() as u64, texts);
        for id in (1..=local).filter(|id| !files.contains(id)) {
            let last = statuses(&events, id).last().copied();
            prop_assert_eq!(last, Some(Delivery::Sent), "message {}", id);
        }
        // Every file either went once (and is shown sent) or is shown not sent, never both.
        let sent_files = files.iter().filter(|&&id| {
            let sent = statuses(&events, id).contains(&Delivery::Sent);
            let failed = events.iter().any(|e| matches!(e, Event::FileFailed { local_id, .. } if *local_id == id));
            assert!(sent != failed, "file {id}: sent {sent}, failed {failed}");
            sent
        }).count();
        prop_assert_eq!(sent_files, took_files.len());
    }
}
