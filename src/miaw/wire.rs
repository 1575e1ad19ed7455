//! Wire types of Enhanced Chat's customer-side API (`/iamessage/api/v2/...` and the event
//! stream `/eventrouter/v1/sse`): request bodies (serialize to the API's camelCase JSON, optional
//! parts left out), answers, and the stream's events.
//!
//! Answers decode leniently: every field but the few an answer is useless without is a
//! [`Lenient`] field (an odd or missing value becomes its fallback). A conversation entry's
//! `entryPayload` is a JSON string on the stream and an object in history; [`ConversationEntry`]
//! reads both, and types the payload by its entry type. Unknown event names and entry types
//! become `Unknown { name, raw }`, never an error.

use crate::protocol::{Lenient, Loose};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Pre-chat answers for routing: `{<pre-chat field name>: value}`.
pub type RoutingAttributes = Map<String, Value>;

// ------------------------------------------------------------------------------- requests

/// `POST /iamessage/api/v2/authorization/unauthenticated/access-token` (no Bearer).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRequest {
    /// The org id (15 or 18 characters).
    pub org_id: String,
    /// The Embedded Service deployment's API name.
    pub es_developer_name: String,
    /// "1".
    pub capabilities_version: String,
    /// "Web".
    pub platform: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ClientContext>,
}

impl AccessTokenRequest {
    /// A web client's request: capabilities version "1", platform "Web", no device id or context.
    pub fn web(org_id: &str, es_developer_name: &str) -> AccessTokenRequest {
        AccessTokenRequest {
            org_id: org_id.to_string(),
            es_developer_name: es_developer_name.to_string(),
            capabilities_version: "1".to_string(),
            platform: "Web".to_string(),
            device_id: None,
            context: None,
        }
    }
}

/// The access-token request's optional `context`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientContext {
    pub app_name: String,
    pub client_version: String,
}

/// `POST /iamessage/api/v2/conversation`: start a conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConversationRequest {
    /// A lowercase UUID the client makes.
    pub conversation_id: String,
    pub es_developer_name: String,
    /// Pre-chat answers; left out when empty. Keys not mapped on the channel are dropped.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub routing_attributes: RoutingAttributes,
}

/// `POST /iamessage/api/v2/conversation/{id}/message`: send a message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    pub message: AbstractMessage,
    pub es_developer_name: String,
    /// `true` to open a new messaging session (after a 417), with the session pre-chat's
    /// `routing_attributes`; left out when false.
    #[serde(skip_serializing_if = "is_false")]
    pub is_new_messaging_session: bool,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub routing_attributes: RoutingAttributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl SendMessageRequest {
    /// A plain-text message with the client's message `id` (a UUID; it comes back on the stream).
    pub fn text(id: &str, text: &str, es_developer_name: &str) -> SendMessageRequest {
        SendMessageRequest {
            message: AbstractMessage {
                id: id.into(),
                message_type: STATIC_CONTENT_MESSAGE.into(),
                static_content: Lenient(Some(StaticContent {
                    format_type: FORMAT_TEXT.into(),
                    text: text.into(),
                })),
                in_reply_to_message_id: Lenient(None),
            },
            es_developer_name: es_developer_name.to_string(),
            is_new_messaging_session: false,
            routing_attributes: Map::new(),
            language: None,
        }
    }
}

/// `messageType` of a plain message.
pub const STATIC_CONTENT_MESSAGE: &str = "StaticContentMessage";
/// `formatType` of plain text.
pub const FORMAT_TEXT: &str = "Text";

/// `POST /iamessage/api/v2/conversation/{id}/entry`: the visitor started or stopped typing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingRequest {
    pub entry_type: TypingEntry,
    /// A fresh UUID.
    pub id: String,
}

/// The typing request's `entryType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TypingEntry {
    TypingStartedIndicator,
    TypingStoppedIndicator,
}

/// `POST /iamessage/api/v2/conversation/{id}/acknowledge-entries` (*unconfirmed*): receipts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AcknowledgeEntriesRequest {
    pub acks: Vec<Ack>,
}

/// One receipt.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    /// A fresh UUID.
    pub id: String,
    pub entry_type: AckType,
    /// The acknowledged entry's `identifier`.
    pub conversation_entry_id: String,
}

/// What a receipt says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AckType {
    Delivery,
    Read,
}

// -------------------------------------------------------------------------------- answers

/// The access-token answer; also the continuation-token answer
/// (`GET .../authorization/continuation-access-token`), which has no `context`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenAnswer {
    /// The JWT for `Authorization: Bearer` (see [`jwt_expiry_secs`]). Secret: never log it.
    pub access_token: String,
    /// The first `Last-Event-Id` of the stream ("" when absent).
    #[serde(default)]
    pub last_event_id: Lenient<String>,
    #[serde(default)]
    pub context: Lenient<TokenContext>,
}

/// The continuation-token answer: the access-token answer's shape.
pub type ContinuationTokenAnswer = AccessTokenAnswer;

/// The token answer's `context`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenContext {
    #[serde(default)]
    pub device_id: Lenient<String>,
    #[serde(default)]
    pub configuration: Lenient<Configuration>,
}

/// `context.configuration`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Configuration {
    #[serde(default)]
    pub embedded_service_config: Lenient<EmbeddedServiceConfig>,
}

/// The deployment's settings: the pre-chat forms and their choice lists.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedServiceConfig {
    /// The deployment's name.
    #[serde(default)]
    pub name: Lenient<String>,
    #[serde(default)]
    pub forms: Lenient<Vec<Form>>,
    #[serde(default)]
    pub choice_list_config: Lenient<ChoiceListConfig>,
}

impl EmbeddedServiceConfig {
    /// The pre-chat form (`formType: "PreChat"`), if the deployment has one.
    pub fn prechat_form(&self) -> Option<&Form> {
        self.forms.iter().find(|f| f.form_type == "PreChat")
    }

    /// The options of a ChoiceList field's `choiceListId` (none when unknown).
    pub fn choices(&self, choice_list_id: &str) -> &[ChoiceListValue] {
        self.choice_list_config
            .choice_list
            .iter()
            .find(|list| list.choice_list_id == choice_list_id)
            .map_or(&[], |list| &list.choice_list_values)
    }
}

/// A form of the deployment.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Form {
    /// "PreChat".
    #[serde(default)]
    pub form_type: Lenient<String>,
    /// "Conversation" (once per conversation) or "Session" (every messaging session).
    #[serde(default)]
    pub display_context: Lenient<String>,
    #[serde(default)]
    pub form_fields: Lenient<Vec<FormField>>,
}

impl Form {
    /// The fields by `order` (fields with equal order keep theirs).
    pub fn fields_in_order(&self) -> Vec<&FormField> {
        let mut fields: Vec<&FormField> = self.form_fields.iter().collect();
        fields.sort_by_key(|f| *f.order);
        fields
    }

    /// Shown every messaging session (`displayContext: "Session"`), not once per conversation.
    pub fn every_session(&self) -> bool {
        self.display_context == "Session"
    }
}

/// A pre-chat form field.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    /// The field's API name: the key in `routingAttributes`.
    #[serde(default)]
    pub name: Lenient<String>,
    /// Text, Email, Number, Phone, Checkbox or ChoiceList.
    #[serde(default, rename = "type")]
    pub field_type: Lenient<String>,
    #[serde(default)]
    pub required: Lenient<bool>,
    /// Hidden fields are set by the page, not the visitor.
    #[serde(default)]
    pub is_hidden: Lenient<bool>,
    #[serde(default)]
    pub order: Lenient<i64>,
    /// For ChoiceList fields: see [`EmbeddedServiceConfig::choices`].
    #[serde(default)]
    pub choice_list_id: Lenient<String>,
    #[serde(default)]
    pub max_length: Lenient<Option<u32>>,
    #[serde(default)]
    pub labels: Lenient<FieldLabels>,
}

impl FormField {
    /// What to show the visitor: the display label, else the name.
    pub fn label(&self) -> &str {
        Some(self.labels.display.as_str())
            .filter(|l| !l.is_empty())
            .unwrap_or(&self.name)
    }
}

/// A form field's `labels` (*unconfirmed*: the project's simulator sends `display`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FieldLabels {
    #[serde(default)]
    pub display: Lenient<String>,
}

/// `embeddedServiceConfig.choiceListConfig`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceListConfig {
    #[serde(default)]
    pub choice_list: Lenient<Vec<ChoiceList>>,
}

/// One choice list.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceList {
    #[serde(default)]
    pub choice_list_id: Lenient<String>,
    #[serde(default)]
    pub choice_list_values: Lenient<Vec<ChoiceListValue>>,
}

/// One option of a choice list.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceListValue {
    #[serde(default)]
    pub choice_list_value_id: Lenient<String>,
    /// The option's value and label.
    #[serde(default)]
    pub choice_list_value_name: Lenient<String>,
}

/// The send-message answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageAnswer {
    #[serde(default)]
    pub conversation_entries: Lenient<Vec<SentEntry>>,
}

/// An entry the send-message answer confirms.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentEntry {
    #[serde(default)]
    pub id: Lenient<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub client_timestamp: Lenient<i64>,
}

/// `GET /iamessage/api/v2/conversation/list` answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListConversationsAnswer {
    #[serde(default)]
    pub open_conversations_found: Lenient<u32>,
    #[serde(default)]
    pub conversations: Lenient<Vec<ConversationSummary>>,
}

/// One conversation of the list.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    #[serde(default)]
    pub conversation_id: Lenient<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub start_timestamp: Lenient<i64>,
}

impl ListConversationsAnswer {
    /// The listed conversation that started last, if any (list with `inclClosedConvs=false` for
    /// the open ones only).
    pub fn latest(&self) -> Option<&ConversationSummary> {
        self.conversations.iter().max_by_key(|c| *c.start_timestamp)
    }
}

/// `GET /iamessage/api/v2/conversation/{id}/entries` answer: history, newest first. An element
/// that is not an object is left out.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntriesAnswer {
    #[serde(default)]
    pub conversation_entries: Lenient<Vec<ConversationEntry>>,
}

// ---------------------------------------------------------------- entries and the stream

/// A participant: an entry's `sender`, a participant change's `participant`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Participant {
    /// EndUser, Agent, Chatbot, System, Router or Supervisor.
    #[serde(default)]
    pub role: Lenient<String>,
    #[serde(default)]
    pub subject: Lenient<String>,
}

/// A message: the stream's and history's `abstractMessage`, and the send request's `message`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AbstractMessage {
    #[serde(default)]
    pub id: Lenient<String>,
    /// "StaticContentMessage" for text; also ChoicesMessage, ChoicesResponseMessage...
    #[serde(default)]
    pub message_type: Lenient<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_content: Lenient<Option<StaticContent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to_message_id: Lenient<Option<String>>,
}

/// A message's `staticContent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaticContent {
    /// "Text" for plain text.
    #[serde(default)]
    pub format_type: Lenient<String>,
    #[serde(default)]
    pub text: Lenient<String>,
}

impl Loose for Participant {}
impl Loose for StaticContent {}
impl Loose for AbstractMessage {}
impl Loose for ConversationEntry {}
impl Loose for TokenContext {}
impl Loose for Configuration {}
impl Loose for EmbeddedServiceConfig {}
impl Loose for Form {}
impl Loose for FormField {}
impl Loose for FieldLabels {}
impl Loose for ChoiceListConfig {}
impl Loose for ChoiceList {}
impl Loose for ChoiceListValue {}
impl Loose for SentEntry {}
impl Loose for ConversationSummary {}
impl Loose for EstimatedWaitTime {}
impl Loose for ParticipantChange {}

/// One entry of a conversation, from history or from the stream's `conversationEntry`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "EntryWire")]
pub struct ConversationEntry {
    /// The entry's id: dedupe history against the stream by it.
    pub identifier: String,
    /// Message, RoutingResult, ParticipantChanged, ... (the payload's, when the entry has none).
    pub entry_type: String,
    pub sender: Participant,
    pub sender_display_name: String,
    /// Milliseconds since the epoch: when the server got it.
    pub transcripted_timestamp: i64,
    pub client_timestamp: i64,
    /// For receipts: the acknowledged message's id first.
    pub related_records: Vec<String>,
    pub payload: EntryPayload,
}

/// A [`ConversationEntry`] as on the wire.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryWire {
    #[serde(default)]
    identifier: Lenient<String>,
    #[serde(default)]
    entry_type: Lenient<String>,
    #[serde(default)]
    sender: Lenient<Participant>,
    #[serde(default)]
    sender_display_name: Lenient<String>,
    #[serde(default)]
    transcripted_timestamp: Lenient<i64>,
    #[serde(default)]
    client_timestamp: Lenient<i64>,
    #[serde(default)]
    related_records: Lenient<Vec<String>>,
    #[serde(default)]
    entry_payload: Value,
}

impl From<EntryWire> for ConversationEntry {
    fn from(w: EntryWire) -> ConversationEntry {
        // A string on the stream, an object in history.
        let raw = match w.entry_payload {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        let mut entry_type = w.entry_type.0;
        if entry_type.is_empty() {
            if let Some(t) = raw.get("entryType").and_then(Value::as_str) {
                t.clone_into(&mut entry_type);
            }
        }
        ConversationEntry {
            payload: EntryPayload::decode(&entry_type, raw),
            identifier: w.identifier.0,
            entry_type,
            sender: w.sender.0,
            sender_display_name: w.sender_display_name.0,
            transcripted_timestamp: w.transcripted_timestamp.0,
            client_timestamp: w.client_timestamp.0,
            related_records: w.related_records.0,
        }
    }
}

impl ConversationEntry {
    /// The acknowledged message's id, for delivery and read receipts (`relatedRecords[0]`).
    pub fn acknowledged_id(&self) -> Option<&str> {
        self.related_records.first().map(String::as_str)
    }
}

/// An entry's payload, typed by its entry type.
#[derive(Clone, Debug, PartialEq)]
pub enum EntryPayload {
    /// A message (the visitor's own come back too, with the same id).
    Message(MessagePayload),
    RoutingResult(RoutingResult),
    ParticipantChanged(ParticipantChanged),
    TypingStarted,
    TypingStopped,
    /// A message was delivered: [`ConversationEntry::acknowledged_id`].
    DeliveryAcknowledgement,
    /// A message was read: [`ConversationEntry::acknowledged_id`].
    ReadAcknowledgement,
    CloseConversation,
    /// An entry type this client does not know (`name`), or a known one whose payload is not an
    /// object; `raw` is the payload (parsed when it was a JSON string).
    Unknown {
        name: String,
        raw: Value,
    },
}

impl EntryPayload {
    /// The payload of an entry of type `entry_type`. Never fails.
    pub fn decode(entry_type: &str, raw: Value) -> EntryPayload {
        match entry_type {
            "Message" => typed(entry_type, raw, EntryPayload::Message),
            "RoutingResult" => typed(entry_type, raw, EntryPayload::RoutingResult),
            "ParticipantChanged" => typed(entry_type, raw, EntryPayload::ParticipantChanged),
            "TypingStartedIndicator" => EntryPayload::TypingStarted,
            "TypingStoppedIndicator" => EntryPayload::TypingStopped,
            "DeliveryAcknowledgement" => EntryPayload::DeliveryAcknowledgement,
            "ReadAcknowledgement" => EntryPayload::ReadAcknowledgement,
            "CloseConversation" => EntryPayload::CloseConversation,
            _ => EntryPayload::Unknown {
                name: entry_type.to_string(),
                raw,
            },
        }
    }
}

/// `raw` as `T` when it is an object (all of `T`'s fields are lenient, so any object fits).
fn typed<T: DeserializeOwned>(name: &str, raw: Value, wrap: fn(T) -> EntryPayload) -> EntryPayload {
    if raw.is_object() {
        if let Ok(t) = T::deserialize(raw.clone()) {
            return wrap(t);
        }
    }
    EntryPayload::Unknown {
        name: name.to_string(),
        raw,
    }
}

/// A Message entry's payload.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePayload {
    #[serde(default)]
    pub abstract_message: Lenient<AbstractMessage>,
    #[serde(default)]
    pub message_reason: Lenient<Option<String>>,
}

impl MessagePayload {
    /// The text of a plain-text message (`StaticContentMessage`, format `Text`).
    pub fn text(&self) -> Option<&str> {
        let message = &self.abstract_message;
        let content = message.static_content.as_ref()?;
        (message.message_type == STATIC_CONTENT_MESSAGE && content.format_type == FORMAT_TEXT)
            .then_some(content.text.as_str())
    }
}

/// A RoutingResult entry's payload.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingResult {
    /// "Initial" or "Transfer".
    #[serde(default)]
    pub routing_type: Lenient<String>,
    /// "None" when routed; Unknown, SubmissionError, RoutingError when not.
    #[serde(default)]
    pub failure_type: Lenient<String>,
    #[serde(default)]
    pub failure_reason: Lenient<String>,
    #[serde(default)]
    pub estimated_wait_time: Lenient<Option<EstimatedWaitTime>>,
}

impl RoutingResult {
    /// Routing failed: a failure type other than "None" (absent counts as none).
    pub fn failed(&self) -> bool {
        !matches!(self.failure_type.as_str(), "" | "None")
    }

    /// The estimated wait in seconds, when the server gave one: not negative, and not with
    /// `isEWTRequested: false`.
    pub fn wait_secs(&self) -> Option<u32> {
        let ewt = self.estimated_wait_time.as_ref()?;
        if *ewt.is_ewt_requested == Some(false) {
            return None;
        }
        u32::try_from((*ewt.estimated_wait_time_in_seconds)?).ok()
    }
}

/// A routing result's `estimatedWaitTime`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EstimatedWaitTime {
    #[serde(default)]
    pub estimated_wait_time_in_seconds: Lenient<Option<i64>>,
    /// `false`: no estimate was asked for, the seconds mean nothing.
    #[serde(default, rename = "isEWTRequested")]
    pub is_ewt_requested: Lenient<Option<bool>>,
}

/// A ParticipantChanged entry's payload.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ParticipantChanged {
    #[serde(default)]
    pub entries: Lenient<Vec<ParticipantChange>>,
}

/// Someone joined (`operation: "add"`) or left ("remove").
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantChange {
    #[serde(default)]
    pub operation: Lenient<String>,
    #[serde(default)]
    pub display_name: Lenient<String>,
    #[serde(default)]
    pub participant: Lenient<Participant>,
}

impl ParticipantChange {
    /// The participant joined (else left).
    pub fn joined(&self) -> bool {
        self.operation.eq_ignore_ascii_case("add")
    }
}

/// The stream's event names and the entry type each carries.
const EVENT_ENTRY_TYPES: [(&str, &str); 8] = [
    ("CONVERSATION_MESSAGE", "Message"),
    ("CONVERSATION_ROUTING_RESULT", "RoutingResult"),
    ("CONVERSATION_PARTICIPANT_CHANGED", "ParticipantChanged"),
    (
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "TypingStartedIndicator",
    ),
    (
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
        "TypingStoppedIndicator",
    ),
    (
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        "DeliveryAcknowledgement",
    ),
    ("CONVERSATION_READ_ACKNOWLEDGEMENT", "ReadAcknowledgement"),
    ("CONVERSATION_CLOSE_CONVERSATION", "CloseConversation"),
];

/// The `data` of a stream event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventData {
    /// The stream is per visitor: keep only the events of the current conversation.
    #[serde(default)]
    pub conversation_id: Lenient<String>,
    #[serde(default)]
    pub channel_platform_key: Lenient<String>,
    #[serde(default)]
    pub channel_type: Lenient<String>,
    #[serde(default)]
    pub channel_address_identifier: Lenient<String>,
    pub conversation_entry: ConversationEntry,
}

/// One event of the stream, from its SSE `event` name and `data`.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerEvent {
    /// One of the CONVERSATION_* events this client knows; match on its entry's payload.
    Conversation(Box<EventData>),
    /// An event name this client does not know, or data without a `conversationEntry` object;
    /// `raw` is the data (parsed when it is JSON, else the text).
    Unknown { name: String, raw: Value },
}

impl ServerEvent {
    /// Decodes an event. Never fails. The entry's own entry type types its payload; when it has
    /// none this client knows, the event name's does.
    pub fn decode(name: &str, data: &str) -> ServerEvent {
        let known = EVENT_ENTRY_TYPES.iter().find(|(event, _)| *event == name);
        // Straight from the text: no copy of the data is kept for the unknown case.
        let decoded = known.and_then(|&(_, entry_type)| {
            Some((entry_type, serde_json::from_str::<EventData>(data).ok()?))
        });
        let Some((entry_type, mut data)) = decoded else {
            return ServerEvent::Unknown {
                name: name.to_string(),
                raw: serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.into())),
            };
        };
        let entry = &mut data.conversation_entry;
        let typed = EVENT_ENTRY_TYPES
            .iter()
            .any(|&(_, t)| t == entry.entry_type);
        if let (false, EntryPayload::Unknown { raw, .. }) = (typed, &mut entry.payload) {
            entry.payload = EntryPayload::decode(entry_type, std::mem::take(raw));
            if entry.entry_type.is_empty() {
                entry.entry_type = entry_type.to_string();
            }
        }
        ServerEvent::Conversation(Box::new(data))
    }
}

// ------------------------------------------------------------------------------------ JWT

/// The `exp` claim (seconds since the epoch) of a JWT such as the access token: the payload is
/// read without checking the signature. `None` when the token is not a JWT or has no `exp`.
pub fn jwt_expiry_secs(token: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Claims {
        #[serde(default)]
        exp: Lenient<Option<i64>>,
    }
    let payload = base64url_decode(token.split('.').nth(1)?)?;
    let claims: Claims = serde_json::from_slice(&payload).ok()?;
    u64::try_from(claims.exp.0?).ok()
}

/// Base64url (RFC 4648 §5) without padding; trailing '=' are accepted.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}
