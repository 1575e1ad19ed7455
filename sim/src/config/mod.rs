//! Simulator configuration: timings, CORS, static files and the orgs/deployments/buttons a client
//! must use to reach the simulator (Enhanced Chat's deployments in `miaw.rs`).

mod miaw;

pub use miaw::{
    default_deployments, Attachments, Jwk, JwkAlg, JwkKeyType, MiawDeployment, PreChatField,
    PreChatForm, RateLimit, ScriptedBot, SettingsPatch, UserVerification, BOT_ES_DEVELOPER_NAME,
    DEFAULT_ES_DEVELOPER_NAME, TEST_JWK, VERIFIED_ES_DEVELOPER_NAME, VERIFIED_ISSUER,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One chat button of an org.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ButtonConfig {
    /// Salesforce ID of the button (15 or 18 characters, prefix `573`).
    pub id: String,
    /// Whether the button takes chats (agents online).
    #[serde(default = "default_true")]
    pub available: bool,
    /// A fixed queue position reported for every chat on this button (e.g. `0` for routing that
    /// does not track positions). `None`: positions are computed from the chats waiting on the button.
    #[serde(default)]
    pub queue_position: Option<i64>,
    /// Estimated wait time in seconds (`-1` = unknown).
    #[serde(default = "default_ewt")]
    pub estimated_wait_time: i64,
    /// Button type for Visitor/Settings: `Standard`, `Invite` or `ToAgent`.
    #[serde(default = "default_button_type", rename = "type")]
    pub button_type: String,
    /// Button language for Visitor/Settings.
    #[serde(default)]
    pub language: Option<String>,
}

/// One org with its deployments and buttons.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrgConfig {
    /// Org ID (prefix `00D`).
    pub id: String,
    /// Deployment IDs (prefix `572`); any deployment of the org may use any button of the org.
    #[serde(default)]
    pub deployments: Vec<String>,
    #[serde(default)]
    pub buttons: Vec<ButtonConfig>,
    /// When set, Visitor resources for this org answer `SwitchServer` with this `newUrl`.
    #[serde(default)]
    pub switch_server_url: Option<String>,
}

/// The `--config FILE` JSON document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrgsFile {
    #[serde(default)]
    pub orgs: Vec<OrgConfig>,
    /// Enhanced Chat deployments (none when the key is absent).
    #[serde(default)]
    pub enhanced_chat: Vec<MiawDeployment>,
}

fn default_true() -> bool {
    true
}
fn default_ewt() -> i64 {
    -1
}
fn default_button_type() -> String {
    "Standard".to_string()
}

/// Default IDs of the demo org.
pub const DEFAULT_ORG_ID: &str = "00D000000000001";
pub const DEFAULT_DEPLOYMENT_ID: &str = "572000000000001";
/// Available by default.
pub const DEFAULT_BUTTON_ID: &str = "573000000000001";
/// Offline by default (to exercise the offline path).
pub const OFFLINE_BUTTON_ID: &str = "573000000000002";

/// Everything the simulator needs to run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// How long a `System/Messages` long poll is held before a 204 (real server: about 30 s).
    pub hold: Duration,
    /// A session whose visitor has no poll open for this long ends (later requests get 403).
    pub idle_timeout: Duration,
    /// Answer CORS preflights (X-LIVEAGENT-* headers) for this origin only. `None` = no CORS.
    pub cors_origin: Option<String>,
    /// Serve the files of this directory at `/` (e.g. the widget's trunk `dist/`).
    pub static_dir: Option<PathBuf>,
    /// Orgs, deployments and buttons.
    pub orgs: Vec<OrgConfig>,
    /// Print one line per request to stdout.
    pub log: bool,
    /// Send `clientPollTimeout` as a numeric string (`"40"`, as the guide's example) instead of
    /// a number (`40`). Clients must accept both.
    pub client_poll_timeout_as_string: bool,
    /// At most this many sessions that have not ended (SessionId answers 500 beyond).
    pub max_live_sessions: usize,
    /// The `pingRate` Visitor/Settings announces: how often a visitor page re-checks
    /// availability (real deployments: about 50 s).
    pub ping_rate: Duration,
    /// Enhanced Chat deployments.
    pub miaw: Vec<MiawDeployment>,
    /// How often an idle Enhanced Chat event stream gets a keep-alive comment.
    pub keepalive: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            hold: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            cors_origin: None,
            static_dir: None,
            orgs: default_orgs(),
            log: false,
            client_poll_timeout_as_string: false,
            max_live_sessions: 20_000,
            ping_rate: Duration::from_secs(50),
            miaw: default_deployments(),
            keepalive: Duration::from_secs(15),
        }
    }
}

/// The demo org: one deployment, one available and one offline button.
pub fn default_orgs() -> Vec<OrgConfig> {
    vec![OrgConfig {
        id: DEFAULT_ORG_ID.to_string(),
        deployments: vec![DEFAULT_DEPLOYMENT_ID.to_string()],
        buttons: vec![
            ButtonConfig {
                id: DEFAULT_BUTTON_ID.to_string(),
                available: true,
                queue_position: None,
                estimated_wait_time: 60,
                button_type: default_button_type(),
                language: Some("en_US".to_string()),
            },
            ButtonConfig {
                id: OFFLINE_BUTTON_ID.to_string(),
                available: false,
                queue_position: None,
                estimated_wait_time: -1,
                button_type: default_button_type(),
                language: Some("en_US".to_string()),
            },
        ],
        switch_server_url: None,
    }]
}

/// Reads the orgs of a `--config FILE` document.
pub fn load_orgs(path: &Path) -> Result<Vec<OrgConfig>, String> {
    load_config(path).map(|f| f.orgs)
}

/// Reads a `--config FILE` document: Live Agent orgs and Enhanced Chat deployments.
pub fn load_config(path: &Path) -> Result<OrgsFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: OrgsFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.orgs.is_empty() && file.enhanced_chat.is_empty() {
        return Err(format!(
            "{}: \"orgs\" and \"enhancedChat\" are both empty",
            path.display()
        ));
    }
    Ok(file)
}

/// Salesforce accepts an 18-character ID where the 15-character one is expected: compare the first
/// 15 characters.
pub fn same_id(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> &str {
        s.get(..15).unwrap_or(s)
    }
    norm(a) == norm(b)
}
