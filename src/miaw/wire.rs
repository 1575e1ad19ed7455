//! Wire types of Enhanced Chat's customer-side API (`/iamessage/api/v2/...` and the event
//! stream `/eventrouter/v1/sse`): request bodies (written as the API's camelCase JSON, optional
//! parts left out), answers, and the stream's events.
//!
//! Answers and events are parsed once into a [`serde_json::Value`] and read from it by hand into
//! typed results (no derived `Deserialize`: each derived type costs its own serde code in the
//! wasm). Reading is lenient: every field but the few an answer is useless without falls back
//! when it is absent or odd (numbers as strings and strings as numbers are read as meant, as
//! [`Loose`] does for Live Agent). A conversation entry's `entryPayload` is a JSON string on the
//! stream and an object in history; [`ConversationEntry`] reads both, and types the payload by its
//! entry type. Unknown event names and entry types become `Unknown { name, raw }`, never an error.

use crate::lenient::{Loose, ProtocolError};
use serde_json::{Map, Value};

/// Pre-chat answers for routing: `{<pre-chat field name>: value}`.
pub type RoutingAttributes = Map<String, Value>;

// ------------------------------------------------------------------------------- requests

/// A request body being written: a JSON object, as text through [`serde_json::Value`] (whose
/// serializer the Live Agent side links already; a derived `Serialize` per body costs its own
/// code). Optional parts are left out.
#[derive(Default)]
struct Body(Map<String, Value>);

impl Body {
    fn put(&mut self, key: &str, value: Value) {
        self.0.insert(key.to_string(), value);
    }

    fn text(&mut self, key: &str, value: &str) {
        self.put(key, Value::String(value.to_string()));
    }

    fn text_if(&mut self, key: &str, value: &Option<String>) {
        if let Some(value) = value {
            self.text(key, value);
        }
    }

    fn attributes(&mut self, attributes: &RoutingAttributes) {
        if !attributes.is_empty() {
            self.put("routingAttributes", Value::Object(attributes.clone()));
        }
    }

    fn value(self) -> Value {
        Value::Object(self.0)
    }

    fn json(self) -> String {
        serde_json::to_string(&self.value()).unwrap_or_default()
    }
}

/// `POST /iamessage/api/v2/authorization/unauthenticated/access-token` (no Bearer).
#[derive(Clone, Debug, PartialEq)]
pub struct AccessTokenRequest {
    /// The org id (15 or 18 characters).
    pub org_id: String,
    /// The Embedded Service deployment's API name.
    pub es_developer_name: String,
    /// "1".
    pub capabilities_version: String,
    /// "Web".
    pub platform: String,
    pub device_id: Option<String>,
    pub context: Option<ClientContext>,
    /// A verified customer's identity token (a JWT the site signed): the authenticated
    /// request's `customerIdentityToken`, with `authorizationType: "JWT"`.
    pub identity: Option<String>,
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
            identity: None,
        }
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        let mut b = Body::default();
        b.text("orgId", &self.org_id);
        b.text("esDeveloperName", &self.es_developer_name);
        b.text("capabilitiesVersion", &self.capabilities_version);
        b.text("platform", &self.platform);
        b.text_if("deviceId", &self.device_id);
        if let Some(identity) = &self.identity {
            b.text("authorizationType", "JWT");
            b.text("customerIdentityToken", identity);
        }
        if let Some(context) = &self.context {
            let mut c = Body::default();
            c.text("appName", &context.app_name);
            c.text("clientVersion", &context.client_version);
            b.put("context", c.value());
        }
        b.json()
    }
}

/// The access-token request's optional `context`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientContext {
    pub app_name: String,
    pub client_version: String,
}

/// `POST /iamessage/api/v2/conversation`: start a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateConversationRequest {
    /// A lowercase UUID the client makes.
    pub conversation_id: String,
    pub es_developer_name: String,
    /// Pre-chat answers; left out when empty. Keys not mapped on the channel are dropped.
    pub routing_attributes: RoutingAttributes,
}

impl CreateConversationRequest {
    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        let mut b = Body::default();
        b.text("conversationId", &self.conversation_id);
        b.text("esDeveloperName", &self.es_developer_name);
        b.attributes(&self.routing_attributes);
        b.json()
    }
}

/// `POST /iamessage/api/v2/conversation/{id}/message`: send a message.
#[derive(Clone, Debug, PartialEq)]
pub struct SendMessageRequest {
    pub message: AbstractMessage,
    pub es_developer_name: String,
    /// `true` to open a new messaging session (after a 417), with the pre-chat answers again as
    /// `routing_attributes`; left out when false.
    pub is_new_messaging_session: bool,
    /// Left out when empty.
    pub routing_attributes: RoutingAttributes,
    pub language: Option<String>,
}

impl SendMessageRequest {
    /// A plain-text message with the client's message `id` (a UUID; it comes back on the stream).
    pub fn text(id: &str, text: &str, es_developer_name: &str) -> SendMessageRequest {
        SendMessageRequest {
            message: AbstractMessage {
                id: id.into(),
                message_type: STATIC_CONTENT_MESSAGE.into(),
                static_content: Some(StaticContent {
                    format_type: FORMAT_TEXT.into(),
                    text: text.into(),
                }),
                in_reply_to_message_id: None,
                selected_option: None,
                file_id: None,
            },
            es_developer_name: es_developer_name.to_string(),
            is_new_messaging_session: false,
            routing_attributes: Map::new(),
            language: None,
        }
    }

    /// The answer to a menu (`ChoicesResponseMessage`): the option `option_id`
    /// (`optionIdentifier`) of the message `reply_to`.
    pub fn choice(id: &str, reply_to: &str, option_id: &str, es_developer_name: &str) -> Self {
        let mut req = SendMessageRequest::text(id, "", es_developer_name);
        let m = &mut req.message;
        m.message_type = CHOICES_RESPONSE_MESSAGE.into();
        m.static_content = None;
        m.in_reply_to_message_id = Some(reply_to.into());
        m.selected_option = Some(option_id.into());
        req
    }

    /// The `messageEntry` part of a file upload (`POST …/conversation/{id}/file`): the message
    /// `id` and the file's own `file_id`.
    pub fn file(id: &str, file_id: &str, es_developer_name: &str) -> SendMessageRequest {
        let mut req = SendMessageRequest::text(id, "", es_developer_name);
        req.message.static_content = None;
        req.message.file_id = Some(file_id.into());
        req
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        let message = &self.message;
        let mut m = Body::default();
        m.text("id", &message.id);
        if let Some(file_id) = &message.file_id {
            m.text("fileId", file_id);
        } else {
            m.text("messageType", &message.message_type);
        }
        if let Some(option) = &message.selected_option {
            let mut selected = Body::default();
            selected.text("optionIdentifier", option);
            let mut c = Body::default();
            c.text("formatType", "Selections");
            c.put("selectedOptions", Value::Array(vec![selected.value()]));
            m.put("choicesResponse", c.value());
        }
        if let Some(content) = &message.static_content {
            let mut c = Body::default();
            c.text("formatType", &content.format_type);
            c.text("text", &content.text);
            m.put("staticContent", c.value());
        }
        m.text_if("inReplyToMessageId", &message.in_reply_to_message_id);
        let mut b = Body::default();
        b.put("message", m.value());
        b.text("esDeveloperName", &self.es_developer_name);
        if self.is_new_messaging_session {
            b.put("isNewMessagingSession", Value::Bool(true));
        }
        b.attributes(&self.routing_attributes);
        b.text_if("language", &self.language);
        b.json()
    }
}

/// `messageType` of a plain message.
pub const STATIC_CONTENT_MESSAGE: &str = "StaticContentMessage";
/// `formatType` of plain text.
pub const FORMAT_TEXT: &str = "Text";
/// `messageType` of the answer to a menu.
pub const CHOICES_RESPONSE_MESSAGE: &str = "ChoicesResponseMessage";

/// `POST /iamessage/api/v2/conversation/{id}/entry`: the visitor started or stopped typing.
#[derive(Clone, Debug, PartialEq)]
pub struct TypingRequest {
    pub entry_type: TypingEntry,
    /// A fresh UUID.
    pub id: String,
}

impl TypingRequest {
    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        let mut b = Body::default();
        b.text(
            "entryType",
            match self.entry_type {
                TypingEntry::TypingStartedIndicator => "TypingStartedIndicator",
                TypingEntry::TypingStoppedIndicator => "TypingStoppedIndicator",
            },
        );
        b.text("id", &self.id);
        b.json()
    }
}

/// The typing request's `entryType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypingEntry {
    TypingStartedIndicator,
    TypingStoppedIndicator,
}

/// `POST /iamessage/api/v2/conversation/{id}/acknowledge-entries` (*unconfirmed*): receipts.
#[derive(Clone, Debug, PartialEq)]
pub struct AcknowledgeEntriesRequest {
    pub acks: Vec<Ack>,
}

impl AcknowledgeEntriesRequest {
    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        let mut acks = Vec::with_capacity(self.acks.len());
        for ack in &self.acks {
            let mut a = Body::default();
            a.text("id", &ack.id);
            a.text(
                "entryType",
                match ack.entry_type {
                    AckType::Delivery => "Delivery",
                    AckType::Read => "Read",
                },
            );
            a.text("conversationEntryId", &ack.conversation_entry_id);
            acks.push(a.value());
        }
        let mut b = Body::default();
        b.put("acks", Value::Array(acks));
        b.json()
    }
}

/// One receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Ack {
    /// A fresh UUID.
    pub id: String,
    pub entry_type: AckType,
    /// The acknowledged entry's `identifier`.
    pub conversation_entry_id: String,
}

/// What a receipt says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckType {
    Delivery,
    Read,
}

// ------------------------------------------------------------------------- lenient reading

/// An answer body that must be a JSON object.
fn parse_object(text: &str) -> Result<Fields, ProtocolError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(Fields(map)),
        Ok(_) => Err(ProtocolError::NotAnObject),
        Err(e) => Err(ProtocolError::InvalidJson(e.to_string())),
    }
}

/// What fits `T` ([`Loose`]: numbers from numeric strings, strings from numbers...), else
/// `T::default()`.
pub(super) fn loose<T: Loose + Default>(v: Value) -> T {
    T::loose(v).unwrap_or_default()
}

/// The value under these object keys (a small stand-in for `Value::pointer`, whose parser the
/// wasm need not carry).
pub(crate) fn at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(k))
}

/// A JSON object's fields, taken out one by one. Every read is lenient: an absent field or one
/// that does not fit is the fallback (`""`, 0, false, `None`, empty), never an error.
pub(super) struct Fields(pub(super) Map<String, Value>);

impl Fields {
    /// The fields of `v`; a value that is not an object has none.
    pub(super) fn of(v: Value) -> Fields {
        match v {
            Value::Object(map) => Fields(map),
            _ => Fields(Map::new()),
        }
    }

    /// The field's value (null when absent).
    pub(super) fn take(&mut self, key: &str) -> Value {
        self.0.remove(key).unwrap_or_default()
    }

    pub(super) fn string(&mut self, key: &str) -> String {
        loose(self.take(key))
    }

    pub(super) fn integer(&mut self, key: &str) -> i64 {
        loose(self.take(key))
    }

    pub(super) fn flag(&mut self, key: &str) -> bool {
        loose(self.take(key))
    }

    /// The field's fields, when it is an object.
    pub(super) fn object(&mut self, key: &str) -> Option<Fields> {
        match self.take(key) {
            Value::Object(map) => Some(Fields(map)),
            _ => None,
        }
    }

    /// The field's elements that are objects, each read by `read` (a field that is not a list
    /// has none). A plain loop: an iterator chain here is compiled once per element type.
    pub(super) fn list<T>(&mut self, key: &str, read: fn(Fields) -> T) -> Vec<T> {
        let mut out = Vec::new();
        if let Value::Array(items) = self.take(key) {
            for item in items {
                if let Value::Object(map) = item {
                    out.push(read(Fields(map)));
                }
            }
        }
        out
    }
}

// -------------------------------------------------------------------------------- answers

/// The access-token answer; also the continuation-token answer
/// (`GET .../authorization/continuation-access-token`), which has no `context`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessTokenAnswer {
    /// The JWT for `Authorization: Bearer` (see [`jwt_expiry_secs`]). Secret: never log it.
    pub access_token: String,
    /// The first `Last-Event-Id` of the stream ("" when absent).
    pub last_event_id: String,
    pub context: TokenContext,
}

impl AccessTokenAnswer {
    /// Decodes the answer body: an error when it is not a JSON object or has no string
    /// `accessToken` (the answer is useless without); the rest is lenient.
    pub fn from_json(text: &str) -> Result<AccessTokenAnswer, ProtocolError> {
        let mut f = parse_object(text)?;
        let Value::String(access_token) = f.take("accessToken") else {
            return Err(ProtocolError::UnexpectedShape {
                expected: "AccessToken",
                detail: "no accessToken".into(),
            });
        };
        let context = f.object("context").map(TokenContext::read);
        Ok(AccessTokenAnswer {
            access_token,
            last_event_id: f.string("lastEventId"),
            context: context.unwrap_or_default(),
        })
    }
}

/// The continuation-token answer: the access-token answer's shape.
pub type ContinuationTokenAnswer = AccessTokenAnswer;

/// The token answer's `context`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenContext {
    pub device_id: String,
    pub configuration: Configuration,
}

impl TokenContext {
    fn read(mut f: Fields) -> TokenContext {
        let config = f
            .object("configuration")
            .and_then(|mut c| c.object("embeddedServiceConfig"));
        TokenContext {
            device_id: f.string("deviceId"),
            configuration: Configuration {
                embedded_service_config: config
                    .map(EmbeddedServiceConfig::read)
                    .unwrap_or_default(),
            },
        }
    }
}

/// `context.configuration`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Configuration {
    pub embedded_service_config: EmbeddedServiceConfig,
}

/// The deployment's settings: the pre-chat forms and their choice lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmbeddedServiceConfig {
    /// The deployment's name.
    pub name: String,
    pub forms: Vec<Form>,
    /// `choiceListConfig.choiceList`.
    pub choice_lists: Vec<ChoiceList>,
    /// `attachments`: the largest file the visitor may send, in bytes, when the deployment lets
    /// them send files (`endUserToAgent`); `None` when it does not.
    pub uploads: Option<u64>,
    /// `transcript.allowTranscriptDownload`: the server's PDF transcript may be downloaded.
    pub transcript: bool,
}

impl EmbeddedServiceConfig {
    fn read(mut f: Fields) -> EmbeddedServiceConfig {
        let choice_lists = f
            .object("choiceListConfig")
            .map(|mut c| c.list("choiceList", ChoiceList::read));
        let uploads = f.object("attachments").and_then(|mut a| {
            a.flag("endUserToAgent")
                .then(|| super::files::max_bytes(a.take("maxFileSize")))
        });
        let transcript = f
            .object("transcript")
            .is_some_and(|mut t| t.flag("allowTranscriptDownload"));
        EmbeddedServiceConfig {
            uploads,
            transcript,
            name: f.string("name"),
            forms: f.list("forms", Form::read),
            choice_lists: choice_lists.unwrap_or_default(),
        }
    }

    /// The pre-chat form (`formType: "PreChat"`), if the deployment has one.
    pub fn prechat_form(&self) -> Option<&Form> {
        self.forms.iter().find(|f| f.form_type == "PreChat")
    }

    /// The options of a ChoiceList field's `choiceListId` (none when unknown).
    pub fn choices(&self, choice_list_id: &str) -> &[ChoiceListValue] {
        self.choice_lists
            .iter()
            .find(|list| list.choice_list_id == choice_list_id)
            .map_or(&[], |list| &list.choice_list_values)
    }
}

/// A form of the deployment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form {
    /// "PreChat".
    pub form_type: String,
    /// "Conversation" (once per conversation) or "Session" (every messaging session).
    pub display_context: String,
    pub form_fields: Vec<FormField>,
}

impl Form {
    fn read(mut f: Fields) -> Form {
        Form {
            form_type: f.string("formType"),
            display_context: f.string("displayContext"),
            form_fields: f.list("formFields", FormField::read),
        }
    }

    /// The fields by `order` (fields with equal order keep theirs).
    pub fn fields_in_order(&self) -> Vec<&FormField> {
        // Inserted in place (a form has a few fields): the standard sort's code is large.
        let mut fields: Vec<&FormField> = Vec::with_capacity(self.form_fields.len());
        for field in &self.form_fields {
            let at = fields.partition_point(|f| f.order <= field.order);
            fields.insert(at, field);
        }
        fields
    }

    /// Shown every messaging session (`displayContext: "Session"`), not once per conversation.
    pub fn every_session(&self) -> bool {
        self.display_context == "Session"
    }
}

/// A pre-chat form field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormField {
    /// The field's API name: the key in `routingAttributes`.
    pub name: String,
    /// `type`: Text, Email, Number, Phone, Checkbox or ChoiceList.
    pub field_type: String,
    pub required: bool,
    /// Hidden fields are set by the page, not the visitor.
    pub is_hidden: bool,
    pub order: i64,
    /// For ChoiceList fields: see [`EmbeddedServiceConfig::choices`].
    pub choice_list_id: String,
    pub max_length: Option<u32>,
    /// `labels.display` (*unconfirmed*: the project's simulator sends it).
    pub display_label: String,
}

impl FormField {
    fn read(mut f: Fields) -> FormField {
        let display_label = f.object("labels").map(|mut l| l.string("display"));
        FormField {
            name: f.string("name"),
            field_type: f.string("type"),
            required: f.flag("required"),
            is_hidden: f.flag("isHidden"),
            order: f.integer("order"),
            choice_list_id: f.string("choiceListId"),
            max_length: u32::loose(f.take("maxLength")),
            display_label: display_label.unwrap_or_default(),
        }
    }

    /// What to show the visitor: the display label, else the name.
    pub fn label(&self) -> &str {
        Some(self.display_label.as_str())
            .filter(|l| !l.is_empty())
            .unwrap_or(&self.name)
    }
}

/// One choice list of `embeddedServiceConfig.choiceListConfig`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceList {
    pub choice_list_id: String,
    pub choice_list_values: Vec<ChoiceListValue>,
}

impl ChoiceList {
    fn read(mut f: Fields) -> ChoiceList {
        ChoiceList {
            choice_list_id: f.string("choiceListId"),
            choice_list_values: f.list("choiceListValues", |mut v| ChoiceListValue {
                choice_list_value_id: v.string("choiceListValueId"),
                choice_list_value_name: v.string("choiceListValueName"),
            }),
        }
    }
}

/// One option of a choice list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceListValue {
    pub choice_list_value_id: String,
    /// The option's value and label.
    pub choice_list_value_name: String,
}

/// The send-message answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SendMessageAnswer {
    pub conversation_entries: Vec<SentEntry>,
}

impl SendMessageAnswer {
    /// Decodes the answer body: an error only when it is not a JSON object.
    pub fn from_json(text: &str) -> Result<SendMessageAnswer, ProtocolError> {
        let entries = parse_object(text)?.list("conversationEntries", |mut e| SentEntry {
            id: e.string("id"),
            client_timestamp: e.integer("clientTimestamp"),
        });
        Ok(SendMessageAnswer {
            conversation_entries: entries,
        })
    }
}

/// An entry the send-message answer confirms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SentEntry {
    pub id: String,
    /// Milliseconds since the epoch.
    pub client_timestamp: i64,
}

/// `GET /iamessage/api/v2/conversation/list` answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListConversationsAnswer {
    pub open_conversations_found: u32,
    pub conversations: Vec<ConversationSummary>,
}

/// One conversation of the list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationSummary {
    pub conversation_id: String,
    /// Milliseconds since the epoch.
    pub start_timestamp: i64,
}

impl ListConversationsAnswer {
    /// Decodes the answer body: an error only when it is not a JSON object.
    pub fn from_json(text: &str) -> Result<ListConversationsAnswer, ProtocolError> {
        let mut f = parse_object(text)?;
        Ok(ListConversationsAnswer {
            open_conversations_found: loose(f.take("openConversationsFound")),
            conversations: f.list("conversations", |mut c| ConversationSummary {
                conversation_id: c.string("conversationId"),
                start_timestamp: c.integer("startTimestamp"),
            }),
        })
    }

    /// The listed conversation that started last, if any (list with `inclClosedConvs=false` for
    /// the open ones only).
    pub fn latest(&self) -> Option<&ConversationSummary> {
        self.conversations.iter().max_by_key(|c| c.start_timestamp)
    }
}

/// `GET /iamessage/api/v2/conversation/{id}/entries` answer: history, newest first. An element
/// that is not an object is left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntriesAnswer {
    pub conversation_entries: Vec<ConversationEntry>,
}

impl EntriesAnswer {
    /// Decodes the answer body: an error only when it is not a JSON object.
    pub fn from_json(text: &str) -> Result<EntriesAnswer, ProtocolError> {
        let entries = parse_object(text)?.list("conversationEntries", ConversationEntry::read);
        Ok(EntriesAnswer {
            conversation_entries: entries,
        })
    }
}

// ---------------------------------------------------------------- entries and the stream

/// A participant: an entry's `sender`, a participant change's `participant`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Participant {
    /// EndUser, Agent, Chatbot, System, Router or Supervisor.
    pub role: String,
    pub subject: String,
}

impl Participant {
    /// The object field `key` as a participant (the default when absent or not an object).
    fn read(f: &mut Fields, key: &str) -> Participant {
        f.object(key)
            .map(|mut p| Participant {
                role: p.string("role"),
                subject: p.string("subject"),
            })
            .unwrap_or_default()
    }
}

/// A message: the stream's and history's `abstractMessage`, and the send request's `message`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AbstractMessage {
    pub id: String,
    /// "StaticContentMessage" for text; also ChoicesMessage, ChoicesResponseMessage...
    pub message_type: String,
    pub static_content: Option<StaticContent>,
    pub in_reply_to_message_id: Option<String>,
    /// A menu's answer: the chosen `optionIdentifier` (sent only).
    pub selected_option: Option<String>,
    /// A file upload's `fileId` (sent only; the message then has no type of its own).
    pub file_id: Option<String>,
}

impl AbstractMessage {
    fn read(mut f: Fields) -> AbstractMessage {
        AbstractMessage {
            selected_option: None,
            file_id: None,
            id: f.string("id"),
            message_type: f.string("messageType"),
            static_content: f.object("staticContent").map(|mut c| StaticContent {
                format_type: c.string("formatType"),
                text: c.string("text"),
            }),
            in_reply_to_message_id: String::loose(f.take("inReplyToMessageId")),
        }
    }
}

/// A message's `staticContent`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaticContent {
    /// "Text" for plain text.
    pub format_type: String,
    pub text: String,
}

/// One entry of a conversation, from history or from the stream's `conversationEntry`.
#[derive(Clone, Debug, PartialEq)]
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

impl ConversationEntry {
    /// An entry from its fields; its payload typed by its entry type (else the payload's).
    fn read(mut f: Fields) -> ConversationEntry {
        // A string on the stream, an object in history.
        let raw = match f.take("entryPayload") {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        let mut entry_type = f.string("entryType");
        if entry_type.is_empty() {
            if let Some(t) = raw.get("entryType").and_then(Value::as_str) {
                t.clone_into(&mut entry_type);
            }
        }
        ConversationEntry {
            payload: EntryPayload::decode(&entry_type, raw),
            identifier: f.string("identifier"),
            entry_type,
            sender: Participant::read(&mut f, "sender"),
            sender_display_name: f.string("senderDisplayName"),
            transcripted_timestamp: f.integer("transcriptedTimestamp"),
            client_timestamp: f.integer("clientTimestamp"),
            related_records: loose(f.take("relatedRecords")),
        }
    }

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
    /// The messaging session moved on (`CONVERSATION_SESSION_STATUS_CHANGED`): how an agent's,
    /// a bot's or the system's end of the chat reaches the visitor.
    SessionStatusChanged(SessionStatusChanged),
    /// The visitor's place in the queue (`CONVERSATION_QUEUE_POSITION`).
    QueuePosition {
        position: Option<i64>,
    },
    /// What routing did with the work (`CONVERSATION_ROUTING_WORK_RESULT`): Assigned, Accepted,
    /// Closed, Declined, Cancelled, TransferError, Transferred.
    RoutingWorkResult {
        work_type: String,
    },
    /// A message changed (`MessageUpdated`): an upload's result. The event's name is not
    /// documented (UNCONFIRMED): it is read by its entry type. `message` is `updatedMessage`.
    MessageUpdated {
        id: String,
        message: Value,
    },
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
        let read: Option<fn(Fields) -> EntryPayload> = match entry_type {
            "Message" => Some(|f| EntryPayload::Message(MessagePayload::read(f))),
            "RoutingResult" => Some(|f| EntryPayload::RoutingResult(RoutingResult::read(f))),
            "ParticipantChanged" => Some(|mut f| {
                EntryPayload::ParticipantChanged(ParticipantChanged {
                    entries: f.list("entries", ParticipantChange::read),
                })
            }),
            "TypingStartedIndicator" => return EntryPayload::TypingStarted,
            "TypingStoppedIndicator" => return EntryPayload::TypingStopped,
            "DeliveryAcknowledgement" => return EntryPayload::DeliveryAcknowledgement,
            "ReadAcknowledgement" => return EntryPayload::ReadAcknowledgement,
            "CloseConversation" => return EntryPayload::CloseConversation,
            "SessionStatusChanged" => Some(|mut f| {
                EntryPayload::SessionStatusChanged(SessionStatusChanged {
                    session_id: f.string("sessionId"),
                    status: f.string("sessionStatus"),
                    previous: f.string("sessionStatusPrev"),
                    ended_by_role: f.string("sessionEndedByRole"),
                })
            }),
            "QueuePosition" => Some(|mut f| EntryPayload::QueuePosition {
                position: i64::loose(f.take("position")),
            }),
            "RoutingWorkResult" => Some(|mut f| EntryPayload::RoutingWorkResult {
                work_type: f.string("workType"),
            }),
            "MessageUpdated" => Some(|mut f| {
                let message = f.take("updatedMessage");
                let mut id = f.string("id");
                if id.is_empty() {
                    id = loose(message.get("id").cloned().unwrap_or_default());
                }
                EntryPayload::MessageUpdated { id, message }
            }),
            _ => None,
        };
        match (read, raw) {
            (Some(read), Value::Object(map)) => read(Fields(map)),
            (_, raw) => EntryPayload::Unknown {
                name: entry_type.to_string(),
                raw,
            },
        }
    }
}

/// A Message entry's payload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessagePayload {
    pub abstract_message: AbstractMessage,
    pub message_reason: Option<String>,
    /// The `abstractMessage` as it came (null when it was not an object): what a message
    /// beyond plain text shows is read from it ([`super::rich::Rich`]).
    pub raw: Value,
}

impl MessagePayload {
    fn read(mut f: Fields) -> MessagePayload {
        let raw = match f.take("abstractMessage") {
            raw @ Value::Object(_) => raw,
            _ => Value::Null,
        };
        MessagePayload {
            abstract_message: AbstractMessage::read(Fields::of(raw.clone())),
            message_reason: String::loose(f.take("messageReason")),
            raw,
        }
    }

    /// Whether the message is plain text and nothing more (no citations).
    pub fn plain(&self) -> bool {
        self.text().is_some()
            && at(
                &self.raw,
                &["staticContent", "citationContent", "citations"],
            )
            .and_then(|l| l.get(0))
            .is_none()
    }

    /// The text of a plain-text message (`StaticContentMessage`, format `Text`).
    pub fn text(&self) -> Option<&str> {
        let message = &self.abstract_message;
        let content = message.static_content.as_ref()?;
        (message.message_type == STATIC_CONTENT_MESSAGE && content.format_type == FORMAT_TEXT)
            .then_some(content.text.as_str())
    }
}

/// A SessionStatusChanged entry's payload (`sessionStartTime` and `sessionEndTime` are not read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionStatusChanged {
    pub session_id: String,
    /// New, Waiting, Active, Inactive, Paused, Ended, Consent, Error.
    pub status: String,
    /// The status before (may be absent).
    pub previous: String,
    /// Who ended the session: Agent, Chatbot, System, EndUser (with `Ended` only).
    pub ended_by_role: String,
}

/// A RoutingResult entry's payload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingResult {
    /// "Initial" or "Transfer".
    pub routing_type: String,
    /// "None" when routed; Unknown, SubmissionError, RoutingError when not.
    pub failure_type: String,
    pub failure_reason: String,
    pub estimated_wait_time: Option<EstimatedWaitTime>,
}

impl RoutingResult {
    fn read(mut f: Fields) -> RoutingResult {
        RoutingResult {
            routing_type: f.string("routingType"),
            failure_type: f.string("failureType"),
            failure_reason: f.string("failureReason"),
            estimated_wait_time: f
                .object("estimatedWaitTime")
                .map(|mut w| EstimatedWaitTime {
                    estimated_wait_time_in_seconds: i64::loose(
                        w.take("estimatedWaitTimeInSeconds"),
                    ),
                    is_ewt_requested: bool::loose(w.take("isEWTRequested")),
                }),
        }
    }

    /// Routing failed: a failure type other than "None" (absent counts as none).
    pub fn failed(&self) -> bool {
        !matches!(self.failure_type.as_str(), "" | "None")
    }

    /// The estimated wait in seconds, when the server gave one: not negative, and not with
    /// `isEWTRequested: false`.
    pub fn wait_secs(&self) -> Option<u32> {
        let ewt = self.estimated_wait_time.as_ref()?;
        if ewt.is_ewt_requested == Some(false) {
            return None;
        }
        u32::try_from(ewt.estimated_wait_time_in_seconds?).ok()
    }
}

/// A routing result's `estimatedWaitTime`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EstimatedWaitTime {
    pub estimated_wait_time_in_seconds: Option<i64>,
    /// `isEWTRequested`; `false`: no estimate was asked for, the seconds mean nothing.
    pub is_ewt_requested: Option<bool>,
}

/// A ParticipantChanged entry's payload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParticipantChanged {
    pub entries: Vec<ParticipantChange>,
}

/// Someone joined (`operation: "add"`) or left ("remove").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParticipantChange {
    pub operation: String,
    pub display_name: String,
    pub participant: Participant,
}

impl ParticipantChange {
    fn read(mut f: Fields) -> ParticipantChange {
        ParticipantChange {
            operation: f.string("operation"),
            display_name: f.string("displayName"),
            participant: Participant::read(&mut f, "participant"),
        }
    }

    /// The participant joined (else left).
    pub fn joined(&self) -> bool {
        self.operation.eq_ignore_ascii_case("add")
    }
}

/// The stream's event names and the entry type each carries.
const EVENT_ENTRY_TYPES: [(&str, &str); 11] = [
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
    (
        "CONVERSATION_SESSION_STATUS_CHANGED",
        "SessionStatusChanged",
    ),
    ("CONVERSATION_QUEUE_POSITION", "QueuePosition"),
    ("CONVERSATION_ROUTING_WORK_RESULT", "RoutingWorkResult"),
];

/// The `data` of a stream event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventData {
    /// The stream is per visitor: keep only the events of the current conversation.
    pub conversation_id: String,
    pub channel_platform_key: String,
    pub channel_type: String,
    pub channel_address_identifier: String,
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
        let raw = serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.into()));
        let known = EVENT_ENTRY_TYPES.iter().find(|(event, _)| *event == name);
        // An upload's `MessageUpdated` is read by its entry type whatever its event's name (not
        // documented); any other entry of an unknown event stays unknown.
        let updated =
            at(&raw, &["conversationEntry", "entryType"]).is_some_and(|t| t == "MessageUpdated");
        let (event_type, mut map) = match (known, raw) {
            (Some(&(_, event_type)), Value::Object(map))
                if map.get("conversationEntry").is_some_and(Value::is_object) =>
            {
                (event_type, map)
            }
            (None, Value::Object(map)) if updated => ("MessageUpdated", map),
            (_, raw) => {
                return ServerEvent::Unknown {
                    name: name.to_string(),
                    raw,
                }
            }
        };
        let entry = Fields::of(map.remove("conversationEntry").unwrap_or_default());
        let mut entry = ConversationEntry::read(entry);
        let typed = EVENT_ENTRY_TYPES
            .iter()
            .any(|&(_, t)| t == entry.entry_type);
        if let (false, EntryPayload::Unknown { raw, .. }) = (typed, &mut entry.payload) {
            entry.payload = EntryPayload::decode(event_type, std::mem::take(raw));
            if entry.entry_type.is_empty() {
                entry.entry_type = event_type.to_string();
            }
        }
        let mut f = Fields(map);
        ServerEvent::Conversation(Box::new(EventData {
            conversation_id: f.string("conversationId"),
            channel_platform_key: f.string("channelPlatformKey"),
            channel_type: f.string("channelType"),
            channel_address_identifier: f.string("channelAddressIdentifier"),
            conversation_entry: entry,
        }))
    }
}

// ------------------------------------------------------------------------------------ JWT

/// The `exp` claim (seconds since the epoch) of a JWT such as the access token: the payload is
/// read without checking the signature. `None` when the token is not a JWT or has no `exp`.
pub fn jwt_expiry_secs(token: &str) -> Option<u64> {
    let exp = i64::loose(jwt_claim(token, "exp")?)?;
    u64::try_from(exp).ok()
}

/// The `sub` claim of a JWT (the customer's id in a site's identity token), unchecked.
pub fn jwt_subject(token: &str) -> Option<String> {
    String::loose(jwt_claim(token, "sub")?).filter(|s| !s.is_empty())
}

/// A claim of a JWT's payload, read without checking the signature.
fn jwt_claim(token: &str, name: &str) -> Option<Value> {
    let (_, rest) = token.split_once('.')?;
    let payload = rest.split_once('.').map_or(rest, |(payload, _)| payload);
    let payload = base64url_decode(payload)?;
    let mut claims: Value = serde_json::from_str(std::str::from_utf8(&payload).ok()?).ok()?;
    Some(claims.get_mut(name)?.take())
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
