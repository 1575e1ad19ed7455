//! Request bodies and query parameters (guide v56, chapter 7). Bodies serialize to the guide's
//! camelCase JSON; optional fields are left out when `None`. Decoding (used by the simulator and
//! tests) is lenient: missing lists are empty, missing booleans false.

use super::resources::Resource;
use crate::lenient::JsonText;
/// The pre-chat answers' parts, which ChasitorInit carries as they are.
pub use crate::prechat::{CustomDetail, Entity, EntityFieldMap, EntityFieldsMaps};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// `POST Chasitor/ChasitorInit`: the chat request. Its answer has no body; the outcome arrives on
/// the long poll as ChatRequestSuccess or ChatRequestFail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorInit {
    pub organization_id: String,
    pub deployment_id: String,
    pub button_id: String,
    /// Direct-to-agent routing; leave `None` for normal chat requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// With `agent_id`: fall back to the button when the agent is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do_fallback: Option<bool>,
    /// The SessionId answer's `id`.
    pub session_id: String,
    #[serde(default)]
    pub user_agent: String,
    #[serde(default)]
    pub language: String,
    /// e.g. "2560x1440".
    #[serde(default)]
    pub screen_resolution: String,
    #[serde(default)]
    pub visitor_name: String,
    #[serde(default)]
    pub prechat_details: Vec<CustomDetail>,
    #[serde(default)]
    pub prechat_entities: Vec<Entity>,
    /// Ordered routing targets: "buttonId", "agentId" or "agentId_buttonId".
    #[serde(default)]
    pub button_overrides: Vec<String>,
    /// Ask for QueueUpdate messages (the widget sends `true`).
    #[serde(default)]
    pub receive_queue_updates: bool,
    /// Always `true` from this client.
    #[serde(default)]
    pub is_post: bool,
}

/// `POST Chasitor/ChasitorResyncState`, after a ReconnectSession.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorResyncState {
    pub organization_id: String,
}

/// `POST Chasitor/ChasitorSneakPeek`: the text being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChasitorSneakPeek {
    /// The position of this update in the chat (rises with each update).
    pub position: u32,
    pub text: String,
}

/// `POST Chasitor/ChatMessage`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessageBody {
    pub text: String,
}

/// `POST Chasitor/CustomEvent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomEventBody {
    /// Wire `type`: the event's name, e.g. "PromptForCreditCard".
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub data: JsonText,
}

/// `POST System/MultiNoun`: several POSTs in one request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MultiNoun {
    pub nouns: Vec<NounWrapper>,
}

/// One request inside a MultiNoun. The guide's example names the body `object` (its data-type
/// table says `data`, accepted on input).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NounWrapper {
    /// e.g. "Chasitor".
    pub prefix: String,
    /// e.g. "ChatMessage".
    pub noun: String,
    /// The request body; `{}` for resources without one.
    #[serde(default = "empty_object", alias = "data")]
    pub object: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl NounWrapper {
    /// Wraps `object` as a request to `resource`; `None` if the resource cannot be batched
    /// (see [`Resource::noun`]). Pass `Value::Null` for a resource without a body: it becomes `{}`.
    pub fn new(resource: Resource, object: Value) -> Option<NounWrapper> {
        let (prefix, noun) = resource.noun()?;
        let object = if object.is_null() {
            empty_object()
        } else {
            object
        };
        Some(NounWrapper {
            prefix: prefix.to_string(),
            noun: noun.to_string(),
            object,
        })
    }

    /// The resource this wraps, if known.
    pub fn resource(&self) -> Option<Resource> {
        Resource::from_path(&format!("/{}/{}", self.prefix, self.noun))
    }
}

/// `POST Chasitor/ChatEnd` body. Serializes as `{"type":"ChatEndReason","reason":"client"}`:
/// without the `type` the server answers 400 ("ChatEnd requires a non-null value on the reason
/// property"). Decoding accepts it with or without `type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatEndReason {
    /// "client" when the visitor ends the chat.
    pub reason: String,
}

impl ChatEndReason {
    /// The visitor ended the chat.
    pub fn client() -> ChatEndReason {
        ChatEndReason {
            reason: "client".to_string(),
        }
    }
}

impl Default for ChatEndReason {
    fn default() -> Self {
        ChatEndReason::client()
    }
}

impl Serialize for ChatEndReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", "ChatEndReason")?;
        map.serialize_entry("reason", &self.reason)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChatEndReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            reason: String,
        }
        let wire = Wire::deserialize(d)?;
        Ok(ChatEndReason {
            reason: wire.reason,
        })
    }
}

/// `POST Visitor/Breadcrumb`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breadcrumb {
    /// The URL of the page the visitor is on.
    pub location: String,
}

/// Writes a list of ids as the API's array syntax: `[id1,id2]`.
fn id_list(ids: &[String]) -> String {
    format!("[{}]", ids.join(","))
}

/// `GET Visitor/Settings` query. Values are not percent-encoded: the caller encodes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsQuery {
    pub org_id: String,
    pub deployment_id: String,
    /// `Settings.buttonIds=[id1,id2]`; left out when empty.
    pub button_ids: Vec<String>,
    /// `Settings.needEstimatedWaitTime=1` (API 47+).
    pub need_estimated_wait_time: bool,
    /// `Settings.updateBreadcrumb=1`.
    pub update_breadcrumb: bool,
}

impl SettingsQuery {
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = vec![
            ("org_id".to_string(), self.org_id.clone()),
            ("deployment_id".to_string(), self.deployment_id.clone()),
        ];
        if !self.button_ids.is_empty() {
            q.push(("Settings.buttonIds".to_string(), id_list(&self.button_ids)));
        }
        if self.need_estimated_wait_time {
            q.push((
                "Settings.needEstimatedWaitTime".to_string(),
                "1".to_string(),
            ));
        }
        if self.update_breadcrumb {
            q.push(("Settings.updateBreadcrumb".to_string(), "1".to_string()));
        }
        q
    }
}

/// `GET Visitor/Availability` query. Values are not percent-encoded: the caller encodes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvailabilityQuery {
    pub org_id: String,
    pub deployment_id: String,
    /// Button (or agent) ids: `Availability.ids=[id1,id2]`.
    pub ids: Vec<String>,
    /// `Availability.needEstimatedWaitTime=1` (API 47+).
    pub need_estimated_wait_time: bool,
}

impl AvailabilityQuery {
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = vec![
            ("org_id".to_string(), self.org_id.clone()),
            ("deployment_id".to_string(), self.deployment_id.clone()),
            ("Availability.ids".to_string(), id_list(&self.ids)),
        ];
        if self.need_estimated_wait_time {
            q.push((
                "Availability.needEstimatedWaitTime".to_string(),
                "1".to_string(),
            ));
        }
        q
    }
}

/// `GET Visitor/VisitorId` query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorIdQuery {
    pub org_id: String,
    pub deployment_id: String,
}

impl VisitorIdQuery {
    pub fn to_query(&self) -> Vec<(String, String)> {
        vec![
            ("org_id".to_string(), self.org_id.clone()),
            ("deployment_id".to_string(), self.deployment_id.clone()),
        ]
    }
}

/// `GET System/Messages` query: `ack=-1` first, then the `sequence` of the last 200 answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessagesQuery {
    pub ack: i64,
}

impl Default for MessagesQuery {
    fn default() -> Self {
        MessagesQuery { ack: -1 }
    }
}

impl MessagesQuery {
    pub fn to_query(&self) -> Vec<(String, String)> {
        vec![("ack".to_string(), self.ack.to_string())]
    }
}

/// `GET System/ReconnectSession` query: the `offset` of the latest Messages answer with messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReconnectSessionQuery {
    pub offset: i64,
}

impl ReconnectSessionQuery {
    pub fn to_query(&self) -> Vec<(String, String)> {
        vec![(
            "ReconnectSession.offset".to_string(),
            self.offset.to_string(),
        )]
    }
}
