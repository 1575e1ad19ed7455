//! The chat engine the site chose, behind one face: Live Agent ([`crate::live_agent::engine`]) or Enhanced
//! Chat ([`crate::miaw::engine`]). Both take the same inputs and give the view the same events;
//! they differ in their requests (and what they save for a reload), which stay typed per API.

use super::Settings;
#[cfg(feature = "live-agent")]
use crate::live_agent::engine::Snapshot;
#[cfg(feature = "live-agent")]
use crate::live_agent::engine::{self, HttpRequest};
#[cfg(feature = "miaw")]
use crate::miaw::engine as miaw;
use crate::session::{ChatState, Event, Input, Millis, RequestId};

#[cfg(not(any(feature = "live-agent", feature = "miaw")))]
compile_error!(
    "the widget needs at least one chat API: the cargo feature live-agent, miaw or both"
);

/// The running engine. One per widget, never moved about: the size difference between the two
/// engines costs nothing a box would save.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Chat {
    #[cfg(feature = "live-agent")]
    LiveAgent(engine::Engine),
    #[cfg(feature = "miaw")]
    Miaw(miaw::Engine),
}

/// A request of either API.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatRequest {
    #[cfg(feature = "live-agent")]
    LiveAgent(HttpRequest),
    #[cfg(feature = "miaw")]
    Miaw(miaw::Request),
}

impl ChatRequest {
    pub fn id(&self) -> RequestId {
        match self {
            #[cfg(feature = "live-agent")]
            ChatRequest::LiveAgent(r) => r.id,
            #[cfg(feature = "miaw")]
            ChatRequest::Miaw(r) => r.id,
        }
    }

    pub fn set_id(&mut self, id: RequestId) {
        match self {
            #[cfg(feature = "live-agent")]
            ChatRequest::LiveAgent(r) => r.id = id,
            #[cfg(feature = "miaw")]
            ChatRequest::Miaw(r) => r.id = id,
        }
    }
}

/// What an engine saves for a reload: one of the two.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatSnapshot {
    #[cfg(feature = "live-agent")]
    pub engine: Option<Snapshot>,
    #[cfg(feature = "miaw")]
    pub miaw: Option<miaw::Snapshot>,
}

impl Chat {
    /// A new, idle engine of the API the settings name.
    pub fn new(settings: &Settings) -> Chat {
        #[cfg(all(feature = "miaw", feature = "live-agent"))]
        if let Some(cfg) = &settings.miaw {
            return Chat::Miaw(miaw::Engine::new(cfg.clone()));
        }
        #[cfg(feature = "live-agent")]
        return Chat::LiveAgent(engine::Engine::new(settings.engine.clone()));
        // An Enhanced Chat-only build: its settings always name Enhanced Chat.
        #[cfg(not(feature = "live-agent"))]
        Chat::Miaw(miaw::Engine::new(settings.miaw.clone().unwrap_or_default()))
    }

    /// The engine resumed from `snap`, when it is a snapshot of the settings' API.
    pub fn restore(settings: &Settings, snap: ChatSnapshot, now: Millis) -> Option<Chat> {
        #[cfg(feature = "miaw")]
        if let Some(cfg) = &settings.miaw {
            let s = snap.miaw?;
            return Some(Chat::Miaw(miaw::Engine::restore(cfg.clone(), s, now)));
        }
        #[cfg(feature = "live-agent")]
        return Some(Chat::LiveAgent(engine::Engine::restore(
            settings.engine.clone(),
            snap.engine?,
            now,
        )));
        #[cfg(not(feature = "live-agent"))]
        None
    }

    pub fn snapshot(&self) -> ChatSnapshot {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => ChatSnapshot {
                engine: Some(e.snapshot()),
                #[cfg(feature = "miaw")]
                miaw: None,
            },
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => ChatSnapshot {
                #[cfg(feature = "live-agent")]
                engine: None,
                miaw: Some(e.snapshot()),
            },
        }
    }

    pub fn handle(&mut self, input: Input, now: Millis, rand: u32) {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.handle(input, now, rand),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.handle(input, now, rand),
        }
    }

    pub fn poll_request(&mut self) -> Option<ChatRequest> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.poll_request().map(ChatRequest::LiveAgent),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.poll_request().map(ChatRequest::Miaw),
        }
    }

    pub fn poll_abort(&mut self) -> Option<RequestId> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.poll_abort(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.poll_abort(),
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.poll_event(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.poll_event(),
        }
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.next_deadline(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.next_deadline(),
        }
    }

    pub fn state(&self) -> &ChatState {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.state(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.state(),
        }
    }

    /// What names the chat among the tabs: the Live Agent session id, the Enhanced Chat
    /// conversation id.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.session_id(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.session_id(),
        }
    }

    pub fn agent_name(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.agent_name(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.agent_name(),
        }
    }

    /// The server's pre-chat form, once it is known (Enhanced Chat).
    pub fn poll_form(&mut self) -> Option<Vec<crate::config::PrechatField>> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(_) => None,
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.poll_form(),
        }
    }

    /// The Enhanced Chat engine, when the chat is one.
    #[cfg(feature = "miaw")]
    pub fn miaw(&mut self) -> Option<&mut miaw::Engine> {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(_) => None,
            Chat::Miaw(e) => Some(e),
        }
    }

    pub fn retrying(&self) -> bool {
        match self {
            #[cfg(feature = "live-agent")]
            Chat::LiveAgent(e) => e.retrying(),
            #[cfg(feature = "miaw")]
            Chat::Miaw(e) => e.retrying(),
        }
    }
}
