//! Enhanced Chat (Messaging for In-App and Web) deployments: the `"enhancedChat"` list of the
//! `--config` file.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The demo deployment's API name.
pub const DEFAULT_ES_DEVELOPER_NAME: &str = "Chasitor_Demo";
/// The second demo deployment's API name: the same as the first, with the scripted bot.
pub const BOT_ES_DEVELOPER_NAME: &str = "Chasitor_Bot";
/// The third demo deployment's API name: the same as the first, for verified users (User
/// Verification with the test key of `sim/testdata`).
pub const VERIFIED_ES_DEVELOPER_NAME: &str = "Chasitor_Verified";
/// The issuer the `Chasitor_Verified` demo deployment expects in identity tokens.
pub const VERIFIED_ISSUER: &str = "https://chasitor.example";
/// The public half of the test key (`sim/testdata/uv-test-key.jwk.json`): what the
/// `Chasitor_Verified` demo deployment trusts. Test-only: its private half is in the repository.
pub const TEST_JWK: &str = include_str!("../../testdata/uv-test-key.jwk.json");

/// One Custom Client deployment of an org.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MiawDeployment {
    /// Org ID (prefix `00D`; compared on 15 characters).
    pub org_id: String,
    /// The deployment's API name (`esDeveloperName`).
    pub es_developer_name: String,
    /// Origins allowed to call the API from a browser (the org's CORS allowlist), exactly as a
    /// browser sends them: `http://localhost:8080`.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Lifetime of an anonymous access token (the JWT's `exp` is issue time + this); 1 h on a
    /// real org.
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_seconds: f64,
    /// Lifetime of a verified user's access token; 6 h on a real org ("Authorization Token
    /// Expiration Time for Verified Users").
    #[serde(default = "default_verified_token_lifetime")]
    pub verified_token_lifetime_seconds: f64,
    /// Access-token requests (anonymous and verified) and continuation-token requests allowed
    /// per minute **per org** (counted over every deployment of the org id, sliding window);
    /// beyond that 429. `None` (`null`): no limit. Real orgs: 200.
    #[serde(default = "default_token_rate_limit")]
    pub token_rate_limit_per_minute: Option<u32>,
    /// Whether the visitor may download a conversation's transcript as a PDF ("Allow end users
    /// to download a transcript"); published as `embeddedServiceConfig.transcript`.
    #[serde(default = "super::default_true")]
    pub allow_transcript_download: bool,
    /// User Verification: the issuer and public keys of the site's identity tokens. `None`: the
    /// deployment takes anonymous visitors only (the authenticated token request is a 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    /// At most `requests` authenticated requests per visitor within any `perSeconds` window;
    /// beyond that 429. `None`: no limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The pre-chat form of `embeddedServiceConfig.forms`. `None`: no pre-chat form.
    #[serde(default)]
    pub pre_chat: Option<PreChatForm>,
    /// Estimated wait (seconds) reported by routing results (`-1`: not requested).
    #[serde(default = "default_ewt")]
    pub estimated_wait_time: i64,
    /// Customer inactivity (Setup → Messaging Settings; real orgs: 5 to 30 minutes): an Active
    /// messaging session whose visitor has not written for this long goes Inactive. `None`: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_inactivity_seconds: Option<f64>,
    /// Files from the visitor (`POST …/conversation/{id}/file`): allowed or not, the size limit,
    /// the accepted types.
    #[serde(default)]
    pub attachments: Attachments,
    /// How long the server "processes" a visitor's upload before the `MessageUpdated` that says
    /// `Completed` (or `Error`).
    #[serde(default = "default_upload_processing_millis")]
    pub upload_processing_millis: u64,
    /// A scripted bot that takes every new conversation and messaging session at once, offers a
    /// menu and answers it (the demo's). `None`: off (conversations wait for the console).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scripted_bot: Option<ScriptedBot>,
}

/// `POST /_sim/enhanced-chat/settings`: settings of one deployment changed at run time (each key
/// optional; `POST /_sim/reset` restores the configured values).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    pub es_developer_name: String,
    /// Which org's deployment of that name (default: the first deployment of that name).
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub token_lifetime_seconds: Option<f64>,
    #[serde(default)]
    pub verified_token_lifetime_seconds: Option<f64>,
    /// `null`: no limit.
    #[serde(default, deserialize_with = "present")]
    pub token_rate_limit_per_minute: Option<Option<u32>>,
    #[serde(default)]
    pub allow_transcript_download: Option<bool>,
}

/// A key that is present: `Some(value)`, also `Some(None)` for `null` (absent: the default,
/// `None`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

impl SettingsPatch {
    /// Changes `d`; `Err` (nothing changed) for a lifetime that is negative or not finite.
    pub fn apply(&self, d: &mut MiawDeployment) -> Result<(), String> {
        for (name, v) in [
            ("tokenLifetimeSeconds", self.token_lifetime_seconds),
            (
                "verifiedTokenLifetimeSeconds",
                self.verified_token_lifetime_seconds,
            ),
        ] {
            if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(format!("{name} must be a number of seconds, 0 or more"));
            }
        }
        if let Some(v) = self.token_lifetime_seconds {
            d.token_lifetime_seconds = v;
        }
        if let Some(v) = self.verified_token_lifetime_seconds {
            d.verified_token_lifetime_seconds = v;
        }
        if let Some(v) = self.token_rate_limit_per_minute {
            d.token_rate_limit_per_minute = v;
        }
        if let Some(v) = self.allow_transcript_download {
            d.allow_transcript_download = v;
        }
        Ok(())
    }
}

/// User Verification (Setup → User Verification): the `iss` identity tokens must carry and the
/// keys they may be signed with (by `kid`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserVerification {
    pub issuer: String,
    pub keys: Vec<Jwk>,
}

/// A public RSA key as a JWK. Other members (`use`, `x5c`, …) are accepted and ignored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Jwk {
    pub kty: JwkKeyType,
    pub kid: String,
    pub alg: JwkAlg,
    /// The modulus, base64url.
    pub n: String,
    /// The public exponent, base64url (`AQAB`).
    pub e: String,
}

/// A JWK's `kty`: RSA only.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum JwkKeyType {
    #[serde(rename = "RSA")]
    Rsa,
}

/// A JWK's `alg`: what Salesforce accepts for identity tokens.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum JwkAlg {
    RS256,
    RS512,
}

/// File transfer from the visitor to the agent. The token answer publishes `endUserToAgent` and
/// `maxFileSize` (`embeddedServiceConfig.attachments`), not the allowed types.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Attachments {
    /// Whether the visitor may send files (403 otherwise).
    pub end_user_to_agent: bool,
    /// The largest file accepted, in bytes (413 beyond).
    pub max_file_size: u64,
    /// The accepted `Content-Type`s of the file (415 otherwise), compared without parameters and
    /// case; `image/*` accepts every image type.
    pub allowed_types: Vec<String>,
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments {
            end_user_to_agent: true,
            max_file_size: 5 * 1024 * 1024,
            allowed_types: [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "application/pdf",
                "text/plain",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl Attachments {
    /// Whether a file of this `Content-Type` is accepted.
    pub fn allows(&self, content_type: &str) -> bool {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        self.allowed_types.iter().any(|t| {
            let t = t.trim().to_ascii_lowercase();
            match t.strip_suffix("/*") {
                Some(major) => mime
                    .split_once('/')
                    .is_some_and(|(m, sub)| m == major && !sub.is_empty()),
                None => t == mime,
            }
        })
    }
}

/// The scripted bot (see `sim/README.md`): its display name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptedBot {
    #[serde(default = "default_bot_name")]
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub per_seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreChatForm {
    /// `Conversation` (every new conversation) or `Session` (every new messaging session).
    #[serde(default = "default_display_context")]
    pub display_context: String,
    pub fields: Vec<PreChatField>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreChatField {
    /// The routing attribute name (`_firstName`, `_email`, or a custom one).
    pub name: String,
    /// Text, Email, Number, Phone, Checkbox or ChoiceList.
    #[serde(rename = "type", default = "default_field_type")]
    pub field_type: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub is_hidden: bool,
    #[serde(default)]
    pub max_length: Option<u32>,
    /// The options of a ChoiceList field.
    #[serde(default)]
    pub choices: Vec<String>,
}

fn default_token_lifetime() -> f64 {
    3600.0
}
fn default_verified_token_lifetime() -> f64 {
    6.0 * 3600.0
}
fn default_token_rate_limit() -> Option<u32> {
    Some(200)
}

fn default_ewt() -> i64 {
    -1
}
fn default_display_context() -> String {
    "Conversation".to_string()
}
fn default_field_type() -> String {
    "Text".to_string()
}
fn default_upload_processing_millis() -> u64 {
    200
}
fn default_bot_name() -> String {
    "Chasitor Bot".to_string()
}

impl MiawDeployment {
    /// A stable channel address id for the deployment (a UUID derived from its name).
    pub fn channel_address(&self) -> String {
        let a = crate::ids::sf_id("", &format!("{}/{}", self.org_id, self.es_developer_name));
        let a = a.to_ascii_lowercase();
        format!("{}-0000-4000-8000-{:0>12}", &a[..8], &a[..12])
    }

    /// What `GET /_sim/enhanced-chat` shows of the deployment (also the answer of `POST
    /// /_sim/enhanced-chat/settings`).
    pub fn summary(&self) -> Value {
        json!({
            "orgId": self.org_id,
            "esDeveloperName": self.es_developer_name,
            "allowedOrigins": self.allowed_origins,
            "tokenLifetimeSeconds": self.token_lifetime_seconds,
            "verifiedTokenLifetimeSeconds": self.verified_token_lifetime_seconds,
            "tokenRateLimitPerMinute": self.token_rate_limit_per_minute,
            "allowTranscriptDownload": self.allow_transcript_download,
            "userVerification": self.user_verification,
            "attachments": self.attachments,
            "scriptedBot": self.scripted_bot,
        })
    }

    /// Whether `name` is a field of the pre-chat form (routing attributes not on it are dropped).
    pub fn has_field(&self, name: &str) -> bool {
        self.pre_chat
            .as_ref()
            .is_some_and(|f| f.fields.iter().any(|x| x.name == name))
    }

    /// `context.configuration.embeddedServiceConfig` of the token answer.
    pub fn embedded_service_config(&self) -> Value {
        let mut forms = Vec::new();
        let mut choice_lists = Vec::new();
        if let Some(form) = &self.pre_chat {
            let fields: Vec<Value> = form
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut v = json!({
                        "name": f.name,
                        "type": f.field_type,
                        "required": f.required,
                        "isHidden": f.is_hidden,
                        "order": i + 1,
                        "labels": {"display": f.label.clone().unwrap_or_else(|| f.name.clone())},
                        "maxLength": f.max_length.unwrap_or(255),
                    });
                    if f.field_type == "ChoiceList" {
                        let id = format!("{}_choices", f.name);
                        let values: Vec<Value> = f
                            .choices
                            .iter()
                            .enumerate()
                            .map(|(j, c)| {
                                json!({"choiceListValueId": format!("{id}_{j}"),
                                       "choiceListValueName": c, "label": c,
                                       "order": j + 1, "isDefaultValue": j == 0})
                            })
                            .collect();
                        choice_lists.push(json!({"choiceListId": id, "choiceListValues": values}));
                        v["choiceListId"] = json!(id);
                    }
                    v
                })
                .collect();
            forms.push(json!({
                "formType": "PreChat",
                "displayContext": form.display_context,
                "formFields": fields,
            }));
        }
        json!({
            "name": self.es_developer_name,
            "deploymentType": "Web",
            "embeddedServiceMessagingChannel": {
                "channelAddressIdentifier": self.channel_address(),
                "authMode": if self.user_verification.is_some() { "Auth" } else { "UnAuth" },
            },
            "forms": forms,
            "choiceListConfig": {"choiceList": choice_lists},
            "attachments": {
                "endUserToAgent": self.attachments.end_user_to_agent,
                "maxFileSize": self.attachments.max_file_size,
            },
            "transcript": {"allowTranscriptDownload": self.allow_transcript_download},
        })
    }
}

/// The demo deployments: `Chasitor_Demo`, in one org (the Live Agent demo org), with a pre-chat
/// form with a name, an e-mail and a topic, the origins of `trunk serve`, 1 h tokens (6 h for
/// verified users), 100 requests per 10 s and 200 token requests per minute; `Chasitor_Bot`, the
/// same with the scripted bot taking every conversation first; and `Chasitor_Verified`, the same
/// as `Chasitor_Demo` for verified users (issuer `https://chasitor.example`, the test key of
/// `sim/testdata`).
pub fn default_deployments() -> Vec<MiawDeployment> {
    let field = |name: &str, label: &str, ty: &str, required: bool| PreChatField {
        name: name.to_string(),
        field_type: ty.to_string(),
        label: Some(label.to_string()),
        required,
        is_hidden: false,
        max_length: None,
        choices: Vec::new(),
    };
    let mut topic = field("Topic", "Topic", "ChoiceList", false);
    topic.choices = vec!["Billing".into(), "Delivery".into(), "Other".into()];
    let mut page = field("PageUrl", "Page", "Text", false);
    page.is_hidden = true;
    let demo = MiawDeployment {
        org_id: crate::config::DEFAULT_ORG_ID.to_string(),
        es_developer_name: DEFAULT_ES_DEVELOPER_NAME.to_string(),
        allowed_origins: vec![
            "http://localhost:8080".to_string(),
            "http://127.0.0.1:8080".to_string(),
        ],
        token_lifetime_seconds: default_token_lifetime(),
        verified_token_lifetime_seconds: default_verified_token_lifetime(),
        token_rate_limit_per_minute: default_token_rate_limit(),
        allow_transcript_download: true,
        user_verification: None,
        rate_limit: Some(RateLimit {
            requests: 100,
            per_seconds: 10.0,
        }),
        pre_chat: Some(PreChatForm {
            display_context: default_display_context(),
            fields: vec![
                field("_firstName", "First name", "Text", true),
                field("_lastName", "Last name", "Text", false),
                field("_email", "E-mail", "Email", true),
                topic,
                page,
            ],
        }),
        estimated_wait_time: 60,
        customer_inactivity_seconds: None,
        attachments: Attachments::default(),
        upload_processing_millis: default_upload_processing_millis(),
        scripted_bot: None,
    };
    let bot = MiawDeployment {
        es_developer_name: BOT_ES_DEVELOPER_NAME.to_string(),
        scripted_bot: Some(ScriptedBot {
            name: default_bot_name(),
        }),
        ..demo.clone()
    };
    let verified = MiawDeployment {
        es_developer_name: VERIFIED_ES_DEVELOPER_NAME.to_string(),
        user_verification: Some(UserVerification {
            issuer: VERIFIED_ISSUER.to_string(),
            keys: vec![serde_json::from_str(TEST_JWK).expect("sim/testdata's JWK is a JWK")],
        }),
        ..demo.clone()
    };
    vec![demo, bot, verified]
}
