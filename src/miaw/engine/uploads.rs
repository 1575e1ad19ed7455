//! The visitor's files: queued, uploaded one at a time on their own channel (so a large file
//! holds no message up), cancelled, failed, and the server's later word on them.
//!
//! An upload is not retried by the engine: a failed one is marked not sent with the reason, and
//! the visitor retries (the core sends it again under the same row). Nor does it outlive the
//! page: after a reload, a file that was on its way is marked not sent ([`Engine::restore`]).

use super::*;
use crate::miaw::rich::{Rich, Upload as UploadResult};
use crate::session::{FileInfo, FileProblem};

impl Engine {
    pub(super) fn send_file(&mut self, local_id: u64, file: FileInfo) {
        let Some(id) = self.outgoing_id(local_id) else {
            return;
        };
        let file_id = self.uuid();
        self.uploads.push_back(Upload {
            local_id,
            id,
            file_id,
            file,
        });
        self.emit(Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        });
    }

    pub(super) fn send_upload(&mut self, upload: Upload, now: Millis) {
        let es = &self.cfg.es_developer_name;
        let entry = self.in_session(SendMessageRequest::file(&upload.id, &upload.file_id, es));
        self.set_delivery(upload.local_id, Delivery::Sending);
        let path = self.conversation_path("/file");
        let flight = self.issue(
            Call::Upload,
            Method::Post,
            path,
            Vec::new(),
            Some(entry.to_json()),
            now,
        );
        if let Some(req) = self.requests.back_mut() {
            req.file = Some(upload.file);
        }
        self.upload.flight = Some(flight);
    }

    pub(super) fn cancel_upload(&mut self, local_id: u64) {
        let Some(index) = self.uploads.iter().position(|u| u.local_id == local_id) else {
            return;
        };
        if index == 0 {
            if let Some(flight) = self.upload.flight.take() {
                self.aborts.push_back(flight.id);
            }
        }
        self.fail_upload(index, FileProblem::Cancelled);
    }

    /// The answer to the upload on its way.
    pub(super) fn upload_answer(&mut self, outcome: Outcome) {
        let Some(upload) = self.uploads.front() else {
            return;
        };
        let local_id = upload.local_id;
        let problem = match outcome {
            Outcome::Http { status, .. } if (200..300).contains(&status) => {
                self.uploads.pop_front();
                self.new_session = false;
                self.set_delivery(local_id, Delivery::Sent);
                return;
            }
            // A verified customer's file goes again with a new token.
            Outcome::Http { status: 401, .. } if self.cfg.verified => {
                self.reauthorise(None);
                return;
            }
            Outcome::Http { status: 401, .. } => {
                self.finish(EndReason::SessionInvalid);
                return;
            }
            // The messaging session ended: the same file starts a new one.
            Outcome::Http { status: 417, .. } => {
                self.new_session = true;
                return;
            }
            Outcome::Http { status: 413, .. } => FileProblem::TooLarge,
            Outcome::Http { status: 415, .. } => FileProblem::Type,
            Outcome::Http { status, body } => {
                self.unexpected(Call::Upload, status, body);
                FileProblem::Interrupted
            }
            Outcome::Network(problem) => {
                self.emit(Event::Error(EngineError::BadResponse {
                    resource: "Upload".into(),
                    detail: problem,
                }));
                FileProblem::Interrupted
            }
            Outcome::TimedOut => FileProblem::Interrupted,
        };
        self.fail_upload(0, problem);
    }

    fn fail_upload(&mut self, index: usize, problem: FileProblem) {
        if let Some(upload) = self.uploads.remove(index) {
            self.file_failed(upload.local_id, problem);
        }
    }

    /// The visitor's file `local_id` is not sent, whatever its row said.
    pub(super) fn file_failed(&mut self, local_id: u64, problem: FileProblem) {
        if let Some(s) = self.sent.iter_mut().find(|s| s.local_id == local_id) {
            s.status = Delivery::Failed;
        }
        self.emit(Event::FileFailed { local_id, problem });
    }

    /// `MessageUpdated`: the server's word on an upload it took (pending, then completed or an
    /// error).
    pub(super) fn message_updated(&mut self, id: &str, message: Value) {
        let Some(local_id) = self.sent_local_id(id) else {
            return;
        };
        if Rich::read(message).upload() == UploadResult::Error {
            self.file_failed(local_id, FileProblem::Refused);
        }
    }
}
