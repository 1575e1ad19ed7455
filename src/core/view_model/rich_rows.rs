//! Enhanced Chat's rows beyond plain text: a bot's or agent's rich message, the visitor's
//! answer to a menu and their files (with an upload's progress), and which menus can no longer
//! be answered.
//!
//! A menu is closed once the visitor's answer to it is on its way or sent (a failed answer
//! opens it again, for a retry); quick replies also once any later message comes. The closed
//! menus are worked out from the transcript, so a reload shows them as they were.

use super::{Author, Item, Millis, Note, ViewChange, ViewModel};
use crate::miaw::rich::{visitor_file, Rich};
use crate::session::{Delivery, FileInfo, FileProblem};

impl ViewModel {
    /// A bot's or agent's message beyond plain text.
    pub(super) fn rich_message(&mut self, name: String, text: String, json: String, now: Millis) {
        let mut item = Item::new(Author::Agent, name, text, now);
        item.rich = Some(json);
        self.agent_row(item);
    }

    /// The visitor answers the menu `reply_to` with the option `option`, titled `title`: a row
    /// of its own, "queued"; returns its local id.
    pub fn visitor_choice(
        &mut self,
        title: String,
        reply_to: String,
        option: String,
        now: Millis,
    ) -> u64 {
        let local_id = self.visitor_message(title, now);
        if let Some(item) = self.transcript.items.last_mut() {
            item.reply_to = Some(reply_to);
            item.option = Some(option);
        }
        self.menus_changed = true;
        local_id
    }

    /// The visitor sends a file: a row of its own, "queued"; returns its local id.
    pub fn visitor_file(&mut self, file: &FileInfo, now: Millis) -> u64 {
        let local_id = self.visitor_message(file.name.clone(), now);
        if let Some(item) = self.transcript.items.last_mut() {
            item.rich = Some(visitor_file(file));
        }
        self.menus_changed = true;
        local_id
    }

    /// A visitor's file did not go.
    pub(super) fn file_failed(&mut self, local_id: u64, problem: FileProblem, now: Millis) {
        self.set_progress(local_id, None);
        if let Some(index) = self.transcript.force_status(local_id, Delivery::Failed) {
            self.store.changed(index);
            self.status_changed.push(index);
        }
        let note = match problem {
            FileProblem::TooLarge => Note::FileTooLarge,
            FileProblem::Type => Note::FileType,
            FileProblem::Refused => Note::FileRefused,
            // The row says "Not sent", with Retry.
            FileProblem::Interrupted | FileProblem::Cancelled => return,
        };
        self.note(note, String::new(), now);
    }

    /// Every file of the visitor's not yet sent is marked not sent: the page that held its bytes
    /// is gone (a reload, another tab's hand-over).
    pub fn fail_files_in_flight(&mut self) {
        let cut: Vec<u64> = self
            .transcript
            .items
            .iter()
            .filter(|i| i.author == Author::Visitor && i.rich.is_some())
            .filter(|i| matches!(i.status, Some(Delivery::Queued | Delivery::Sending)))
            .filter_map(|i| i.local_id)
            .collect();
        for local_id in cut {
            self.file_failed(local_id, FileProblem::Interrupted, 0);
        }
    }

    /// How far the upload of `local_id` got (percent), `None` once it is over.
    pub fn set_progress(&mut self, local_id: u64, percent: Option<u8>) {
        let before = self.progress.clone();
        self.progress.retain(|(id, _)| *id != local_id);
        if let Some(p) = percent {
            self.progress.push((local_id, p));
        }
        if self.progress != before {
            self.changes
                .push(ViewChange::Progress(self.progress.clone()));
        }
    }

    /// The largest file the visitor may send, once the deployment said (`None`: no files).
    pub fn set_uploads(&mut self, max: Option<u64>) {
        if self.uploads != max {
            self.uploads = max;
            self.changes.push(ViewChange::Uploads(max));
        }
    }

    /// Whether the server's PDF transcript can be downloaded, told to the view when it changed.
    pub fn set_transcript_pdf(&mut self, on: bool) {
        if self.transcript_pdf != on {
            self.transcript_pdf = on;
            self.changes.push(ViewChange::TranscriptPdf(on));
        }
    }

    /// The menus that can no longer be answered, told to the view when they changed.
    pub(super) fn flush_menus(&mut self) {
        if !std::mem::take(&mut self.menus_changed) {
            return;
        }
        let items = &self.transcript.items;
        let mut closed = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let Some(json) = item
                .rich
                .as_deref()
                .filter(|_| item.author == Author::Agent)
            else {
                continue;
            };
            let rich = Rich::parse(json);
            if rich.options().is_empty() {
                continue;
            }
            let answered = |i: &Item| {
                i.reply_to.as_deref() == Some(rich.id.as_str())
                    && i.status != Some(Delivery::Failed)
            };
            let later = &items[index + 1..];
            if later.iter().any(answered)
                || rich.chips() && later.iter().any(|i| i.author != Author::System)
            {
                closed.push(rich.id);
            }
        }
        if closed != self.closed {
            self.closed.clone_from(&closed);
            self.changes.push(ViewChange::Closed(closed));
        }
    }
}
