//! The resource table: path, HTTP method and request headers of every Chat REST API resource,
//! as the guide (v56, chapter 6) lists them. This is the one place these strings live.

use crate::session::Method;

/// A request header of the API. The values come from the session (see the engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Header {
    /// `X-LIVEAGENT-API-VERSION`: the Salesforce API version, e.g. "56".
    ApiVersion,
    /// `X-LIVEAGENT-AFFINITY`: the affinity token; the literal string "null" before there is one
    /// (SessionId, ReconnectSession).
    Affinity,
    /// `X-LIVEAGENT-SESSION-KEY`: the SessionId `key`. Secret: never log it.
    SessionKey,
    /// `X-LIVEAGENT-SEQUENCE`: 1, 2, 3... one per POST of the session.
    Sequence,
}

impl Header {
    /// The header's name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Header::ApiVersion => "X-LIVEAGENT-API-VERSION",
            Header::Affinity => "X-LIVEAGENT-AFFINITY",
            Header::SessionKey => "X-LIVEAGENT-SESSION-KEY",
            Header::Sequence => "X-LIVEAGENT-SEQUENCE",
        }
    }
}

/// A resource of the Chat REST API. Paths are relative to the endpoint, which ends in `/chat/rest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `GET /System/SessionId`: a new session (id, key, affinity token).
    SessionId,
    /// `DELETE /System/SessionId/{key}`: ends the session; the caller appends `/{key}` to the path.
    DeleteSessionId,
    /// `POST /Chasitor/ChasitorInit`: the chat request ([`crate::live_agent::wire::ChasitorInit`]).
    ChasitorInit,
    /// `GET /System/ReconnectSession?ReconnectSession.offset=N`: after a 503.
    ReconnectSession,
    /// `POST /Chasitor/ChasitorResyncState`: after ReconnectSession's ChasitorSessionData.
    ChasitorResyncState,
    /// `POST /Chasitor/ChasitorNotTyping` (no body).
    ChasitorNotTyping,
    /// `POST /Chasitor/ChasitorSneakPeek`: what the visitor is typing.
    ChasitorSneakPeek,
    /// `POST /Chasitor/ChasitorTyping` (no body).
    ChasitorTyping,
    /// `POST /Chasitor/ChatEnd` with [`crate::live_agent::wire::ChatEndReason::client`].
    ChatEnd,
    /// `POST /Chasitor/ChatMessage`: a visitor message.
    ChatMessage,
    /// `POST /Chasitor/CustomEvent`.
    CustomEvent,
    /// `GET /System/Messages?ack=N`: the long poll.
    Messages,
    /// `POST /System/MultiNoun`: several POSTs in one.
    MultiNoun,
    /// `GET /Visitor/Settings`: deployment and button settings.
    Settings,
    /// `GET /Visitor/Availability`: whether buttons are online.
    Availability,
    /// `POST /Visitor/Breadcrumb`: the page the visitor is on.
    Breadcrumb,
    /// `GET /Visitor/VisitorId`: a visitor tracking id.
    VisitorId,
}

const SYSTEM: &[Header] = &[Header::Affinity, Header::ApiVersion];
const SESSION: &[Header] = &[Header::ApiVersion, Header::Affinity, Header::SessionKey];
const SESSION_SEQ: &[Header] = &[
    Header::ApiVersion,
    Header::Affinity,
    Header::SessionKey,
    Header::Sequence,
];
const VISITOR: &[Header] = &[Header::ApiVersion];

impl Resource {
    /// Every resource, in the guide's order.
    pub const ALL: [Resource; 17] = [
        Resource::SessionId,
        Resource::DeleteSessionId,
        Resource::ChasitorInit,
        Resource::ReconnectSession,
        Resource::ChasitorResyncState,
        Resource::ChasitorNotTyping,
        Resource::ChasitorSneakPeek,
        Resource::ChasitorTyping,
        Resource::ChatEnd,
        Resource::ChatMessage,
        Resource::CustomEvent,
        Resource::Messages,
        Resource::MultiNoun,
        Resource::Settings,
        Resource::Availability,
        Resource::Breadcrumb,
        Resource::VisitorId,
    ];

    /// The path relative to the endpoint (which ends in `/chat/rest`), e.g. "/System/SessionId".
    /// For [`Resource::DeleteSessionId`] the caller appends `/{key}`.
    pub fn path(&self) -> &'static str {
        match self {
            Resource::SessionId | Resource::DeleteSessionId => "/System/SessionId",
            Resource::ChasitorInit => "/Chasitor/ChasitorInit",
            Resource::ReconnectSession => "/System/ReconnectSession",
            Resource::ChasitorResyncState => "/Chasitor/ChasitorResyncState",
            Resource::ChasitorNotTyping => "/Chasitor/ChasitorNotTyping",
            Resource::ChasitorSneakPeek => "/Chasitor/ChasitorSneakPeek",
            Resource::ChasitorTyping => "/Chasitor/ChasitorTyping",
            Resource::ChatEnd => "/Chasitor/ChatEnd",
            Resource::ChatMessage => "/Chasitor/ChatMessage",
            Resource::CustomEvent => "/Chasitor/CustomEvent",
            Resource::Messages => "/System/Messages",
            Resource::MultiNoun => "/System/MultiNoun",
            Resource::Settings => "/Visitor/Settings",
            Resource::Availability => "/Visitor/Availability",
            Resource::Breadcrumb => "/Visitor/Breadcrumb",
            Resource::VisitorId => "/Visitor/VisitorId",
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        match self {
            Resource::SessionId
            | Resource::ReconnectSession
            | Resource::Messages
            | Resource::Settings
            | Resource::Availability
            | Resource::VisitorId => Method::Get,
            Resource::DeleteSessionId => Method::Delete,
            Resource::ChasitorInit
            | Resource::ChasitorResyncState
            | Resource::ChasitorNotTyping
            | Resource::ChasitorSneakPeek
            | Resource::ChasitorTyping
            | Resource::ChatEnd
            | Resource::ChatMessage
            | Resource::CustomEvent
            | Resource::MultiNoun
            | Resource::Breadcrumb => Method::Post,
        }
    }

    /// The request headers, in the order the guide lists them. ChasitorResyncState has no
    /// SEQUENCE in the guide; every other POST of the session has.
    pub fn headers(&self) -> &'static [Header] {
        match self {
            Resource::SessionId | Resource::DeleteSessionId => SYSTEM,
            Resource::ReconnectSession | Resource::ChasitorResyncState | Resource::Messages => {
                SESSION
            }
            Resource::ChasitorInit
            | Resource::ChasitorNotTyping
            | Resource::ChasitorSneakPeek
            | Resource::ChasitorTyping
            | Resource::ChatEnd
            | Resource::ChatMessage
            | Resource::CustomEvent
            | Resource::MultiNoun => SESSION_SEQ,
            Resource::Settings
            | Resource::Availability
            | Resource::Breadcrumb
            | Resource::VisitorId => VISITOR,
        }
    }

    /// Whether the request carries the given header.
    pub fn has_header(&self, header: Header) -> bool {
        self.headers().contains(&header)
    }

    /// The `(prefix, noun)` naming this resource inside a MultiNoun batch, e.g.
    /// `("Chasitor", "ChatMessage")`. Only the session's `Chasitor/*` POSTs can be batched.
    pub fn noun(&self) -> Option<(&'static str, &'static str)> {
        if self.method() != Method::Post {
            return None;
        }
        let rest = self.path().strip_prefix("/Chasitor/")?;
        Some(("Chasitor", rest))
    }

    /// The resource at a path relative to the endpoint, e.g. "/Chasitor/ChatMessage". A leading
    /// `/chat/rest`, a trailing slash and a query string are tolerated. "/System/SessionId/{key}"
    /// is [`Resource::DeleteSessionId`]; "/System/SessionId" is [`Resource::SessionId`].
    pub fn from_path(path: &str) -> Option<Resource> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let path = path.strip_prefix("/chat/rest").unwrap_or(path);
        let path = path.trim_end_matches('/');
        if let Some(key) = path.strip_prefix("/System/SessionId/") {
            return (!key.is_empty() && !key.contains('/')).then_some(Resource::DeleteSessionId);
        }
        Resource::ALL
            .iter()
            .copied()
            .filter(|r| *r != Resource::DeleteSessionId)
            .find(|r| r.path() == path)
    }
}
