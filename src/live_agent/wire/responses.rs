//! Response bodies (guide v56, chapters 8 and 9) and the long-poll envelope.
//!
//! Answers are parsed once into a [`serde_json::Value`] and read from it by hand into typed
//! structs (no derived `Deserialize`: each derived type costs its own serde code in the wasm).
//! Reading is lenient where the server is: numbers may come as numeric strings, optional fields
//! that are `null` or oddly shaped become `None`, booleans the guide says default to false do so
//! (the [`Loose`](crate::lenient::Loose) conversions, [`TrueUnlessFalse`] and [`JsonText`]).
//! A message whose required fields are missing or of the wrong type becomes
//! [`ServerMessage::Unknown`], never an error for the whole batch.

use crate::lenient::{self, Fields, JsonText, ProtocolError, TrueUnlessFalse};
use crate::prechat::CustomDetail;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The poll timeout used when the SessionId answer has none (or an unusable one), in seconds.
pub const DEFAULT_CLIENT_POLL_TIMEOUT: u32 = 30;

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

/// The error for a body that is not a valid `expected`.
fn shape(expected: &'static str) -> ProtocolError {
    ProtocolError::UnexpectedShape {
        expected,
        detail: format!("not a valid {expected} object or a required field is missing"),
    }
}

/// A body type read by hand from parsed JSON.
trait Read: Sized {
    /// The type's name in errors.
    const NAME: &'static str;
    /// The body's fields as `Self`; `None` when a required field is missing or not a string.
    fn read(f: Fields) -> Option<Self>;
}

/// `Deserialize` through a parsed [`Value`] and [`Read`] (for tests and tools; the widget reads
/// with `from_json`/`from_parts`).
macro_rules! deserialize_by_hand {
    ($($t:ty),+ $(,)?) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = Value::deserialize(d)?;
                Fields::of(&v)
                    .and_then(<$t as Read>::read)
                    .ok_or_else(|| serde::de::Error::custom(shape(<$t as Read>::NAME)))
            }
        }
    )+};
}

/// `GET System/SessionId` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_poll_timeout: Option<u32>,
}

impl Read for SessionIdResponse {
    const NAME: &'static str = "SessionId";
    fn read(f: Fields) -> Option<Self> {
        Some(SessionIdResponse {
            id: f.text("id")?,
            key: f.text("key")?,
            affinity_token: f.text("affinityToken")?,
            client_poll_timeout: f.opt("clientPollTimeout"),
        })
    }
}

impl SessionIdResponse {
    /// Decodes the answer body.
    pub fn from_json(text: &str) -> Result<SessionIdResponse, ProtocolError> {
        let value = parse_object(text)?;
        Fields::of(&value)
            .and_then(SessionIdResponse::read)
            .ok_or_else(|| shape("SessionId"))
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
        let mut messages = Vec::new();
        if let Some(Value::Array(items)) = map.remove("messages") {
            for item in items {
                messages.push(ServerMessage::from_value(item));
            }
        }
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

/// What reads a known type's body into its message.
type ReadMessage = fn(Fields) -> Option<ServerMessage>;

impl ServerMessage {
    /// Decodes a message from its wire `type` and `message` body. Never fails: an unknown type,
    /// or a body that does not fit the known type, gives [`ServerMessage::Unknown`]. A null or
    /// absent body reads as `{}`, so types whose fields are all optional still fit.
    pub fn from_parts(type_name: &str, body: Value) -> ServerMessage {
        use ServerMessage as M;
        let read: ReadMessage = match type_name {
            "ChatRequestSuccess" => |f| ChatRequestSuccess::read(f).map(M::ChatRequestSuccess),
            "ChatRequestFail" => |f| ChatRequestFail::read(f).map(M::ChatRequestFail),
            "ChatEstablished" => |f| ChatEstablished::read(f).map(M::ChatEstablished),
            "ChatMessage" => |f| AgentChatMessage::read(f).map(M::ChatMessage),
            "AgentTyping" => return M::AgentTyping,
            "AgentNotTyping" => return M::AgentNotTyping,
            "AgentDisconnect" => return M::AgentDisconnect,
            "ChatEnded" => |f| ChatEnded::read(f).map(M::ChatEnded),
            "ChatTransferred" => |f| ChatTransferred::read(f).map(M::ChatTransferred),
            "QueueUpdate" => |f| QueueUpdate::read(f).map(M::QueueUpdate),
            "CustomEvent" => |f| CustomEventMessage::read(f).map(M::CustomEvent),
            "NewVisitorBreadcrumb" => {
                |f| NewVisitorBreadcrumb::read(f).map(M::NewVisitorBreadcrumb)
            }
            "ChasitorSessionData" => |f| ChasitorSessionData::read(f).map(M::ChasitorSessionData),
            "ChasitorIdleTimeoutWarningEvent" => {
                |f| IdleTimeoutWarning::read(f).map(M::ChasitorIdleTimeoutWarningEvent)
            }
            "ReconnectSession" => |f| ReconnectSessionMessage::read(f).map(M::ReconnectSession),
            "SwitchServer" => |f| SwitchServer::read(f).map(M::SwitchServer),
            "Availability" => |f| AvailabilityResponse::read(f).map(M::Availability),
            "Settings" => |f| SettingsResponse::read(f).map(M::Settings),
            "VisitorId" => |f| VisitorIdResponse::read(f).map(M::VisitorId),
            _ => {
                return M::Unknown {
                    type_name: type_name.to_string(),
                    raw: body,
                }
            }
        };
        let body = if body.is_null() {
            Value::Object(Map::new())
        } else {
            body
        };
        match Fields::of(&body).and_then(read) {
            Some(message) => message,
            None => M::Unknown {
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

        impl $name {
            /// Any JSON: a string by its value, absent or null as `Other("")`, other JSON as
            /// `Other` of its text.
            #[allow(dead_code)]
            fn read(v: Option<&Value>) -> Self {
                match v {
                    Some(Value::String(s)) => $name::from(s.as_str()),
                    None | Some(Value::Null) => $name::Other(String::new()),
                    Some(other) => $name::Other(other.to_string()),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::read(Some(&Value::deserialize(d)?)))
            }
        }
    };
}

/// The visitor's location from their IP address (guide: GeoLocation).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoLocation {
    /// ISO 3166-1 alpha-2, e.g. "US".
    pub country_code: String,
    pub country_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

impl GeoLocation {
    /// `geoLocation`, when it is an object.
    fn read_in(f: &Fields) -> Option<GeoLocation> {
        let g = f.object("geoLocation")?;
        Some(GeoLocation {
            country_code: g.loose("countryCode"),
            country_name: g.loose("countryName"),
            region: g.opt("region"),
            city: g.opt("city"),
            organization: g.opt("organization"),
            latitude: g.opt("latitude"),
            longitude: g.opt("longitude"),
        })
    }
}

/// The estimated wait in whole seconds, or `None` when the server could not compute it (-1).
pub fn known_wait_seconds(estimated_wait_time: Option<f64>) -> Option<u32> {
    let secs = estimated_wait_time?;
    (secs >= 0.0).then(|| secs.min(u32::MAX as f64).round() as u32)
}

/// ChatRequestSuccess: the request was routed to agents; the chat starts at ChatEstablished.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequestSuccess {
    /// 0 forever with routing that does not track positions: show "waiting" then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    /// Seconds; -1 when unknown (see [`known_wait_seconds`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Option<String>,
    pub custom_details: Vec<CustomDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<String>,
}

impl Read for ChatRequestSuccess {
    const NAME: &'static str = "ChatRequestSuccess";
    fn read(f: Fields) -> Option<Self> {
        Some(ChatRequestSuccess {
            queue_position: f.opt("queuePosition"),
            estimated_wait_time: f.opt("estimatedWaitTime"),
            geo_location: GeoLocation::read_in(&f),
            url: f.opt("url"),
            oref: f.opt("oref"),
            post_chat_url: f.opt("postChatUrl"),
            custom_details: f.list("customDetails", |d| Some(CustomDetail::read(d))),
            visitor_id: f.opt("visitorId"),
        })
    }
}

/// ChatRequestFail: no chat. Reasons seen: "Unavailable", "NoPost", "InternalFailure" ("" when the
/// server gives none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequestFail {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Option<String>,
}

impl Read for ChatRequestFail {
    const NAME: &'static str = "ChatRequestFail";
    fn read(f: Fields) -> Option<Self> {
        Some(ChatRequestFail {
            reason: f.loose("reason"),
            post_chat_url: f.opt("postChatUrl"),
        })
    }
}

/// The visitor idle time-out of the chat (in ChatEstablished/ChatTransferred). Not described by the
/// guide; the shape is what the server sends: `{"isEnabled":..,"warningTime":..,"timeout":..}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorIdleTimeoutSettings {
    pub is_enabled: bool,
    /// Seconds of visitor silence before the warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_time: Option<u32>,
    /// Seconds of visitor silence before the chat ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

impl ChasitorIdleTimeoutSettings {
    /// Wire `chasitorIdleTimeout` (the guide's table spells it `chasitorIdletimeout`: accepted),
    /// when it is an object.
    fn read_in(f: &Fields) -> Option<ChasitorIdleTimeoutSettings> {
        let t = f
            .object("chasitorIdleTimeout")
            .or_else(|| f.object("chasitorIdletimeout"))?;
        Some(ChasitorIdleTimeoutSettings {
            is_enabled: t.loose("isEnabled"),
            warning_time: t.opt("warningTime"),
            timeout: t.opt("timeout"),
        })
    }
}

/// ChatEstablished: an agent accepted the chat. `name` is required; the rest is lenient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEstablished {
    /// The agent's display name.
    pub name: String,
    pub user_id: String,
    pub sneak_peek_enabled: bool,
    /// Wire `chasitorIdleTimeout` (the guide's table spells it `chasitorIdletimeout`: accepted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chasitor_idle_timeout: Option<ChasitorIdleTimeoutSettings>,
}

impl Read for ChatEstablished {
    const NAME: &'static str = "ChatEstablished";
    fn read(f: Fields) -> Option<Self> {
        Some(ChatEstablished {
            name: f.text("name")?,
            user_id: f.loose("userId"),
            sneak_peek_enabled: f.loose("sneakPeekEnabled"),
            chasitor_idle_timeout: ChasitorIdleTimeoutSettings::read_in(&f),
        })
    }
}

/// When an agent message is meant to appear (bots and auto-greetings may delay it).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSchedule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_delay_milliseconds: Option<f64>,
}

/// ChatMessage from the agent. `text` is required; `name` defaults to "".
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentChatMessage {
    pub name: String,
    pub text: String,
    /// The agent's user id, sent by newer servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<MessageSchedule>,
}

impl Read for AgentChatMessage {
    const NAME: &'static str = "ChatMessage";
    fn read(f: Fields) -> Option<Self> {
        Some(AgentChatMessage {
            name: f.loose("name"),
            text: f.text("text")?,
            agent_id: f.opt("agentId"),
            schedule: f.object("schedule").map(|s| MessageSchedule {
                response_delay_milliseconds: s.opt("responseDelayMilliseconds"),
            }),
        })
    }
}

/// ChatEnded: the chat is over (ended by the agent). The guide documents no body.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEnded {
    /// e.g. "agent", when the server says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Record ids attached to the chat, for a post-chat page; passed through as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached_records: Option<Value>,
}

impl Read for ChatEnded {
    const NAME: &'static str = "ChatEnded";
    fn read(f: Fields) -> Option<Self> {
        let records = f.get("attachedRecords");
        Some(ChatEnded {
            reason: f.opt("reason"),
            attached_records: (!records.is_null()).then_some(records),
        })
    }
}

/// ChatTransferred: another agent has the chat. `name` is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatTransferred {
    /// The new agent's display name.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub sneak_peek_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chasitor_idle_timeout: Option<ChasitorIdleTimeoutSettings>,
}

impl Read for ChatTransferred {
    const NAME: &'static str = "ChatTransferred";
    fn read(f: Fields) -> Option<Self> {
        Some(ChatTransferred {
            name: f.text("name")?,
            user_id: f.opt("userId"),
            sneak_peek_enabled: f.loose("sneakPeekEnabled"),
            chasitor_idle_timeout: ChasitorIdleTimeoutSettings::read_in(&f),
        })
    }
}

/// QueueUpdate: the visitor's place in the queue changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Seconds; -1 when unknown (see [`known_wait_seconds`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Option<f64>,
}

impl Read for QueueUpdate {
    const NAME: &'static str = "QueueUpdate";
    fn read(f: Fields) -> Option<Self> {
        Some(QueueUpdate {
            position: f.opt("position"),
            estimated_wait_time: f.opt("estimatedWaitTime"),
        })
    }
}

/// CustomEvent from the agent. `type` is required; a non-string `data` is kept as JSON text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CustomEventMessage {
    #[serde(rename = "type")]
    pub event_type: String,
    pub data: JsonText,
}

impl Read for CustomEventMessage {
    const NAME: &'static str = "CustomEvent";
    fn read(f: Fields) -> Option<Self> {
        Some(CustomEventMessage {
            event_type: f.text("type")?,
            data: f.loose("data"),
        })
    }
}

/// NewVisitorBreadcrumb: the page the visitor is on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewVisitorBreadcrumb {
    pub location: String,
}

impl Read for NewVisitorBreadcrumb {
    const NAME: &'static str = "NewVisitorBreadcrumb";
    fn read(f: Fields) -> Option<Self> {
        Some(NewVisitorBreadcrumb {
            location: f.text("location")?,
        })
    }
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptEntry {
    #[serde(rename = "type")]
    pub entry_type: TranscriptEntryType,
    pub name: String,
    pub content: String,
    /// Milliseconds since the epoch; 0 when absent.
    pub timestamp: i64,
    /// Order within the chat; 0 when absent.
    pub sequence: i64,
}

impl Read for TranscriptEntry {
    const NAME: &'static str = "TranscriptEntry";
    fn read(f: Fields) -> Option<Self> {
        Some(TranscriptEntry {
            entry_type: TranscriptEntryType::read(f.0.get("type")),
            name: f.loose("name"),
            content: f.loose("content"),
            timestamp: f.loose("timestamp"),
            sequence: f.loose("sequence"),
        })
    }
}

/// ChasitorSessionData: the state to restore after a ReconnectSession. Transcript entries that
/// are not objects are dropped, the rest kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorSessionData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_chat_url: Option<String>,
    pub sneak_peek_enabled: bool,
    pub chat_messages: Vec<TranscriptEntry>,
}

impl Read for ChasitorSessionData {
    const NAME: &'static str = "ChasitorSessionData";
    fn read(f: Fields) -> Option<Self> {
        Some(ChasitorSessionData {
            queue_position: f.opt("queuePosition"),
            geo_location: GeoLocation::read_in(&f),
            url: f.opt("url"),
            oref: f.opt("oref"),
            post_chat_url: f.opt("postChatUrl"),
            sneak_peek_enabled: f.loose("sneakPeekEnabled"),
            chat_messages: f.list("chatMessages", TranscriptEntry::read),
        })
    }
}

string_enum! {
    /// Whether the idle warning started or stopped.
    IdleTimeoutWarningEvent {
        Triggered => "triggered",
        Cleared => "cleared",
    }
}

/// ChasitorIdleTimeoutWarningEvent: the visitor has been idle (warning triggered) or is back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdleTimeoutWarning {
    pub idle_timeout_warning_event: IdleTimeoutWarningEvent,
}

impl Read for IdleTimeoutWarning {
    const NAME: &'static str = "ChasitorIdleTimeoutWarningEvent";
    fn read(f: Fields) -> Option<Self> {
        // Required, but any value: null or a non-string is kept as `Other`.
        let event = f.0.get("idleTimeoutWarningEvent")?;
        Some(IdleTimeoutWarning {
            idle_timeout_warning_event: IdleTimeoutWarningEvent::read(Some(event)),
        })
    }
}

/// ReconnectSession answer: use the new affinity token; reset the sequence when `reset_sequence`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectSessionMessage {
    /// The guide says this "may be undefined" and is "always set to true": absent (or not a
    /// boolean) is taken as `true`.
    pub reset_sequence: TrueUnlessFalse,
    pub affinity_token: String,
}

impl Read for ReconnectSessionMessage {
    const NAME: &'static str = "ReconnectSession";
    fn read(f: Fields) -> Option<Self> {
        Some(ReconnectSessionMessage {
            reset_sequence: f.loose("resetSequence"),
            affinity_token: f.text("affinityToken")?,
        })
    }
}

/// SwitchServer: the org moved; use `new_url` as the endpoint from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchServer {
    pub new_url: String,
}

impl Read for SwitchServer {
    const NAME: &'static str = "SwitchServer";
    fn read(f: Fields) -> Option<Self> {
        Some(SwitchServer {
            new_url: f.text("newUrl")?,
        })
    }
}

/// One id's availability (guide: Result).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityResult {
    pub id: String,
    /// An offline button has no `isAvailable` at all: false.
    pub is_available: bool,
    /// Seconds; -1 when unknown. Only with `needEstimatedWaitTime=1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Option<f64>,
}

/// `Visitor/Availability` answer. Results that do not fit (no `id`) are dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AvailabilityResponse {
    pub results: Vec<AvailabilityResult>,
}

impl Read for AvailabilityResponse {
    const NAME: &'static str = "Availability";
    fn read(f: Fields) -> Option<Self> {
        Some(AvailabilityResponse {
            results: f.list("results", |r| {
                Some(AvailabilityResult {
                    id: r.text("id")?,
                    is_available: r.loose("isAvailable"),
                    estimated_wait_time: r.opt("estimatedWaitTime"),
                })
            }),
        })
    }
}

/// Finds the `type_name` message in an envelope, or reads the text as the bare body.
fn visitor_answer<T: Read>(
    text: &str,
    pick: fn(ServerMessage) -> Option<T>,
) -> Result<T, ProtocolError> {
    let value = parse_object(text)?;
    if value.get("messages").is_some() {
        let envelope = MessagesResponse::from_value(value)?;
        return envelope.messages.into_iter().find_map(pick).ok_or_else(|| {
            ProtocolError::UnexpectedShape {
                expected: T::NAME,
                detail: format!("no {} message in the answer", T::NAME),
            }
        });
    }
    Fields::of(&value)
        .and_then(T::read)
        .ok_or_else(|| shape(T::NAME))
}

impl AvailabilityResponse {
    /// Decodes the answer, either the `{"messages":[{"type":"Availability",..}]}` envelope the
    /// server sends or the bare `{"results":[..]}` the guide shows. A SwitchServer answer is an
    /// error here: decode it with [`MessagesResponse::from_json`] to see it.
    pub fn from_json(text: &str) -> Result<AvailabilityResponse, ProtocolError> {
        visitor_answer(text, |m| match m {
            ServerMessage::Availability(a) => Some(a),
            _ => None,
        })
    }

    /// Whether `id` is available (false when not listed).
    pub fn is_available(&self, id: &str) -> bool {
        self.results.iter().any(|r| r.id == id && r.is_available)
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Button {
    pub id: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub button_type: Option<ButtonType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prechat_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Absent means false.
    pub is_available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_image_width: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_image_height: Option<f64>,
    /// "Slide", "Fade", "Appear" or "Custom".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_renderer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_start_position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_end_position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_invite_after_accept: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_invite_after_reject: Option<bool>,
    /// Seconds before an invitation is rejected automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_reject_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_rules: Option<Value>,
    /// Seconds; -1 when unknown. Only with `needEstimatedWaitTime=1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time: Option<f64>,
}

impl Read for Button {
    const NAME: &'static str = "Button";
    fn read(f: Fields) -> Option<Self> {
        let rules = f.get("inviteRules");
        Some(Button {
            id: f.text("id")?,
            button_type: f
                .0
                .get("type")
                .filter(|t| !t.is_null())
                .map(|t| ButtonType::read(Some(t))),
            endpoint_url: f.opt("endpointUrl"),
            prechat_url: f.opt("prechatUrl"),
            language: f.opt("language"),
            is_available: f.loose("isAvailable"),
            invite_image_url: f.opt("inviteImageUrl"),
            invite_image_width: f.opt("inviteImageWidth"),
            invite_image_height: f.opt("inviteImageHeight"),
            invite_renderer: f.opt("inviteRenderer"),
            invite_start_position: f.opt("inviteStartPosition"),
            invite_end_position: f.opt("inviteEndPosition"),
            has_invite_after_accept: f.opt("hasInviteAfterAccept"),
            has_invite_after_reject: f.opt("hasInviteAfterReject"),
            invite_reject_time: f.opt("inviteRejectTime"),
            invite_rules: (!rules.is_null()).then_some(rules),
            estimated_wait_time: f.opt("estimatedWaitTime"),
        })
    }
}

/// `Visitor/Settings` answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsResponse {
    /// How often the visitor should ping (the guide's table spells it `pingrate`: accepted).
    /// 0 when absent.
    pub ping_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_server_url: Option<String>,
    /// Buttons that do not fit (no `id`) are dropped.
    pub buttons: Vec<Button>,
}

impl Read for SettingsResponse {
    const NAME: &'static str = "Settings";
    fn read(f: Fields) -> Option<Self> {
        let rate = if f.0.contains_key("pingRate") {
            "pingRate"
        } else {
            "pingrate"
        };
        Some(SettingsResponse {
            ping_rate: f.loose(rate),
            content_server_url: f.opt("contentServerUrl"),
            buttons: f.list("buttons", Button::read),
        })
    }
}

impl SettingsResponse {
    /// Decodes the answer, the `{"messages":[{"type":"Settings",..}]}` envelope or the bare body.
    pub fn from_json(text: &str) -> Result<SettingsResponse, ProtocolError> {
        visitor_answer(text, |m| match m {
            ServerMessage::Settings(s) => Some(s),
            _ => None,
        })
    }
}

/// `Visitor/VisitorId` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorIdResponse {
    pub session_id: String,
}

impl Read for VisitorIdResponse {
    const NAME: &'static str = "VisitorId";
    fn read(f: Fields) -> Option<Self> {
        Some(VisitorIdResponse {
            session_id: f.text("sessionId")?,
        })
    }
}

impl VisitorIdResponse {
    /// Decodes the answer, the `{"messages":[{"type":"VisitorId",..}]}` envelope or the bare body.
    pub fn from_json(text: &str) -> Result<VisitorIdResponse, ProtocolError> {
        visitor_answer(text, |m| match m {
            ServerMessage::VisitorId(v) => Some(v),
            _ => None,
        })
    }
}

deserialize_by_hand!(
    SessionIdResponse,
    ChatRequestSuccess,
    ChatRequestFail,
    ChatEstablished,
    AgentChatMessage,
    ChatEnded,
    ChatTransferred,
    QueueUpdate,
    CustomEventMessage,
    NewVisitorBreadcrumb,
    TranscriptEntry,
    ChasitorSessionData,
    IdleTimeoutWarning,
    ReconnectSessionMessage,
    SwitchServer,
    AvailabilityResponse,
    Button,
    SettingsResponse,
    VisitorIdResponse,
);
