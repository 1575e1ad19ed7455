//! The simulator's state: Live Agent sessions, buttons, faults, the request log and the Enhanced
//! Chat state.
//!
//! One mutex guards everything; critical sections are short and never await. Long polls wait on a
//! per-session `watch` channel that is bumped whenever something a poll cares about changes.
//!
//! Handlers never touch a session's fields (they are private to `session.rs`): they call its
//! intent-named methods (the visitor's requests, the agent's actions, the poll) and, for what
//! reaches beyond one session (routing, queue positions on a button, the end of a chat), the
//! [`State`]'s.

mod session;

pub use session::{
    ChasitorInit, Conflict, EndedBy, HeldPoll, PollAnswer, RawAnswer, Session, SessionView,
};

use crate::config::{same_id, ButtonConfig, MiawDeployment, OrgConfig, SimConfig};
use crate::faults::{FaultAction, Faults};
use crate::miaw::state::Miaw;
use serde_json::{json, Value};
use session::{Breadcrumb, Offsets};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most recent /chat/rest requests kept for `GET /_sim/requests`.
pub const REQUEST_LOG_CAP: usize = 10_000;
/// Ended sessions kept for inspection; older ones are forgotten (their key then gets 403 anyway).
pub const ENDED_SESSIONS_CAP: usize = 1_000;
/// Breadcrumbs posted without a session key.
pub const ORPHAN_BREADCRUMB_CAP: usize = 100;

/// One /chat/rest request, for `GET /_sim/requests`.
#[derive(Clone, Debug)]
pub struct RequestLogEntry {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 = the connection closed without an answer (drop fault, or the client went away).
    pub status: u16,
    pub session: Option<String>,
    pub at_ms: u64,
}

impl RequestLogEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "session": self.session,
            "atMs": self.at_ms,
        })
    }
}

pub struct State {
    sessions: HashMap<String, Session>,
    by_key: HashMap<String, String>,
    next_order: u64,
    offsets: Offsets,
    orgs: Vec<OrgConfig>,
    pub faults: Faults,
    requests: VecDeque<RequestLogEntry>,
    orphan_breadcrumbs: VecDeque<Breadcrumb>,
    /// Enhanced Chat visitors and conversations.
    pub miaw: Miaw,
}

impl State {
    fn new(orgs: Vec<OrgConfig>, deployments: Vec<MiawDeployment>) -> State {
        State {
            sessions: HashMap::new(),
            by_key: HashMap::new(),
            next_order: 0,
            offsets: Offsets::new(),
            orgs,
            faults: Faults::default(),
            requests: VecDeque::new(),
            orphan_breadcrumbs: VecDeque::new(),
            miaw: Miaw::new(deployments),
        }
    }

    /// The next creation order (shared by Live Agent sessions and Enhanced Chat conversations).
    pub fn next_order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    // -----------------------------------------------------------------------------------------
    // Sessions

    pub fn live_sessions(&self) -> usize {
        self.sessions.values().filter(|s| s.is_live()).count()
    }

    pub fn create_session(&mut self) -> &Session {
        let order = self.next_order();
        let s = Session::new(order, self.offsets.clone());
        let id = s.id().to_string();
        self.by_key.insert(s.key().to_string(), id.clone());
        self.sessions.entry(id).or_insert(s)
    }

    pub fn id_for_key(&self, key: &str) -> Option<&String> {
        self.by_key.get(key)
    }

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    pub fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.sessions.get_mut(id)
    }

    pub fn session_by_key(&mut self, key: &str) -> Option<&mut Session> {
        let id = self.by_key.get(key)?;
        self.sessions.get_mut(id)
    }

    /// By id, or by key (the control API takes either).
    pub fn find_session(&self, id_or_key: &str) -> Option<&Session> {
        self.sessions.get(id_or_key).or_else(|| {
            self.id_for_key(id_or_key)
                .and_then(|id| self.sessions.get(id))
        })
    }

    /// The control API's views of the chats (sessions that sent ChasitorInit; `GET
    /// /_sim/sessions/{id}` still shows the others, with state "new"), with their creation order.
    pub fn chat_views(&self) -> Vec<(u64, SessionView)> {
        self.sessions
            .values()
            .filter(|s| s.sent_init())
            .map(|s| (s.order(), s.view()))
            .collect()
    }

    /// Ends a session; chats waiting behind it on its button move up.
    pub fn end_session(&mut self, id: &str, by: EndedBy) {
        let button = self.sessions.get_mut(id).and_then(|s| s.end(by));
        if let Some(button) = button {
            self.requeue(&button);
        }
    }

    /// Recomputes the positions of the chats waiting on a button (unless the button reports a
    /// fixed position or the control API set one) and sends QueueUpdate to those that asked.
    fn requeue(&mut self, button_id: &str) {
        let Some(button) = self.find_button(button_id) else {
            return;
        };
        if button.queue_position.is_some() {
            return;
        }
        let mut waiting: Vec<(u64, String)> = self
            .sessions
            .values()
            .filter(|s| s.waiting_on(button_id))
            .map(|s| (s.order(), s.id().to_string()))
            .collect();
        waiting.sort();
        for (i, (_, id)) in waiting.into_iter().enumerate() {
            if let Some(s) = self.sessions.get_mut(&id) {
                s.move_in_queue(i as i64 + 1);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // The visitor's requests that reach beyond its session

    /// ChasitorInit for session `id`: queued on a button (ChatRequestSuccess), or failed
    /// (ChatRequestFail, and the session ends). Ignored if the session already had one.
    pub fn chasitor_init(&mut self, id: &str, init: ChasitorInit) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if !s.begin_init(&init) {
            return;
        }
        match self.route(id, &init) {
            Ok((button, position)) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.enqueue(&button, position);
                }
            }
            Err(reason) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.queue_message(
                        "ChatRequestFail",
                        json!({"reason": reason, "postChatUrl": ""}),
                    );
                }
                self.end_session(id, EndedBy::RequestFailed);
            }
        }
    }

    /// Where a ChasitorInit for session `id` goes: the button and the chat's position on it, or
    /// the ChatRequestFail reason.
    fn route(&self, id: &str, req: &ChasitorInit) -> Result<(ButtonConfig, i64), &'static str> {
        if !req.is_post {
            return Err("NoPost");
        }
        let org = self.find_org(&req.org_id).ok_or("InternalFailure")?;
        if !org
            .deployments
            .iter()
            .any(|d| same_id(d, &req.deployment_id))
            || req.session_id != id
        {
            return Err("InternalFailure");
        }
        // Routing targets: the overrides in order (`buttonId`, `agentId`, `agentId_buttonId`),
        // else the button. The simulator has no individually routable agents, so only the
        // button part of a target can succeed.
        let mut targets: Vec<&str> = Vec::new();
        if req.overrides.is_empty() {
            targets.push(&req.button_id);
        } else {
            for o in &req.overrides {
                match o.split_once('_') {
                    Some((_agent, button)) => targets.push(button),
                    None => targets.push(o),
                }
            }
        }
        let button = targets
            .into_iter()
            .find_map(|t| {
                org.buttons
                    .iter()
                    .find(|b| same_id(&b.id, t) && b.available)
                    .cloned()
            })
            .ok_or("Unavailable")?;
        let waiting_ahead = self
            .sessions
            .values()
            .filter(|s| s.waiting_on(&button.id))
            .count() as i64;
        let position = button.queue_position.unwrap_or(waiting_ahead + 1);
        Ok((button, position))
    }

    /// The visitor's ChatEnd.
    pub fn visitor_end(&mut self, id: &str, reason: String) {
        if let Some(s) = self.sessions.get_mut(id) {
            s.visitor_ends(reason);
        }
        self.end_session(id, EndedBy::Visitor);
    }

    /// A poll for session `id` arrives (see [`Session::take_poll`]); a second poll while one is
    /// held ends the chat.
    pub fn take_poll(
        &mut self,
        id: &str,
        affinity: &str,
        ack: i64,
    ) -> Result<HeldPoll, PollAnswer> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Err(PollAnswer::Forbidden);
        };
        let taken = s.take_poll(affinity, ack);
        if let Err(PollAnswer::DuplicatePoll) = taken {
            // Both polls get 409.
            self.end_session(id, EndedBy::DuplicatePoll);
        }
        taken
    }

    /// What a held poll answers when woken (or at the end of the hold), if anything.
    pub fn poll_wake(
        &mut self,
        id: &str,
        affinity: &str,
        epoch: u64,
        hold_over: bool,
    ) -> Option<PollAnswer> {
        match self.sessions.get_mut(id) {
            Some(s) => s.poll_wake(affinity, epoch, hold_over),
            None => Some(PollAnswer::Forbidden),
        }
    }

    /// A breadcrumb posted without a (live) session, kept for `GET /_sim/breadcrumbs`.
    pub fn add_orphan_breadcrumb(&mut self, location: String) {
        if self.orphan_breadcrumbs.len() >= ORPHAN_BREADCRUMB_CAP {
            self.orphan_breadcrumbs.pop_front();
        }
        self.orphan_breadcrumbs.push_back(Breadcrumb::new(location));
    }

    pub fn orphan_breadcrumbs_json(&self) -> Value {
        Value::Array(
            self.orphan_breadcrumbs
                .iter()
                .map(Breadcrumb::to_json)
                .collect(),
        )
    }

    // -----------------------------------------------------------------------------------------
    // The agent's actions that reach beyond the session

    /// An agent accepts the chat (see [`Session::accept`]); the chats behind it on its button
    /// move up. Nothing happens for an unknown id (the control API looked the session up).
    pub fn accept(&mut self, id: &str, agent_name: String) -> Result<(), Conflict> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Ok(());
        };
        if let Some(button) = s.accept(agent_name)? {
            self.requeue(&button);
        }
        Ok(())
    }

    /// The agent ends the chat (see [`Session::agent_ends`]). Nothing happens for an unknown id
    /// (the control API looked the session up).
    pub fn agent_end(&mut self, id: &str, reason: Option<String>) -> Result<(), Conflict> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Ok(());
        };
        s.agent_ends(reason)?;
        self.end_session(id, EndedBy::Agent);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Orgs and buttons

    pub fn orgs(&self) -> &[OrgConfig] {
        &self.orgs
    }

    pub fn find_org(&self, org_id: &str) -> Option<&OrgConfig> {
        self.orgs.iter().find(|o| same_id(&o.id, org_id))
    }

    pub fn find_button(&self, button_id: &str) -> Option<&ButtonConfig> {
        self.orgs
            .iter()
            .flat_map(|o| o.buttons.iter())
            .find(|b| same_id(&b.id, button_id))
    }

    pub fn find_button_mut(&mut self, button_id: &str) -> Option<&mut ButtonConfig> {
        self.orgs
            .iter_mut()
            .flat_map(|o| o.buttons.iter_mut())
            .find(|b| same_id(&b.id, button_id))
    }

    // -----------------------------------------------------------------------------------------
    // Faults, the request log, housekeeping

    /// Takes the first pending fault matching a /chat/rest request and applies its effect on the
    /// request's session (`session`: its id, when the request names a known session).
    pub fn take_fault(&mut self, rel_path: &str, session: Option<&str>) -> FaultAction {
        let live = session
            .and_then(|id| self.sessions.get(id))
            .is_some_and(|s| s.is_live());
        let action = self.faults.take(rel_path, live);
        match (&action, session) {
            (FaultAction::AffinityChanged, Some(id)) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.change_affinity();
                }
            }
            (FaultAction::DuplicatePoll, Some(id)) => self.end_session(id, EndedBy::DuplicatePoll),
            _ => {}
        }
        action
    }

    pub fn log_request(&mut self, entry: RequestLogEntry) {
        if self.requests.len() >= REQUEST_LOG_CAP {
            self.requests.pop_front();
        }
        self.requests.push_back(entry);
    }

    pub fn requests_json(&self) -> Value {
        Value::Array(self.requests.iter().map(RequestLogEntry::to_json).collect())
    }

    /// Ends idle sessions and forgets the oldest ended ones beyond the cap.
    pub fn reap(&mut self, idle: Duration) {
        let idle_ids: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.is_idle(idle))
            .map(|s| s.id().to_string())
            .collect();
        for id in idle_ids {
            self.end_session(&id, EndedBy::Timeout);
        }
        let ended = self.sessions.values().filter(|s| !s.is_live()).count();
        if ended > ENDED_SESSIONS_CAP {
            let mut old: Vec<(Instant, String, String)> = self
                .sessions
                .values()
                .filter_map(|s| {
                    let ended_at = s.forgettable_since()?;
                    Some((ended_at, s.id().to_string(), s.key().to_string()))
                })
                .collect();
            old.sort();
            for (_, id, key) in old.into_iter().take(ended - ENDED_SESSIONS_CAP) {
                self.sessions.remove(&id);
                self.by_key.remove(&key);
            }
        }
    }

    pub fn reset(&mut self, orgs: Vec<OrgConfig>, deployments: Vec<MiawDeployment>) {
        // Dropping the sessions drops their watch senders: held polls wake up and answer 403.
        self.sessions.clear();
        self.by_key.clear();
        self.faults.clear();
        self.requests.clear();
        self.orphan_breadcrumbs.clear();
        self.orgs = orgs;
        // Dropping the visitors drops their watch senders: open event streams end.
        self.miaw = Miaw::new(deployments);
    }
}

/// Shared by every handler.
pub struct Shared {
    pub cfg: SimConfig,
    state: Mutex<State>,
}

pub type AppState = Arc<Shared>;

impl Shared {
    pub fn new(cfg: SimConfig) -> AppState {
        let orgs = cfg.orgs.clone();
        let deployments = cfg.miaw.clone();
        Arc::new(Shared {
            cfg,
            state: Mutex::new(State::new(orgs, deployments)),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
