//! What goes out: the control GET, the one long poll and the next POST, each issued when due with
//! the session's headers, and the ChasitorInit body.

use super::*;

impl Engine {
    // ----- issuing requests -----

    /// Issues whatever is due: the control GET, the poll, the next POST.
    pub(super) fn pump(&mut self, now: Millis) {
        if self.base.is_ended() || self.suspended() {
            return;
        }
        if let Some(control) = self.control.want {
            if self.control.flight.is_none() && self.control.retry_at.is_none_or(|t| t <= now) {
                self.send_control(control, now);
            }
        }
        // While the visitor's ChatEnd is on its way the chat is over for this client: the server
        // answers the held poll as it ends the session, and a new poll would only get a 403.
        let ending = self
            .outbox
            .current
            .as_ref()
            .is_some_and(|p| p.contains_end());
        if self.poll.due(now) && self.reconnect != Some(Reconnect::Requesting) && !ending {
            self.send_poll(now);
        }
        if self.outbox.idle(now) {
            let established = self.base == ChatState::Established;
            let has_session = self.session.is_some();
            let reconnect = self.reconnect;
            let taken = self.outbox.form_batch(|item| match reconnect {
                Some(Reconnect::Resyncing) => matches!(item, Outgoing::Resync),
                Some(_) => false,
                None => match item {
                    Outgoing::Init { .. } => has_session,
                    Outgoing::Resync => false,
                    Outgoing::End => has_session,
                    Outgoing::Message { .. }
                    | Outgoing::CustomEvent { .. }
                    | Outgoing::Typing(_)
                    | Outgoing::SneakPeek { .. } => established,
                },
            });
            for item in taken {
                if let Outgoing::Message { local_id, .. } = item {
                    self.emit(Event::VisitorMessage {
                        local_id,
                        status: Delivery::Sending,
                    });
                }
            }
            if self.outbox.current.is_some() {
                self.send_post(now);
            }
        }
    }

    pub(super) fn next_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Builds and queues a request to `resource`; returns its flight.
    pub(super) fn issue(
        &mut self,
        resource: Resource,
        query: Vec<(String, String)>,
        body: Option<String>,
        sequence: Option<u64>,
        timeout_ms: u64,
        now: Millis,
    ) -> Flight {
        let id = self.next_request_id();
        let headers = resource
            .headers()
            .iter()
            .map(|h| {
                let value = match h {
                    Header::ApiVersion => self.cfg.api_version.clone(),
                    Header::Affinity => match (resource, &self.session) {
                        (Resource::SessionId | Resource::ReconnectSession, _) | (_, None) => {
                            "null".to_string()
                        }
                        (_, Some(s)) => s.affinity.clone(),
                    },
                    Header::SessionKey => self
                        .session
                        .as_ref()
                        .map(|s| s.key.clone())
                        .unwrap_or_default(),
                    Header::Sequence => sequence.map(|s| s.to_string()).unwrap_or_default(),
                };
                (h.name(), value)
            })
            .collect();
        let mut path = resource.path().to_string();
        if resource == Resource::DeleteSessionId {
            if let Some(s) = &self.session {
                path = format!("{path}/{}", s.key);
            }
        }
        self.requests.push_back(HttpRequest {
            id,
            resource,
            method: resource.method(),
            path,
            query,
            headers,
            body,
            timeout_ms: Some(timeout_ms),
        });
        Flight {
            id,
            deadline: now.saturating_add(timeout_ms),
        }
    }

    pub(super) fn send_control(&mut self, control: Control, now: Millis) {
        let (resource, query) = match control {
            Control::SessionId => (Resource::SessionId, Vec::new()),
            Control::ReconnectSession => (
                Resource::ReconnectSession,
                ReconnectSessionQuery {
                    offset: self.poll.offset.unwrap_or(0),
                }
                .to_query(),
            ),
        };
        let flight = self.issue(resource, query, None, None, REQUEST_TIMEOUT_MS, now);
        self.control.flight = Some(flight);
        self.control.retry_at = None;
    }

    pub(super) fn send_poll(&mut self, now: Millis) {
        let timeout = Poll::timeout_ms(
            self.session
                .as_ref()
                .map_or(crate::live_agent::wire::DEFAULT_CLIENT_POLL_TIMEOUT, |s| {
                    s.client_poll_timeout
                }),
        );
        let query = MessagesQuery { ack: self.poll.ack }.to_query();
        let flight = self.issue(Resource::Messages, query, None, None, timeout, now);
        self.poll.flight = Some(flight);
        self.poll.retry_at = None;
    }

    pub(super) fn send_post(&mut self, now: Millis) {
        let sequence = self.outbox.sequence_for_current();
        let Some(post) = self.outbox.current.as_ref() else {
            return;
        };
        let resource = post.resource();
        let body = post.body(&self.cfg.org_id);
        let flight = self.issue(
            resource,
            Vec::new(),
            body,
            sequence,
            REQUEST_TIMEOUT_MS,
            now,
        );
        self.outbox.flight = Some(flight);
        self.outbox.retry_at = None;
    }

    /// The ChasitorInit body for the new session.
    pub(super) fn init_body(&self, session_id: &str) -> String {
        let prechat = self.prechat.clone().unwrap_or_default();
        let init = ChasitorInit {
            organization_id: self.cfg.org_id.clone(),
            deployment_id: self.cfg.deployment_id.clone(),
            button_id: self.cfg.button_id.clone(),
            agent_id: None,
            do_fallback: None,
            session_id: session_id.to_string(),
            user_agent: self.cfg.user_agent.clone(),
            language: self.cfg.language.clone(),
            screen_resolution: self.cfg.screen_resolution.clone(),
            visitor_name: prechat.visitor_name,
            prechat_details: prechat.details,
            prechat_entities: prechat.entities,
            button_overrides: Vec::new(),
            receive_queue_updates: true,
            is_post: true,
        };
        serde_json::to_string(&init).unwrap_or_default()
    }
}
