//! Every visible string, per language.
//!
//! One table: each label has a key (the name a site owner uses in `data-labels`, e.g.
//! `{"launcher": "Talk to us"}`) and an English text. Texts may hold placeholders in braces
//! (`{position}`, `{name}`), filled by [`fill`]. [`Labels::for_language`] picks the table (English,
//! or German from [`de`]) and [`Labels::rtl`] tells the UI the text direction.

use std::borrow::Cow;
use std::sync::Arc;

macro_rules! labels {
    ($( $(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])? $field:ident : $key:literal => $en:literal, )*) => {
        /// Where each label is in the table.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        enum Id { $( $(#[cfg($cfg)])? $field, )* }

        impl Labels {
            /// The keys accepted in `data-labels`, in the table's order.
            pub const KEYS: &'static [&'static str] = &[$( $(#[cfg($cfg)])? $key, )*];

            /// The English texts, in the table's order.
            const ENGLISH: &'static [&'static str] = &[$( $(#[cfg($cfg)])? $en, )*];

            $( $(#[doc = $doc])* $(#[cfg($cfg)])? pub fn $field(&self) -> &str { &self.texts[Id::$field as usize] } )*
        }
    };
}

/// Every visible string of the widget: one table, shared by every clone (the components and the
/// transcript rows hold clones), the English texts borrowed from the binary until a site or a
/// language replaces one. One accessor per label (`labels.launcher()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels {
    /// Right-to-left text (e.g. Arabic, Hebrew): the UI sets `dir="rtl"`.
    pub rtl: bool,
    texts: Arc<Vec<Cow<'static, str>>>,
}

impl Labels {
    /// The English table.
    pub fn english() -> Labels {
        Labels {
            rtl: false,
            texts: Arc::new(Labels::ENGLISH.iter().map(|t| Cow::Borrowed(*t)).collect()),
        }
    }

    /// Where the label named `key` is in the table.
    fn index(key: &str) -> Option<usize> {
        Labels::KEYS.iter().position(|k| *k == key)
    }

    /// Replaces the label named `key`; `false` when there is no such label.
    pub fn set(&mut self, key: &str, text: &str) -> bool {
        match Labels::index(key) {
            Some(i) => {
                Arc::make_mut(&mut self.texts)[i] = Cow::Owned(text.to_string());
                true
            }
            None => false,
        }
    }

    /// The label named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        Some(&self.texts[Labels::index(key)?])
    }
}

labels! {
    /// The launcher button's text.
    launcher: "launcher" => "Chat with us",
    /// The launcher's accessible name while the chat window is open.
    launcher_close: "launcherClose" => "Hide the chat",
    /// The launcher when the widget cannot work (bad settings, a crash).
    unavailable: "unavailable" => "Chat unavailable",
    /// Accessible text of the unread badge.
    unread: "unread" => "{count} unread",
    /// The chat window's title.
    title: "title" => "Chat",
    /// The minimise button in the header.
    minimise: "minimise" => "Minimise the chat",
    /// The loader's window while the widget loads (a click made before the wasm was here).
    loading: "loading" => "Loading the chat…",
    /// The loader's window when the widget's files could not be loaded (offline, blocked, missing).
    load_failed: "loadFailed" => "The chat could not be loaded. Check your connection and try again.",
    /// Loads the widget's files again, after `loadFailed`.
    try_again: "tryAgain" => "Try again",
    end_chat: "endChat" => "End chat",
    end_question: "endQuestion" => "End this chat?",
    end_confirm: "endConfirm" => "Yes, end it",
    end_cancel: "endCancel" => "Keep chatting",
    prechat_intro: "prechatIntro" => "Tell us who you are and an agent will be with you shortly.",
    start: "start" => "Start chat",
    required_mark: "requiredMark" => "required",
    field_required: "fieldRequired" => "Please fill in {field}.",
    field_email: "fieldEmail" => "Please enter a valid email address.",
    connecting: "connecting" => "Connecting you to an agent…",
    queue_position: "queuePosition" => "You are number {position} in line.",
    queue_wait: "queueWait" => "That is about {minutes} min.",
    queue_waiting: "queueWaiting" => "Waiting for an agent…",
    queue_write: "queueWrite" => "You can already write your question: the agent sees it when they join.",
    agent: "agent" => "Agent",
    you: "you" => "You",
    agent_joined: "agentJoined" => "{name} joined the chat.",
    transferred: "transferred" => "You are now chatting with {name}.",
    agent_left: "agentLeft" => "The agent left the chat. Another agent may pick it up.",
    agent_ended: "agentEnded" => "{name} ended the chat.",
    visitor_ended: "visitorEnded" => "You ended the chat.",
    typing: "typing" => "{name} is typing…",
    transcript: "transcript" => "Messages",
    /// The button above a long transcript that shows the rows before the newest few hundred.
    earlier: "earlier" => "Show earlier messages",
    /// Below the transcript while the visitor reads earlier rows and new ones came: back to them.
    newer: "newer" => "New messages",
    composer: "composer" => "Message",
    placeholder: "placeholder" => "Type a message…",
    send: "send" => "Send",
    chars_left: "charsLeft" => "{count} characters left",
    status_queued: "statusQueued" => "Waiting",
    status_sending: "statusSending" => "Sending…",
    status_sent: "statusSent" => "Sent",
    /// Enhanced Chat: the agent's side has the message / read it.
    status_delivered: "statusDelivered" => "Delivered",
    status_read: "statusRead" => "Read",
    /// A visitor message the server refused: it was not delivered.
    status_failed: "statusFailed" => "Not sent",
    ended_visitor: "endedVisitor" => "You ended the chat.",
    ended_agent: "endedAgent" => "{name} ended the chat.",
    ended_expired: "endedExpired" => "The chat has ended: the session expired.",
    ended_other_tab: "endedOtherTab" => "The chat ended because it was opened twice, in another tab or window.",
    ended_error: "endedError" => "The chat ended because of a connection problem. Sorry about that.",
    new_chat: "newChat" => "Start a new chat",
    offline_title: "offlineTitle" => "We are offline",
    offline_text: "offlineText" => "No agent is available right now. Please try again later.",
    reconnecting: "reconnecting" => "Reconnecting…",
    connection_problem: "connectionProblem" => "Connection problem. Trying again…",
    /// While the visitor's browser is offline.
    connection_lost: "connectionLost" => "Connection lost. Reconnecting…",
    idle_warning: "idleWarning" => "Are you still there? The chat ends soon without a reply.",
    crashed: "crashed" => "Chat is unavailable right now. Please reload the page.",
    /// The launcher's status while agents are online / offline (Visitor/Availability).
    status_online: "statusOnline" => "Agents online",
    status_offline: "statusOffline" => "Agents offline",
    /// Before the chat, when the server knows the wait.
    wait_estimate: "waitEstimate" => "The wait is about {minutes} min.",
    /// The link to the site owner's contact page (data-contact-url) when offline.
    contact: "contact" => "Contact us",
    /// Asks for availability again when offline.
    check_again: "checkAgain" => "Check again",
    /// After the chat: the transcript as a text file.
    download: "download" => "Download the transcript",
    /// The first line of the downloaded transcript.
    transcript_title: "transcriptTitle" => "Chat transcript",
    /// After the chat: the server's post-chat page.
    post_chat: "postChat" => "Tell us how we did",
    /// Instead of the chat, in a tab while another tab of the browser has the chat.
    other_tab: "otherTab" => "This chat is open in another tab.",
    /// Moves the chat to this tab.
    continue_here: "continueHere" => "Continue here",
    /// Under the composer when a longer text was cut to the longest message allowed.
    message_shortened: "messageShortened" => "Your text was cut to {max} characters, the longest a message can be.",
    /// Enhanced Chat: in the transcript when the system (not the agent or bot) ended the session.
    #[cfg(feature = "miaw")]
    session_ended: "sessionEnded" => "The chat session has ended.",
    /// Enhanced Chat: after the agent, bot or system ended the session; the conversation goes on.
    #[cfg(feature = "miaw")]
    session_continue: "sessionContinue" => "Write a message to continue this conversation, or start a new chat.",
    /// Enhanced Chat: the messaging session went inactive after a while without a reply.
    #[cfg(feature = "miaw")]
    inactive: "inactive" => "The chat is paused because there was no reply for a while. Write a message to pick it up again.",
    /// Enhanced Chat: a message in a format the widget cannot show.
    #[cfg(feature = "miaw")]
    unshowable: "unshowable" => "{name} sent a message that cannot be shown here.",
    /// Enhanced Chat: the paperclip's name (it opens the file picker).
    #[cfg(feature = "miaw")]
    attach: "attach" => "Attach a file",
    /// Enhanced Chat: under the composer when a chosen file is over the limit.
    #[cfg(feature = "miaw")]
    file_too_large: "fileTooLarge" => "{name} is too large to send: files can be up to {max}.",
    /// Enhanced Chat: under the composer when a chosen file is of a type not offered.
    #[cfg(feature = "miaw")]
    file_type: "fileType" => "{name} cannot be sent: pictures, PDF and text files can.",
    /// Enhanced Chat: in the transcript when the server refused a file as too large.
    #[cfg(feature = "miaw")]
    file_refused_size: "fileRefusedSize" => "The file was not sent: it is larger than this chat accepts.",
    /// Enhanced Chat: in the transcript when the server refused a file's type.
    #[cfg(feature = "miaw")]
    file_refused_type: "fileRefusedType" => "The file was not sent: this chat does not accept files of this type.",
    /// Enhanced Chat: in the transcript when the server took a file, then could not deliver it.
    #[cfg(feature = "miaw")]
    file_refused: "fileRefused" => "The file could not be delivered.",
    /// Enhanced Chat: in the transcript when the server's transcript could not be downloaded.
    #[cfg(feature = "miaw")]
    transcript_failed: "transcriptFailed" => "The transcript could not be downloaded. Try again.",
    /// Enhanced Chat, verified customers: the window before the site said who the customer is.
    #[cfg(feature = "miaw")]
    sign_in: "signIn" => "Sign in to chat with us.",
    /// Enhanced Chat, verified customers: the server refused the customer's identity.
    #[cfg(feature = "miaw")]
    identity_refused: "identityRefused" => "We could not confirm who you are. Please sign in again.",
    /// Enhanced Chat: an upload's progress on its row.
    #[cfg(feature = "miaw")]
    uploading: "uploading" => "Uploading… {percent}%",
    /// Enhanced Chat: stops an upload.
    #[cfg(feature = "miaw")]
    cancel: "cancel" => "Cancel",
    /// Enhanced Chat: sends a message, an answer or a file again after it failed.
    #[cfg(feature = "miaw")]
    retry: "retry" => "Retry",
    /// Enhanced Chat: under a form the widget cannot fill in.
    #[cfg(feature = "miaw")]
    form_here: "formHere" => "This form cannot be filled in here.",
    /// Enhanced Chat: before the text of an error a bot reports (for screen readers too).
    #[cfg(feature = "miaw")]
    error_prefix: "errorPrefix" => "Error:",
    /// Enhanced Chat: above the links an answer cites.
    #[cfg(feature = "miaw")]
    sources: "sources" => "Sources",
    /// Enhanced Chat: a carousel's name for screen readers.
    #[cfg(feature = "miaw")]
    cards: "cards" => "Options, scroll sideways for more",
}

impl Default for Labels {
    fn default() -> Self {
        Labels::english()
    }
}

mod de;

impl Labels {
    /// The table for a language tag such as "en-US" or "de-AT": German for `de`, English
    /// otherwise; right-to-left for the scripts written that way (Arabic, Hebrew, Persian, Urdu...).
    pub fn for_language(language: &str) -> Labels {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut labels = Labels::english();
        if primary == "de" {
            for (key, text) in de::GERMAN {
                labels.set(key, text);
            }
        }
        labels.rtl = matches!(
            primary.as_str(),
            "ar" | "he" | "iw" | "fa" | "ur" | "ps" | "sd" | "yi" | "dv" | "ckb"
        );
        labels
    }
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_and_writes_its_label() {
        let mut l = Labels::english();
        for key in Labels::KEYS {
            assert!(l.get(key).is_some_and(|t| !t.is_empty()), "{key}");
            assert!(l.set(key, "x"), "{key}");
            assert_eq!(l.get(key), Some("x"));
        }
        assert!(!l.set("nope", "x"));
    }

    #[test]
    fn placeholders_are_filled() {
        let l = Labels::english();
        assert_eq!(
            fill(l.queue_position(), &[("position", "3")]),
            "You are number 3 in line."
        );
        assert_eq!(fill(l.typing(), &[("name", "Anna")]), "Anna is typing…");
    }
}
