//! Response bodies (guide v56, chapters 8 and 9) and the long-poll envelope.
//!
//! Decoding is lenient where the server is: numbers may come as numeric strings, optional fields
//! that are `null` or oddly shaped become `None`, booleans the guide says default to false do so
//! (fields of type [`Lenient`], [`TrueUnlessFalse`] and [`JsonText`]).
//! A message whose required fields are missing or of the wrong type becomes
//! [`ServerMessage::Unknown`], never an error for the whole batch.

use super::lenient::{self, JsonText, Lenient, Loose, TrueUnlessFalse};
use super::requests::CustomDetail;
use super::ProtocolError;
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The poll timeout used when the SessionId answer has none (or an unusable one), in seconds.
pub const DEFAULT_CLIENT_POLL_TIMEOUT: u32 = 30;

/// Decodes a whole answer body as `T`.
fn decode<T: DeserializeOwned>(text: &str, expected: &'static str) -> Result<T, ProtocolError> {
    let value = parse_object(text)?;
    serde_json::from_value(value).map_err(|e| ProtocolError::UnexpectedShape {
        expected,
        detail: e.to_string(),
    })
}

/// Parses text that must be a JSON object.
fn parse_object(text: &str) -> Result<Value, ProtocolError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| ProtocolError::InvalidJson(e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ProtocolError::NotAnObject)
    }
}

/// `GET System/SessionId` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIdResponse {
    /// The session id; goes into ChasitorInit `sessionId`.
    pub id: String,
    /// The session key: the `X-LIVEAGENT-SESSION-KEY` header. Secret: never log it.
    pub key: String,
    /// The `X-LIVEAGENT-AFFINITY` header from now on.
    pub affinity_token: String,
    /// Seconds after which an unanswered long poll is dead, as sent: a number or a numeric
    /// string (the guide shows "30"). Use [`SessionIdResponse::poll_timeout_secs`].
    #[serde(default)]
    pub client_poll_timeout: Lenient<Option<u32>>,
}

impl SessionIdResponse {
    /// Decodes the answer body.
    pub fn from_json(text: &str) -> Result<SessionIdResponse, ProtocolError> {
        decode(text, "SessionId")
    }

    /// The long poll's time-out in seconds: `clientPollTimeout`, or 30 when it is absent, zero,
    /// negative or not a number.
    pub fn poll_timeout_secs(&self) -> u32 {
        self.client_poll_timeout
            .filter(|secs| *secs > 0)
            .unwrap_or(DEFAULT_CLIENT_POLL_TIMEOUT)
    }
}

/// The long-poll (`GET System/Messages`) answer, also the envelope of ReconnectSession and of the
/// Visitor resources (Settings, Availability, SwitchServer).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MessagesResponse {
    pub messages: Vec<ServerMessage>,
    /// The next `ack` for the Messages query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Keep the latest for `ReconnectSession.offset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

impl MessagesResponse {
    /// Decodes an answer body. Fails only when the text is not JSON or not an object. A missing
    /// or non-array `messages` gives no messages; `sequence`/`offset` accept numbers or numeric
    /// strings; each message decodes on its own (see [`ServerMessage::from_parts`]).
    pub fn from_json(text: &str) -> Result<MessagesResponse, ProtocolError> {
        MessagesResponse::from_value(parse_object(text)?)
    }

    /// As [`MessagesResponse::from_json`], from parsed JSON.
    pub fn from_value(value: Value) -> Result<MessagesResponse, ProtocolError> {
        let Value::Object(mut map) = value else {
            return Err(ProtocolError::NotAnObject);
        };
        let messages = match map.remove("messages") {
            Some(Value::Array(items)) => items.into_iter().map(ServerMessage::from_value).collect(),
            _ => Vec::new(),
        };
        Ok(MessagesResponse {
            messages,
            sequence: map.get("sequence").and_then(lenient::integer),
            offset: map.get("offset").and_then(lenient::integer),
        })
    }
}

impl<'de> Deserialize<'de> for MessagesResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        MessagesResponse::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One message of a [`MessagesResponse`], keyed by the wire `type`, with its `message` body.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerMessage {
    /// The chat request was routed; wait for ChatEstablished.
    ChatRequestSuccess(ChatRequestSuccess),
    /// The chat request failed (e.g. "Unavailable"): show the offline state.
    ChatRequestFail(ChatRequestFail),
    /// An agent accepted the chat.
    ChatEstablished(ChatEstablished),
    /// A message from the agent.
    ChatMessage(AgentChatMessage),
    AgentTyping,
    AgentNotTyping,
    /// The agent left; the chat is still open (another agent may take it).
    AgentDisconnect,
    /// The agent (or the server) ended the chat.
    ChatEnded(ChatEnded),
    /// Another agent has the chat now.
    ChatTransferred(ChatTransferred),
    QueueUpdate(QueueUpdate),
    CustomEvent(CustomEventMessage),
    NewVisitorBreadcrumb(NewVisitorBreadcrumb),
    /// First message after a ReconnectSession: the session's state to restore.
    ChasitorSessionData(ChasitorSessionData),
    ChasitorIdleTimeoutWarningEvent(IdleTimeoutWarning),
    /// The ReconnectSession answer.
    ReconnectSession(ReconnectSessionMessage),
    /// Use a new endpoint from now on (answers Visitor resources).
    SwitchServer(SwitchServer),
    /// The `Visitor/Availability` answer.
    Availability(AvailabilityResponse),
    /// The `Visitor/Settings` answer.
    Settings(SettingsResponse),
    /// The `Visitor/VisitorId` answer.
    VisitorId(VisitorIdResponse),
    /// A type this client does not know, or a known type whose body does not fit (then
    /// `type_name` is the known name). `raw` is the `message` body as received (for an element
    /// that is not a `{"type":..,"message":..}` object: the whole element, with `type_name` "").
    Unknown {
        type_name: String,
        raw: Value,
    },
}

fn typed<T: DeserializeOwned>(
    type_name: &str,
    body: Value,
    wrap: fn(T) -> ServerMessage,
) -> ServerMessage {
    // A null or absent body decodes as `{}`, so types whose fields are all optional still fit.
    let input = if body.is_null() {
        Value::Object(Map::new())
    } else {
        body
    };
    // From an owned value (a copy: `input` is kept for Unknown), as every other decode here:
    // decoding from `&Value` as well compiled each message type's decoder twice (about 4 KB of
    // wasm).
    match T::deserialize(input.clone()) {
        Ok(t) => wrap(t),
        Err(_) => ServerMessage::Unknown {
            type_name: type_name.to_string(),
            raw: input,
        },
    }
}

impl ServerMessage {
    /// Decodes a message from its wire `type` and `message` body. Never fails: an unknown type,
    /// or a body that does not fit the known type, gives [`ServerMessage::Unknown`].
    pub fn from_parts(type_name: &str, body: Value) -> ServerMessage {
        match type_name {
            "ChatRequestSuccess" => typed(type_name, body, ServerMessage::ChatRequestSuccess),
            "ChatRequestFail" => typed(type_name, body, ServerMessage::ChatRequestFail),
            "ChatEstablished" => typed(type_name, body, ServerMessage::ChatEstablished),
            "ChatMessage" => typed(type_name, body, ServerMessage::ChatMessage),
            "AgentTyping" => ServerMessage::AgentTyping,
            "AgentNotTyping" => ServerMessage::AgentNotTyping,
            "AgentDisconnect" => ServerMessage::AgentDisconnect,
            "ChatEnded" => typed(type_name, body, ServerMessage::ChatEnded),
            "ChatTransferred" => typed(type_name, body, ServerMessage::ChatTransferred),
            "QueueUpdate" => typed(type_name, body, ServerMessage::QueueUpdate),
            "CustomEvent" => typed(type_name, body, ServerMessage::CustomEvent),
            "NewVisitorBreadcrumb" => typed(type_name, body, ServerMessage::NewVisitorBreadcrumb),
            "ChasitorSessionData" => typed(type_name, body, ServerMessage::ChasitorSessionData),
            "ChasitorIdleTimeoutWarningEvent" => typed(
                type_name,
                body,
                ServerMessage::ChasitorIdleTimeoutWarningEvent,
            ),
            "ReconnectSession" => typed(type_name, body, ServerMessage::ReconnectSession),
            "SwitchServer" => typed(type_name, body, ServerMessage::SwitchServer),
            "Availability" => typed(type_name, body, ServerMessage::Availability),
            "Settings" => typed(type_name, body, ServerMessage::Settings),
            "VisitorId" => typed(type_name, body, ServerMessage::VisitorId),
            _ => ServerMessage::Unknown {
                type_name: type_name.to_string(),
                raw: body,
            },
        }
    }

    /// Decodes one element of the `messages` array (`{"type":..,"message":..}`). Never fails.
    pub fn from_value(item: Value) -> ServerMessage {
        match item {
            Value::Object(mut map) => match map.remove("type") {
                Some(Value::String(type_name)) => {
                    let body = map.remove("message").unwrap_or(Value::Null);
                    ServerMessage::from_parts(&type_name, body)
                }
                other => {
                    if let Some(t) = other {
                        map.insert("type".to_string(), t);
                    }
                    ServerMessage::Unknown {
                        type_name: String::new(),
                        raw: Value::Object(map),
                    }
                }
            },
            other => ServerMessage::Unknown {
                type_name: String::new(),
                raw: other,
            },
        }
    }

    /// The wire `type`.
    pub fn type_name(&self) -> &str {
        match self {
            ServerMessage::ChatRequestSuccess(_) => "ChatRequestSuccess",
            ServerMessage::ChatRequestFail(_) => "ChatRequestFail",
            ServerMessage::ChatEstablished(_) => "ChatEstablished",
            ServerMessage::ChatMessage(_) => "ChatMessage",
            ServerMessage::AgentTyping => "AgentTyping",
            ServerMessage::AgentNotTyping => "AgentNotTyping",
            ServerMessage::AgentDisconnect => "AgentDisconnect",
            ServerMessage::ChatEnded(_) => "ChatEnded",
            ServerMessage::ChatTransferred(_) => "ChatTransferred",
            ServerMessage::QueueUpdate(_) => "QueueUpdate",
            ServerMessage::CustomEvent(_) => "CustomEvent",
            ServerMessage::NewVisitorBreadcrumb(_) => "NewVisitorBreadcrumb",
            ServerMessage::ChasitorSessionData(_) => "ChasitorSessionData",
            ServerMessage::ChasitorIdleTimeoutWarningEvent(_) => "ChasitorIdleTimeoutWarningEvent",
            ServerMessage::ReconnectSession(_) => "ReconnectSession",
            ServerMessage::SwitchServer(_) => "SwitchServer",
            ServerMessage::Availability(_) => "Availability",
            ServerMessage::Settings(_) => "Settings",
            ServerMessage::VisitorId(_) => "VisitorId",
            ServerMessage::Unknown { type_name, .. } => type_name,
        }
    }

    /// The `message` body as JSON (`{}` for the bodiless Agent* messages).
    pub fn body(&self) -> Value {
        fn to<T: Serialize>(t: &T) -> Value {
            serde_json::to_value(t).unwrap_or(Value::Null)
        }
        match self {
            ServerMessage::ChatRequestSuccess(m) => to(m),
            ServerMessage::ChatRequestFail(m) => to(m),
            ServerMessage::ChatEstablished(m) => to(m),
            ServerMessage::ChatMessage(m) => to(m),
            ServerMessage::AgentTyping
            | ServerMessage::AgentNotTyping
            | ServerMessage::AgentDisconnect => Value::Object(Map::new()),
            ServerMessage::ChatEnded(m) => to(m),
            ServerMessage::ChatTransferred(m) => to(m),
            ServerMessage::QueueUpdate(m) => to(m),
            ServerMessage::CustomEvent(m) => to(m),
            ServerMessage::NewVisitorBreadcrumb(m) => to(m),
            ServerMessage::ChasitorSessionData(m) => to(m),
            ServerMessage::ChasitorIdleTimeoutWarningEvent(m) => to(m),
            ServerMessage::ReconnectSession(m) => to(m),
            ServerMessage::SwitchServer(m) => to(m),
            ServerMessage::Availability(m) => to(m),
            ServerMessage::Settings(m) => to(m),
            ServerMessage::VisitorId(m) => to(m),
            ServerMessage::Unknown { raw, .. } => raw.clone(),
        }
    }
}

impl Serialize for ServerMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("message", &self.body())?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ServerMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ServerMessage::from_value(Value::deserialize(d)?))
    }
}

/// Defines a string enum with known values and an `Other(String)` fallback.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know, as received.
            Other(String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(match Value::deserialize(d)? {
                    Value::String(s) => $name::from(s.as_str()),
                    Value::Null => $name::Other(String::new()),
                    other => $name::Other(other.to_string()),
                })
            }
        }
    };
}

/// The visitor's location from their IP address (guide: GeoLocation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoLocation {
    /// ISO 3166-1 alpha-2, e.g. "US".
    #[serde(default)]
    pub country_code: Lenient<String>,
    #[serde(default)]
    pub country_name: Lenient<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Lenient<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Lenient<Option<f64>>,
}

/// The estimated wait in whole seconds, or `None` when the server could not compute it (-1).
pub fn known_wait_seconds(estimated_wait_time: Option<f64>) -> Option<u32> {
    let secs = estimated_wait_time?;
    (secs >= 0.0).then(|| secs.min(u32::MAX as f64).round() as u32)
}

/// ChatRequestSuccess: the request was routed to agents; the chat starts at ChatEstablished.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequestSuccess {
    /// 0 forever with routing that does not track positions: show "waiting" then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Lenient<Option<u32>>,
    /// Seconds; -1 when unknown (see [`known_wait_seconds`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Lenient<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Lenient<Option<GeoLocation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oref: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Lenient<Option<String>>,
    #[serde(default)]
    pub custom_details: Lenient<Vec<CustomDetail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_id: Lenient<Option<String>>,
}

/// ChatRequestFail: no chat. Reasons seen: "Unavailable", "NoPost", "InternalFailure" ("" when the
/// server gives none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequestFail {
    #[serde(default)]
    pub reason: Lenient<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Lenient<Option<String>>,
}

/// The visitor idle time-out of the chat (in ChatEstablished/ChatTransferred). Not described by the
/// guide; the shape is what the server sends: `{"isEnabled":..,"warningTime":..,"timeout":..}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorIdleTimeoutSettings {
    #[serde(default)]
    pub is_enabled: Lenient<bool>,
    /// Seconds of visitor silence before the warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_time: Lenient<Option<u32>>,
    /// Seconds of visitor silence before the chat ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Lenient<Option<u32>>,
}

/// ChatEstablished: an agent accepted the chat. `name` is required; the rest is lenient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEstablished {
    /// The agent's display name.
    pub name: String,
    #[serde(default)]
    pub user_id: Lenient<String>,
    #[serde(default)]
    pub sneak_peek_enabled: Lenient<bool>,
    /// Wire `chasitorIdleTimeout` (the guide's table spells it `chasitorIdletimeout`: accepted).
    #[serde(
        default,
        alias = "chasitorIdletimeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub chasitor_idle_timeout: Lenient<Option<ChasitorIdleTimeoutSettings>>,
}

/// When an agent message is meant to appear (bots and auto-greetings may delay it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_delay_milliseconds: Lenient<Option<f64>>,
}

/// ChatMessage from the agent. `text` is required; `name` defaults to "".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentChatMessage {
    #[serde(default)]
    pub name: Lenient<String>,
    pub text: String,
    /// The agent's user id, sent by newer servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Lenient<Option<MessageSchedule>>,
}

/// ChatEnded: the chat is over (ended by the agent). The guide documents no body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEnded {
    /// e.g. "agent", when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Lenient<Option<String>>,
    /// Record ids attached to the chat, for a post-chat page; passed through as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_records: Option<Value>,
}

/// ChatTransferred: another agent has the chat. `name` is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatTransferred {
    /// The new agent's display name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Lenient<Option<String>>,
    #[serde(default)]
    pub sneak_peek_enabled: Lenient<bool>,
    #[serde(
        default,
        alias = "chasitorIdletimeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub chasitor_idle_timeout: Lenient<Option<ChasitorIdleTimeoutSettings>>,
}

/// QueueUpdate: the visitor's place in the queue changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Lenient<Option<u32>>,
    /// Seconds; -1 when unknown (see [`known_wait_seconds`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Lenient<Option<f64>>,
}

/// CustomEvent from the agent. `type` is required; a non-string `data` is kept as JSON text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomEventMessage {
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub data: JsonText,
}

/// NewVisitorBreadcrumb: the page the visitor is on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVisitorBreadcrumb {
    pub location: String,
}

string_enum! {
    /// Who wrote a transcript entry.
    TranscriptEntryType {
        Agent => "Agent",
        Chasitor => "Chasitor",
        /// A transfer to another agent.
        OperatorTransferred => "OperatorTransferred",
    }
}

impl Default for TranscriptEntryType {
    fn default() -> Self {
        TranscriptEntryType::Other(String::new())
    }
}

/// One line of the transcript in ChasitorSessionData.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptEntry {
    #[serde(default, rename = "type")]
    pub entry_type: TranscriptEntryType,
    #[serde(default)]
    pub name: Lenient<String>,
    #[serde(default)]
    pub content: Lenient<String>,
    /// Milliseconds since the epoch; 0 when absent.
    #[serde(default)]
    pub timestamp: Lenient<i64>,
    /// Order within the chat; 0 when absent.
    #[serde(default)]
    pub sequence: Lenient<i64>,
}

/// ChasitorSessionData: the state to restore after a ReconnectSession. Transcript entries that
/// do not fit are dropped, the rest kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorSessionData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Lenient<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Lenient<Option<GeoLocation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oref: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Lenient<Option<String>>,
    #[serde(default)]
    pub sneak_peek_enabled: Lenient<bool>,
    #[serde(default)]
    pub chat_messages: Lenient<Vec<TranscriptEntry>>,
}

string_enum! {
    /// Whether the idle warning started or stopped.
    IdleTimeoutWarningEvent {
        Triggered => "triggered",
        Cleared => "cleared",
    }
}

/// ChasitorIdleTimeoutWarningEvent: the visitor has been idle (warning triggered) or is back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdleTimeoutWarning {
    pub idle_timeout_warning_event: IdleTimeoutWarningEvent,
}

/// ReconnectSession answer: use the new affinity token; reset the sequence when `reset_sequence`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectSessionMessage {
    /// The guide says this "may be undefined" and is "always set to true": absent (or not a
    /// boolean) is taken as `true`.
    #[serde(default)]
    pub reset_sequence: TrueUnlessFalse,
    pub affinity_token: String,
}

/// SwitchServer: the org moved; use `new_url` as the endpoint from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchServer {
    pub new_url: String,
}

/// One id's availability (guide: Result).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityResult {
    pub id: String,
    /// An offline button has no `isAvailable` at all: false.
    #[serde(default)]
    pub is_available: Lenient<bool>,
    /// Seconds; -1 when unknown. Only with `needEstimatedWaitTime=1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Lenient<Option<f64>>,
}

/// `Visitor/Availability` answer. Results that do not fit (no `id`) are dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityResponse {
    #[serde(default)]
    pub results: Lenient<Vec<AvailabilityResult>>,
}

/// Finds the `type_name` message in an envelope, or decodes the text as the bare body.
fn visitor_answer<T: DeserializeOwned>(
    text: &str,
    type_name: &'static str,
    pick: fn(ServerMessage) -> Option<T>,
) -> Result<T, ProtocolError> {
    let value = parse_object(text)?;
    if value.get("messages").is_some() {
        let envelope = MessagesResponse::from_value(value)?;
        return envelope.messages.into_iter().find_map(pick).ok_or_else(|| {
            ProtocolError::UnexpectedShape {
                expected: type_name,
                detail: format!("no {type_name} message in the answer"),
            }
        });
    }
    serde_json::from_value(value).map_err(|e| ProtocolError::UnexpectedShape {
        expected: type_name,
        detail: e.to_string(),
    })
}

impl AvailabilityResponse {
    /// Decodes the answer, either the `{"messages":[{"type":"Availability",..}]}` envelope the
    /// server sends or the bare `{"results":[..]}` the guide shows. A SwitchServer answer is an
    /// error here: decode it with [`MessagesResponse::from_json`] to see it.
    pub fn from_json(text: &str) -> Result<AvailabilityResponse, ProtocolError> {
        visitor_answer(text, "Availability", |m| match m {
            ServerMessage::Availability(a) => Some(a),
            _ => None,
        })
    }

    /// Whether `id` is available (false when not listed).
    pub fn is_available(&self, id: &str) -> bool {
        self.results.iter().any(|r| r.id == id && *r.is_available)
    }
}

string_enum! {
    /// A chat button's type.
    ButtonType {
        Standard => "Standard",
        Invite => "Invite",
        ToAgent => "ToAgent",
    }
}

/// A chat button's settings (guide: Button). Invite fields are passed through as received.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Button {
    pub id: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub button_type: Lenient<Option<ButtonType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat_url: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Lenient<Option<String>>,
    /// Absent means false.
    #[serde(default)]
    pub is_available: Lenient<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_image_url: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_image_width: Lenient<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_image_height: Lenient<Option<f64>>,
    /// "Slide", "Fade", "Appear" or "Custom".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_renderer: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_start_position: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_end_position: Lenient<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_invite_after_accept: Lenient<Option<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_invite_after_reject: Lenient<Option<bool>>,
    /// Seconds before an invitation is rejected automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_reject_time: Lenient<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_rules: Option<Value>,
    /// Seconds; -1 when unknown. Only with `needEstimatedWaitTime=1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Lenient<Option<f64>>,
}

/// `Visitor/Settings` answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsResponse {
    /// How often the visitor should ping (the guide's table spells it `pingrate`: accepted).
    /// 0 when absent.
    #[serde(default, alias = "pingrate")]
    pub ping_rate: Lenient<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_server_url: Lenient<Option<String>>,
    /// Buttons that do not fit (no `id`) are dropped.
    #[serde(default)]
    pub buttons: Lenient<Vec<Button>>,
}

impl SettingsResponse {
    /// Decodes the answer, the `{"messages":[{"type":"Settings",..}]}` envelope or the bare body.
    pub fn from_json(text: &str) -> Result<SettingsResponse, ProtocolError> {
        visitor_answer(text, "Settings", |m| match m {
            ServerMessage::Settings(s) => Some(s),
            _ => None,
        })
    }
}

/// `Visitor/VisitorId` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorIdResponse {
    pub session_id: String,
}

impl VisitorIdResponse {
    /// Decodes the answer, the `{"messages":[{"type":"VisitorId",..}]}` envelope or the bare body.
    pub fn from_json(text: &str) -> Result<VisitorIdResponse, ProtocolError> {
        visitor_answer(text, "VisitorId", |m| match m {
            ServerMessage::VisitorId(v) => Some(v),
            _ => None,
        })
    }
}

// Nested types read with serde where they sit in a lenient field: one that does not fit is `None`
// (or left out of its list).
impl Loose for GeoLocation {}
impl Loose for ChasitorIdleTimeoutSettings {}
impl Loose for MessageSchedule {}
impl Loose for TranscriptEntry {}
impl Loose for AvailabilityResult {}
impl Loose for ButtonType {}
impl Loose for Button {}
