//! The visitor's files (`POST …/conversation/{id}/file`): the checks, the stored file, the echo
//! with `attachmentUploadResult: {status: "Pending"}`, and, once processed, the `MessageUpdated`
//! entry saying `Completed` or `Error` (UNCONFIRMED shapes, see `sim/README.md`). The multipart
//! body is the HTTP face's (`miaw_api`); this gets its parts.

use super::files::{file_path, StoredFile};
use super::state::{str_field, Miaw, Reject};
use super::visitor::Post;
use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// The `fileData` part of an upload.
pub struct FilePart {
    pub name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// An upload the server "processes" for a while: [`Miaw::finish_upload`] is due after `after`.
pub struct Processing {
    pub conversation: String,
    pub message_id: String,
    /// `None`: `Completed`; else `Error` with this `errorType`.
    pub error: Option<String>,
    pub after: Duration,
}

/// A file id becomes a URL path segment: letters, digits, `-` and `_` only.
fn url_safe(id: &str) -> bool {
    id.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Miaw {
    /// Before the body is read: the visitor's open conversation (404, 400 closed), uploads
    /// allowed by the deployment (403). The most bytes to read (the deployment's limit plus room
    /// for the rest of the body).
    pub fn upload_allowed(&mut self, visitor: &str, id: &str) -> Result<usize, Reject> {
        self.own(visitor, id)?.require_open()?;
        let a = &self.deployments[self.visitors[visitor].dep].attachments;
        if !a.end_user_to_agent {
            return Err(Reject::new(
                StatusCode::FORBIDDEN,
                "File uploads from the end user are not enabled for this deployment",
            ));
        }
        Ok(usize::try_from(a.max_file_size)
            .unwrap_or(usize::MAX)
            .saturating_add(1024 * 1024))
    }

    /// The upload whose body was read: `entry` the `messageEntry` JSON, `file` the `fileData`
    /// part. 400 without `message.id` or `message.fileId` (and as `/message` for the envelope),
    /// 413 beyond the size limit, 415 for a type not allowed, 417 as `/message`. Stores the file,
    /// echoes the message (Pending) and says when to finish it (`None`: a retry, or processed at
    /// once). `base`: the server's base URL.
    pub fn visitor_file(
        &mut self,
        visitor: &str,
        id: &str,
        entry: &Value,
        file: FilePart,
        base: &str,
    ) -> Result<(Value, Option<Processing>), Reject> {
        let Some(msg) = entry.get("message").filter(|m| m.is_object()) else {
            return Err(Reject::bad("Missing required field messageEntry.message"));
        };
        let Some(msg_id) = str_field(msg, "id") else {
            return Err(Reject::bad("Missing required field message.id"));
        };
        let Some(file_id) = str_field(msg, "fileId") else {
            return Err(Reject::bad("Missing required field message.fileId"));
        };
        if !url_safe(file_id) {
            return Err(Reject::bad(
                "message.fileId may hold letters, digits, - and _ only",
            ));
        }
        let caption = match msg.get("text") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(t.clone()).filter(|t| !t.is_empty()),
            Some(_) => return Err(Reject::bad("message.text must be a string")),
        };
        let in_reply_to = str_field(msg, "inReplyToMessageId").map(str::to_string);
        let (new_session, attributes, client_ts) = self.message_envelope(visitor, entry)?;
        let dep = self.visitors[visitor].dep;
        let limits = self.deployments[dep].attachments.clone();
        if file.bytes.len() as u64 > limits.max_file_size {
            return Err(Reject::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The file is larger than the limit of {} bytes",
                    limits.max_file_size
                ),
            ));
        }
        if !limits.allows(&file.content_type) {
            return Err(Reject::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Files of type {} are not allowed", file.content_type),
            ));
        }
        if let Some(answer) = self.open_conversation(visitor, id, msg_id)? {
            return Ok((answer, None));
        }
        if self.files.contains(file_id) {
            return Err(Reject::bad(format!("fileId {file_id} is already taken")));
        }
        let size = file.bytes.len();
        let mut attachment = json!({
            "id": file_id,
            "name": file.name,
            "mimeType": file.content_type,
            "url": format!("{base}{}", file_path(file_id)),
            "attachmentUploadResult": {"status": "Pending"},
        });
        let mut abstract_message = json!({
            "messageType": "StaticContentMessage",
            "id": msg_id,
            "staticContent": {
                "formatType": "Attachments",
                "text": caption,
                "attachments": [attachment.clone()],
            },
        });
        if let Some(r) = in_reply_to {
            abstract_message["inReplyToMessageId"] = json!(r);
        }
        let stored = StoredFile {
            name: file.name,
            mime_type: file.content_type,
            bytes: file.bytes,
        };
        // What `received` shows: the messageEntry and the file's facts (not its bytes).
        attachment["size"] = json!(size);
        let record = json!({"messageEntry": entry, "fileData": attachment});
        // Checked for 417 by the post before anything is stored.
        let ended = self
            .conversations
            .get(id)
            .is_some_and(|c| c.phase == super::state::Phase::SessionEnded);
        if ended && !new_session {
            return Err(Reject::new(
                StatusCode::EXPECTATION_FAILED,
                "The messaging session has ended: send the message with isNewMessagingSession true",
            ));
        }
        self.files.put(file_id, stored);
        let post = Post {
            msg_id: msg_id.to_string(),
            abstract_message,
            received_kind: "File",
            body: record,
            new_session,
            attributes,
            client_ts,
        };
        let (answer, _) = self.post_visitor_message(visitor, id, post)?;
        let error = self
            .conversations
            .get_mut(id)
            .and_then(|c| c.upload_error.take());
        let after = Duration::from_millis(self.deployments[dep].upload_processing_millis);
        if after.is_zero() {
            self.finish_upload(id, msg_id, error);
            return Ok((answer, None));
        }
        let processing = Processing {
            conversation: id.to_string(),
            message_id: msg_id.to_string(),
            error,
            after,
        };
        Ok((answer, Some(processing)))
    }

    /// The end of an upload's processing: the message's attachments get
    /// `attachmentUploadResult` `{status: "Completed"}` or `{status: "Error", errorType}` (in
    /// history too), and a `CONVERSATION_MESSAGE` whose entry is `MessageUpdated`
    /// `{id, updatedMessage}` says so. No effect when the message is gone (a reset).
    pub fn finish_upload(&mut self, id: &str, msg_id: &str, error: Option<String>) {
        let result = match &error {
            None => json!({"status": "Completed"}),
            Some(t) => json!({"status": "Error", "errorType": t}),
        };
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        let Some(entry) = c
            .entries
            .iter_mut()
            .find(|e| e.identifier == msg_id && e.entry_type == "Message")
        else {
            return;
        };
        let message = &mut entry.payload["abstractMessage"];
        if let Some(list) = message["staticContent"]["attachments"].as_array_mut() {
            for a in list {
                a["attachmentUploadResult"] = result.clone();
            }
        }
        let updated = message.clone();
        for l in c
            .transcript
            .iter_mut()
            .filter(|l| l.message_id.as_deref() == Some(msg_id))
        {
            l.detail["status"] = result["status"].clone();
            if let Some(t) = &error {
                l.detail["errorType"] = json!(t);
            }
        }
        let payload = json!({
            "entryType": "MessageUpdated",
            "id": msg_id,
            "updatedMessage": updated,
        });
        let mut e = self.entry(id, "MessageUpdated", Self::system_sender(), None, payload);
        e.related = vec![msg_id.to_string()];
        self.publish(id, "CONVERSATION_MESSAGE", e, true);
    }
}
