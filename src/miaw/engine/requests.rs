//! The requests the engine issues: the set-up steps, the stream, the outbox.

use super::*;

impl Engine {
    // ----- issuing requests -----

    pub(super) fn pump(&mut self, now: Millis) {
        if self.base.is_ended() || self.suspended() {
            return;
        }
        // A verified customer's chat without a token: a new one (with the identity token, or
        // once the site gives one).
        // The access token's renewal is due (also when the page comes back after a while).
        let live = !matches!(self.base, ChatState::Idle);
        let setup_free = self.step.is_none() && self.setup.flight.is_none();
        let due = self.renew_at.is_some_and(|t| t <= now);
        let wanted = due || self.token.is_none();
        if self.cfg.verified && live && setup_free && !self.needs_identity && wanted {
            self.renew(now);
        }
        if let Some(step) = self.step {
            // The token steps of a verified customer wait for the identity token.
            let waits = self.cfg.verified
                && self.identity.is_none()
                && matches!(step, Step::Token | Step::Renew);
            if self.setup.due(now) && !waits {
                self.send_step(step, now);
            }
        }
        if self.streaming && self.token.is_some() && self.stream.due(now) {
            self.open_stream(now);
        }
        // After a reload, nothing goes with the old token while the new one is on its way.
        let authorising = matches!(self.step, Some(Step::Token | Step::Continuation));
        if self.post.due(now) && self.created && self.token.is_some() && !authorising {
            if self.current.is_none() {
                self.current = self.outbox.pop_front();
            }
            if let Some(item) = self.current.clone() {
                self.send_post(item, now);
            }
        }
        if self.upload.due(now) && self.created && self.token.is_some() && !authorising {
            if let Some(upload) = self.uploads.front().cloned() {
                self.send_upload(upload, now);
            }
        }
    }

    pub(super) fn next_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Queues a request; returns its flight.
    pub(super) fn issue(
        &mut self,
        call: Call,
        method: Method,
        path: String,
        query: Vec<(String, String)>,
        body: Option<String>,
        now: Millis,
    ) -> Flight {
        let id = self.next_request_id();
        let stream = call == Call::Stream;
        let mut headers = Vec::new();
        if call != Call::Token {
            if let Some(token) = &self.token {
                headers.push(("Authorization", format!("Bearer {token}")));
            }
        }
        // The stream's bytes are watched; an upload takes what the file takes (a dead network
        // fails it).
        let timeout_ms = (!stream && call != Call::Upload).then_some(REQUEST_TIMEOUT_MS);
        if stream {
            headers.push(("Accept", "text/event-stream".to_string()));
            headers.push(("X-Org-Id", self.cfg.org_id.chars().take(15).collect()));
            if let Some(last) = &self.last_event_id {
                headers.push(("Last-Event-Id", last.clone()));
            }
        }
        self.requests.push_back(Request {
            id,
            call,
            method,
            path,
            query,
            headers,
            body,
            timeout_ms,
            stream,
            file: None,
            save_as: None,
        });
        Flight {
            id,
            deadline: timeout_ms.map(|t| now.saturating_add(t)),
        }
    }

    pub(super) fn conversation_path(&self, tail: &str) -> String {
        let id = self.conversation_id.as_deref().unwrap_or_default();
        format!("{API}/conversation/{id}{tail}")
    }

    pub(super) fn es_query(&self) -> Vec<(String, String)> {
        vec![(
            "esDeveloperName".to_string(),
            self.cfg.es_developer_name.clone(),
        )]
    }

    pub(super) fn send_step(&mut self, step: Step, now: Millis) {
        let (call, method, path, query, body) = match step {
            Step::Token | Step::Renew => {
                let (path, body) = self.token_request();
                (Call::Token, Method::Post, path, Vec::new(), Some(body))
            }
            Step::Continuation => (
                Call::Continuation,
                Method::Get,
                format!("{API}/authorization/continuation-access-token"),
                Vec::new(),
                None,
            ),
            Step::List | Step::Find => (
                Call::List,
                Method::Get,
                format!("{API}/conversation/list"),
                vec![
                    ("inclClosedConvs".to_string(), "false".to_string()),
                    ("limit".to_string(), "20".to_string()),
                ],
                None,
            ),
            Step::History => (
                Call::History,
                Method::Get,
                self.conversation_path("/entries"),
                vec![
                    ("limit".to_string(), HISTORY_LIMIT.to_string()),
                    ("direction".to_string(), "FromEnd".to_string()),
                    (
                        "entryTypeFilter".to_string(),
                        "Message,ParticipantChanged,RoutingResult".to_string(),
                    ),
                ],
                None,
            ),
            Step::Create => {
                let req = CreateConversationRequest {
                    conversation_id: self.conversation_id.clone().unwrap_or_default(),
                    es_developer_name: self.cfg.es_developer_name.clone(),
                    routing_attributes: self.routing_attributes(),
                };
                (
                    Call::Create,
                    Method::Post,
                    format!("{API}/conversation"),
                    Vec::new(),
                    Some(req.to_json()),
                )
            }
        };
        let flight = self.issue(call, method, path, query, body, now);
        self.setup.flight = Some(flight);
        self.setup.retry_at = None;
    }

    /// A message with what this session needs: a new messaging session is routed again, with
    /// the answers the visitor gave (a session pre-chat form is not asked a second time); the
    /// visitor's language.
    pub(super) fn in_session(&self, mut req: SendMessageRequest) -> SendMessageRequest {
        if self.new_session {
            req.is_new_messaging_session = true;
            req.routing_attributes = self.routing_attributes();
        }
        if !self.cfg.language.is_empty() {
            req.language = Some(self.cfg.language.clone());
        }
        req
    }

    pub(super) fn routing_attributes(&self) -> RoutingAttributes {
        // Inserted one by one: collecting into the map would bring a sort and a bulk build.
        let mut attributes = RoutingAttributes::new();
        for (k, v) in &self.attributes {
            let name = STANDARD_FIELDS
                .iter()
                .find(|(ours, _)| ours == k)
                .map_or(k.as_str(), |(_, standard)| standard);
            attributes.insert(name.to_string(), serde_json::Value::String(v.clone()));
        }
        attributes
    }

    pub(super) fn open_stream(&mut self, now: Millis) {
        let query = vec![("_ts".to_string(), now.to_string())];
        let flight = self.issue(
            Call::Stream,
            Method::Get,
            STREAM_PATH.to_string(),
            query,
            None,
            now,
        );
        self.parser = SseParser::default();
        self.stream_alive_at = now;
        self.stream.flight = Some(flight);
        self.stream.retry_at = None;
    }

    pub(super) fn send_post(&mut self, item: Outgoing, now: Millis) {
        let (call, method, path, query, body) = match &item {
            Outgoing::Message {
                local_id,
                id,
                text,
                reply_to,
                option,
            } => {
                let es = &self.cfg.es_developer_name;
                let req = match (reply_to, option) {
                    (Some(reply_to), Some(option)) => {
                        SendMessageRequest::choice(id, reply_to, option, es)
                    }
                    _ => SendMessageRequest::text(id, text, es),
                };
                let req = self.in_session(req);
                self.set_delivery(*local_id, Delivery::Sending);
                (
                    Call::Message,
                    Method::Post,
                    self.conversation_path("/message"),
                    Vec::new(),
                    Some(req.to_json()),
                )
            }
            Outgoing::Typing(on) => {
                let req = TypingRequest {
                    entry_type: if *on {
                        TypingEntry::TypingStartedIndicator
                    } else {
                        TypingEntry::TypingStoppedIndicator
                    },
                    id: self.uuid(),
                };
                (
                    Call::Typing,
                    Method::Post,
                    self.conversation_path("/entry"),
                    Vec::new(),
                    Some(req.to_json()),
                )
            }
            Outgoing::Delivered(entries) => {
                let mut acks = Vec::with_capacity(entries.len());
                for entry in entries {
                    acks.push(Ack {
                        id: self.uuid(),
                        entry_type: AckType::Delivery,
                        conversation_entry_id: entry.clone(),
                    });
                }
                (
                    Call::Acknowledge,
                    Method::Post,
                    self.conversation_path("/acknowledge-entries"),
                    Vec::new(),
                    Some(AcknowledgeEntriesRequest { acks }.to_json()),
                )
            }
            Outgoing::Close => (
                Call::Close,
                Method::Delete,
                self.conversation_path(""),
                self.es_query(),
                None,
            ),
        };
        let flight = self.issue(call, method, path, query, body, now);
        self.post.flight = Some(flight);
        self.post.retry_at = None;
    }
}
