//! The view model: what the window shows, as plain data, and the reducer that turns the chat
//! engine's events into it (transcript rows, notes, the banner, the unread count, the site
//! owner's events). Every change goes out as a [`ViewChange`] (the driver sets the matching
//! signal) and, for the site's `window.Chasitor` listeners, as a [`SiteEvent`].

#[cfg(feature = "miaw")]
mod rich_rows;

use super::transcript::{Author, Item, Note, Transcript, TranscriptStore};
use super::Millis;
use crate::session::{ChatState, Delivery, EndReason, Event};

/// The calm message at the top of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    /// The server warns the visitor is idle.
    IdleWarning,
    /// Enhanced Chat: the messaging session is inactive until the visitor writes.
    #[cfg(feature = "miaw")]
    Inactive,
}

/// The connection's trouble, while there is some (the status line, part `connection`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// The visitor's browser is offline.
    Offline,
    /// Requests fail and are retried.
    Retrying,
    /// The server moved the chat (503): finding it again.
    Reconnecting,
}

impl Connection {
    /// The status line's `data-connection`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Connection::Offline => "offline",
            Connection::Retrying => "retrying",
            Connection::Reconnecting => "reconnecting",
        }
    }
}

/// Position and estimated wait in the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueInfo {
    /// `None`: the server does not track positions.
    pub position: Option<u32>,
    pub estimated_wait_secs: Option<u32>,
}

/// One change of what the window shows.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewChange {
    State(ChatState),
    Queue(QueueInfo),
    /// The agent chatting now.
    Agent(Option<String>),
    AgentTyping(bool),
    Banner(Option<Banner>),
    Connection(Option<Connection>),
    /// Agent messages that arrived while the window was closed.
    Unread(u32),
    /// The window is open (not minimised).
    Open(bool),
    /// The chat is open in another tab of this browser.
    OtherTab(bool),
    /// "Continue here" was pressed; the other tab is handing the chat over.
    TakingOver(bool),
    /// Whether an agent can take a chat, and the estimated wait in seconds.
    Available {
        available: bool,
        wait_secs: Option<u32>,
    },
    /// The post-chat page the server named (http(s) only).
    PostChatUrl(Option<String>),
    /// Pre-chat answers given by the site (`Chasitor.setPrechat`), by field name.
    Prefill(Vec<(String, String)>),
    /// The pre-chat form the server defines (Enhanced Chat), in place of the settings' one.
    PrechatFields(Vec<crate::config::PrechatField>),
    /// The composer's text from before a reload (set once, when the core starts).
    Draft(String),
    /// Every row replaced (a restore, a new chat, a hand-over from another tab).
    RowsReset(Vec<Item>),
    /// A row appended.
    RowAdded(Item),
    /// The delivery status of the row at `index` changed.
    RowStatus {
        index: usize,
        status: Option<Delivery>,
    },
    /// Enhanced Chat: the uploads on their way, by local id, with how far each got (percent).
    #[cfg(feature = "miaw")]
    Progress(Vec<(u64, u8)>),
    /// Enhanced Chat: the menus (by message id) that can no longer be answered.
    #[cfg(feature = "miaw")]
    Closed(Vec<String>),
    /// Enhanced Chat: the largest file the visitor may send (bytes); `None`: no files.
    #[cfg(feature = "miaw")]
    Uploads(Option<u64>),
    /// Enhanced Chat: a verified customer's identity as the engine sees it.
    #[cfg(feature = "miaw")]
    Identity(crate::session::Identity),
    /// Enhanced Chat: the server's PDF transcript can be downloaded.
    #[cfg(feature = "miaw")]
    TranscriptPdf(bool),
}

/// An event for the site's `window.Chasitor.on(...)` listeners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteEvent {
    Open,
    Close,
    ChatStarted,
    AgentJoined {
        name: String,
        transferred: bool,
    },
    Message {
        author: Author,
        name: String,
        text: String,
    },
    CustomEvent {
        event_type: String,
        data: String,
    },
    ChatEnded {
        reason: &'static str,
    },
    Unread {
        count: u32,
    },
    Error {
        message: String,
    },
}

/// How a chat's end is named to the site (`chatEnded`'s `reason`).
pub fn end_reason(reason: &EndReason) -> &'static str {
    match reason {
        EndReason::Visitor => "visitor",
        EndReason::Agent => "agent",
        EndReason::SessionInvalid => "expired",
        EndReason::DuplicatePoll => "duplicatePoll",
        EndReason::RequestFailed { .. } => "unavailable",
        EndReason::Error(_) => "error",
    }
}

/// Something the owner of the view model should do besides showing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Site(SiteEvent),
    /// Play the new-message sound.
    Beep,
    /// Say this in the console (for the site owner).
    Warn(String),
    /// Say this in the console as an error.
    Error(String),
    /// The visitor's UI state (open, unread) changed: store it.
    UiChanged,
}

/// What the window shows. See the module documentation.
#[derive(Clone, Debug)]
pub struct ViewModel {
    pub state: ChatState,
    pub queue: QueueInfo,
    pub agent: Option<String>,
    pub agent_typing: bool,
    pub banner: Option<Banner>,
    pub connection: Option<Connection>,
    pub unread: u32,
    pub open: bool,
    pub other_tab: bool,
    pub taking_over: bool,
    /// The page is hidden (another browser tab in front, minimised).
    pub hidden: bool,
    /// The site owner turned the new-message sound on.
    pub sound: bool,
    pub post_chat_url: Option<String>,
    pub prefill: Vec<(String, String)>,
    /// The transcript, as stored.
    pub transcript: Transcript,
    /// What of it sessionStorage has.
    pub store: TranscriptStore,
    /// Rows the view has been given.
    shown: usize,
    /// Rows whose status changed since the last flush.
    status_changed: Vec<usize>,
    /// The whole transcript goes to the view afresh at the next flush.
    reset: bool,
    /// Events now repeat a restored chat: no notes, no site events, no sound.
    pub replaying: bool,
    #[cfg(feature = "miaw")]
    progress: Vec<(u64, u8)>,
    #[cfg(feature = "miaw")]
    closed: Vec<String>,
    /// Rows that may close a menu came (or their status changed) since the last flush.
    #[cfg(feature = "miaw")]
    menus_changed: bool,
    #[cfg(feature = "miaw")]
    uploads: Option<u64>,
    #[cfg(feature = "miaw")]
    transcript_pdf: bool,
    changes: Vec<ViewChange>,
    notices: Vec<Notice>,
}

impl ViewModel {
    /// A view of `transcript` (restored, or empty), stored under `key`.
    pub fn new(transcript: Transcript, store: TranscriptStore, sound: bool) -> ViewModel {
        let mut vm = ViewModel {
            state: ChatState::Idle,
            queue: QueueInfo::default(),
            agent: None,
            agent_typing: false,
            banner: None,
            connection: None,
            unread: 0,
            open: false,
            other_tab: false,
            taking_over: false,
            hidden: false,
            sound,
            post_chat_url: None,
            prefill: Vec::new(),
            transcript,
            store,
            shown: 0,
            status_changed: Vec::new(),
            reset: true,
            replaying: false,
            #[cfg(feature = "miaw")]
            progress: Vec::new(),
            #[cfg(feature = "miaw")]
            closed: Vec::new(),
            #[cfg(feature = "miaw")]
            menus_changed: true,
            #[cfg(feature = "miaw")]
            uploads: None,
            #[cfg(feature = "miaw")]
            transcript_pdf: false,
            changes: Vec::new(),
            notices: Vec::new(),
        };
        vm.flush_rows();
        vm
    }

    /// The next change for the view.
    #[must_use]
    pub fn poll_change(&mut self) -> Option<ViewChange> {
        (!self.changes.is_empty()).then(|| self.changes.remove(0))
    }

    /// The next notice.
    #[must_use]
    pub fn poll_notice(&mut self) -> Option<Notice> {
        (!self.notices.is_empty()).then(|| self.notices.remove(0))
    }

    /// Tells the view `change` as it is (the starting values).
    pub fn push_change(&mut self, change: ViewChange) {
        self.changes.push(change);
    }

    fn site(&mut self, event: SiteEvent) {
        self.notices.push(Notice::Site(event));
    }

    // ----- setters: each tells the view when the value changed -----

    pub fn set_state(&mut self, state: ChatState) {
        if self.state != state {
            self.state = state.clone();
            self.changes.push(ViewChange::State(state));
        }
    }

    pub fn set_queue(&mut self, queue: QueueInfo) {
        if self.queue != queue {
            self.queue = queue;
            self.changes.push(ViewChange::Queue(queue));
        }
    }

    pub fn set_agent(&mut self, agent: Option<String>) {
        if self.agent != agent {
            self.agent = agent.clone();
            self.changes.push(ViewChange::Agent(agent));
        }
    }

    pub fn set_agent_typing(&mut self, typing: bool) {
        if self.agent_typing != typing {
            self.agent_typing = typing;
            self.changes.push(ViewChange::AgentTyping(typing));
        }
    }

    pub fn set_banner(&mut self, banner: Option<Banner>) {
        if self.banner != banner {
            self.banner = banner;
            self.changes.push(ViewChange::Banner(banner));
        }
    }

    pub fn set_connection(&mut self, connection: Option<Connection>) {
        if self.connection != connection {
            self.connection = connection;
            self.changes.push(ViewChange::Connection(connection));
        }
    }

    pub fn set_unread(&mut self, unread: u32) {
        if self.unread != unread {
            self.unread = unread;
            self.changes.push(ViewChange::Unread(unread));
            self.notices.push(Notice::UiChanged);
            self.site(SiteEvent::Unread { count: unread });
        }
    }

    /// The window opened or was minimised (opening reads the unread messages).
    pub fn set_open(&mut self, open: bool) {
        if self.open != open {
            self.open = open;
            self.changes.push(ViewChange::Open(open));
            self.notices.push(Notice::UiChanged);
            self.site(if open {
                SiteEvent::Open
            } else {
                SiteEvent::Close
            });
        }
        if open {
            self.set_unread(0);
        }
    }

    pub fn set_other_tab(&mut self, other_tab: bool) {
        if self.other_tab != other_tab {
            self.other_tab = other_tab;
            self.changes.push(ViewChange::OtherTab(other_tab));
        }
    }

    pub fn set_taking_over(&mut self, taking_over: bool) {
        if self.taking_over != taking_over {
            self.taking_over = taking_over;
            self.changes.push(ViewChange::TakingOver(taking_over));
        }
    }

    pub fn set_available(&mut self, available: bool, wait_secs: Option<u32>) {
        self.changes.push(ViewChange::Available {
            available,
            wait_secs,
        });
    }

    pub fn set_post_chat_url(&mut self, url: Option<String>) {
        if self.post_chat_url != url {
            self.post_chat_url = url.clone();
            self.changes.push(ViewChange::PostChatUrl(url));
        }
    }

    /// The server's pre-chat form replaces the settings' one.
    pub fn set_prechat_fields(&mut self, fields: Vec<crate::config::PrechatField>) {
        self.changes.push(ViewChange::PrechatFields(fields));
    }

    /// Pre-chat answers from the site: later ones replace earlier ones of the same name.
    pub fn add_prefill(&mut self, answers: Vec<(String, String)>) {
        for (name, value) in answers {
            self.prefill.retain(|(n, _)| *n != name);
            self.prefill.push((name, value));
        }
        self.changes.push(ViewChange::Prefill(self.prefill.clone()));
    }

    // ----- the transcript -----

    /// Appends a row (shown at the next flush, stored at the next save).
    pub fn push_row(&mut self, item: Item) {
        self.transcript.push(item);
        self.store
            .changed(self.transcript.items.len().saturating_sub(1));
    }

    /// The visitor sends `text`: a row of its own, "queued"; returns the message's local id.
    pub fn visitor_message(&mut self, text: String, now: Millis) -> u64 {
        let local_id = self.transcript.take_local_id();
        let mut item = Item::new(Author::Visitor, String::new(), text, now);
        item.local_id = Some(local_id);
        item.status = Some(Delivery::Queued);
        self.push_row(item);
        local_id
    }

    /// Replaces the transcript (a restore, a new chat, a hand-over).
    pub fn replace_transcript(&mut self, transcript: Transcript) {
        self.transcript = transcript;
        self.reset = true;
        self.store.changed(0);
        #[cfg(feature = "miaw")]
        {
            self.menus_changed = true;
        }
    }

    /// Gives the view what changed in the transcript since the last flush: new rows and
    /// statuses, never the whole list (unless it was replaced).
    pub fn flush_rows(&mut self) {
        #[cfg(feature = "miaw")]
        self.flush_menus();
        if std::mem::take(&mut self.reset) {
            self.changes
                .push(ViewChange::RowsReset(self.transcript.items.clone()));
            self.shown = self.transcript.items.len();
            self.status_changed.clear();
            return;
        }
        for item in self.transcript.items.iter().skip(self.shown) {
            self.changes.push(ViewChange::RowAdded(item.clone()));
        }
        self.shown = self.transcript.items.len();
        for index in std::mem::take(&mut self.status_changed) {
            if let Some(item) = self.transcript.items.get(index) {
                self.changes.push(ViewChange::RowStatus {
                    index,
                    status: item.status,
                });
            }
        }
    }

    fn set_status(&mut self, local_id: u64, status: Delivery) {
        if let Some(index) = self.transcript.set_status(local_id, status) {
            self.store.changed(index);
            self.status_changed.push(index);
            #[cfg(feature = "miaw")]
            {
                self.menus_changed = true;
                if status != Delivery::Sending {
                    self.set_progress(local_id, None);
                }
            }
        }
    }

    /// Appends a system row (not while replaying a restore: the transcript has it already).
    pub(super) fn note(&mut self, note: Note, name: String, now: Millis) {
        if self.replaying {
            return;
        }
        let mut item = Item::new(Author::System, name, String::new(), now);
        item.note = Some(note);
        self.push_row(item);
    }

    /// An agent's (or bot's) message: its row, the site's event, the sound, the unread count.
    fn agent_row(&mut self, item: Item) {
        self.set_agent_typing(false);
        if !self.replaying {
            self.site(SiteEvent::Message {
                author: Author::Agent,
                name: item.name.clone(),
                text: item.text.clone(),
            });
            if self.sound && (!self.open || self.hidden) {
                self.notices.push(Notice::Beep);
            }
        }
        self.push_row(item);
        #[cfg(feature = "miaw")]
        {
            self.menus_changed = true;
        }
        if !self.open {
            self.set_unread(self.unread.saturating_add(1));
        }
    }

    /// Every visitor message not yet sent is marked "Not sent": the chat ended, nothing more
    /// will go out.
    fn fail_unsent(&mut self) {
        let unsent: Vec<u64> = self
            .transcript
            .items
            .iter()
            .filter(|i| matches!(i.status, Some(Delivery::Queued | Delivery::Sending)))
            .filter_map(|i| i.local_id)
            .collect();
        for local_id in unsent {
            self.set_status(local_id, Delivery::Failed);
        }
    }

    /// The reducer: one engine event into the view, the transcript and the notices.
    pub fn apply(&mut self, event: Event, now: Millis) {
        if let Event::PostChatUrl(url) = &event {
            if crate::config::options::is_http_url(url) {
                self.set_post_chat_url(Some(url.trim().to_string()));
            }
        }
        let live = !self.replaying;
        match event {
            Event::State(state) => {
                if state == ChatState::SessionRequested && live {
                    self.set_post_chat_url(None);
                    self.site(SiteEvent::ChatStarted);
                }
                if let ChatState::Ended(reason) = &state {
                    self.set_agent_typing(false);
                    self.set_banner(None);
                    self.fail_unsent();
                    let agent = self.agent.clone().unwrap_or_default();
                    match reason {
                        EndReason::Agent => self.note(Note::AgentEnded, agent, now),
                        // The ended view says so; no row for it.
                        EndReason::Visitor => {}
                        EndReason::Error(detail) => self
                            .notices
                            .push(Notice::Error(format!("chasitor: the chat ended: {detail}"))),
                        EndReason::DuplicatePoll => self.notices.push(Notice::Warn(
                            "chasitor: the chat ended: the server saw a second long poll for it (HTTP 409)".into(),
                        )),
                        EndReason::SessionInvalid => self.notices.push(Notice::Warn(
                            "chasitor: the chat ended: the server no longer knows the session (HTTP 403)".into(),
                        )),
                        EndReason::RequestFailed { reason } => self.notices.push(Notice::Warn(
                            format!("chasitor: the chat request failed (ChatRequestFail: {reason})"),
                        )),
                    }
                    if live {
                        self.site(SiteEvent::ChatEnded {
                            reason: end_reason(reason),
                        });
                    }
                }
                #[cfg(feature = "miaw")]
                if let ChatState::SessionEnded { by, .. } = &state {
                    // Once per end (the state comes again when the session's form is answered).
                    if !matches!(self.state, ChatState::SessionEnded { .. }) {
                        self.set_banner(None);
                        match by {
                            crate::session::Ender::System => {
                                self.note(Note::SessionEnded, String::new(), now)
                            }
                            _ => {
                                let name = self.agent.clone().unwrap_or_default();
                                self.note(Note::AgentEnded, name, now);
                            }
                        }
                    }
                }
                if state != ChatState::Established && state != ChatState::Reconnecting {
                    self.set_agent_typing(false);
                }
                self.set_state(state);
            }
            Event::Queue {
                position,
                estimated_wait_secs,
            } => self.set_queue(QueueInfo {
                position: position.filter(|p| *p > 0),
                estimated_wait_secs,
            }),
            Event::AgentJoined { name, .. } => {
                self.set_agent(Some(name.clone()));
                if live {
                    self.site(SiteEvent::AgentJoined {
                        name: name.clone(),
                        transferred: false,
                    });
                }
                self.note(Note::AgentJoined, name, now);
            }
            Event::AgentTyping(typing) => self.set_agent_typing(typing),
            Event::AgentMessage { name, text } => {
                self.agent_row(Item::new(Author::Agent, name, text, now));
            }
            Event::Transferred { name } => {
                self.set_agent(Some(name.clone()));
                if live {
                    self.site(SiteEvent::AgentJoined {
                        name: name.clone(),
                        transferred: true,
                    });
                }
                self.note(Note::Transferred, name, now);
            }
            Event::AgentDisconnected => {
                self.set_agent_typing(false);
                self.note(Note::AgentLeft, String::new(), now);
            }
            Event::IdleWarning(on) => {
                if on {
                    self.set_banner(Some(Banner::IdleWarning));
                } else if self.banner == Some(Banner::IdleWarning) {
                    self.set_banner(None);
                }
            }
            Event::CustomEvent { event_type, data } => {
                if live {
                    self.site(SiteEvent::CustomEvent { event_type, data });
                }
            }
            Event::VisitorMessage { local_id, status } => {
                if status == Delivery::Queued && live {
                    if let Some(text) = self.transcript.visitor_text(local_id) {
                        let text = text.to_string();
                        self.site(SiteEvent::Message {
                            author: Author::Visitor,
                            name: String::new(),
                            text,
                        });
                    }
                }
                self.set_status(local_id, status);
            }
            Event::PostChatUrl(_) => {}
            #[cfg(feature = "miaw")]
            Event::Inactive(on) => {
                if on {
                    self.set_banner(Some(Banner::Inactive));
                } else if self.banner == Some(Banner::Inactive) {
                    self.set_banner(None);
                }
            }
            #[cfg(feature = "miaw")]
            Event::AgentRich { name, text, json } => self.rich_message(name, text, json, now),
            #[cfg(feature = "miaw")]
            Event::FileFailed { local_id, problem } => self.file_failed(local_id, problem, now),
            #[cfg(feature = "miaw")]
            Event::Identity(identity) => self.changes.push(ViewChange::Identity(identity)),
            #[cfg(feature = "miaw")]
            Event::VisitorElsewhere { text } => {
                let mut item = Item::new(Author::Visitor, String::new(), text, now);
                item.status = Some(Delivery::Sent);
                self.push_row(item);
            }
            #[cfg(feature = "miaw")]
            Event::Unshowable { name } => {
                self.set_agent_typing(false);
                self.note(Note::Unshowable, name, now);
                if !self.open && live {
                    self.set_unread(self.unread.saturating_add(1));
                }
            }
            Event::Error(error) => {
                self.notices
                    .push(Notice::Warn(format!("chasitor: {error}")));
                if live {
                    self.site(SiteEvent::Error {
                        message: error.to_string(),
                    });
                }
            }
        }
    }
}
