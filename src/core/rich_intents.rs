//! Enhanced Chat's intents beyond text: a menu's answer, a file, its cancel and progress, and
//! the retry of a failed row (a text, an answer or a file, sent again under the same row); a
//! verified customer's identity and logout; the server's transcript.

use super::*;

impl Core {
    /// Routes one of these inputs; `false` when nothing is to follow.
    pub(super) fn route_rich(&mut self, input: Input, now: Millis, rand: u32) -> bool {
        match input {
            Input::Choose {
                reply_to,
                option,
                title,
            } => {
                // An option without an identifier cannot be answered as a choice: its title as
                // text (what bots take typed, too).
                if option.is_empty() {
                    return self.route(Input::Send(title), now, rand);
                }
                let local_id =
                    self.view
                        .visitor_choice(title, reply_to.clone(), option.clone(), now);
                let input = EngineInput::Choose {
                    local_id,
                    reply_to,
                    option,
                };
                self.engine.handle(input, now, rand);
            }
            Input::SendFile(file) => {
                let local_id = self.view.visitor_file(&file, now);
                self.engine
                    .handle(EngineInput::SendFile { local_id, file }, now, rand);
            }
            Input::CancelUpload(local_id) => {
                self.engine
                    .handle(EngineInput::CancelUpload { local_id }, now, rand);
            }
            Input::Retry(local_id) => return self.retry(local_id, now, rand),
            Input::Identify(token) => {
                // Another customer in this browser: the chat of the one before is not theirs.
                let before = self
                    .engine
                    .miaw()
                    .and_then(|e| e.subject().map(str::to_string));
                let now_sub = crate::miaw::wire::jwt_subject(&token);
                if before.is_some() && before != now_sub {
                    self.logout(now, rand);
                }
                self.engine.handle(EngineInput::Identify(token), now, rand);
            }
            Input::Logout => self.logout(now, rand),
            Input::DownloadTranscript => {
                let Some(mut req) = self.engine.miaw().and_then(|e| e.transcript_request()) else {
                    return false;
                };
                let id = RequestId(self.next_wire);
                self.next_wire += 1;
                self.wire.push((id, Source::Transcript));
                req.id = id;
                self.requests.push_back(ChatRequest::Miaw(req));
            }
            Input::Progress { id, loaded, total } => {
                let upload = self.wire.iter().find_map(|(w, s)| match s {
                    Source::Engine(inner) if *w == id => self.engine.miaw()?.upload_of(*inner),
                    _ => None,
                });
                let Some(local_id) = upload else {
                    return false;
                };
                let percent = if total > 0.0 {
                    (loaded / total * 100.0).clamp(0.0, 100.0) as u8
                } else {
                    0
                };
                self.view.set_progress(local_id, Some(percent));
            }
            _ => return false,
        }
        true
    }

    /// Logout: the engine revokes the token and starts over; the transcript, the draft and
    /// what was stored go.
    fn logout(&mut self, now: Millis, rand: u32) {
        self.engine.handle(EngineInput::Logout, now, rand);
        self.clear_view();
        self.draft.clear();
        self.view.push_change(ViewChange::Draft(String::new()));
    }

    /// The server's transcript was saved (the driver did it), or not: then a row says so.
    pub(super) fn transcript_saved(&mut self, outcome: crate::session::Outcome, now: Millis) {
        if !matches!(
            outcome,
            crate::session::Outcome::Http {
                status: 200..=299,
                ..
            }
        ) {
            self.effects.push(Effect::Warn(format!(
                "chasitor: the transcript could not be downloaded: {outcome:?}"
            )));
            self.view.note(
                crate::core::transcript::Note::TranscriptFailed,
                String::new(),
                now,
            );
        }
    }

    /// The failed row `local_id` goes again: its text, its answer, or its file (while the page
    /// that chose it lives: the driver says so when the bytes are gone).
    fn retry(&mut self, local_id: u64, now: Millis, rand: u32) -> bool {
        let Some(item) = self
            .view
            .transcript
            .items
            .iter()
            .rev()
            .find(|i| i.local_id == Some(local_id))
        else {
            return false;
        };
        if item.status != Some(crate::session::Delivery::Failed) {
            return false;
        }
        let input = match (&item.reply_to, &item.option, &item.rich) {
            (Some(reply_to), Some(option), _) => EngineInput::Choose {
                local_id,
                reply_to: reply_to.clone(),
                option: option.clone(),
            },
            (_, _, Some(json)) => {
                let Some(file) = crate::miaw::rich::stored_file(json) else {
                    return false;
                };
                EngineInput::SendFile { local_id, file }
            }
            _ => EngineInput::SendText {
                local_id,
                text: item.text.clone(),
            },
        };
        self.engine.handle(input, now, rand);
        true
    }
}
