#![cfg(not(target_arch = "wasm32"))] // native tests of the pure widget core
//! The widget core's machines, alone and together, as scenarios: the tab coordinator (two tabs on
//! one channel), the availability poller, the view model, the debouncers, the transcript store,
//! and the composed core with a storage map and a test playing the Live Agent server.

use chasitor::core::availability::{Availability, Deployment, DEFAULT_PING_MS};
use chasitor::core::tabs::{
    LockMode, TabEffect, TabSignal, Tabs, CLAIM_ATTEMPTS, PING_WAIT_MS, RELEASE_WAIT_MS,
};
use chasitor::core::transcript::{Author, Item, Note, Transcript, TranscriptStore, Write};
use chasitor::core::view_model::{Connection, SiteEvent, ViewChange, ViewModel};
use chasitor::core::*;
use chasitor::live_agent::engine::HttpRequest;
use chasitor::live_agent::wire::Resource;
use chasitor::prechat::Prechat;
use chasitor::session::{ChatState, Delivery, EndReason, Event, Outcome};
use serde_json::json;

mod miaw_support;
use miaw_support::jwt;
use std::collections::HashMap;

const T0: Millis = 1_700_000_000_000;

// ----- the tab coordinator -----

/// Two tabs on one channel, with the browser's lock table.
struct TwoTabs {
    tabs: [Tabs; 2],
    /// Who holds the lock (tab index, generation).
    holder: Option<(usize, u64)>,
    signals: [Vec<TabSignal>; 2],
    now: Millis,
}

impl TwoTabs {
    fn new(web_locks: bool) -> TwoTabs {
        TwoTabs {
            tabs: [
                Tabs::new("tab-a".into(), web_locks),
                Tabs::new("tab-b".into(), web_locks),
            ],
            holder: None,
            signals: [Vec::new(), Vec::new()],
            now: T0,
        }
    }

    /// Delivers effects (locks, messages) until both tabs are quiet.
    fn settle(&mut self) {
        for _ in 0..50 {
            let mut any = false;
            for i in 0..2 {
                while let Some(signal) = self.tabs[i].poll_signal() {
                    self.signals[i].push(signal);
                }
                while let Some(effect) = self.tabs[i].poll_effect() {
                    any = true;
                    match effect {
                        TabEffect::Post(text) => self.tabs[1 - i].message(&text, self.now),
                        TabEffect::RequestLock {
                            mode, generation, ..
                        } => {
                            let got = match (mode, self.holder) {
                                (_, None) => true,
                                (LockMode::Steal, Some((h, g))) => {
                                    self.tabs[h].lock_lost(g);
                                    true
                                }
                                (LockMode::IfAvailable, Some(_)) => false,
                                // Waits: granted when released (not needed by these tests).
                                (LockMode::Wait, Some(_)) => continue,
                            };
                            if got {
                                self.holder = Some((i, generation));
                            }
                            self.tabs[i].lock_answer(generation, got, self.now);
                        }
                        TabEffect::ReleaseLock { generation } => {
                            if self.holder == Some((i, generation)) {
                                self.holder = None;
                            }
                        }
                    }
                }
            }
            if !any {
                break;
            }
        }
        for i in 0..2 {
            while let Some(signal) = self.tabs[i].poll_signal() {
                self.signals[i].push(signal);
            }
        }
    }

    fn advance(&mut self, ms: u64) {
        self.now += ms;
        for t in &mut self.tabs {
            t.tick(self.now);
        }
        self.settle();
    }

    fn take(&mut self, i: usize) -> Vec<TabSignal> {
        std::mem::take(&mut self.signals[i])
    }
}

/// Tab 0 owns the chat "c"; tab 1 (a duplicate) claimed it and sees it elsewhere.
fn owner_and_duplicate() -> TwoTabs {
    let mut t = TwoTabs::new(true);
    t.tabs[0].claim("c", true, t.now);
    t.settle();
    t.tabs[1].claim("c", false, t.now);
    t.settle();
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(1), vec![TabSignal::Elsewhere]);
    t
}

#[test]
fn a_second_tab_sees_the_chat_elsewhere_after_the_owner_answers_its_ping() {
    let mut t = TwoTabs::new(true);
    t.tabs[0].claim("chasitor:poll:1", true, t.now);
    t.settle();
    assert!(t.tabs[0].owns());
    assert_eq!(t.holder.map(|h| h.0), Some(0));
    t.tabs[1].claim("chasitor:poll:1", false, t.now);
    t.settle();
    assert!(t.take(1).is_empty(), "no answer before the ping wait");
    assert_eq!(t.tabs[1].next_deadline(), Some(t.now + PING_WAIT_MS));
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(1), vec![TabSignal::Elsewhere]);
    assert!(!t.tabs[1].owns());
    assert!(t.take(0).is_empty());
}

#[test]
fn continue_here_hands_the_chat_over_with_the_owners_latest_state() {
    let mut t = owner_and_duplicate();
    t.tabs[1].take_over(t.now);
    t.settle();
    assert_eq!(t.take(0), vec![TabSignal::HandOverRequested]);
    t.tabs[0].hand_over("saved-2".into(), "transcript-2".into());
    t.settle();
    assert_eq!(
        t.take(1),
        vec![
            TabSignal::HandedOver {
                saved: "saved-2".into(),
                transcript: "transcript-2".into()
            },
            TabSignal::Granted
        ]
    );
    assert!(t.tabs[1].owns() && !t.tabs[0].owns());
    assert_eq!(t.holder.map(|h| h.0), Some(1));
    // The old owner was not told it lost anything: it gave the chat away itself.
    assert!(t.take(0).is_empty());
    // Its release wait is over: no steal later.
    t.advance(RELEASE_WAIT_MS);
    assert!(t.take(1).is_empty());
}

#[test]
fn continue_here_takes_the_lock_when_the_owner_never_answers() {
    let mut t = owner_and_duplicate();
    // The owner's page is frozen: its messages are lost.
    let frozen = t.tabs[0].clone();
    t.tabs[1].take_over(t.now);
    t.settle();
    t.tabs[0] = frozen;
    t.take(0);
    t.advance(RELEASE_WAIT_MS - 1);
    assert!(t.take(1).is_empty());
    t.advance(1);
    assert_eq!(t.take(1), vec![TabSignal::Granted]);
    assert_eq!(
        t.take(0),
        vec![TabSignal::Lost],
        "the stolen lock tells the old owner"
    );
}

#[test]
fn the_holder_closing_leaves_its_last_state_to_the_other_tab() {
    let mut t = owner_and_duplicate();
    t.tabs[0].publish("last".into(), "rows".into());
    t.settle();
    assert_eq!(
        t.take(1),
        vec![TabSignal::HandedOver {
            saved: "last".into(),
            transcript: "rows".into()
        }]
    );
}

#[test]
fn a_reloaded_tab_retries_until_the_old_documents_lock_goes() {
    let mut t = TwoTabs::new(true);
    // The old document's lock, whose page no longer answers pings.
    t.holder = Some((0, 99));
    t.tabs[1].claim("c", false, t.now);
    t.settle();
    t.advance(PING_WAIT_MS);
    assert!(t.take(1).is_empty(), "no pong: tries again");
    t.holder = None;
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(1), vec![TabSignal::Granted]);
}

#[test]
fn a_taken_lock_without_an_owner_counts_as_elsewhere_after_every_attempt() {
    let mut t = TwoTabs::new(true);
    t.holder = Some((0, 99));
    t.tabs[1].claim("c", false, t.now);
    t.settle();
    for _ in 0..CLAIM_ATTEMPTS - 1 {
        t.advance(PING_WAIT_MS);
        assert!(t.take(1).is_empty());
    }
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(1), vec![TabSignal::Elsewhere]);
}

#[test]
fn an_answer_of_an_older_claim_is_ignored_and_its_lock_given_back() {
    let mut tabs = Tabs::new("a".into(), true);
    tabs.claim("c1", false, T0);
    let Some(TabEffect::RequestLock {
        generation: old, ..
    }) = tabs.poll_effect()
    else {
        panic!("a lock request");
    };
    tabs.claim("c2", false, T0);
    let Some(TabEffect::RequestLock {
        generation: new, ..
    }) = tabs.poll_effect()
    else {
        panic!("a lock request");
    };
    assert_ne!(old, new);
    tabs.lock_answer(old, true, T0);
    assert_eq!(
        tabs.poll_effect(),
        Some(TabEffect::ReleaseLock { generation: old })
    );
    assert_eq!(tabs.poll_signal(), None);
    tabs.lock_answer(new, true, T0);
    assert_eq!(tabs.poll_signal(), Some(TabSignal::Granted));
    assert_eq!(tabs.chat(), Some("c2"));
}

#[test]
fn without_web_locks_the_channel_decides() {
    let mut t = TwoTabs::new(false);
    t.tabs[0].claim("c", false, t.now);
    t.settle();
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(0), vec![TabSignal::Granted], "nobody answered");
    t.tabs[1].claim("c", false, t.now);
    t.settle();
    t.advance(PING_WAIT_MS);
    assert_eq!(t.take(1), vec![TabSignal::Elsewhere], "the owner answered");
}

// ----- the availability poller -----

fn deployment() -> Deployment {
    Deployment {
        org_id: "00D000000000001".into(),
        deployment_id: "572000000000001".into(),
        button_id: "573000000000001".into(),
        api_version: "56".into(),
    }
}

fn availability_body(online: bool) -> String {
    json!({"messages": [{"type": "Availability", "message": {"results": [
        {"id": "573000000000001", "isAvailable": online, "estimatedWaitTime": 90}
    ]}}]})
    .to_string()
}

struct Poller {
    a: Availability,
    next: u64,
}

impl Poller {
    fn pump(&mut self, now: Millis) -> Vec<HttpRequest> {
        let next = &mut self.next;
        self.a.pump(now, &mut || {
            *next += 1;
            RequestId(*next)
        });
        std::iter::from_fn(|| self.a.poll_request()).collect()
    }
}

#[test]
fn availability_checks_at_start_asks_the_ping_rate_then_checks_per_ping() {
    let mut p = Poller {
        a: Availability::new(deployment()),
        next: 0,
    };
    let reqs = p.pump(T0);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].resource, Resource::Availability);
    assert_eq!(reqs[0].header("X-LIVEAGENT-API-VERSION"), Some("56"));
    p.a.answer(
        reqs[0].id,
        Outcome::Http {
            status: 200,
            body: availability_body(true),
        },
        T0 + 10,
    );
    let known = p.a.poll_known().expect("known");
    assert!(known.available);
    assert_eq!(known.wait_secs, Some(90));
    let reqs = p.pump(T0 + 10);
    assert_eq!(reqs[0].resource, Resource::Settings);
    let settings = json!({"messages": [{"type": "Settings", "message": {"pingRate": 20000}}]});
    p.a.answer(
        reqs[0].id,
        Outcome::Http {
            status: 200,
            body: settings.to_string(),
        },
        T0 + 20,
    );
    assert_eq!(p.a.next_deadline(), Some(T0 + 20 + 20_000));
    assert!(p.pump(T0 + 20_019).is_empty(), "not before the ping");
    let reqs = p.pump(T0 + 20_020);
    assert_eq!(reqs[0].resource, Resource::Availability);
}

#[test]
fn availability_stops_while_a_chat_runs_or_the_window_is_open() {
    let mut p = Poller {
        a: Availability::new(deployment()),
        next: 0,
    };
    let r = p.pump(T0).remove(0);
    p.a.answer(r.id, Outcome::Network("offline".into()), T0);
    let r = p.pump(T0).remove(0);
    p.a.answer(r.id, Outcome::Network("offline".into()), T0);
    p.a.set_active(false);
    assert_eq!(p.a.next_deadline(), None, "no timer at all while paused");
    assert!(p.pump(T0 + 10 * DEFAULT_PING_MS).is_empty());
    p.a.set_active(true);
    assert_eq!(
        p.pump(T0 + 10 * DEFAULT_PING_MS).len(),
        1,
        "due, so at once"
    );
}

#[test]
fn availability_backs_off_on_errors_and_shows_nothing_new() {
    let mut p = Poller {
        a: Availability::new(deployment()),
        next: 0,
    };
    let r = p.pump(T0).remove(0);
    p.a.answer(
        r.id,
        Outcome::Http {
            status: 500,
            body: String::new(),
        },
        T0,
    );
    assert_eq!(p.a.poll_known(), None);
    let r = p.pump(T0).remove(0);
    assert_eq!(r.resource, Resource::Settings);
    p.a.answer(
        r.id,
        Outcome::Http {
            status: 500,
            body: String::new(),
        },
        T0,
    );
    // The default ping rate, doubled for the one failure.
    assert_eq!(p.a.next_deadline(), Some(T0 + 2 * DEFAULT_PING_MS));
    let r = p.pump(T0 + 2 * DEFAULT_PING_MS).remove(0);
    p.a.answer(r.id, Outcome::TimedOut, T0 + 2 * DEFAULT_PING_MS);
    assert_eq!(
        p.a.next_deadline(),
        Some(T0 + 6 * DEFAULT_PING_MS),
        "doubled again"
    );
    let r = p.pump(T0 + 6 * DEFAULT_PING_MS).remove(0);
    p.a.answer(
        r.id,
        Outcome::Http {
            status: 200,
            body: availability_body(false),
        },
        T0 + 6 * DEFAULT_PING_MS,
    );
    assert_eq!(
        p.a.poll_known().map(|k| (k.available, k.wait_secs)),
        Some((false, None))
    );
    assert_eq!(
        p.a.next_deadline(),
        Some(T0 + 7 * DEFAULT_PING_MS),
        "back to the ping"
    );
    p.a.refresh(T0 + 6 * DEFAULT_PING_MS + 5);
    assert_eq!(
        p.pump(T0 + 6 * DEFAULT_PING_MS + 5).len(),
        1,
        "check again: now"
    );
}

// ----- the view model -----

fn vm() -> ViewModel {
    ViewModel::new(
        Transcript::default(),
        TranscriptStore::new("transcript"),
        true,
    )
}

fn changes(vm: &mut ViewModel) -> Vec<ViewChange> {
    std::iter::from_fn(|| vm.poll_change()).collect()
}

fn site_events(vm: &mut ViewModel) -> Vec<SiteEvent> {
    std::iter::from_fn(|| vm.poll_notice())
        .filter_map(|n| match n {
            chasitor::core::view_model::Notice::Site(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn engine_events_become_rows_notes_and_the_unread_count() {
    let mut v = vm();
    changes(&mut v);
    v.apply(Event::State(ChatState::SessionRequested), T0);
    v.apply(
        Event::AgentJoined {
            name: "Andy".into(),
            sneak_peek_enabled: false,
        },
        T0,
    );
    v.apply(
        Event::AgentMessage {
            name: "Andy".into(),
            text: "Hello".into(),
        },
        T0 + 1,
    );
    v.flush_rows();
    let rows: Vec<(Author, Option<Note>, String)> = v
        .transcript
        .items
        .iter()
        .map(|i| (i.author, i.note, i.text.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (Author::System, Some(Note::AgentJoined), String::new()),
            (Author::Agent, None, "Hello".into()),
        ]
    );
    assert_eq!(v.unread, 1, "the window is closed");
    let got = changes(&mut v);
    assert!(got.contains(&ViewChange::Agent(Some("Andy".into()))));
    assert!(got.contains(&ViewChange::Unread(1)));
    assert_eq!(
        got.iter()
            .filter(|c| matches!(c, ViewChange::RowAdded(_)))
            .count(),
        2
    );
    let events = site_events(&mut v);
    assert_eq!(events[0], SiteEvent::ChatStarted);
    assert!(events.contains(&SiteEvent::Message {
        author: Author::Agent,
        name: "Andy".into(),
        text: "Hello".into()
    }));
    v.set_open(true);
    assert_eq!(v.unread, 0);
    v.apply(
        Event::AgentMessage {
            name: "Andy".into(),
            text: "Still there?".into(),
        },
        T0 + 2,
    );
    assert_eq!(v.unread, 0, "read as it arrives");
}

#[test]
fn delivery_status_changes_in_place_and_an_end_marks_unsent_rows_not_sent() {
    let mut v = vm();
    let a = v.visitor_message("one".into(), T0);
    let b = v.visitor_message("two".into(), T0);
    v.flush_rows();
    changes(&mut v);
    v.apply(
        Event::VisitorMessage {
            local_id: a,
            status: Delivery::Sent,
        },
        T0,
    );
    v.flush_rows();
    assert_eq!(
        changes(&mut v),
        vec![ViewChange::RowStatus {
            index: 0,
            status: Some(Delivery::Sent)
        }]
    );
    v.apply(
        Event::VisitorMessage {
            local_id: b,
            status: Delivery::Sending,
        },
        T0,
    );
    v.apply(
        Event::State(ChatState::Ended(EndReason::SessionInvalid)),
        T0,
    );
    v.flush_rows();
    let statuses: Vec<Option<Delivery>> = v.transcript.items.iter().map(|i| i.status).collect();
    assert_eq!(statuses, vec![Some(Delivery::Sent), Some(Delivery::Failed)]);
    assert!(changes(&mut v).contains(&ViewChange::RowStatus {
        index: 1,
        status: Some(Delivery::Failed)
    }));
}

#[test]
fn replayed_events_make_no_notes_or_site_events() {
    let mut v = vm();
    v.replaying = true;
    v.apply(
        Event::AgentJoined {
            name: "Andy".into(),
            sneak_peek_enabled: false,
        },
        T0,
    );
    v.apply(Event::State(ChatState::Ended(EndReason::Agent)), T0);
    assert!(v.transcript.items.is_empty());
    assert!(site_events(&mut v).is_empty());
}

// ----- the transcript store -----

fn apply(map: &mut HashMap<String, String>, writes: Vec<Write>) {
    for w in writes {
        match w.value {
            Some(v) => map.insert(w.key, v),
            None => map.remove(&w.key),
        };
    }
}

#[test]
fn the_transcript_is_stored_in_chunks_and_reads_back_exactly() {
    let item = |n: u64| {
        let mut i = Item::new(
            if n.is_multiple_of(2) {
                Author::Visitor
            } else {
                Author::Agent
            },
            "Andy".into(),
            format!("message {n}"),
            T0 + n,
        );
        i.local_id = n.is_multiple_of(2).then_some(n + 1);
        i.status = n.is_multiple_of(2).then_some(Delivery::Queued);
        if n % 7 == 3 {
            // Every field the hand-written reader knows, notes too.
            i.author = Author::System;
            i.note = Some(Note::Transferred);
        }
        i
    };
    let mut map = HashMap::new();
    let mut t = Transcript::default();
    let mut ts = TranscriptStore::new("transcript");
    for n in 0..250 {
        t.push(item(n));
        ts.changed(t.items.len() - 1);
        let writes = ts.save(&t);
        // One row added: the head, and a chunk only when one fills.
        assert!(writes.len() <= 2, "{} writes", writes.len());
        apply(&mut map, writes);
    }
    let changed = t.set_status(5, Delivery::Sent).expect("row 4 changed");
    assert_eq!(changed, 4);
    ts.changed(changed);
    let writes = ts.save(&t);
    let keys: Vec<&str> = writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["transcript:0", "transcript:1", "transcript"]);
    apply(&mut map, writes);
    let head = &map["transcript"];
    assert!(head.contains("\"chunks\":2") && head.contains("message 249"));
    assert!(!map.contains_key("transcript:2"));
    let read = |k: &str| map.get(k).cloned();
    assert_eq!(TranscriptStore::new("transcript").load(&read), t);

    // Replaced by a shorter transcript: the chunks it no longer has are removed.
    let mut short = Transcript::default();
    for n in 0..30 {
        short.push(item(n));
    }
    ts.changed(0);
    apply(&mut map, ts.save(&short));
    assert!(!map.contains_key("transcript:0"));
    let read = |k: &str| map.get(k).cloned();
    assert_eq!(TranscriptStore::new("transcript").load(&read), short);

    // The older form (every row in `transcript`) still reads back.
    map.insert("transcript".into(), serde_json::to_string(&t).unwrap());
    let read = |k: &str| map.get(k).cloned();
    assert_eq!(TranscriptStore::new("transcript").load(&read), t);
    apply(&mut map, ts.clear());
    assert!(map.is_empty(), "{map:?}");
}

// ----- the composed core -----

/// A widget core with its storage, playing the browser; the test plays the server.
struct Widget {
    core: Core,
    now: Millis,
    store: HashMap<String, String>,
    requests: Vec<HttpRequest>,
    /// Enhanced Chat requests.
    fetches: Vec<chasitor::miaw::engine::Request>,
    aborts: Vec<RequestId>,
    effects: Vec<Effect>,
    view: Vec<ViewChange>,
}

fn settings() -> Settings {
    Settings {
        endpoint: "/chat/rest".into(),
        engine: chasitor::live_agent::engine::EngineConfig {
            org_id: "00D000000000001".into(),
            deployment_id: "572000000000001".into(),
            button_id: "573000000000001".into(),
            ..Default::default()
        },
        miaw: None,
        sneak_peek: true,
        sound: false,
        persist: false,
        web_locks: true,
        tab_id: "tab-a".into(),
        url: "https://shop.example/".into(),
    }
}

impl Widget {
    fn new(store: HashMap<String, String>) -> Widget {
        Widget::with(settings(), store)
    }

    fn with(settings: Settings, store: HashMap<String, String>) -> Widget {
        Widget::loaded_at(settings, store, T0)
    }

    /// A page (re)loaded at `now`.
    fn loaded_at(settings: Settings, store: HashMap<String, String>, now: u64) -> Widget {
        let core = Core::new(settings, &|k| store.get(k).cloned(), now);
        let mut w = Widget {
            core,
            now,
            store,
            requests: Vec::new(),
            fetches: Vec::new(),
            aborts: Vec::new(),
            effects: Vec::new(),
            view: Vec::new(),
        };
        w.drain();
        w
    }

    /// Takes the outputs: storage writes applied, locks granted at once, the rest kept.
    fn drain(&mut self) {
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Abort(id) => self.aborts.push(id),
                Output::Request(r) => self.requests.push(r),
                Output::Fetch(r) => self.fetches.push(r),
                Output::Effect(Effect::Store(w)) => match w.value {
                    Some(v) => {
                        self.store.insert(w.key, v);
                    }
                    None => {
                        self.store.remove(&w.key);
                    }
                },
                Output::Effect(Effect::RequestLock { generation, .. }) => {
                    self.effects.push(Effect::RequestLock {
                        name: String::new(),
                        mode: LockMode::Wait,
                        generation,
                    });
                    self.core.handle(
                        Input::LockAnswer {
                            generation,
                            got: true,
                        },
                        self.now,
                        0,
                    );
                }
                Output::Effect(e) => self.effects.push(e),
                Output::View(v) => self.view.push(v),
            }
        }
    }

    fn input(&mut self, input: Input) {
        self.core.handle(input, self.now, 0);
        self.drain();
    }

    fn at(&mut self, t: Millis) {
        self.now = t;
        self.input(Input::Tick);
    }

    /// The chat's requests (the availability checks aside).
    fn chat_requests(&mut self) -> Vec<HttpRequest> {
        let (chat, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.requests)
            .into_iter()
            .partition(|r| !matches!(r.resource, Resource::Availability | Resource::Settings));
        self.requests = rest;
        chat
    }

    #[track_caller]
    fn expect(&mut self, resource: Resource) -> HttpRequest {
        let mut reqs = self.chat_requests();
        assert_eq!(
            reqs.iter().map(|r| r.resource).collect::<Vec<_>>(),
            vec![resource]
        );
        reqs.remove(0)
    }

    fn reply(&mut self, r: &HttpRequest, status: u16, body: &str) {
        self.input(Input::Answer {
            id: r.id,
            outcome: Outcome::Http {
                status,
                body: body.into(),
            },
        });
    }

    fn deliver(&mut self, poll: &HttpRequest, seq: i64, messages: serde_json::Value) {
        let body = json!({"messages": messages, "sequence": seq, "offset": seq * 100});
        self.reply(poll, 200, &body.to_string());
    }

    /// Started and accepted by Andy (sneak peek on): the poll on its way.
    fn established(&mut self) -> HttpRequest {
        self.input(Input::Start(Prechat::default()));
        let sid = self.expect(Resource::SessionId);
        self.reply(
            &sid,
            200,
            r#"{"id":"sess-1","key":"key-1","affinityToken":"aff-1","clientPollTimeout":30}"#,
        );
        let init = self.expect(Resource::ChasitorInit);
        self.reply(&init, 200, "");
        let poll = self.expect(Resource::Messages);
        self.deliver(
            &poll,
            1,
            json!([{"type": "ChatEstablished", "message": {"name": "Andy", "userId": "u1", "sneakPeekEnabled": true}}]),
        );
        let poll = self.expect(Resource::Messages);
        assert_eq!(self.core.state(), &ChatState::Established);
        poll
    }
}

#[test]
fn typing_ends_after_two_seconds_without_a_keystroke_and_the_sneak_peek_waits_for_a_pause() {
    let mut w = Widget::new(HashMap::new());
    let _poll = w.established();
    w.input(Input::Typed("h".into()));
    let typing = w.expect(Resource::ChasitorTyping);
    w.reply(&typing, 200, "");
    w.now += 200;
    w.input(Input::Typed("he".into()));
    assert!(w.chat_requests().is_empty(), "still typing, no peek yet");
    w.at(T0 + 200 + SNEAK_PEEK_DEBOUNCE_MS - 1);
    assert!(w.chat_requests().is_empty());
    w.at(T0 + 200 + SNEAK_PEEK_DEBOUNCE_MS);
    let peek = w.expect(Resource::ChasitorSneakPeek);
    assert!(peek.body.as_deref().unwrap_or("").contains("\"he\""));
    w.reply(&peek, 200, "");
    w.at(T0 + 200 + TYPING_IDLE_MS - 1);
    assert!(w.chat_requests().is_empty());
    w.at(T0 + 200 + TYPING_IDLE_MS);
    let stopped = w.expect(Resource::ChasitorNotTyping);
    w.reply(&stopped, 200, "");
    assert_eq!(w.core.next_deadline(), w.core.engine().next_deadline());
}

#[test]
fn a_message_sent_cancels_the_waiting_sneak_peek_and_shows_its_row_at_once() {
    let mut w = Widget::new(HashMap::new());
    let _poll = w.established();
    w.input(Input::Typed("hi".into()));
    let typing = w.expect(Resource::ChasitorTyping);
    w.input(Input::Send("hi".into()));
    assert!(w
        .view
        .iter()
        .any(|v| matches!(v, ViewChange::RowAdded(i) if i.text == "hi" && i.status == Some(Delivery::Queued))));
    w.reply(&typing, 200, "");
    let msg = w.expect(Resource::ChatMessage);
    w.reply(&msg, 200, "");
    w.at(T0 + 10 * TYPING_IDLE_MS);
    assert!(
        w.chat_requests().is_empty(),
        "no peek, no typing stop after the message"
    );
    let index = w.core.view().transcript.items.len() - 1;
    assert!(w.view.contains(&ViewChange::RowStatus {
        index,
        status: Some(Delivery::Sent)
    }));
}

#[test]
fn a_reload_resumes_the_chat_from_storage_once_the_lock_is_had() {
    let mut w = Widget::new(HashMap::new());
    let poll = w.established();
    w.deliver(
        &poll,
        2,
        json!([{"type": "ChatMessage", "message": {"name": "Andy", "text": "Hello"}}]),
    );
    let store = w.store.clone();
    assert!(store.contains_key(KEY_SNAPSHOT) && store.contains_key(KEY_TRANSCRIPT));

    let mut again = Widget::new(store);
    assert!(
        again
            .effects
            .iter()
            .any(|e| matches!(e, Effect::RequestLock { .. })),
        "claims the chat before polling"
    );
    let poll = again.expect(Resource::Messages);
    assert_eq!(poll.query_param("ack"), Some("2"));
    let rows = again.view.iter().rev().find_map(|v| match v {
        ViewChange::RowsReset(items) => Some(items.clone()),
        _ => None,
    });
    let texts: Vec<String> = rows.unwrap().iter().map(|i| i.text.clone()).collect();
    assert!(texts.contains(&"Hello".to_string()), "{texts:?}");
    // Resumed, not replayed: no site event for the old messages.
    assert!(!again
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Site(SiteEvent::Message { .. }))));
}

#[test]
fn what_the_visitor_typed_and_did_not_send_comes_back_after_a_reload_with_its_chat() {
    let mut w = Widget::new(HashMap::new());
    w.established();
    w.input(Input::Typed("My order number is".into()));
    assert_eq!(
        w.store.get(KEY_DRAFT).map(String::as_str),
        Some("My order number is")
    );

    // A reload: the draft comes back with the chat.
    let mut again = Widget::new(w.store.clone());
    assert!(again
        .view
        .contains(&ViewChange::Draft("My order number is".into())));

    // Sent: the draft goes, and the next reload has none.
    again.input(Input::Typed("My order number is 42".into()));
    again.input(Input::Send("My order number is 42".into()));
    assert_eq!(again.store.get(KEY_DRAFT), None);
    let third = Widget::new(again.store.clone());
    assert!(!third.view.iter().any(|v| matches!(v, ViewChange::Draft(_))));

    // Emptied by hand: gone from storage too.
    let mut w = Widget::new(HashMap::new());
    w.established();
    w.input(Input::Typed("Hel".into()));
    w.input(Input::Typed(String::new()));
    assert_eq!(w.store.get(KEY_DRAFT), None);
}

#[test]
fn a_draft_without_a_chat_to_resume_is_dropped() {
    let store = HashMap::from([(KEY_DRAFT.to_string(), "left over".to_string())]);
    let w = Widget::new(store);
    assert!(!w.view.iter().any(|v| matches!(v, ViewChange::Draft(_))));
    assert_eq!(w.store.get(KEY_DRAFT), None);
}

#[test]
fn shutdown_aborts_everything_lets_the_lock_go_and_leaves_the_chat_resumable() {
    let mut w = Widget::new(HashMap::new());
    let poll = w.established();
    w.effects.clear();
    w.requests.clear();
    w.input(Input::Shutdown);
    assert!(w.aborts.contains(&poll.id), "the held poll is aborted");
    assert!(w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::ReleaseLock { .. })));
    assert!(w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Broadcast(t) if t.contains("\"left\""))));
    assert_eq!(w.core.next_deadline(), None, "no timer");
    w.input(Input::Send("after".into()));
    assert!(w.requests.is_empty() && w.core.poll_output().is_none());
    // The saved chat is still there for the next boot.
    let again = Widget::new(w.store.clone());
    assert_eq!(again.core.state(), &ChatState::Established);
}

#[test]
fn a_late_answer_to_an_aborted_request_is_never_taken_for_a_newer_one() {
    let mut w = Widget::new(HashMap::new());
    let poll = w.established();
    // The tab is asked for the chat: everything stops, its poll aborted.
    w.input(Input::TabMessage(
        json!({"kind": "release", "chat": lock_for(&w), "from": "tab-b"}).to_string(),
    ));
    assert!(w.aborts.contains(&poll.id));
    // The aborted fetch still reports: ignored.
    w.deliver(
        &poll,
        3,
        json!([{"type": "ChatMessage", "message": {"name": "Andy", "text": "late"}}]),
    );
    assert!(!w
        .core
        .view()
        .transcript
        .items
        .iter()
        .any(|i| i.text == "late"));
    assert!(w.view.contains(&ViewChange::OtherTab(true)));
    // After the pause, the state goes to the asking tab.
    w.at(T0 + HANDOVER_PAUSE_MS);
    assert!(w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Broadcast(t) if t.contains("\"released\""))));
}

fn lock_for(w: &Widget) -> String {
    let _ = w;
    chasitor::core::tabs::lock_name("/chat/rest", "sess-1")
}

#[test]
fn the_connection_line_shows_offline_and_retrying_and_goes_when_back() {
    let mut w = Widget::new(HashMap::new());
    let poll = w.established();
    assert_eq!(w.core.view().connection, None);
    w.input(Input::Online(false));
    assert_eq!(w.core.view().connection, Some(Connection::Offline));
    w.input(Input::Answer {
        id: poll.id,
        outcome: Outcome::Network("offline".into()),
    });
    w.input(Input::Send("in the tunnel".into()));
    w.at(T0 + 600_000);
    assert!(
        w.chat_requests().is_empty(),
        "nothing goes out while offline"
    );
    assert_eq!(w.core.state(), &ChatState::Established);
    assert_eq!(w.core.view().connection, Some(Connection::Offline));
    // Back: a fresh start, the poll and the message at once.
    w.input(Input::Online(true));
    assert_eq!(w.core.view().connection, None);
    let mut reqs = w.chat_requests();
    reqs.sort_by_key(|r| r.resource == Resource::ChatMessage);
    assert_eq!(
        reqs.iter().map(|r| r.resource).collect::<Vec<_>>(),
        vec![Resource::Messages, Resource::ChatMessage]
    );
    w.input(Input::Answer {
        id: reqs[0].id,
        outcome: Outcome::Http {
            status: 503,
            body: String::new(),
        },
    });
    assert_eq!(w.core.view().connection, Some(Connection::Reconnecting));
    assert!(w
        .view
        .contains(&ViewChange::Connection(Some(Connection::Reconnecting))));
}

#[test]
fn the_server_ending_the_chat_during_an_outage_marks_the_unsent_rows_not_sent() {
    let mut w = Widget::new(HashMap::new());
    let poll = w.established();
    w.input(Input::Online(false));
    w.input(Input::Answer {
        id: poll.id,
        outcome: Outcome::Network("offline".into()),
    });
    w.input(Input::Send("lost in the tunnel".into()));
    w.input(Input::Online(true));
    let reqs = w.chat_requests();
    let poll = reqs
        .iter()
        .find(|r| r.resource == Resource::Messages)
        .unwrap()
        .clone();
    // The server timed the session out meanwhile.
    w.reply(&poll, 403, "");
    assert_eq!(w.core.state(), &ChatState::Ended(EndReason::SessionInvalid));
    let row = w.core.view().transcript.items.last().unwrap().clone();
    assert_eq!(row.text, "lost in the tunnel");
    assert_eq!(row.status, Some(Delivery::Failed));
    assert!(
        w.store[KEY_TRANSCRIPT].contains("Failed"),
        "stored as not sent too"
    );
    assert_eq!(w.core.view().connection, None);
}

// ----- the core with the Enhanced Chat engine -----

fn miaw_settings() -> Settings {
    let mut s = settings();
    s.endpoint = "https://acme.my.salesforce-scrt.com".into();
    s.engine.deployment_id = "Chasitor_Demo".into();
    s.engine.button_id = String::new();
    s.miaw = Some(chasitor::miaw::engine::Config {
        org_id: "00D000000000001".into(),
        es_developer_name: "Chasitor_Demo".into(),
        language: "en-US".into(),
        retry_budget_ms: 60_000,
        verified: false,
    });
    s
}

impl Widget {
    #[track_caller]
    fn fetch(&mut self, call: chasitor::miaw::engine::Call) -> chasitor::miaw::engine::Request {
        let i = self
            .fetches
            .iter()
            .position(|r| r.call == call)
            .unwrap_or_else(|| panic!("no {call:?} in {:?}", self.fetches));
        self.fetches.remove(i)
    }

    fn answer_fetch(&mut self, r: &chasitor::miaw::engine::Request, status: u16, body: &str) {
        self.input(Input::Answer {
            id: r.id,
            outcome: Outcome::Http {
                status,
                body: body.into(),
            },
        });
    }

    fn stream_bytes(&mut self, r: &chasitor::miaw::engine::Request, text: &str) {
        self.input(Input::Chunk {
            id: r.id,
            bytes: text.as_bytes().to_vec(),
        });
    }
}

fn miaw_frame(id: u64, name: &str, conv: &str, entry: serde_json::Value) -> String {
    let data = json!({"conversationId": conv, "conversationEntry": entry});
    format!("id: {id}\nevent: {name}\ndata: {data}\n\n")
}

#[test]
fn enhanced_chat_runs_in_the_same_core_same_rows_no_availability_and_resumes_after_a_reload() {
    use chasitor::miaw::engine::Call;
    let mut w = Widget::with(miaw_settings(), HashMap::new());
    // No availability API: nothing is asked before the chat.
    w.at(T0 + 120_000);
    assert!(w.requests.is_empty(), "{:?}", w.requests);
    assert_eq!(
        w.core.next_deadline(),
        None,
        "no timer at all before the chat"
    );
    assert!(w.fetches.is_empty());
    // The window opens: the token comes, with the deployment's pre-chat form for the view.
    w.input(Input::SetOpen(true));
    let token = w.fetch(Call::Token);
    let form = json!({"accessToken": "t1", "lastEventId": "0", "context": {"configuration": {
        "embeddedServiceConfig": {"forms": [{"formType": "PreChat", "formFields": [
            {"name": "_firstName", "type": "Text", "required": true, "order": 1,
             "labels": {"display": "First name"}}]}]}}}});
    w.answer_fetch(&token, 200, &form.to_string());
    let fields = w.view.iter().find_map(|v| match v {
        ViewChange::PrechatFields(f) => Some(f.clone()),
        _ => None,
    });
    assert_eq!(fields.expect("the server's form")[0].name, "_firstName");
    w.input(Input::Start(Prechat {
        answers: vec![("_firstName".into(), "Ada".into())],
        ..Prechat::default()
    }));
    let stream = w.fetch(Call::Stream);
    let create = w.fetch(Call::Create);
    let conv = serde_json::from_str::<serde_json::Value>(create.body.as_deref().unwrap()).unwrap()
        ["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    // The tab lock is claimed for the conversation.
    assert!(w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::RequestLock { .. })));
    w.input(Input::Chunk {
        id: stream.id,
        bytes: Vec::new(),
    });
    w.answer_fetch(&create, 201, "{}");
    w.stream_bytes(
        &stream,
        &miaw_frame(
            1,
            "CONVERSATION_PARTICIPANT_CHANGED",
            &conv,
            json!({"identifier": "p1", "entryType": "ParticipantChanged", "sender": {"role": "System"},
                   "entryPayload": "{\"entries\":[{\"operation\":\"add\",\"displayName\":\"Andy\",\"participant\":{\"role\":\"Agent\"}}]}"}),
        ),
    );
    assert_eq!(w.core.state(), &ChatState::Established);
    w.stream_bytes(
        &stream,
        &miaw_frame(
            2,
            "CONVERSATION_MESSAGE",
            &conv,
            json!({"identifier": "m1", "entryType": "Message", "sender": {"role": "Agent"}, "senderDisplayName": "Andy",
                   "entryPayload": "{\"abstractMessage\":{\"messageType\":\"StaticContentMessage\",\"id\":\"m1\",\"staticContent\":{\"formatType\":\"Text\",\"text\":\"Hi there\"}}}"}),
        ),
    );
    let texts: Vec<&str> = w
        .core
        .view()
        .transcript
        .items
        .iter()
        .map(|i| i.text.as_str())
        .collect();
    assert!(texts.contains(&"Hi there"), "{texts:?}");
    w.input(Input::Send("thanks".into()));
    let ack = w.fetch(Call::Acknowledge);
    w.answer_fetch(&ack, 202, "");
    let post = w.fetch(Call::Message);
    w.answer_fetch(&post, 202, "{}");
    let row = w.core.view().transcript.items.last().unwrap();
    assert_eq!(
        (row.text.as_str(), row.status),
        ("thanks", Some(Delivery::Sent))
    );

    // A reload: the saved chat is the Enhanced Chat one, and it resumes with a continuation.
    let store = w.store.clone();
    assert!(
        store["snapshot"].contains("\"miaw\""),
        "{}",
        store["snapshot"]
    );
    let mut r = Widget::with(miaw_settings(), store.clone());
    assert_eq!(r.core.state(), &ChatState::Established);
    let cont = r.fetch(Call::Continuation);
    assert_eq!(cont.header("Authorization"), Some("Bearer t1"));
    assert_eq!(
        r.core.view().transcript.items.len(),
        w.core.view().transcript.items.len()
    );
    // No custom events on Enhanced Chat: the site owner is told, nothing is sent.
    r.input(Input::CustomEvent {
        event_type: "cart".into(),
        data: "3 items".into(),
    });
    assert!(r
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Warn(t) if t.contains("sendCustomEvent(\"cart\") ignored"))));
    // A page set up for Live Agent does not take the Enhanced Chat chat.
    let la = Widget::with(settings(), store);
    assert_eq!(la.core.state(), &ChatState::Idle);
}

#[test]
fn a_cut_enhanced_chat_stream_is_opened_again_at_the_core_deadline() {
    use chasitor::miaw::engine::Call;
    let mut w = Widget::with(miaw_settings(), HashMap::new());
    w.input(Input::Start(Prechat::default()));
    let token = w.fetch(Call::Token);
    w.answer_fetch(&token, 200, r#"{"accessToken":"t1","lastEventId":"0"}"#);
    let stream = w.fetch(Call::Stream);
    let create = w.fetch(Call::Create);
    w.input(Input::Chunk {
        id: stream.id,
        bytes: Vec::new(),
    });
    w.answer_fetch(&create, 201, "{}");
    w.input(Input::Answer {
        id: stream.id,
        outcome: Outcome::Network("cut".into()),
    });
    let at = w.core.next_deadline().expect("a deadline for the retry");
    assert!(at > w.now && at <= w.now + 1_000, "{at} {}", w.now);
    w.at(at);
    let again = w.fetch(Call::Stream);
    assert_eq!(again.header("Authorization"), Some("Bearer t1"));
}

#[test]
fn an_enhanced_chat_session_ended_by_the_agent_keeps_the_transcript_and_can_start_afresh() {
    use chasitor::miaw::engine::Call;
    use chasitor::session::Ender;
    let mut w = Widget::with(miaw_settings(), HashMap::new());
    let token = r#"{"accessToken":"t1","lastEventId":"0"}"#;
    let (stream, conv) = miaw_joined(&mut w, token, ("Agent", "Andy"));
    w.stream_bytes(
        &stream,
        &miaw_frame(
            2,
            "CONVERSATION_SESSION_STATUS_CHANGED",
            &conv,
            json!({"identifier": "s1", "entryType": "SessionStatusChanged", "sender": {"role": "System"},
                   "entryPayload": "{\"sessionStatus\":\"Ended\",\"sessionStatusPrev\":\"Active\",\"sessionEndedByRole\":\"Agent\"}"}),
        ),
    );
    assert_eq!(
        w.core.state(),
        &ChatState::SessionEnded {
            by: Ender::Agent,
            form: false
        }
    );
    // The transcript says who ended it; the conversation is still there.
    let last = w.core.view().transcript.items.last().unwrap().clone();
    assert_eq!(last.note, Some(Note::AgentEnded));
    assert_eq!(last.name, "Andy");
    let rows = w.core.view().transcript.items.len();
    assert!(!w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Site(SiteEvent::ChatEnded { .. }))));

    // "Start a new chat": the conversation is closed first, then a new chat begins.
    w.input(Input::NewChat);
    let close = w.fetch(Call::Close);
    assert_eq!(
        w.core.view().transcript.items.len(),
        rows,
        "nothing cleared yet"
    );
    w.answer_fetch(&close, 204, "");
    assert_eq!(w.core.state(), &ChatState::Idle);
    assert!(w.core.view().transcript.items.is_empty());
    assert!(w
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Site(SiteEvent::ChatEnded { reason: "visitor" }))));
}

/// An Enhanced Chat started with `token` as the token's answer, and joined by a participant
/// (role, name): the stream and the conversation's id.
fn miaw_joined(
    w: &mut Widget,
    token: &str,
    (role, name): (&str, &str),
) -> (chasitor::miaw::engine::Request, String) {
    use chasitor::miaw::engine::Call;
    w.input(Input::Start(Prechat::default()));
    let request = w.fetch(Call::Token);
    w.answer_fetch(&request, 200, token);
    let stream = w.fetch(Call::Stream);
    let create = w.fetch(Call::Create);
    let conv = serde_json::from_str::<serde_json::Value>(create.body.as_deref().unwrap()).unwrap()
        ["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    w.stream_bytes(&stream, "");
    w.answer_fetch(&create, 201, "{}");
    let entries = json!({"entries": [{"operation": "add", "displayName": name, "participant": {"role": role}}]});
    w.stream_bytes(
        &stream,
        &miaw_frame(
            1,
            "CONVERSATION_PARTICIPANT_CHANGED",
            &conv,
            json!({"identifier": "p1", "entryType": "ParticipantChanged", "sender": {"role": "System"},
                   "entryPayload": entries.to_string()}),
        ),
    );
    (stream, conv)
}

/// An Enhanced Chat with a bot joined, the window open, files allowed up to 5 MB: the stream and
/// the conversation's id.
fn miaw_with_bot(w: &mut Widget) -> (chasitor::miaw::engine::Request, String) {
    w.input(Input::SetOpen(true));
    let token = json!({"accessToken": "t1", "lastEventId": "0", "context": {"configuration": {
        "embeddedServiceConfig": {"attachments": {"endUserToAgent": true, "maxFileSize": 5242880}}}}});
    miaw_joined(w, &token.to_string(), ("Chatbot", "Bot"))
}

fn bot_says(id: u64, conv: &str, message: serde_json::Value) -> String {
    let payload = json!({"entryType": "Message", "abstractMessage": message}).to_string();
    miaw_frame(
        id,
        "CONVERSATION_MESSAGE",
        conv,
        json!({"identifier": format!("e{id}"), "entryType": "Message", "sender": {"role": "Chatbot"},
               "senderDisplayName": "Bot", "entryPayload": payload}),
    )
}

fn menu(id: &str, format: &str, options: &[&str]) -> serde_json::Value {
    let items: Vec<_> = options
        .iter()
        .map(|o| json!({"itemType": "TitleOptionItem", "titleItem": {"title": o}, "optionIdentifier": format!("{id}-{o}")}))
        .collect();
    json!({"messageType": "ChoicesMessage", "id": id,
           "choices": {"formatType": format, "text": "Pick one", "optionItems": items}})
}

fn closed(w: &Widget) -> Vec<String> {
    w.view
        .iter()
        .rev()
        .find_map(|v| match v {
            ViewChange::Closed(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn enhanced_chat_menus_close_once_answered_quick_replies_once_passed_and_reopen_on_failure() {
    use chasitor::miaw::engine::Call;
    let mut w = Widget::with(miaw_settings(), HashMap::new());
    let (stream, conv) = miaw_with_bot(&mut w);
    w.stream_bytes(
        &stream,
        &bot_says(2, &conv, menu("m-quick", "QuickReplies", &["Yes", "No"])),
    );
    let row = w.core.view().transcript.items.last().unwrap().clone();
    assert!(row
        .rich
        .as_deref()
        .is_some_and(|j| j.contains("QuickReplies")));
    assert_eq!(
        row.text, "Pick one · Yes · No",
        "one line for the site and the download"
    );
    assert!(closed(&w).is_empty());
    // Another message: the quick replies go; the buttons stay until answered.
    w.stream_bytes(
        &stream,
        &bot_says(3, &conv, menu("m-btn", "Buttons", &["Track", "Return"])),
    );
    assert_eq!(closed(&w), ["m-quick"]);
    while w.fetches.iter().any(|f| f.call == Call::Acknowledge) {
        let ack = w.fetch(Call::Acknowledge);
        w.answer_fetch(&ack, 202, "");
    }
    w.input(Input::Choose {
        reply_to: "m-btn".into(),
        option: "m-btn-Return".into(),
        title: "Return".into(),
    });
    let answer = w.core.view().transcript.items.last().unwrap().clone();
    assert_eq!(answer.text, "Return");
    assert_eq!(answer.reply_to.as_deref(), Some("m-btn"));
    assert_eq!(closed(&w), ["m-quick", "m-btn"]);
    let post = w.fetch(Call::Message);
    w.answer_fetch(&post, 400, "{}");
    assert_eq!(
        closed(&w),
        ["m-quick"],
        "a failed answer opens the menu again"
    );
    // Retry: the same row goes again.
    let local_id = answer.local_id.unwrap();
    w.input(Input::Retry(local_id));
    let again = w.fetch(Call::Message);
    assert!(again.body.as_deref().unwrap().contains("m-btn-Return"));
    w.answer_fetch(&again, 202, "{}");
    assert_eq!(closed(&w), ["m-quick", "m-btn"]);
    assert_eq!(
        w.core.view().transcript.items.last().unwrap().status,
        Some(Delivery::Sent)
    );
    // After a reload the same menus are closed.
    let r = Widget::with(miaw_settings(), w.store.clone());
    assert_eq!(closed(&r), ["m-quick", "m-btn"]);
}

#[test]
fn an_enhanced_chat_upload_shows_progress_and_a_reload_mid_upload_marks_it_not_sent() {
    use chasitor::miaw::engine::Call;
    use chasitor::session::FileInfo;
    let mut w = Widget::with(miaw_settings(), HashMap::new());
    miaw_with_bot(&mut w);
    assert!(w.view.contains(&ViewChange::Uploads(Some(5_242_880))));
    let file = |key| FileInfo {
        key,
        name: "scan.pdf".into(),
        mime: "application/pdf".into(),
        size: 4_000_000,
    };
    w.input(Input::SendFile(file(11)));
    let row = w.core.view().transcript.items.last().unwrap().clone();
    assert_eq!(row.text, "scan.pdf");
    assert!(row
        .rich
        .as_deref()
        .is_some_and(|j| j.contains("\"key\":11")));
    let upload = w.fetch(Call::Upload);
    w.input(Input::Progress {
        id: upload.id,
        loaded: 2_000_000.0,
        total: 4_000_000.0,
    });
    assert!(w
        .view
        .contains(&ViewChange::Progress(vec![(row.local_id.unwrap(), 50)])));
    w.answer_fetch(&upload, 202, "{}");
    assert!(
        w.view.contains(&ViewChange::Progress(vec![])),
        "the progress goes once sent"
    );
    assert_eq!(
        w.core.view().transcript.items.last().unwrap().status,
        Some(Delivery::Sent)
    );
    // A second file, cut by a reload: not sent, never shown as sent.
    w.input(Input::SendFile(file(12)));
    w.fetch(Call::Upload);
    let r = Widget::with(miaw_settings(), w.store.clone());
    let row = r.core.view().transcript.items.last().unwrap();
    assert_eq!(
        (row.text.as_str(), row.status),
        ("scan.pdf", Some(Delivery::Failed))
    );
    assert!(r.fetches.iter().all(|f| f.call != Call::Upload));
}

/// Issue 27: with `persist` (localStorage) a chat is resumed while its access token lives and
/// not after (a fresh start, the stored chat removed); kept in the tab only, a reload resumes it
/// as before whatever the token's age (the server says whether it still serves).
#[test]
fn a_chat_kept_beyond_the_tab_resumes_while_its_token_lives_and_not_after() {
    use chasitor::miaw::engine::Call;
    const HOUR: u64 = 3_600_000;
    let persist = || Settings {
        persist: true,
        ..miaw_settings()
    };
    let token = jwt(json!({"sub": "guest", "exp": (T0 + HOUR) / 1000}));
    let mut w = Widget::with(persist(), HashMap::new());
    let answer = json!({"accessToken": token, "lastEventId": "0"}).to_string();
    miaw_joined(&mut w, &answer, ("Agent", "Andy"));
    w.input(Input::Send("my parcel".into()));
    let store = w.store.clone();
    let rows = w.core.view().transcript.items.len();
    assert!(rows >= 2);

    // The tab closed and opened again half an hour later: the same chat.
    let mut back = Widget::loaded_at(persist(), store.clone(), T0 + HOUR / 2);
    assert_eq!(back.core.state(), &ChatState::Established);
    assert_eq!(back.core.view().transcript.items.len(), rows);
    let cont = back.fetch(Call::Continuation);
    assert_eq!(
        cont.header("Authorization"),
        Some(format!("Bearer {token}").as_str())
    );

    // Two hours later the token has expired: a fresh start, and the old chat is gone from storage.
    let late = Widget::loaded_at(persist(), store.clone(), T0 + 2 * HOUR);
    assert_eq!(late.core.state(), &ChatState::Idle);
    assert!(late.core.view().transcript.items.is_empty());
    assert!(
        !late.store.contains_key("snapshot"),
        "{:?}",
        late.store.get("snapshot")
    );

    // Tab-only storage (the default) keeps today's behaviour: a reload resumes, the server decides.
    let tab = Widget::loaded_at(miaw_settings(), store, T0 + 2 * HOUR);
    assert_eq!(tab.core.state(), &ChatState::Established);
}

fn verified_settings() -> Settings {
    let mut s = miaw_settings();
    if let Some(m) = s.miaw.as_mut() {
        m.verified = true;
    }
    s
}

/// A verified customer's chat: identified, the token in, no open conversation, then the form.
fn verified_chat(w: &mut Widget, sub: &str) -> chasitor::miaw::engine::Request {
    use chasitor::miaw::engine::Call;
    const HOUR: u64 = 3_600_000;
    w.input(Input::Identify(jwt(
        json!({"sub": sub, "iss": "https://shop.example", "exp": (w.now + HOUR) / 1000}),
    )));
    let token = w.fetch(Call::Token);
    let answer = json!({"accessToken": jwt(json!({"sub": sub, "exp": (w.now + 6 * HOUR) / 1000})), "lastEventId": "0"});
    w.answer_fetch(&token, 200, &answer.to_string());
    let list = w.fetch(Call::List);
    w.answer_fetch(&list, 200, r#"{"conversations":[]}"#);
    w.input(Input::Start(Prechat::default()));
    let stream = w.fetch(Call::Stream);
    let create = w.fetch(Call::Create);
    w.stream_bytes(&stream, "");
    w.answer_fetch(&create, 201, "{}");
    w.input(Input::Send(format!("hello from {sub}")));
    stream
}

/// Issue 27: logout revokes the token and clears the transcript, the draft and the stored chat;
/// another customer identified in the same browser clears the one before too; the site is asked
/// for an identity token (Effect::NeedIdentity) when the engine needs one.
#[test]
fn logout_and_another_customer_clear_what_the_one_before_left() {
    use chasitor::miaw::engine::Call;
    let mut w = Widget::with(verified_settings(), HashMap::new());
    assert!(
        w.effects.iter().any(|e| matches!(e, Effect::NeedIdentity)),
        "the site is asked who the customer is"
    );
    verified_chat(&mut w, "cust-1");
    w.input(Input::Typed("half a thought".into()));
    assert!(!w.core.view().transcript.items.is_empty());
    assert!(w.store["snapshot"].contains("cust-1"));
    w.input(Input::Logout);
    let revoke = w.fetch(Call::Revoke);
    assert!(revoke.header("Authorization").is_some());
    assert_eq!(w.core.state(), &ChatState::Idle);
    assert!(w.core.view().transcript.items.is_empty());
    assert!(!w
        .store
        .get("snapshot")
        .is_some_and(|s| s.contains("cust-1")));
    assert!(!w
        .store
        .get("transcript")
        .is_some_and(|s| s.contains("hello from")));
    assert!(!w.store.contains_key("draft"), "{:?}", w.store.get("draft"));

    // Another customer in this browser: cust-2's chat starts clean, then cust-3 replaces it.
    verified_chat(&mut w, "cust-2");
    assert!(w.store["transcript"].contains("hello from cust-2"));
    w.fetches.clear();
    w.input(Input::Identify(jwt(
        json!({"sub": "cust-3", "exp": (T0 / 1000) + 3600}),
    )));
    assert_eq!(
        w.fetch(Call::Revoke).method,
        chasitor::session::Method::Delete
    );
    assert!(w.core.view().transcript.items.is_empty());
    assert!(!w
        .store
        .get("transcript")
        .is_some_and(|t| t.contains("cust-2")));
    assert_eq!(w.fetch(Call::Token).call, Call::Token);
}
