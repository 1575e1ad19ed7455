//! Each input routed to the machine it is for (the engine, the view, the tab coordinator, the
//! availability poller), and the typing and sneak-peek debouncers.

use super::*;

impl Core {
    /// Back to the pre-chat form, after a chat ended.
    pub(super) fn new_chat(&mut self) {
        if self.engine.state().is_ended() {
            self.engine = Chat::new(&self.settings);
            self.clear_view();
        }
    }

    /// The view of no chat: an empty transcript, no agent, the pre-chat form.
    pub(super) fn clear_view(&mut self) {
        self.view.replace_transcript(Transcript::default());
        self.view.set_agent(None);
        self.view.set_agent_typing(false);
        self.view.set_queue(Default::default());
        self.view.set_banner(None);
        self.view.set_state(ChatState::Idle);
    }

    /// Enhanced Chat: the messaging session ended, the conversation is open.
    #[cfg(feature = "miaw")]
    pub(super) fn between_sessions(&self) -> bool {
        matches!(self.engine.state(), ChatState::SessionEnded { .. })
    }

    /// Routes `input` to the machine it is for; `false` when nothing is to follow (an empty
    /// message, the shutdown), else [`Core::step`] follows.
    pub(super) fn route(&mut self, input: Input, now: Millis, rand: u32) -> bool {
        match input {
            // The session-scoped pre-chat form, answered between two messaging sessions: the
            // conversation (and its transcript) goes on.
            #[cfg(feature = "miaw")]
            Input::Start(prechat) if self.between_sessions() => {
                self.engine.handle(EngineInput::Start(prechat), now, rand);
            }
            Input::Start(prechat) => {
                self.view.replace_transcript(Transcript::default());
                self.view.set_agent(None);
                self.view.set_queue(Default::default());
                self.view.set_banner(None);
                self.engine.handle(EngineInput::Start(prechat), now, rand);
            }
            Input::Send(text) => {
                if text.trim().is_empty() {
                    return false;
                }
                self.peek = None;
                self.draft.clear();
                let local_id = self.view.visitor_message(text.clone(), now);
                self.engine
                    .handle(EngineInput::SendText { local_id, text }, now, rand);
                // After the text: the message ends typing in the engine (and on the agent's
                // side), so no ChasitorNotTyping goes ahead of it.
                self.stop_typing(now, rand);
            }
            Input::Typed(text) => {
                self.draft.clone_from(&text);
                self.typed(text, now, rand);
            }
            #[cfg(feature = "miaw")]
            Input::Choose { .. }
            | Input::SendFile(_)
            | Input::CancelUpload(_)
            | Input::Retry(_)
            | Input::Identify(_)
            | Input::Logout
            | Input::DownloadTranscript
            | Input::Progress { .. } => return self.route_rich(input, now, rand),
            Input::End => {
                self.stop_typing(now, rand);
                self.engine.handle(EngineInput::End, now, rand);
            }
            // Starting afresh between two messaging sessions: the conversation is closed first,
            // and once it is, a new chat begins (see `step`).
            #[cfg(feature = "miaw")]
            Input::NewChat if self.between_sessions() => {
                self.fresh = true;
                self.engine.handle(EngineInput::End, now, rand);
            }
            Input::NewChat => self.new_chat(),
            Input::SetOpen(open) => self.view.set_open(open),
            Input::ToggleOpen => self.view.set_open(!self.view.open),
            Input::TakeOver => {
                if self.role == Role::Elsewhere {
                    self.view.set_taking_over(true);
                    self.tabs.take_over(now);
                }
            }
            Input::CustomEvent { event_type, data } => {
                if self.settings.is_live_agent() {
                    self.engine
                        .handle(EngineInput::CustomEvent { event_type, data }, now, rand)
                } else {
                    self.effects.push(Effect::Warn(format!(
                        "chasitor: sendCustomEvent({event_type:?}) ignored: Enhanced Chat has no custom events"
                    )));
                }
            }
            Input::Prefill(answers) => self.view.add_prefill(answers),
            Input::CheckAvailability => self.availability.refresh(now),
            Input::Navigated(url) => {
                if url != self.last_url {
                    self.last_url = url.clone();
                    self.engine.handle(EngineInput::Breadcrumb(url), now, rand);
                }
            }
            Input::Answer { id, outcome } => match self.take_wire(id) {
                Some(Source::Engine(inner)) => {
                    self.engine
                        .handle(EngineInput::Response { id: inner, outcome }, now, rand);
                }
                #[cfg(feature = "live-agent")]
                Some(Source::Availability(inner)) => self.availability.answer(inner, outcome, now),
                #[cfg(feature = "miaw")]
                Some(Source::Transcript) => self.transcript_saved(outcome, now),
                // Aborted, or of a machine that started over: nothing waits for it.
                None => {}
            },
            Input::Chunk { id, bytes } => {
                // Still on its way: only the answer's end takes it off the wire.
                if let Some((_, Source::Engine(inner))) = self.wire.iter().find(|(w, _)| *w == id) {
                    let id = *inner;
                    self.engine
                        .handle(EngineInput::Chunk { id, bytes }, now, rand);
                }
            }
            Input::LockAnswer { generation, got } => self.tabs.lock_answer(generation, got, now),
            Input::LockLost { generation } => self.tabs.lock_lost(generation),
            Input::TabMessage(text) => self.tabs.message(&text, now),
            Input::PageHide => self.publish(now),
            Input::Visibility { hidden } => {
                self.view.hidden = hidden;
                if !hidden {
                    self.engine.handle(EngineInput::Wake, now, rand);
                }
            }
            Input::Online(online) => {
                self.online = online;
                self.engine.handle(EngineInput::Online(online), now, rand);
            }
            Input::Frozen(frozen) => self.engine.handle(EngineInput::Frozen(frozen), now, rand),
            Input::StorageFailed => {
                self.view.store.write_failed();
                self.saved_snapshot = None;
                self.saved_ui = None;
            }
            Input::Shutdown => {
                self.publish(now);
                self.tabs.release();
                self.abort_all();
                for (id, _) in std::mem::take(&mut self.wire) {
                    self.aborts.push_back(id);
                }
                self.drain_tabs(now);
                self.shut_down = true;
                return false;
            }
            Input::Tick => {
                if self.runs_here() {
                    self.engine.handle(EngineInput::Tick, now, rand);
                }
                self.tabs.tick(now);
                if self.typing_idle_at.is_some_and(|t| t <= now) {
                    self.stop_typing(now, rand);
                }
                if let Some((_, text)) = self.peek.take_if(|(t, _)| *t <= now) {
                    self.engine.handle(EngineInput::SneakPeek(text), now, rand);
                }
                if self.hand_over_at.is_some_and(|t| t <= now) {
                    self.hand_over_at = None;
                    let (saved, transcript) = self.saved_texts();
                    self.tabs.hand_over(saved, transcript);
                }
            }
        }
        true
    }

    // ----- the debouncers -----

    pub(super) fn typed(&mut self, text: String, now: Millis, rand: u32) {
        if text.is_empty() {
            self.peek = None;
            self.stop_typing(now, rand);
            return;
        }
        if !self.typing {
            self.typing = true;
            self.engine.handle(EngineInput::Typing(true), now, rand);
        }
        self.typing_idle_at = Some(now.saturating_add(TYPING_IDLE_MS));
        if self.settings.sneak_peek {
            self.peek = Some((now.saturating_add(SNEAK_PEEK_DEBOUNCE_MS), text));
        }
    }

    pub(super) fn stop_typing(&mut self, now: Millis, rand: u32) {
        self.typing_idle_at = None;
        if std::mem::take(&mut self.typing) {
            self.engine.handle(EngineInput::Typing(false), now, rand);
        }
    }
}
