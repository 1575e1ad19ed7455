//! After every input: what the machines asked for taken into the outputs, the tab coordinator
//! followed (a chat claimed, given away, taken over, handed over), the state saved.

use super::*;

impl Core {
    /// Takes what the machines asked for into the outputs, follows the tab coordinator, saves.
    pub(super) fn step(&mut self, now: Millis) {
        // The window open for a new chat: Enhanced Chat gets its token and form now.
        if self.view.open && *self.engine.state() == ChatState::Idle && self.runs_here() {
            self.engine.handle(EngineInput::Prepare, now, 0);
        }
        // A tab signal can restart the engine, and the engine can make the tab claim a chat:
        // a few rounds until both are quiet.
        for _ in 0..4 {
            let signalled = self.drain_tabs(now);
            self.drain_engine(now);
            self.sync_tab(now);
            if !signalled && !self.tabs.has_output() {
                break;
            }
        }
        self.drain_tabs(now);
        if self.engine.state().is_ended() {
            self.peek = None;
            #[cfg(feature = "miaw")]
            if std::mem::take(&mut self.fresh) {
                self.new_chat();
                self.drain_engine(now);
            }
        }
        self.view.set_connection(self.connection());
        self.availability
            .set_active(!self.view.open && !live(self.engine.state()));
        // Enhanced Chat has no availability API: the launcher stays as it is.
        #[cfg(feature = "live-agent")]
        if self.settings.is_live_agent() {
            let next_wire = &mut self.next_wire;
            self.availability.pump(now, &mut || {
                let id = RequestId(*next_wire);
                *next_wire += 1;
                id
            });
            while let Some(req) = self.availability.poll_request() {
                self.wire.push((req.id, Source::Availability(req.id)));
                self.requests.push_back(ChatRequest::LiveAgent(req));
            }
        }
        if let Some(known) = self.availability.poll_known() {
            self.view.set_available(known.available, known.wait_secs);
        }
        self.view.flush_rows();
        self.save();
        while let Some(notice) = self.view.poll_notice() {
            self.effects.push(match notice {
                Notice::Site(event) => Effect::Site(event),
                Notice::Beep => Effect::Beep,
                Notice::Warn(text) => Effect::Warn(text),
                Notice::Error(text) => Effect::Error(text),
                Notice::UiChanged => continue,
            });
        }
    }

    /// The engine's requests, aborts and events (only while this tab runs the chat).
    pub(super) fn drain_engine(&mut self, now: Millis) {
        if !self.runs_here() {
            return;
        }
        while let Some(inner) = self.engine.poll_abort() {
            if let Some(i) = self
                .wire
                .iter()
                .position(|(_, s)| *s == Source::Engine(inner))
            {
                let (id, _) = self.wire.swap_remove(i);
                self.aborts.push_back(id);
            }
        }
        while let Some(mut req) = self.engine.poll_request() {
            let id = RequestId(self.next_wire);
            self.next_wire += 1;
            self.wire.push((id, Source::Engine(req.id())));
            req.set_id(id);
            self.requests.push_back(req);
        }
        while let Some(event) = self.engine.poll_event() {
            #[cfg(feature = "miaw")]
            if let crate::session::Event::Identity(
                crate::session::Identity::Wanted | crate::session::Identity::Refused,
            ) = event
            {
                self.effects.push(Effect::NeedIdentity);
            }
            self.view.apply(event, now);
        }
        if let Some(fields) = self.engine.poll_form() {
            self.view.set_prechat_fields(fields);
        }
        #[cfg(feature = "miaw")]
        {
            let (uploads, pdf) = self
                .engine
                .miaw()
                .map_or((None, false), |e| (e.uploads_max(), e.transcript_pdf()));
            self.view.set_uploads(uploads);
            self.view.set_transcript_pdf(pdf);
        }
    }

    /// The coordinator's effects into the outputs and its signals acted on; `true` if there
    /// were signals.
    pub(super) fn drain_tabs(&mut self, now: Millis) -> bool {
        while let Some(effect) = self.tabs.poll_effect() {
            self.effects.push(match effect {
                TabEffect::RequestLock {
                    name,
                    mode,
                    generation,
                } => Effect::RequestLock {
                    name,
                    mode,
                    generation,
                },
                TabEffect::ReleaseLock { generation } => Effect::ReleaseLock { generation },
                TabEffect::Post(text) => Effect::Broadcast(text),
            });
        }
        let mut any = false;
        while let Some(signal) = self.tabs.poll_signal() {
            any = true;
            self.on_tab_signal(signal, now);
        }
        any
    }

    pub(super) fn on_tab_signal(&mut self, signal: TabSignal, now: Millis) {
        match signal {
            TabSignal::Granted => {
                if matches!(self.role, Role::Claiming | Role::Elsewhere) {
                    self.resume(now);
                }
            }
            TabSignal::Elsewhere => {
                self.role = Role::Elsewhere;
                self.view.set_taking_over(false);
                self.view.set_other_tab(true);
            }
            TabSignal::Lost => {
                if self.role == Role::Owner {
                    self.suspend();
                }
            }
            TabSignal::HandOverRequested => {
                if self.role == Role::Owner {
                    self.suspend();
                    self.hand_over_at = Some(now.saturating_add(HANDOVER_PAUSE_MS));
                }
            }
            TabSignal::HandedOver { saved, transcript } => {
                let saved = Saved::from_json(&saved);
                let transcript_value = Transcript::from_json(&transcript);
                let (Some(saved), Some(t)) = (saved, transcript_value) else {
                    return;
                };
                if !same_chat(&saved, &self.settings) {
                    return;
                }
                // Stored too: a reload of this tab starts from the owner's latest state.
                self.store(KEY_TRANSCRIPT, Some(transcript));
                self.store(KEY_SNAPSHOT, serde_json::to_string(&saved).ok());
                self.handover = Some((saved, t));
            }
        }
    }

    /// After each step: a chat that got a session (or a new one) is claimed for this tab; an
    /// ended chat needs no poller, so its lock goes (with its last state for the other tabs).
    pub(super) fn sync_tab(&mut self, now: Millis) {
        if !self.runs_here() {
            return;
        }
        if !live(self.engine.state()) {
            if self.role == Role::Owner {
                self.role = Role::Free;
                self.publish(now);
                self.tabs.release();
            }
            return;
        }
        let Some(id) = self.engine.session_id() else {
            return;
        };
        let name = lock_name(&self.settings.endpoint, id);
        self.role = Role::Owner;
        // A session this tab just created: nobody else can have it.
        if self.tabs.chat() != Some(name.as_str()) {
            self.tabs.claim(&name, true, now);
        }
    }

    /// This tab's latest state for the other tabs, when it runs the chat.
    pub(super) fn publish(&mut self, now: Millis) {
        if self.tabs.owns() {
            let (saved, transcript) = self.saved_texts();
            self.tabs.publish(saved, transcript);
            self.drain_tabs(now);
        }
    }

    /// Aborts every request of the engine on its way.
    pub(super) fn abort_all(&mut self) {
        let aborts = &mut self.aborts;
        self.wire.retain(|(id, s)| {
            let engine = matches!(s, Source::Engine(_));
            if engine {
                aborts.push_back(*id);
            }
            !engine
        });
    }

    /// The request `id` is answered: which machine it was for (none if aborted).
    pub(super) fn take_wire(&mut self, id: RequestId) -> Option<Source> {
        let i = self.wire.iter().position(|(w, _)| *w == id)?;
        Some(self.wire.swap_remove(i).1)
    }

    /// Stops everything this tab does for the chat: requests aborted, typing forgotten. The
    /// notice shows.
    pub(super) fn suspend(&mut self) {
        self.role = Role::Elsewhere;
        self.abort_all();
        self.typing = false;
        self.typing_idle_at = None;
        self.peek = None;
        self.view.set_agent_typing(false);
        self.view.set_banner(None);
        self.view.set_taking_over(false);
        self.view.set_other_tab(true);
    }

    /// This tab has the chat now: the engine restarts from the handed-over state (or its own,
    /// when no owner answered), with fresh deadlines.
    pub(super) fn resume(&mut self, now: Millis) {
        let (snapshot, transcript) = match self.handover.take() {
            Some((saved, transcript)) => (saved.chat(), transcript),
            None => (self.engine.snapshot(), self.view.transcript.clone()),
        };
        self.engine = Chat::restore(&self.settings, snapshot, now)
            .unwrap_or_else(|| Chat::new(&self.settings));
        self.view.replace_transcript(transcript);
        // A file's bytes stay with the page that chose it: one on its way went with it.
        #[cfg(feature = "miaw")]
        self.view.fail_files_in_flight();
        // Written again whatever this tab had stored.
        self.saved_snapshot = None;
        self.role = Role::Owner;
        self.view.set_state(self.engine.state().clone());
        self.view
            .set_agent(self.engine.agent_name().map(str::to_string));
        self.view.set_other_tab(false);
        self.view.set_taking_over(false);
        let replaying = std::mem::replace(&mut self.view.replaying, true);
        self.drain_engine(now);
        self.view.replaying = replaying;
    }
}
