//! What the UI learns from the engine: the chat's state and events.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the chat is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatState {
    /// Nothing asked yet.
    Idle,
    /// Waiting for `System/SessionId`.
    SessionRequested,
    /// The chat request (ChasitorInit) is on its way; no answer from routing yet.
    Initialising,
    /// Routed and waiting for an agent.
    Queued,
    /// An agent is chatting with the visitor.
    Established,
    /// The server switched (503): getting a new affinity and resynchronising.
    Reconnecting,
    /// Over, for good.
    Ended(EndReason),
    /// Enhanced Chat: the messaging session ended (the agent, a bot or the system ended it) and
    /// the conversation stays open: the visitor may write again (a new session, routed again) or
    /// start afresh. `form`: the deployment asks its pre-chat form again for every session, and
    /// the visitor has not answered it yet.
    #[cfg(feature = "miaw")]
    SessionEnded { by: Ender, form: bool },
}

/// Who ended an Enhanced Chat messaging session (its `sessionEndedByRole`).
#[cfg(feature = "miaw")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ender {
    Agent,
    /// An Einstein bot or an Agentforce agent (role `Chatbot`).
    Bot,
    /// The org: routing, an automatic end, an administrator.
    System,
}

impl ChatState {
    /// Whether the chat is over.
    pub fn is_ended(&self) -> bool {
        matches!(self, ChatState::Ended(_))
    }
}

/// Why the chat ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    /// The visitor ended it.
    Visitor,
    /// The agent ended it.
    Agent,
    /// Routing refused the request (ChatRequestFail), e.g. "Unavailable": show the offline state.
    RequestFailed { reason: String },
    /// 403: the session is no longer valid (ended, expired, or no agent).
    SessionInvalid,
    /// 409: a second long poll for the session (another tab?) or an ack out of sync.
    DuplicatePoll,
    /// Retries exhausted, or the server's answers made no sense.
    Error(String),
}

/// Where a visitor message is on its way to the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Waiting: the chat is not established yet, or another request is in flight.
    Queued,
    /// In a request on its way.
    Sending,
    /// The server confirmed it.
    Sent,
    /// The agent's client has it (an Enhanced Chat delivery receipt).
    Delivered,
    /// The agent read it (an Enhanced Chat read receipt).
    Read,
    /// The server refused it (an HTTP 4xx other than the chat ending): it will not be
    /// delivered. Its text stays in the transcript, marked "Not sent".
    Failed,
}

impl Delivery {
    /// The server has the message: sent, delivered or read.
    pub fn confirmed(self) -> bool {
        matches!(self, Delivery::Sent | Delivery::Delivered | Delivery::Read)
    }

    /// Whether `self` is a step forward from `from` (a confirmed message never goes back, and
    /// a read one is not merely delivered again).
    pub fn advances(self, from: Delivery) -> bool {
        fn rank(d: Delivery) -> u8 {
            match d {
                Delivery::Queued | Delivery::Failed => 0,
                Delivery::Sending => 1,
                Delivery::Sent => 2,
                Delivery::Delivered => 3,
                Delivery::Read => 4,
            }
        }
        self != from && (!from.confirmed() || rank(self) > rank(from))
    }
}

/// Something the UI should learn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The chat moved to a new state.
    State(ChatState),
    /// Position in the queue (`None` when the server does not track it) and estimated wait
    /// (`None` when unknown).
    Queue {
        position: Option<u32>,
        estimated_wait_secs: Option<u32>,
    },
    AgentJoined {
        name: String,
        sneak_peek_enabled: bool,
    },
    AgentTyping(bool),
    AgentMessage {
        name: String,
        text: String,
    },
    /// The chat went to another agent.
    Transferred {
        name: String,
    },
    /// The agent left; the chat stays open (another agent may pick it up).
    AgentDisconnected,
    /// The visitor idle warning was triggered (`true`) or cleared (`false`).
    IdleWarning(bool),
    /// A custom event from the agent.
    CustomEvent {
        event_type: String,
        data: String,
    },
    VisitorMessage {
        local_id: u64,
        status: Delivery,
    },
    /// Where to send the visitor after the chat.
    PostChatUrl(String),
    /// A non-fatal problem worth logging.
    Error(EngineError),
    /// Enhanced Chat: the messaging session went inactive after a while without a word from the
    /// visitor (`true`), or is live again (`false`).
    #[cfg(feature = "miaw")]
    Inactive(bool),
    /// Enhanced Chat: a message the widget cannot show (no text it can read), from `name`.
    #[cfg(feature = "miaw")]
    Unshowable {
        name: String,
    },
    /// Enhanced Chat: a verified customer's identity: wanted from the site, refused by the
    /// server, or given.
    #[cfg(feature = "miaw")]
    Identity(Identity),
    /// Enhanced Chat: a message the customer wrote on another device (or tab) of theirs.
    #[cfg(feature = "miaw")]
    VisitorElsewhere {
        text: String,
    },
    /// Enhanced Chat: a message beyond plain text from `name`: `json` is its `abstractMessage`
    /// ([`crate::miaw::rich::Rich::parse`] reads it), `text` says it in one line.
    #[cfg(feature = "miaw")]
    AgentRich {
        name: String,
        text: String,
        json: String,
    },
    /// Enhanced Chat: the visitor's file `local_id` did not go (or the server could not take
    /// it after all): the row is marked not sent, whatever it said before.
    #[cfg(feature = "miaw")]
    FileFailed {
        local_id: u64,
        problem: FileProblem,
    },
}

/// A verified customer's identity, as the engine sees it.
#[cfg(feature = "miaw")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identity {
    /// The site has not given an identity token yet, or the one it gave has expired: the site
    /// is asked for one (nothing waits on it before the chat: the window says to sign in).
    Wanted,
    /// The server refused the identity token: the visitor is asked to sign in again.
    Refused,
    /// The site gave one.
    Given,
}

/// Why a visitor's file did not go.
#[cfg(feature = "miaw")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileProblem {
    /// 413: larger than the server takes.
    TooLarge,
    /// 415: a type the server refuses.
    Type,
    /// The server took it, then could not process it (`MessageUpdated` with an error).
    Refused,
    /// The network, the server's trouble or a reload cut it: the visitor may try again.
    Interrupted,
    /// The visitor cancelled it.
    Cancelled,
}

/// A non-fatal problem: logged by the driver, never shown as a crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EngineError {
    /// A message type the engine does not know; ignored.
    UnknownMessage { type_name: String },
    /// A message the engine knows but does not act on (e.g. SwitchServer on the poll).
    Unsupported { type_name: String },
    /// An answer whose body could not be decoded.
    BadResponse { resource: String, detail: String },
    /// An answer with a status the engine did not expect.
    UnexpectedStatus {
        resource: String,
        status: u16,
        body: String,
    },
    /// A request failed and will be retried after `retry_in_ms`.
    Retrying {
        resource: String,
        problem: String,
        retry_in_ms: u64,
    },
    /// Visitor messages the server refused (e.g. 400); they will not be delivered.
    Rejected { local_ids: Vec<u64> },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::UnknownMessage { type_name } => {
                write!(
                    f,
                    "ignored a message of unknown type {type_name:?} on the poll"
                )
            }
            EngineError::Unsupported { type_name } => {
                write!(
                    f,
                    "ignored a {type_name} message: the widget does not handle it"
                )
            }
            EngineError::BadResponse { resource, detail } => {
                write!(f, "{resource}: could not read the answer: {detail}")
            }
            EngineError::UnexpectedStatus {
                resource,
                status,
                body,
            } => write!(f, "{resource}: unexpected HTTP {status}: {body}"),
            EngineError::Retrying {
                resource,
                problem,
                retry_in_ms,
            } => write!(f, "{resource}: {problem}; retrying in {retry_in_ms} ms"),
            EngineError::Rejected { local_ids } => {
                write!(f, "the server refused visitor messages {local_ids:?}")
            }
        }
    }
}
