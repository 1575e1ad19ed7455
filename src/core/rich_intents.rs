//! Enhanced Chat's intents beyond text: a menu's answer, a file, its cancel and progress, and
//! the retry of a failed row (a text, an answer or a file, sent again under the same row).

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
            Input::Progress { id, loaded, total } => {
                let upload = self.wire.iter().find_map(|(w, s)| match s {
                    Source::Engine(inner) if *w == id => self.engine.upload_of(*inner),
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
