//! The answers to the set-up steps, the stream's end and chunks, the outbox's answers.

use super::*;

impl Engine {
    // ----- answers -----

    /// A failure worth a retry on `channel` (network, timeout, 429, 5xx): the next attempt is
    /// set, or the chat gives up when the budget is spent.
    pub(super) fn retry_later(&mut self, which: Which, problem: String, now: Millis, rand: u32) {
        let paused = self.suspended();
        let budget = self.cfg.retry_budget_ms;
        let channel = match which {
            Which::Setup => &mut self.setup,
            Which::Stream => &mut self.stream,
            Which::Post => &mut self.post,
        };
        match channel.retry.fail_unless_paused(paused, now, budget, rand) {
            Some(wait) => {
                channel.retry_at = Some(now.saturating_add(wait));
                self.emit(Event::Error(EngineError::Retrying {
                    resource: which.name().to_string(),
                    problem,
                    retry_in_ms: wait,
                }));
            }
            None => self.finish(EndReason::Error(format!(
                "{}: {problem}; gave up after {} ms of failures",
                which.name(),
                budget
            ))),
        }
    }

    /// Sorts an answer: `Ok(body)` for a 2xx; the chat ends on 401; `Err(None)` when a retry
    /// is set; `Err(Some(status))` for another status the caller decides on.
    pub(super) fn classify(
        &mut self,
        which: Which,
        outcome: Outcome,
        now: Millis,
        rand: u32,
    ) -> Result<String, Option<(u16, String)>> {
        match outcome {
            Outcome::Http { status, body } if (200..300).contains(&status) => {
                match which {
                    Which::Setup => self.setup.retry.succeed(),
                    Which::Stream => self.stream.retry.succeed(),
                    Which::Post => self.post.retry.succeed(),
                }
                Ok(body)
            }
            // A verified customer's token is renewed (what waits goes after); an anonymous
            // conversation cannot go on without its token.
            Outcome::Http { status: 401, .. } if self.cfg.verified => {
                let step = match which {
                    Which::Setup => self.step,
                    _ => None,
                };
                self.reauthorise(step);
                Err(None)
            }
            Outcome::Http { status: 401, .. } => {
                self.finish(EndReason::SessionInvalid);
                Err(None)
            }
            Outcome::Http { status, .. } if status == 429 || status >= 500 => {
                self.retry_later(which, format!("HTTP {status}"), now, rand);
                Err(None)
            }
            Outcome::Http { status, body } => Err(Some((status, body))),
            Outcome::Network(e) => {
                self.retry_later(which, e, now, rand);
                Err(None)
            }
            Outcome::TimedOut => {
                self.retry_later(which, "timed out".into(), now, rand);
                Err(None)
            }
        }
    }

    pub(super) fn unexpected(&mut self, call: Call, status: u16, body: String) {
        self.emit(Event::Error(EngineError::UnexpectedStatus {
            resource: format!("{call:?}"),
            status,
            body,
        }));
    }

    pub(super) fn bad_answer(&mut self, call: Call, detail: String) {
        self.emit(Event::Error(EngineError::BadResponse {
            resource: format!("{call:?}"),
            detail,
        }));
    }

    pub(super) fn setup_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(step) = self.step else {
            return;
        };
        // A verified customer's token refused: the identity token was.
        if self.cfg.verified && matches!(step, Step::Token | Step::Renew) {
            if let Outcome::Http {
                status: status @ (400 | 401 | 403),
                body,
            } = outcome
            {
                self.identity_refused(step, status, body);
                return;
            }
        }
        if self.base == ChatState::Idle {
            // The token before the form (a failure costs nothing: the chat's start asks again),
            // then a verified customer's open conversation.
            self.step = None;
            if step == Step::Find {
                self.found(outcome, now);
            } else {
                self.prepared(outcome);
            }
            return;
        }
        let body = match self.classify(Which::Setup, outcome, now, rand) {
            Ok(body) => body,
            Err(None) => return,
            // The conversation already exists: a create whose answer was lost.
            Err(Some((409, _))) if step == Step::Create => String::new(),
            Err(Some((status, body))) => {
                let call = step_call(step);
                self.unexpected(call, status, body);
                self.finish(EndReason::Error(format!(
                    "{call:?} was refused with HTTP {status}"
                )));
                return;
            }
        };
        match step {
            Step::Renew => match AccessTokenAnswer::from_json(&body) {
                Ok(a) if !a.access_token.is_empty() => {
                    self.token = Some(a.access_token);
                    self.token_taken();
                    self.step = self.resume.take();
                }
                Ok(_) => self.give_up_on(step, "no accessToken".into()),
                Err(e) => self.give_up_on(step, e.to_string()),
            },
            Step::Token | Step::Continuation => {
                match AccessTokenAnswer::from_json(&body) {
                    Ok(a) if !a.access_token.is_empty() => {
                        if step == Step::Token {
                            self.take_form(&a);
                        }
                        self.token = Some(a.access_token);
                        self.token_taken();
                        if self.last_event_id.is_none() && !a.last_event_id.is_empty() {
                            self.last_event_id = Some(a.last_event_id);
                        }
                        self.streaming = true;
                        if step == Step::Token {
                            self.set_state(ChatState::Initialising);
                        }
                        // After a reload: the conversation checked open (when the server had
                        // confirmed it), else created (again: a conflict means it was).
                        self.step = Some(if self.created {
                            Step::List
                        } else {
                            Step::Create
                        });
                    }
                    Ok(_) => self.give_up_on(step, "no accessToken".into()),
                    Err(e) => self.give_up_on(step, e.to_string()),
                }
            }
            Step::Create => {
                self.step = None;
                self.created = true;
                if self.base == ChatState::Initialising {
                    self.set_state(ChatState::Queued);
                }
            }
            Step::List => {
                let open = ListConversationsAnswer::from_json(&body)
                    .map_err(|e| e.to_string())
                    .map(|list| {
                        let ours = self.conversation_id.as_deref().unwrap_or_default();
                        list.conversations
                            .iter()
                            .any(|c| c.conversation_id.eq_ignore_ascii_case(ours))
                    });
                match open {
                    Ok(true) => self.step = Some(Step::History),
                    // Closed while the visitor was away.
                    Ok(false) => self.finish(EndReason::Agent),
                    Err(e) => {
                        self.bad_answer(Call::List, e);
                        self.step = Some(Step::History);
                    }
                }
            }
            // Only before the form (answered above).
            Step::Find => self.step = None,
            Step::History => {
                self.step = None;
                match EntriesAnswer::from_json(&body) {
                    Ok(answer) => {
                        // Newest first: oldest first for the transcript.
                        for entry in answer.conversation_entries.into_iter().rev() {
                            self.entry(entry, now);
                        }
                    }
                    Err(e) => self.bad_answer(Call::History, e.to_string()),
                }
            }
        }
    }

    /// The answer to the token asked for before the form.
    pub(super) fn prepared(&mut self, outcome: Outcome) {
        let answer = match outcome {
            Outcome::Http { status, body } if (200..300).contains(&status) => {
                AccessTokenAnswer::from_json(&body).map_err(|e| e.to_string())
            }
            Outcome::Http { status, .. } => Err(format!("HTTP {status}")),
            Outcome::Network(e) => Err(e),
            Outcome::TimedOut => Err("timed out".into()),
        };
        match answer {
            Ok(a) if !a.access_token.is_empty() => {
                self.take_form(&a);
                self.token = Some(a.access_token);
                self.token_taken();
                if !a.last_event_id.is_empty() {
                    self.last_event_id = Some(a.last_event_id);
                }
                // A verified customer: their open conversation, if any, goes on here.
                if self.cfg.verified {
                    self.step = Some(Step::Find);
                }
            }
            Ok(_) => self.bad_answer(Call::Token, "no accessToken".into()),
            Err(detail) => self.bad_answer(Call::Token, detail),
        }
    }

    /// The deployment's pre-chat form from a token's answer, and whether it is asked again
    /// every messaging session.
    fn take_form(&mut self, a: &AccessTokenAnswer) {
        let config = &a.context.configuration.embedded_service_config;
        self.form = crate::miaw::form::prechat_fields(config);
        self.session_form =
            self.form.is_some() && config.prechat_form().is_some_and(|f| f.every_session());
        self.uploads_max = config.uploads;
        self.transcript_pdf = config.transcript;
    }

    pub(super) fn give_up_on(&mut self, step: Step, detail: String) {
        let call = step_call(step);
        self.bad_answer(call, detail.clone());
        self.finish(EndReason::Error(format!("{call:?}: {detail}")));
    }

    pub(super) fn chunk(&mut self, id: RequestId, bytes: &[u8], now: Millis) {
        if self.stream.flight.is_none_or(|f| f.id != id) {
            return;
        }
        if self.stream_alive_at < now {
            self.stream_alive_at = now;
        }
        if bytes.is_empty() {
            // The stream is open.
            self.stream.retry.succeed();
            return;
        }
        if let Err(e) = self.parser.feed(bytes) {
            self.bad_answer(Call::Stream, e.to_string());
        }
        while let Some(event) = self.parser.poll_event() {
            if let Some(id) = event.id.clone() {
                self.last_event_id = Some(id);
            }
            match ServerEvent::decode(&event.event, &event.data) {
                ServerEvent::Conversation(data) => {
                    let ours = self.conversation_id.as_deref().unwrap_or_default();
                    if data.conversation_id.eq_ignore_ascii_case(ours) {
                        self.entry(data.conversation_entry, now);
                    }
                }
                ServerEvent::Unknown { name, .. } => {
                    self.emit(Event::Error(EngineError::UnknownMessage {
                        type_name: name,
                    }))
                }
            }
            if self.base.is_ended() {
                return;
            }
        }
    }

    pub(super) fn stream_ended(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        match outcome {
            // A stream that ends is opened again (with the last event id).
            Outcome::Http { status: 200, .. } => {
                self.stream_failed("the stream ended".into(), now, rand)
            }
            other => match self.classify(Which::Stream, other, now, rand) {
                Ok(_) | Err(None) => {}
                Err(Some((status, body))) => {
                    self.unexpected(Call::Stream, status, body);
                    self.retry_later(Which::Stream, format!("HTTP {status}"), now, rand);
                }
            },
        }
    }

    pub(super) fn stream_failed(&mut self, problem: String, now: Millis, rand: u32) {
        self.retry_later(Which::Stream, problem, now, rand);
    }

    pub(super) fn post_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(item) = self.current.clone() else {
            return;
        };
        match self.classify(Which::Post, outcome, now, rand) {
            Ok(_) => {
                self.current = None;
                match item {
                    Outgoing::Message { local_id, .. } => {
                        self.new_session = false;
                        self.set_delivery(local_id, Delivery::Sent);
                    }
                    Outgoing::Close => self.finish(EndReason::Visitor),
                    Outgoing::Typing(_) | Outgoing::Delivered(_) => {}
                }
            }
            Err(None) => {}
            // The messaging session ended: the same message starts a new one.
            Err(Some((417, _))) if matches!(item, Outgoing::Message { .. }) => {
                self.new_session = true;
                self.post.retry_at = Some(now);
            }
            Err(Some((status, body))) => {
                self.current = None;
                match item {
                    Outgoing::Message { local_id, .. } => {
                        self.set_delivery(local_id, Delivery::Failed);
                        self.emit(Event::Error(EngineError::Rejected {
                            local_ids: vec![local_id],
                        }));
                        self.unexpected(Call::Message, status, body);
                    }
                    // The conversation is gone or closed already: over either way.
                    Outgoing::Close => self.finish(EndReason::Visitor),
                    other => {
                        let call = match other {
                            Outgoing::Typing(_) => Call::Typing,
                            _ => Call::Acknowledge,
                        };
                        self.unexpected(call, status, body);
                    }
                }
            }
        }
    }
}

/// Which channel a failure is on.
#[derive(Clone, Copy)]
pub(super) enum Which {
    Setup,
    Stream,
    Post,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Setup => "conversation set-up",
            Which::Stream => "event stream",
            Which::Post => "send",
        }
    }
}

pub(super) fn step_call(step: Step) -> Call {
    match step {
        Step::Token => Call::Token,
        Step::Continuation => Call::Continuation,
        Step::List => Call::List,
        Step::History => Call::History,
        Step::Create => Call::Create,
        Step::Find => Call::List,
        Step::Renew => Call::Token,
    }
}
