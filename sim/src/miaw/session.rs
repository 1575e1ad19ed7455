//! Messaging sessions and routing: a conversation's session status (`SessionStatusChanged`), the
//! deployment's queue (`QueuePosition`), routing and work results, the end of a session (by the
//! agent, a bot, the system or the visitor), customer inactivity and the close of a conversation.
//!
//! The real server ends the *messaging session* when an agent ends the chat (the conversation
//! stays open and the visitor may start a new session); `CONVERSATION_CLOSE_CONVERSATION` comes
//! only when the conversation itself is closed.

use super::state::{sf_id18, Conversation, Miaw, Phase};
use crate::ids;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Who ended a session, as the control API's `endedBy` says it.
fn ended_by_word(role: &str) -> &'static str {
    match role {
        "Agent" => "agent",
        "Chatbot" => "chatbot",
        "EndUser" => "visitor",
        _ => "system",
    }
}

impl Miaw {
    pub(super) fn router_sender() -> (&'static str, String, String) {
        ("Router", "Router".to_string(), "Router".to_string())
    }

    /// Moves the current session to `status` and publishes `CONVERSATION_SESSION_STATUS_CHANGED`
    /// (kept in history). `ended_by`: the role that ended it (status Ended only).
    pub(super) fn set_session_status(
        &mut self,
        id: &str,
        status: &'static str,
        ended_by: Option<&'static str>,
    ) {
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        let prev = c.session.status;
        c.session.status = status;
        match status {
            "Ended" => {
                c.session.end_ms = Some(ids::now_ms());
                c.session.ended_by_role = ended_by;
            }
            "Active" => c.active_since = Instant::now(),
            _ => {}
        }
        let payload = json!({
            "entryType": "SessionStatusChanged",
            "sessionId": c.session.id,
            "conversationIdentifier": c.id,
            "sessionStatus": status,
            "sessionStatusPrev": prev,
            "sessionStartTime": c.session.start_ms,
            "sessionEndTime": c.session.end_ms,
            "sessionEndedByRole": c.session.ended_by_role,
        });
        let e = self.entry(
            id,
            "SessionStatusChanged",
            Self::system_sender(),
            None,
            payload,
        );
        self.publish(id, "CONVERSATION_SESSION_STATUS_CHANGED", e, true);
    }

    /// `CONVERSATION_ROUTING_WORK_RESULT` (Assigned, Accepted, Transferred, Closed, Declined).
    pub(super) fn work_result(&mut self, id: &str, work_type: &str) {
        let payload = json!({
            "entryType": "RoutingWorkResult",
            "workType": work_type,
            "workItemId": id,
        });
        let e = self.entry(
            id,
            "RoutingWorkResult",
            Self::router_sender(),
            None,
            payload,
        );
        self.publish(id, "CONVERSATION_ROUTING_WORK_RESULT", e, true);
    }

    /// `CONVERSATION_QUEUE_POSITION` (not kept in history).
    pub(super) fn queue_position_event(&mut self, id: &str, position: i64) {
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        c.queue_position = Some(position);
        let payload = json!({
            "entryType": "QueuePosition",
            "pendingServiceRoutingId": c.routing_id,
            "workItemId": c.id,
            "position": position,
        });
        let e = self.entry(id, "QueuePosition", Self::router_sender(), None, payload);
        self.publish(id, "CONVERSATION_QUEUE_POSITION", e, false);
    }

    /// 1 + the waiting conversations of the same deployment that entered the queue earlier.
    fn position_of(&self, c: &Conversation) -> i64 {
        let ahead = self
            .conversations
            .values()
            .filter(|o| o.dep == c.dep && o.phase == Phase::Waiting && o.queue_seq < c.queue_seq)
            .count();
        ahead as i64 + 1
    }

    /// The conversation enters its deployment's queue (at the end): a new routing id and its
    /// position. The caller publishes the routing result before.
    pub(super) fn enqueue(&mut self, id: &str) {
        self.queue_counter += 1;
        let seq = self.queue_counter;
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        c.phase = Phase::Waiting;
        c.queue_seq = seq;
        c.routing_id = sf_id18("0JR");
        let position = self.position_of(&self.conversations[id]);
        self.queue_position_event(id, position);
    }

    /// A conversation of deployment `dep` that was `seq` in the queue left it: every one behind
    /// it hears its new position.
    pub(super) fn dequeued(&mut self, dep: usize, seq: u64) {
        let mut behind: Vec<(u64, String)> = self
            .conversations
            .values()
            .filter(|o| o.dep == dep && o.phase == Phase::Waiting && o.queue_seq > seq)
            .map(|o| (o.queue_seq, o.id.clone()))
            .collect();
        behind.sort();
        for (_, id) in behind {
            let position = self.position_of(&self.conversations[&id]);
            self.queue_position_event(&id, position);
        }
    }

    /// A new session (New → Waiting) routed to the queue: `SessionStatusChanged`, the routing
    /// result and the queue position.
    pub(super) fn start_routing(&mut self, id: &str) {
        self.set_session_status(id, "Waiting", None);
        self.routing_result(id, "Initial");
        self.enqueue(id);
    }

    /// The agent or bot connected now, if any: `(name, role)`.
    fn connected(c: &Conversation) -> Option<(String, &'static str)> {
        c.agent_connected
            .then(|| c.agent_name.clone())
            .flatten()
            .map(|n| (n, c.participant_role))
    }

    /// The participant leaves and the work item closes; the conversation goes to `phase`. When
    /// it was waiting: its queue place `(dep, seq)`, for [`Miaw::dequeued`] after its own events.
    fn leave_session(&mut self, id: &str, phase: Phase) -> Option<(usize, u64)> {
        let c = self.conversations.get_mut(id)?;
        let was = c.phase;
        let (dep, seq) = (c.dep, c.queue_seq);
        let leaving = Self::connected(c);
        c.phase = phase;
        c.agent_connected = false;
        c.visitor_typing = false;
        c.routing_status = "NEEDS_ROUTING";
        c.queue_position = None;
        if let Some((name, role)) = leaving {
            self.participant(id, "remove", &name, role);
        }
        if matches!(was, Phase::Waiting | Phase::Active) {
            self.work_result(id, "Closed");
        }
        (was == Phase::Waiting).then_some((dep, seq))
    }

    /// Ends the current messaging session (not the conversation), by `role` (Agent, Chatbot,
    /// System or EndUser). No effect when it has ended already or the conversation is closed.
    pub(super) fn end_session_by(&mut self, id: &str, role: &'static str, reason: Option<String>) {
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        if c.session.status == "Ended" || c.phase == Phase::Closed {
            return;
        }
        c.ended_by = Some(ended_by_word(role));
        c.end_reason = reason;
        // The session's end first, then the participant leaving and the work closed: the order
        // is not documented (UNCONFIRMED); this one lets a client tell the end once, with who
        // ended it, before anyone is seen to leave.
        self.set_session_status(id, "Ended", Some(role));
        let queued = self.leave_session(id, Phase::SessionEnded);
        if let Some((dep, seq)) = queued {
            self.dequeued(dep, seq);
        }
    }

    /// Customer inactivity: an Active session goes Inactive (the conversation stays open; the
    /// visitor's next message routes it again). False when the session is not Active.
    pub(super) fn inactivate(&mut self, id: &str) -> bool {
        match self.conversations.get(id) {
            Some(c) if c.session.status == "Active" && c.phase != Phase::Closed => {}
            _ => return false,
        }
        // As for an end: the status first, then the agent released.
        self.set_session_status(id, "Inactive", None);
        let queued = self.leave_session(id, Phase::Inactive);
        if let Some((dep, seq)) = queued {
            self.dequeued(dep, seq);
        }
        true
    }

    /// Inactivates every Active session whose visitor has been quiet for the deployment's
    /// `customerInactivitySeconds` (counted from the later of the session becoming Active and the
    /// visitor's last message). Called every ~200 ms by the server when a deployment has it.
    pub fn check_inactivity(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .conversations
            .values()
            .filter(|c| c.session.status == "Active" && c.phase != Phase::Closed)
            .filter(|c| {
                self.deployments[c.dep]
                    .customer_inactivity_seconds
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .is_some_and(|s| {
                        let since = c.active_since.max(c.last_visitor_message);
                        now.saturating_duration_since(since) >= Duration::from_secs_f64(s)
                    })
            })
            .map(|c| c.id.clone())
            .collect();
        for id in due {
            self.inactivate(&id);
        }
    }

    /// Closes the conversation for good: the session ends first (by `role`) if it has not, then
    /// `CONVERSATION_CLOSE_CONVERSATION`. `by`: the control API's `endedBy`.
    pub(super) fn close(&mut self, id: &str, role: &'static str, reason: Option<String>) {
        self.end_session_by(id, role, reason.clone());
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        c.phase = Phase::Closed;
        c.agent_connected = false;
        c.visitor_typing = false;
        c.ended_by = Some(ended_by_word(role));
        if reason.is_some() {
            c.end_reason = reason;
        }
        c.closed_ms = Some(ids::now_ms());
        c.queue_position = None;
        self.close_event(id);
    }

    /// `GET …/conversation/{id}`'s answer.
    pub(super) fn routing_status_json(c: &Conversation) -> Value {
        json!({"conversationId": c.id, "routingStatus": c.routing_status})
    }
}
