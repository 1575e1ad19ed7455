#![cfg(not(target_arch = "wasm32"))] // native tests of the pure engine
//! Property tests: random interleavings of server messages, 204s, 503 handovers, network
//! errors, page reloads and visitor sends, against a model server that checks the protocol.
//!
//! Checked: every visitor message reaches the server exactly once and in order; every server
//! message reaches the UI exactly once and in order; within one affinity a sequence number is
//! only ever repeated by an exact resend of a request whose outcome the engine could not know;
//! at most one poll is ever outstanding; no 409 (ack out of sync) and no message before
//! ChatEstablished or before the resync.

use chasitor::live_agent::engine::*;
use chasitor::live_agent::wire::Resource;
use chasitor::prechat::Prechat;
use chasitor::session::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const T0: Millis = 1_000_000;

fn cfg() -> EngineConfig {
    EngineConfig {
        org_id: "00Dorg".into(),
        deployment_id: "572dep".into(),
        button_id: "573btn".into(),
        // Faults never run out the budget here: the engine must recover from all of them.
        retry_budget_ms: u64::MAX / 4,
        ..EngineConfig::default()
    }
}

/// How the network treats one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Delivered.
    Ok,
    /// The request never reached the server: network error.
    LostBefore,
    /// The server processed it, the answer was lost: network error.
    LostAfter,
    /// The driver timed out (the server never saw it).
    TimedOut,
    /// The server saw it and failed: 500.
    Fail500,
}

#[derive(Clone, Debug)]
enum Action {
    VisitorSends,
    Typing(bool),
    AgentSays,
    Establish,
    AnswerPoll(Fate),
    AnswerOther(Fate),
    Handover,
    Tick,
    Reload { server_got_the_post: bool },
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        6 => Just(Fate::Ok),
        1 => Just(Fate::LostBefore),
        1 => Just(Fate::LostAfter),
        1 => Just(Fate::TimedOut),
        1 => Just(Fate::Fail500),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => Just(Action::VisitorSends),
        1 => any::<bool>().prop_map(Action::Typing),
        3 => Just(Action::AgentSays),
        1 => Just(Action::Establish),
        5 => fate().prop_map(Action::AnswerPoll),
        6 => fate().prop_map(Action::AnswerOther),
        1 => Just(Action::Handover),
        2 => Just(Action::Tick),
        1 => any::<bool>().prop_map(|b| Action::Reload { server_got_the_post: b }),
    ]
}

/// The model Live Agent server.
struct Server {
    epoch: u32,
    affinity: String,
    /// The server moved: requests with the current affinity get 503 until ReconnectSession.
    moved: bool,
    init_done: bool,
    established: bool,
    /// Every message the server has for the visitor, in order (the offset is an index here).
    log: Vec<Value>,
    // Per affinity:
    /// Where this affinity's `ack=-1` starts in `log`.
    epoch_start: usize,
    /// Batch sequence → the log offset it delivered up to.
    batches: HashMap<i64, usize>,
    next_batch: i64,
    last_seq: u64,
    seen: HashMap<u64, String>,
    /// Sequences whose HTTP answer reached the engine.
    answered: HashSet<u64>,
    session_data_delivered: bool,
    resynced: bool,
    /// Visitor message texts processed, in order.
    received: Vec<String>,
}

impl Server {
    fn new() -> Server {
        Server {
            epoch: 0,
            affinity: "aff-0".into(),
            moved: false,
            init_done: false,
            established: false,
            log: Vec::new(),
            epoch_start: 0,
            batches: HashMap::new(),
            next_batch: 1,
            last_seq: 0,
            seen: HashMap::new(),
            answered: HashSet::new(),
            session_data_delivered: false,
            resynced: false,
            received: Vec::new(),
        }
    }

    fn stale(&self, r: &HttpRequest) -> bool {
        self.moved || r.header("X-LIVEAGENT-AFFINITY") != Some(self.affinity.as_str())
    }

    /// The messages a poll with `ack` would get, and where they end; `None` for a bad ack.
    fn pending(&self, ack: i64) -> Option<(Vec<Value>, usize)> {
        let start = if ack == -1 {
            self.epoch_start
        } else {
            *self.batches.get(&ack)?
        };
        let mut msgs = Vec::new();
        if ack == -1 && self.epoch > 0 {
            let transcript: Vec<Value> = self
                .received
                .iter()
                .map(|t| json!({"type": "Chasitor", "name": "V", "content": t, "timestamp": 1, "sequence": 1}))
                .collect();
            msgs.push(
                json!({"type": "ChasitorSessionData", "message": {"chatMessages": transcript}}),
            );
        }
        msgs.extend(self.log[start..].iter().cloned());
        Some((msgs, self.log.len()))
    }

    fn has_news(&self, poll: &HttpRequest) -> bool {
        let ack: i64 = poll
            .query_param("ack")
            .and_then(|a| a.parse().ok())
            .unwrap_or(-2);
        self.stale(poll) || self.pending(ack).is_none_or(|(m, _)| !m.is_empty())
    }

    /// Processes a request the way the server would; `fail` answers a POST with 500 (seen, not
    /// applied).
    fn process(&mut self, r: &HttpRequest, fail: bool) -> (u16, String) {
        match r.resource {
            Resource::SessionId => (
                200,
                json!({"id": "sid", "key": "key", "affinityToken": "aff-0", "clientPollTimeout": 30})
                    .to_string(),
            ),
            Resource::ReconnectSession => {
                assert_eq!(r.header("X-LIVEAGENT-AFFINITY"), Some("null"));
                let offset: usize = r
                    .query_param("ReconnectSession.offset")
                    .and_then(|o| o.parse().ok())
                    .expect("an offset");
                assert!(offset <= self.log.len(), "offset from the future");
                self.epoch += 1;
                self.affinity = format!("aff-{}", self.epoch);
                self.moved = false;
                self.epoch_start = offset;
                self.batches.clear();
                self.next_batch = 1;
                self.last_seq = 0;
                self.seen.clear();
                self.answered.clear();
                self.session_data_delivered = false;
                self.resynced = false;
                let body = json!({"messages": [{"type": "ReconnectSession",
                    "message": {"resetSequence": true, "affinityToken": self.affinity}}]});
                (200, body.to_string())
            }
            Resource::Messages => {
                if self.stale(r) {
                    return (503, String::new());
                }
                let ack: i64 = r.query_param("ack").and_then(|a| a.parse().ok()).expect("ack");
                let Some((msgs, end)) = self.pending(ack) else {
                    panic!("409: ack {ack} out of sync (epoch {})", self.epoch);
                };
                if msgs.is_empty() {
                    return (204, String::new());
                }
                let seq = self.next_batch;
                self.next_batch += 1;
                self.batches.insert(seq, end);
                let body = json!({"messages": msgs, "sequence": seq, "offset": end});
                (200, body.to_string())
            }
            _ => self.post(r, fail),
        }
    }

    fn post(&mut self, r: &HttpRequest, fail: bool) -> (u16, String) {
        if self.stale(r) {
            return (503, String::new());
        }
        let body = r.body.clone().unwrap_or_default();
        if let Some(seq) = r.sequence() {
            if seq <= self.last_seq {
                assert_eq!(
                    self.seen.get(&seq),
                    Some(&body),
                    "sequence {seq} reused for a different request"
                );
                assert!(
                    !self.answered.contains(&seq),
                    "sequence {seq} resent although its answer was known"
                );
                return (200, String::new());
            }
            assert_eq!(seq, self.last_seq + 1, "sequence gap");
            self.last_seq = seq;
            self.seen.insert(seq, body.clone());
        } else {
            assert_eq!(
                r.resource,
                Resource::ChasitorResyncState,
                "a POST without sequence"
            );
        }
        if fail {
            return (500, String::new());
        }
        let nouns: Vec<(String, Value)> = if r.resource == Resource::MultiNoun {
            let v: Value = serde_json::from_str(&body).expect("MultiNoun JSON");
            v["nouns"]
                .as_array()
                .expect("nouns")
                .iter()
                .map(|n| {
                    (
                        n["noun"].as_str().unwrap_or("").to_string(),
                        n["object"].clone(),
                    )
                })
                .collect()
        } else {
            let noun = r.path.rsplit('/').next().unwrap_or("").to_string();
            let object = r
                .body
                .as_deref()
                .map(|b| serde_json::from_str(b).expect("JSON body"))
                .unwrap_or(Value::Null);
            vec![(noun, object)]
        };
        for (noun, object) in nouns {
            match noun.as_str() {
                "ChasitorInit" => {
                    assert_eq!(object["sessionId"], "sid");
                    if !self.init_done {
                        self.init_done = true;
                        self.log.push(
                            json!({"type": "ChatRequestSuccess", "message": {"queuePosition": 1}}),
                        );
                    }
                }
                "ChasitorResyncState" => {
                    assert!(
                        self.epoch > 0 && self.session_data_delivered,
                        "resync out of place"
                    );
                    assert_eq!(object["organizationId"], "00Dorg");
                    self.resynced = true;
                }
                "ChatMessage" => {
                    assert!(self.established, "a visitor message before ChatEstablished");
                    assert!(
                        self.epoch == 0 || self.resynced,
                        "a visitor message before the resync"
                    );
                    self.received
                        .push(object["text"].as_str().expect("text").to_string());
                }
                "ChasitorTyping" | "ChasitorNotTyping" => {
                    assert!(self.epoch == 0 || self.resynced, "typing before the resync");
                }
                other => panic!("unexpected noun {other}"),
            }
        }
        (200, String::new())
    }
}

/// The engine, the network between it and the model server, and what the UI showed.
struct World {
    e: Engine,
    now: Millis,
    rand: u32,
    server: Server,
    inflight: Vec<HttpRequest>,
    sent: Vec<String>,
    next_local: u64,
    agent_said: u64,
    /// Queue / AgentJoined / AgentMessage events, as the UI showed them.
    ui: Vec<Event>,
}

impl World {
    fn new() -> World {
        let mut w = World {
            e: Engine::new(cfg()),
            now: T0,
            rand: 0,
            server: Server::new(),
            inflight: Vec::new(),
            sent: Vec::new(),
            next_local: 1,
            agent_said: 0,
            ui: Vec::new(),
        };
        w.input(Input::Start(Prechat::default()));
        w
    }

    fn input(&mut self, input: Input) {
        self.rand = self.rand.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        self.e.handle(input, self.now, self.rand >> 8);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(r) = self.e.poll_request() {
            self.inflight.push(r);
        }
        while let Some(id) = self.e.poll_abort() {
            self.inflight.retain(|r| r.id != id);
        }
        while let Some(ev) = self.e.poll_event() {
            match ev {
                Event::Queue { .. } | Event::AgentJoined { .. } | Event::AgentMessage { .. } => {
                    self.ui.push(ev)
                }
                Event::State(ChatState::Ended(reason)) => panic!("the chat ended: {reason:?}"),
                _ => {}
            }
        }
        let polls = self
            .inflight
            .iter()
            .filter(|r| r.resource == Resource::Messages)
            .count();
        assert!(polls <= 1, "{polls} polls outstanding");
        assert!(self.e.outstanding_polls() <= 1);
        assert!(
            self.inflight
                .iter()
                .filter(|r| r.resource != Resource::Messages)
                .count()
                <= 1,
            "more than one POST/GET in flight: {:#?}",
            self.inflight
        );
        // Prefixes at all times.
        assert!(
            self.sent.starts_with(&self.server.received),
            "server got {:?}, sent {:?}",
            self.server.received,
            self.sent
        );
        let expected = self.expected_ui();
        assert!(
            expected.starts_with(&self.ui),
            "UI showed {:#?}, server has {:#?}",
            self.ui,
            expected
        );
    }

    /// The UI events the server's messages stand for.
    fn expected_ui(&self) -> Vec<Event> {
        self.server
            .log
            .iter()
            .map(|m| match m["type"].as_str() {
                Some("ChatRequestSuccess") => Event::Queue {
                    position: Some(1),
                    estimated_wait_secs: None,
                },
                Some("ChatEstablished") => Event::AgentJoined {
                    name: "Andy".into(),
                    sneak_peek_enabled: false,
                },
                _ => Event::AgentMessage {
                    name: "Andy".into(),
                    text: m["message"]["text"].as_str().unwrap_or("").to_string(),
                },
            })
            .collect()
    }

    fn take(&mut self, poll: bool) -> Option<HttpRequest> {
        let i = self
            .inflight
            .iter()
            .position(|r| (r.resource == Resource::Messages) == poll)?;
        Some(self.inflight.remove(i))
    }

    fn answer(&mut self, r: HttpRequest, fate: Fate) {
        let outcome = match fate {
            Fate::LostBefore => Outcome::Network("offline".into()),
            Fate::TimedOut => Outcome::TimedOut,
            Fate::LostAfter => {
                self.server.process(&r, false);
                Outcome::Network("connection reset".into())
            }
            Fate::Ok | Fate::Fail500 => {
                let is_post = r.method == chasitor::session::Method::Post;
                let (status, body) = self.server.process(&r, fate == Fate::Fail500 && is_post);
                if let (Some(seq), true) = (r.sequence(), status != 503) {
                    self.server.answered.insert(seq);
                }
                if status == 200 && body.contains("ChasitorSessionData") {
                    self.server.session_data_delivered = true;
                }
                Outcome::Http { status, body }
            }
        };
        self.input(Input::Response { id: r.id, outcome });
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::VisitorSends => {
                let text = format!("visitor-{}", self.next_local);
                self.sent.push(text.clone());
                let local_id = self.next_local;
                self.next_local += 1;
                self.input(Input::SendText { local_id, text });
            }
            Action::Typing(on) => self.input(Input::Typing(on)),
            Action::AgentSays => {
                if self.server.established {
                    self.agent_said += 1;
                    let text = format!("agent-{}", self.agent_said);
                    self.server.log.push(
                        json!({"type": "ChatMessage", "message": {"name": "Andy", "text": text}}),
                    );
                }
            }
            Action::Establish => self.establish(),
            Action::AnswerPoll(fate) => {
                if let Some(r) = self.take(true) {
                    self.answer(r, fate);
                }
            }
            Action::AnswerOther(fate) => {
                if let Some(r) = self.take(false) {
                    self.answer(r, fate);
                }
            }
            Action::Handover => {
                if self.server.init_done {
                    self.server.moved = true;
                }
            }
            Action::Tick => {
                if let Some(t) = self.e.next_deadline() {
                    self.now = self.now.max(t);
                    self.input(Input::Tick);
                }
            }
            Action::Reload {
                server_got_the_post,
            } => {
                if server_got_the_post {
                    if let Some(r) = self
                        .inflight
                        .iter()
                        .find(|r| r.resource != Resource::Messages)
                        .cloned()
                    {
                        if r.method == chasitor::session::Method::Post {
                            self.server.process(&r, false);
                        }
                    }
                }
                let json = serde_json::to_string(&self.e.snapshot()).expect("snapshot");
                let value: serde_json::Value = serde_json::from_str(&json).expect("snapshot");
                let snap = Snapshot::from_value(&value).expect("snapshot back");
                assert_eq!(
                    Some(&snap),
                    serde_json::from_value::<Snapshot>(value).ok().as_ref(),
                    "read by hand as serde's derive reads it"
                );
                self.inflight.clear();
                self.now += 1_000;
                self.e = Engine::restore(cfg(), snap, self.now);
                self.drain();
            }
        }
    }

    fn establish(&mut self) {
        if self.server.init_done && !self.server.established {
            self.server.established = true;
            self.server.log.push(
                json!({"type": "ChatEstablished", "message": {"name": "Andy", "userId": "u"}}),
            );
        }
    }

    fn done(&self) -> bool {
        let snap = self.e.snapshot();
        self.e.state() == &ChatState::Established
            && self.server.received == self.sent
            && self.ui == self.expected_ui()
            && snap.unconfirmed.is_none()
            && snap
                .queued
                .iter()
                .all(|i| !matches!(i, Outgoing::Message { .. }))
    }

    /// No more faults: deliver everything until the chat is quiet.
    fn settle(&mut self) {
        for _ in 0..2_000 {
            if self.done() {
                return;
            }
            if let Some(r) = self.take(false) {
                self.answer(r, Fate::Ok);
                continue;
            }
            let poll_deadline = self
                .inflight
                .iter()
                .find(|r| r.resource == Resource::Messages)
                .map(|r| r.id);
            if let Some(pid) = poll_deadline {
                let news = self
                    .inflight
                    .iter()
                    .find(|r| r.id == pid)
                    .is_some_and(|p| self.server.has_news(p));
                if news {
                    let r = self.take(true).expect("the poll");
                    self.answer(r, Fate::Ok);
                    continue;
                }
            }
            if !self.server.established && self.server.init_done {
                self.establish();
                continue;
            }
            // A backoff wait under way: let it pass.
            if self.inflight.is_empty() || self.has_timer_before_poll_timeout() {
                if let Some(t) = self.e.next_deadline() {
                    self.now = self.now.max(t);
                    self.input(Input::Tick);
                    continue;
                }
            }
            if let Some(r) = self.take(true) {
                self.answer(r, Fate::Ok); // 204
                continue;
            }
            panic!("stuck: {:?} {:#?}", self.e.state(), self.inflight);
        }
        panic!(
            "did not settle: state {:?}, sent {:?}, received {:?}",
            self.e.state(),
            self.sent,
            self.server.received
        );
    }

    fn has_timer_before_poll_timeout(&self) -> bool {
        self.e
            .next_deadline()
            .is_some_and(|t| t < self.now + POLL_MARGIN_MS + 30_000)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn messages_arrive_exactly_once_and_in_order(actions in prop::collection::vec(action(), 0..80)) {
        let mut w = World::new();
        for a in actions {
            w.act(a);
        }
        w.settle();
        prop_assert_eq!(&w.server.received, &w.sent);
        prop_assert_eq!(&w.ui, &w.expected_ui());
        prop_assert!(w.e.outstanding_polls() <= 1);
    }
}

#[test]
fn a_quiet_chat_settles() {
    let mut w = World::new();
    w.act(Action::VisitorSends);
    w.settle();
    assert_eq!(w.server.received, vec!["visitor-1".to_string()]);
}
