//! What the Enhanced Chat engine's scenario tests share: the engine with a clock, and the
//! stream's events as the server writes them.
#![allow(dead_code)]

use chasitor::miaw::engine::{Call, Config, Engine, Request};
use chasitor::prechat::Prechat;
use chasitor::session::{ChatState, Delivery, Event, Input, Millis, Outcome, RequestId};
use serde_json::{json, Value};

pub const T0: Millis = 1_700_000_000_000;
pub const TOKEN: &str = "tok-1";

pub fn cfg() -> Config {
    Config {
        org_id: "00D000000000001AAA".into(),
        es_developer_name: "Chasitor_Demo".into(),
        language: "en-US".into(),
        retry_budget_ms: 60_000,
        verified: false,
    }
}

pub fn prechat() -> Prechat {
    Prechat {
        visitor_name: "Ada".into(),
        answers: vec![
            ("_firstName".into(), "Ada".into()),
            ("_email".into(), "ada@example.com".into()),
            ("Topic".into(), String::new()),
        ],
        ..Prechat::default()
    }
}

/// The engine and a clock.
pub struct Chat {
    pub e: Engine,
    pub now: Millis,
    pub rand: u32,
}

impl Chat {
    pub fn new() -> Chat {
        Chat {
            e: Engine::new(cfg()),
            now: T0,
            rand: 7,
        }
    }

    pub fn input(&mut self, input: Input) {
        self.rand = self.rand.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        self.e.handle(input, self.now, self.rand);
    }

    pub fn requests(&mut self) -> Vec<Request> {
        std::iter::from_fn(|| self.e.poll_request()).collect()
    }

    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.e.poll_event()).collect()
    }

    pub fn aborts(&mut self) -> Vec<RequestId> {
        std::iter::from_fn(|| self.e.poll_abort()).collect()
    }

    pub fn answer(&mut self, r: &Request, status: u16, body: &str) {
        self.input(Input::Response {
            id: r.id,
            outcome: Outcome::Http {
                status,
                body: body.into(),
            },
        });
    }

    pub fn fail(&mut self, r: &Request, outcome: Outcome) {
        self.input(Input::Response { id: r.id, outcome });
    }

    pub fn chunk(&mut self, r: &Request, bytes: &str) {
        self.input(Input::Chunk {
            id: r.id,
            bytes: bytes.as_bytes().to_vec(),
        });
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.input(Input::Tick);
    }

    /// Advances to the engine's next deadline.
    pub fn until_deadline(&mut self) {
        let at = self.e.next_deadline().expect("a deadline");
        self.now = self.now.max(at);
        self.input(Input::Tick);
    }

    /// The only request waiting, of this call.
    pub fn expect(&mut self, call: Call) -> Request {
        let reqs = self.requests();
        assert_eq!(
            reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
            [call],
            "requests"
        );
        reqs.into_iter().next().unwrap()
    }

    /// Start → token → stream + create → queued. Returns the stream request.
    pub fn queued(&mut self) -> Request {
        self.input(Input::Start(prechat()));
        let token = self.expect(Call::Token);
        self.answer(&token, 200, &token_answer(TOKEN, "0"));
        self.created()
    }

    /// With the token in: the stream opens and the conversation is created → queued. Returns
    /// the stream request.
    pub fn created(&mut self) -> Request {
        let mut reqs = self.requests();
        reqs.sort_by_key(|r| r.call != Call::Stream);
        assert_eq!(
            reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
            [Call::Stream, Call::Create]
        );
        let stream = reqs[0].clone();
        self.chunk(&stream, "");
        self.answer(&reqs[1], 201, "{}");
        assert_eq!(self.e.state(), &ChatState::Queued);
        stream
    }

    /// [`Chat::queued`], then an agent joins. Returns the stream request.
    pub fn established(&mut self) -> Request {
        let stream = self.queued();
        let conv = self.conversation();
        self.chunk(&stream, &frame(1, &joined(&conv, "p1", "Ada Agent")));
        assert_eq!(self.e.state(), &ChatState::Established);
        self.events();
        stream
    }

    pub fn conversation(&self) -> String {
        self.e.session_id().expect("a conversation").to_string()
    }

    /// The visitor sends `text` as row `local_id`; returns the POST.
    pub fn send(&mut self, local_id: u64, text: &str) -> Request {
        self.input(Input::SendText {
            local_id,
            text: text.into(),
        });
        self.expect(Call::Message)
    }
}

pub fn token_answer(token: &str, last_event_id: &str) -> String {
    json!({"accessToken": token, "lastEventId": last_event_id, "context": {"deviceId": "d1"}})
        .to_string()
}

pub fn body(r: &Request) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap()
}

/// One SSE frame.
pub fn frame(id: u64, (name, data): &(String, Value)) -> String {
    format!("id: {id}\nevent: {name}\ndata: {data}\n\n")
}

/// The stream brings `frames`, numbered from `first`, one chunk each.
pub fn feed(c: &mut Chat, stream: &Request, first: u64, frames: &[(String, Value)]) {
    for (i, f) in frames.iter().enumerate() {
        c.chunk(stream, &frame(first + i as u64, f));
    }
}

/// A stream event of `conv` (the entry payload as a JSON string, as on the stream).
pub fn event(
    conv: &str,
    name: &str,
    entry_id: &str,
    entry_type: &str,
    (role, display): (&str, &str),
    payload: Value,
    related: &[&str],
) -> (String, Value) {
    (
        name.to_string(),
        json!({
            "channelPlatformKey": "k",
            "conversationId": conv,
            "conversationEntry": {
                "identifier": entry_id,
                "entryType": entry_type,
                "senderDisplayName": display,
                "sender": {"role": role},
                "transcriptedTimestamp": 1,
                "clientTimestamp": 1,
                "relatedRecords": related,
                "entryPayload": payload.to_string(),
            }
        }),
    )
}

pub fn joined(conv: &str, entry_id: &str, name: &str) -> (String, Value) {
    participant(conv, entry_id, name, "add")
}

pub fn participant(conv: &str, entry_id: &str, name: &str, op: &str) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_PARTICIPANT_CHANGED",
        entry_id,
        "ParticipantChanged",
        ("System", ""),
        json!({"entries": [{"operation": op, "displayName": name, "participant": {"role": "Agent"}}]}),
        &[],
    )
}

pub fn agent_says(conv: &str, entry_id: &str, text: &str) -> (String, Value) {
    message(conv, entry_id, ("Agent", "Ada Agent"), text)
}

pub fn message(conv: &str, entry_id: &str, sender: (&str, &str), text: &str) -> (String, Value) {
    event(
        conv,
        "CONVERSATION_MESSAGE",
        entry_id,
        "Message",
        sender,
        json!({"entryType": "Message", "abstractMessage": {"messageType": "StaticContentMessage",
               "id": entry_id, "staticContent": {"formatType": "Text", "text": text}}}),
        &[],
    )
}

pub fn simple(
    conv: &str,
    name: &str,
    entry_id: &str,
    entry_type: &str,
    related: &[&str],
) -> (String, Value) {
    event(
        conv,
        name,
        entry_id,
        entry_type,
        ("Agent", "Ada Agent"),
        json!({}),
        related,
    )
}

pub fn agent_messages(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::AgentMessage { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

pub fn statuses(events: &[Event], id: u64) -> Vec<Delivery> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::VisitorMessage { local_id, status } if *local_id == id => Some(*status),
            _ => None,
        })
        .collect()
}

/// Base64url without padding, for the tests' tokens.
pub fn base64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A JWT with these claims (the widget reads claims; it never checks a signature).
pub fn jwt(claims: Value) -> String {
    format!(
        "{}.{}.c2ln",
        base64url(br#"{"alg":"RS256","kid":"k1"}"#),
        base64url(claims.to_string().as_bytes())
    )
}
