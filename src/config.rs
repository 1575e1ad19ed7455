//! Settings from the script tag or window.ChasitorConfig, validated.
//!
//! The loader hands [`Config::from_pairs`] a list of `(name, value)` pairs: every `data-*`
//! attribute of the script tag and every key of `window.ChasitorConfig` (the script tag's
//! attributes win when both name a setting). Names may be written as on the script tag
//! (`org-id`, `data-org-id`) or as in `window.ChasitorConfig` (`orgId`); values are strings, and
//! JSON settings (`prechat-fields`, `labels`) are JSON text. The result is a [`Config`], or the
//! first problem as a [`ConfigError`] whose message names the setting and says what to do.
//!
//! Pure: no browser, so every rule here is a native unit test.

use crate::labels::Labels;
use serde_json::Value;
use std::fmt;

pub mod options;
mod prechat_fields;
pub use options::{Dir, Options};
pub use prechat_fields::{default_prechat_fields, FieldKind, PrechatField};

/// The API version sent as `X-LIVEAGENT-API-VERSION` unless `data-api-version` says otherwise.
pub const DEFAULT_API_VERSION: &str = "56";
/// The longest visitor message, unless `data-max-message-length` says otherwise.
pub const DEFAULT_MAX_MESSAGE_LENGTH: usize = 5000;
/// The largest `data-max-message-length` accepted.
pub const MAX_MESSAGE_LENGTH_LIMIT: usize = 100_000;

/// Where the launcher sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Right,
    Left,
}

impl Position {
    pub fn as_str(&self) -> &'static str {
        match self {
            Position::Right => "right",
            Position::Left => "left",
        }
    }
}

/// The widget's colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// Follows the visitor's system setting (`prefers-color-scheme`).
    Auto,
}

impl Theme {
    pub fn as_str(&self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// Which Salesforce chat API the widget speaks (`data-api`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Legacy Chat, the Live Agent REST API (`data-endpoint`, `data-deployment-id`,
    /// `data-button-id`).
    LiveAgent,
    /// Enhanced Chat, Messaging for In-App and Web (`data-scrt-url`, `data-es-developer-name`).
    Miaw,
}

/// The widget's settings, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub api: Api,
    /// Live Agent: the Chat API endpoint without a trailing slash (`https://host/chat/rest` or
    /// `/chat/rest`). Enhanced Chat: the SCRT2 URL (`https://org.my.salesforce-scrt.com`, or a
    /// path on the page's origin).
    pub endpoint: String,
    pub org_id: String,
    /// Live Agent only (empty for Enhanced Chat).
    pub deployment_id: String,
    /// Live Agent only (empty for Enhanced Chat).
    pub button_id: String,
    /// Enhanced Chat only: the Custom Client deployment's API name (empty for Live Agent).
    pub es_developer_name: String,
    pub api_version: String,
    /// `None`: the browser's language.
    pub language: Option<String>,
    pub position: Position,
    pub theme: Theme,
    pub prechat_fields: Vec<PrechatField>,
    pub labels: Labels,
    pub max_message_length: usize,
    /// Availability, agent signals, sound, direction and look ([`options`]).
    pub options: Options,
    /// Settings that were given but are not known (ignored; worth a console warning).
    pub unknown: Vec<String>,
}

/// A setting that is missing or wrong. `Display` gives the whole console message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting, as on the script tag without `data-`, e.g. `org-id`.
    pub setting: &'static str,
    /// What is wrong and what to do.
    pub problem: String,
}

impl ConfigError {
    fn new(setting: &'static str, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            setting,
            problem: problem.into(),
        }
    }

    /// The name on the script tag, e.g. `data-org-id`.
    pub fn attribute(&self) -> String {
        format!("data-{}", self.setting)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "chasitor: data-{} {} (or {} in window.ChasitorConfig)",
            self.setting,
            self.problem,
            camel_case(self.setting)
        )
    }
}

impl std::error::Error for ConfigError {}

/// Every known setting, as on the script tag without `data-`.
pub const SETTINGS: [&str; 14] = [
    "api",
    "scrt-url",
    "es-developer-name",
    "endpoint",
    "org-id",
    "deployment-id",
    "button-id",
    "api-version",
    "language",
    "position",
    "prechat-fields",
    "labels",
    "theme",
    "max-message-length",
];

/// `orgId`, `data-org-id` and `org_id` all become `org-id`.
pub fn normalize_name(name: &str) -> String {
    let name = name.trim();
    let name = name.strip_prefix("data-").unwrap_or(name);
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// `org-id` → `orgId`.
pub fn camel_case(setting: &str) -> String {
    let mut out = String::with_capacity(setting.len());
    let mut upper = false;
    for c in setting.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl Config {
    /// Validates the settings. When a name appears twice, the first one counts (the loader puts
    /// the script tag's attributes first). `browser_language` (`navigator.language`) picks the
    /// label table when no `language` setting is given; English without either.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        pairs: &[(N, V)],
        browser_language: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let mut values: Vec<(&'static str, String)> = Vec::new();
        let mut unknown = Vec::new();
        for (name, value) in pairs {
            let norm = normalize_name(name.as_ref());
            match SETTINGS
                .iter()
                .chain(options::OPTION_SETTINGS.iter())
                .find(|s| **s == norm)
            {
                Some(setting) => {
                    if !values.iter().any(|(s, _)| s == setting) {
                        values.push((setting, value.as_ref().to_string()));
                    }
                }
                None => {
                    if !norm.is_empty() && !unknown.contains(&norm) {
                        unknown.push(norm);
                    }
                }
            }
        }
        let get = |setting: &str| -> Option<&str> {
            values
                .iter()
                .find(|(s, _)| *s == setting)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };

        let inferred = if get("es-developer-name").is_some() {
            Api::Miaw
        } else {
            Api::LiveAgent
        };
        let api = keyword(
            "api",
            get("api"),
            &[("liveagent", Api::LiveAgent), ("miaw", Api::Miaw)],
            inferred,
        )?;
        #[cfg(not(feature = "miaw"))]
        if api == Api::Miaw {
            return Err(ConfigError::new(
                "api",
                "is \"miaw\" (Enhanced Chat), but this build of the widget speaks Live Agent only: load the build with Enhanced Chat",
            ));
        }
        #[cfg(not(feature = "live-agent"))]
        if api == Api::LiveAgent {
            return Err(ConfigError::new(
                "api",
                "is Live Agent (no data-es-developer-name), but this build of the widget speaks Enhanced Chat only: load the build with Live Agent",
            ));
        }
        // Every setting given is checked, whichever API it belongs to; then the API's own
        // ones must be there.
        let checked =
            |setting, check: fn(&'static str, Option<&str>) -> Result<String, ConfigError>| {
                get(setting).map(|v| check(setting, Some(v))).transpose()
            };
        let given = [
            checked("endpoint", endpoint)?,
            checked("deployment-id", id)?,
            checked("button-id", id)?,
            checked("scrt-url", endpoint)?,
            checked("es-developer-name", developer_name)?,
        ];
        let org_id = id("org-id", get("org-id"))?;
        let [la_endpoint, deployment_id, button_id, scrt_url, es_developer_name] = given;
        // A value checked above, or the check's "is missing" error.
        let need =
            |setting,
             value: Option<String>,
             check: fn(&'static str, Option<&str>) -> Result<String, ConfigError>| {
                value.map_or_else(|| check(setting, None), Ok)
            };
        let (endpoint, deployment_id, button_id, es_developer_name) = match api {
            Api::LiveAgent => (
                need("endpoint", la_endpoint, endpoint)?,
                need("deployment-id", deployment_id, id)?,
                need("button-id", button_id, id)?,
                String::new(),
            ),
            Api::Miaw => (
                need("scrt-url", scrt_url, endpoint)?,
                String::new(),
                String::new(),
                need("es-developer-name", es_developer_name, developer_name)?,
            ),
        };

        let api_version = match get("api-version") {
            None => DEFAULT_API_VERSION.to_string(),
            Some(v) if !v.is_empty() && v.len() <= 4 && v.chars().all(|c| c.is_ascii_digit()) => {
                v.to_string()
            }
            Some(v) => {
                return Err(ConfigError::new(
                    "api-version",
                    format!("is {v:?}: give the API version as a number such as \"56\""),
                ))
            }
        };

        let language = match get("language") {
            None => None,
            Some(v) if is_language_tag(v) => Some(v.to_string()),
            Some(v) => {
                return Err(ConfigError::new(
                    "language",
                    format!("is {v:?}: give a language tag such as \"en-US\""),
                ))
            }
        };

        let position = keyword(
            "position",
            get("position"),
            &[("right", Position::Right), ("left", Position::Left)],
            Position::Right,
        )?;
        let theme = keyword(
            "theme",
            get("theme"),
            &[
                ("light", Theme::Light),
                ("dark", Theme::Dark),
                ("auto", Theme::Auto),
            ],
            Theme::Light,
        )?;

        let max_message_length = match get("max-message-length") {
            None => DEFAULT_MAX_MESSAGE_LENGTH,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_MESSAGE_LENGTH_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ConfigError::new(
                        "max-message-length",
                        format!(
                            "is {v:?}: give a whole number of characters from 1 to {MAX_MESSAGE_LENGTH_LIMIT}"
                        ),
                    ))
                }
            },
        };

        let prechat_fields = match get("prechat-fields") {
            None => default_prechat_fields(),
            Some(json) => prechat_fields::parse(json)?,
        };

        let options = options::parse(get)?;
        let mut labels =
            Labels::for_language(language.as_deref().or(browser_language).unwrap_or("en"));
        if let Some(json) = get("labels") {
            label_overrides(json, &mut labels)?;
        }

        Ok(Config {
            api,
            endpoint,
            org_id,
            deployment_id,
            button_id,
            es_developer_name,
            api_version,
            language,
            position,
            theme,
            prechat_fields,
            labels,
            max_message_length,
            options,
            unknown,
        })
    }
}

/// A setting that is one of a few keywords (any case); absent gives `default`. The error lists
/// the keywords in the order given.
fn keyword<T: Copy>(
    setting: &'static str,
    value: Option<&str>,
    choices: &[(&str, T)],
    default: T,
) -> Result<T, ConfigError> {
    let Some(v) = value.map(str::to_ascii_lowercase) else {
        return Ok(default);
    };
    if let Some((_, t)) = choices.iter().find(|(k, _)| *k == v) {
        return Ok(*t);
    }
    let names: Vec<String> = choices.iter().map(|(k, _)| format!("{k:?}")).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    };
    Err(ConfigError::new(setting, format!("is {v:?}: use {list}")))
}

/// The API's base URL: `endpoint` (Live Agent) or `scrt-url` (Enhanced Chat).
fn endpoint(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    let example = if setting == "endpoint" {
        "\"https://example.com/chat/rest\" or \"/chat/rest\""
    } else {
        "\"https://yourorg.my.salesforce-scrt.com\""
    };
    let Some(v) = value else {
        return Err(ConfigError::new(
            setting,
            if setting == "endpoint" {
                "is missing: set it on the script tag to your Chat API endpoint, e.g. \"/chat/rest\""
            } else {
                "is missing: set it on the script tag to your deployment's SCRT2 URL (Setup → Embedded Service Deployments), e.g. \"https://yourorg.my.salesforce-scrt.com\""
            },
        ));
    };
    let bad = |why: &str| {
        Err(ConfigError::new(
            setting,
            format!(
                "is {v:?}: {why}; use an http(s) URL or a path starting with \"/\", e.g. {example}"
            ),
        ))
    };
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces");
    }
    if v.contains('?') || v.contains('#') {
        return bad("it has a query or fragment");
    }
    let lower = v.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        Some(r)
    } else {
        lower.strip_prefix("http://")
    };
    match rest {
        Some(r) => {
            let host = r.split('/').next().unwrap_or_default();
            if host.is_empty() {
                return bad("it has no host");
            }
        }
        None => {
            if !v.starts_with('/') {
                return bad("it is neither an http(s) URL nor a path");
            }
        }
    }
    let trimmed = v.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        trimmed.to_string()
    })
}

fn id(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    match value {
        None => Err(ConfigError::new(
            setting,
            "is missing: set it on the script tag",
        )),
        Some(v) if v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(v.to_string())
        }
        Some(v) => Err(ConfigError::new(
            setting,
            format!("is {v:?}: it must be a Salesforce id, letters and digits only"),
        )),
    }
}

/// An Embedded Service deployment's API name: letters, digits and underscores.
fn developer_name(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    const S: &str = "es-developer-name";
    debug_assert_eq!(setting, S);
    match value {
        None => Err(ConfigError::new(
            S,
            "is missing: set it to your Custom Client deployment's API name (Setup → Embedded Service Deployments)",
        )),
        Some(v)
            if v.len() <= 80
                && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok(v.to_string())
        }
        Some(v) => Err(ConfigError::new(
            S,
            format!("is {v:?}: it must be the deployment's API name, letters, digits and underscores, e.g. \"Chat_Demo\""),
        )),
    }
}

fn is_language_tag(v: &str) -> bool {
    v.len() <= 35
        && v.split(['-', '_']).all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn label_overrides(json: &str, labels: &mut Labels) -> Result<(), ConfigError> {
    const S: &str = "labels";
    let value: Value = serde_json::from_str(json).map_err(|e| {
        ConfigError::new(
            S,
            format!("is not valid JSON ({e}): give a JSON object of labels"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ConfigError::new(
            S,
            "is not a JSON object: give labels such as {\"launcher\":\"Talk to us\"}",
        ));
    };
    for (key, v) in map {
        let Value::String(text) = v else {
            return Err(ConfigError::new(
                S,
                format!("label {key:?} must be a string"),
            ));
        };
        if !labels.set(&key, &text) {
            return Err(ConfigError::new(
                S,
                format!(
                    "has an unknown label {key:?}: known labels are {}",
                    Labels::KEYS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_settings_take_any_case_and_name_the_choices() {
        let theme = [("light", 1), ("dark", 2), ("auto", 3)];
        assert_eq!(keyword("theme", None, &theme, 1).unwrap(), 1);
        assert_eq!(keyword("theme", Some("DARK"), &theme, 1).unwrap(), 2);
        let e = keyword("theme", Some("Pink"), &theme, 1).unwrap_err();
        assert_eq!(e.setting, "theme");
        assert_eq!(e.problem, r#"is "pink": use "light", "dark" or "auto""#);
        let e = keyword("position", Some("up"), &[("right", 0), ("left", 1)], 0).unwrap_err();
        assert_eq!(e.problem, r#"is "up": use "right" or "left""#);
    }

    fn base() -> Vec<(String, String)> {
        vec![
            ("data-endpoint".into(), "/chat/rest".into()),
            ("data-org-id".into(), "00D000000000001".into()),
            ("data-deployment-id".into(), "572000000000001".into()),
            ("data-button-id".into(), "573000000000001".into()),
        ]
    }

    fn with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = extra
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        pairs.extend(base());
        pairs
    }

    fn error(pairs: &[(String, String)]) -> ConfigError {
        Config::from_pairs(pairs, None).expect_err("a config error")
    }

    #[test]
    fn the_four_required_settings_make_a_config_with_defaults() {
        let c = Config::from_pairs(&base(), None).unwrap();
        assert_eq!(c.endpoint, "/chat/rest");
        assert_eq!(c.org_id, "00D000000000001");
        assert_eq!(c.api_version, "56");
        assert_eq!(c.language, None);
        assert_eq!(c.position, Position::Right);
        assert_eq!(c.theme, Theme::Light);
        assert_eq!(c.max_message_length, 5000);
        let names: Vec<_> = c.prechat_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["firstName", "lastName", "email"]);
        assert!(c.prechat_fields[0].required);
        assert!(!c.prechat_fields[1].required);
        assert!(c.prechat_fields[2].required);
        assert_eq!(c.prechat_fields[2].kind, FieldKind::Email);
        assert!(c.unknown.is_empty());
    }

    #[test]
    fn camel_case_names_from_window_config_work_too() {
        let pairs = [
            ("endpoint", "https://chat.example.com/chat/rest/"),
            ("orgId", "00D000000000001"),
            ("deploymentId", "572000000000001"),
            ("buttonId", "573000000000001"),
            ("apiVersion", "59"),
            ("maxMessageLength", "100"),
        ];
        let c = Config::from_pairs(&pairs, None).unwrap();
        assert_eq!(c.endpoint, "https://chat.example.com/chat/rest");
        assert_eq!(c.api_version, "59");
        assert_eq!(c.max_message_length, 100);
    }

    #[test]
    fn the_first_pair_of_a_name_wins() {
        let c = Config::from_pairs(&with(&[("data-org-id", "00DFIRST")]), None).unwrap();
        assert_eq!(c.org_id, "00DFIRST");
    }

    #[test]
    fn a_missing_setting_is_named_in_the_message() {
        let pairs: Vec<_> = base()
            .into_iter()
            .filter(|(n, _)| n != "data-org-id")
            .collect();
        let e = error(&pairs);
        assert_eq!(e.setting, "org-id");
        assert_eq!(
            e.to_string(),
            "chasitor: data-org-id is missing: set it on the script tag (or orgId in window.ChasitorConfig)"
        );
        let pairs: Vec<_> = base()
            .into_iter()
            .filter(|(n, _)| n != "data-endpoint")
            .collect();
        assert_eq!(error(&pairs).setting, "endpoint");
        let e = error(&with(&[("data-button-id", "  ")]));
        assert_eq!(e.setting, "button-id");
    }

    #[test]
    fn ids_must_be_alphanumeric() {
        let e = error(&with(&[("data-deployment-id", "572-000")]));
        assert_eq!(e.setting, "deployment-id");
        assert!(e.to_string().contains("letters and digits"), "{e}");
        let e = error(&with(&[("orgId", "00D<script>")]));
        assert_eq!(e.setting, "org-id");
    }

    #[test]
    fn the_endpoint_is_an_http_url_or_a_path() {
        for good in [
            "/chat/rest",
            "http://localhost:8470/chat/rest",
            "HTTPS://x.example/chat/rest/",
        ] {
            assert!(
                Config::from_pairs(&with(&[("endpoint", good)]), None).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "chat/rest",
            "ftp://x/chat",
            "javascript:alert(1)",
            "https:///chat",
            "/chat rest",
            "/chat/rest?x=1",
        ] {
            let e = error(&with(&[("endpoint", bad)]));
            assert_eq!(e.setting, "endpoint", "{bad}");
            assert!(
                e.to_string().starts_with("chasitor: data-endpoint is"),
                "{e}"
            );
        }
    }

    #[test]
    fn enumerations_are_checked() {
        assert_eq!(error(&with(&[("position", "top")])).setting, "position");
        assert_eq!(error(&with(&[("theme", "pink")])).setting, "theme");
        assert_eq!(
            error(&with(&[("api-version", "v56")])).setting,
            "api-version"
        );
        assert_eq!(error(&with(&[("language", "en US")])).setting, "language");
        assert_eq!(
            error(&with(&[("max-message-length", "0")])).setting,
            "max-message-length"
        );
        assert_eq!(
            error(&with(&[("max-message-length", "lots")])).setting,
            "max-message-length"
        );
        let c = Config::from_pairs(
            &with(&[
                ("position", "LEFT"),
                ("theme", "dark"),
                ("language", "de-DE"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(c.position, Position::Left);
        assert_eq!(c.theme, Theme::Dark);
        assert_eq!(c.language.as_deref(), Some("de-DE"));
    }

    #[test]
    fn labels_can_be_overridden_and_unknown_labels_are_refused() {
        let c =
            Config::from_pairs(&with(&[("labels", r#"{"launcher":"Talk to us"}"#)]), None).unwrap();
        assert_eq!(c.labels.launcher(), "Talk to us");
        let e = error(&with(&[("labels", r#"{"nope":"x"}"#)]));
        assert_eq!(e.setting, "labels");
        assert!(e.to_string().contains("\"nope\""), "{e}");
        assert_eq!(
            error(&with(&[("labels", r#"{"launcher":1}"#)])).setting,
            "labels"
        );
        assert_eq!(error(&with(&[("labels", "[]")])).setting, "labels");
    }

    #[test]
    fn the_browser_language_picks_the_labels_unless_a_language_is_set() {
        let english = Labels::for_language("en");
        let german = Labels::for_language("de-DE");
        assert_ne!(english, german);
        assert_eq!(Config::from_pairs(&base(), None).unwrap().labels, english);
        assert_eq!(
            Config::from_pairs(&base(), Some("de-DE")).unwrap().labels,
            german
        );
        let set = Config::from_pairs(&with(&[("language", "en-GB")]), Some("de-DE")).unwrap();
        assert_eq!(set.labels, english);
        assert_eq!(set.language.as_deref(), Some("en-GB"));
    }

    #[test]
    fn enhanced_chat_needs_its_own_settings_and_is_inferred_from_the_developer_name() {
        let miaw = [
            ("data-scrt-url", "https://acme.my.salesforce-scrt.com/"),
            ("data-org-id", "00D000000000001"),
            ("data-es-developer-name", "Chasitor_Demo"),
        ];
        let c = Config::from_pairs(&miaw, None).unwrap();
        assert_eq!(c.api, Api::Miaw);
        assert_eq!(c.endpoint, "https://acme.my.salesforce-scrt.com");
        assert_eq!(c.es_developer_name, "Chasitor_Demo");
        assert_eq!((c.deployment_id.as_str(), c.button_id.as_str()), ("", ""));
        // A path on the page's origin works too (a relay, or the simulator).
        let c = Config::from_pairs(
            &[
                ("scrt-url", "/"),
                ("org-id", "00D1"),
                ("api", "MIAW"),
                ("es-developer-name", "X"),
            ],
            None,
        )
        .unwrap();
        assert_eq!((c.api, c.endpoint.as_str()), (Api::Miaw, ""));
        // Each one missing is named.
        for missing in ["data-scrt-url", "data-org-id"] {
            let pairs: Vec<_> = miaw
                .iter()
                .filter(|(n, _)| *n != missing)
                .copied()
                .collect();
            let e = Config::from_pairs(&pairs, None).unwrap_err();
            assert_eq!(e.attribute(), missing);
            assert!(e.to_string().contains("is missing"), "{e}");
        }
        let e = Config::from_pairs(
            &[
                ("api", "miaw"),
                ("scrt-url", "https://x.example"),
                ("org-id", "00D1"),
            ],
            None,
        )
        .unwrap_err();
        assert_eq!(e.setting, "es-developer-name");
        assert!(e.to_string().contains("API name"), "{e}");
        // Live Agent settings are not needed for Enhanced Chat, and the other way round; an
        // explicit data-api wins over the inference.
        let mut la = base();
        la.push(("data-es-developer-name".into(), "Chasitor_Demo".into()));
        assert_eq!(
            Config::from_pairs(&la, None).unwrap_err().setting,
            "scrt-url"
        );
        la.push(("data-api".into(), "liveagent".into()));
        assert_eq!(Config::from_pairs(&la, None).unwrap().api, Api::LiveAgent);
    }

    #[test]
    fn unknown_settings_are_reported_not_fatal() {
        let c = Config::from_pairs(&with(&[("data-colour", "red"), ("src", "x")]), None).unwrap();
        assert_eq!(c.unknown, ["colour", "src"]);
    }

    #[test]
    fn names_normalize() {
        assert_eq!(normalize_name("orgId"), "org-id");
        assert_eq!(normalize_name("data-org-id"), "org-id");
        assert_eq!(normalize_name("org_id"), "org-id");
        assert_eq!(normalize_name("maxMessageLength"), "max-message-length");
        assert_eq!(camel_case("prechat-fields"), "prechatFields");
    }

    /// Issue 6, bad input: every setting, missing and malformed. A malformed value is refused
    /// with an error naming the setting (one console line, and the unavailable launcher); a
    /// missing optional setting takes its default. A setting added without a row here fails.
    #[test]
    fn every_setting_missing_or_malformed_is_named_or_defaulted() {
        let huge = "9".repeat(100_000);
        // (setting, malformed values)
        let malformed: &[(&str, &[&str])] = &[
            (
                "endpoint",
                &[
                    "chat/rest",
                    "ftp://x/chat",
                    "javascript:alert(1)",
                    "https://",
                    "/a b",
                    "/x#y",
                    "\u{0}/x",
                ],
            ),
            ("org-id", &["00D-1", "00D<script>", &huge, "ÄÖÜ"]),
            ("api", &["soap", "live agent", "enhanced"]),
            (
                "scrt-url",
                &["org.my.salesforce-scrt.com", "https://", "/a b"],
            ),
            (
                "es-developer-name",
                &["My Deployment", "1abc", "a-b", &huge],
            ),
            ("deployment-id", &["572 000", "572;drop", &huge]),
            ("button-id", &["573/1", "\"x\"", &huge]),
            ("api-version", &["v56", "56.0", "-1", "12345", &huge]),
            ("language", &["en US", "1en", "en--US", "<b>en</b>", &huge]),
            ("position", &["top", "middle", "<left>"]),
            ("theme", &["pink", "darkest", "{}"]),
            (
                "max-message-length",
                &["0", "-5", "100001", "lots", "5e3", &huge],
            ),
            (
                "prechat-fields",
                &["not json", "{}", "[1]", "[{\"name\":\"\"}]", "null", &huge],
            ),
            (
                "labels",
                &[
                    "not json",
                    "[]",
                    "{\"nope\":\"x\"}",
                    "{\"launcher\":1}",
                    "null",
                ],
            ),
            ("sneak-peek", &["maybe", "2"]),
            (
                "contact-url",
                &["mailto:x@y.z", "/contact", "javascript:alert(1)"],
            ),
            ("sound", &["loud", "{}"]),
            ("dir", &["up", "rtl;"]),
            ("accent", &["red;}", "url(x)", "<b>", &huge]),
            ("font", &["x{}", "a\\b"]),
            ("radius", &["1px;", "expression(1)"]),
            ("launcher-size", &["10", "200px", "big"]),
            ("z-index", &["top", "1.5", &huge]),
            ("load", &["eager", "lazy"]),
        ];
        // Free text: any value is taken (and shown as text, never as HTML).
        let free_text = ["offline-message"];
        let required = ["endpoint", "org-id", "deployment-id", "button-id"];

        let all: Vec<&str> = SETTINGS
            .iter()
            .chain(options::OPTION_SETTINGS.iter())
            .copied()
            .collect();
        for setting in &all {
            assert!(
                free_text.contains(setting) || malformed.iter().any(|(s, _)| s == setting),
                "no malformed values for the setting {setting}"
            );
        }

        for (setting, values) in malformed {
            assert!(all.contains(setting), "{setting} is not a setting");
            for value in *values {
                // Written both ways: on the script tag and in window.ChasitorConfig.
                for name in [format!("data-{setting}"), camel_case(setting)] {
                    let e = error(&with(&[(name.as_str(), value)]));
                    assert_eq!(e.setting, *setting, "{name}={value:.40}");
                    let msg = e.to_string();
                    assert!(
                        msg.starts_with(&format!("chasitor: data-{setting} "))
                            && msg.contains(&format!(
                                "(or {} in window.ChasitorConfig)",
                                camel_case(setting)
                            )),
                        "{msg:.200}"
                    );
                    assert!(!msg.contains('\n'), "one line: {msg:.200}");
                }
            }
        }

        for setting in &all {
            let without: Vec<(String, String)> = base()
                .into_iter()
                .filter(|(n, _)| n != &format!("data-{setting}"))
                .collect();
            // Missing, empty or blank: all the same.
            for pairs in [
                without.clone(),
                with(&[(format!("data-{setting}").as_str(), "")]),
                with(&[(format!("data-{setting}").as_str(), "   ")]),
            ] {
                let result = Config::from_pairs(&pairs, None);
                if required.contains(setting) {
                    let e = result.expect_err(setting);
                    assert_eq!(e.setting, *setting);
                    assert!(e.to_string().contains("is missing"), "{e}");
                } else {
                    let c = result.unwrap_or_else(|e| panic!("{setting} missing: {e}"));
                    assert_eq!(
                        c,
                        Config::from_pairs(&base(), None).unwrap(),
                        "{setting} defaults"
                    );
                }
            }
        }

        // Free text stays text.
        let c =
            Config::from_pairs(&with(&[("offline-message", "<b>Back at 9</b>")]), None).unwrap();
        assert_eq!(
            c.options.offline_message.as_deref(),
            Some("<b>Back at 9</b>")
        );
    }
}
