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
//!
//! Here: [`Config`] and [`ConfigError`]. Beside them, by concern: the reader of the script tag and
//! `window.ChasitorConfig` ([`reader`]), each API's settings and their checks ([`apis`]), the
//! look and the labels ([`appearance`]), the optional settings ([`options`]), the pre-chat fields
//! (`prechat_fields.rs`).

mod apis;
mod appearance;
pub mod options;
mod prechat_fields;
mod reader;

pub use apis::{Api, DEFAULT_API_VERSION};
pub use appearance::{Position, Theme};
pub use options::{Dir, Options};
pub use prechat_fields::{default_prechat_fields, FieldKind, PrechatField};
pub use reader::{
    camel_case, normalize_name, DEFAULT_MAX_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH_LIMIT, SETTINGS,
};

use crate::labels::Labels;
use std::fmt;

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

/// The settings every test starts from, and the error they expect.
#[cfg(test)]
mod testing {
    use super::{Config, ConfigError};

    pub(super) fn base() -> Vec<(String, String)> {
        vec![
            ("data-endpoint".into(), "/chat/rest".into()),
            ("data-org-id".into(), "00D000000000001".into()),
            ("data-deployment-id".into(), "572000000000001".into()),
            ("data-button-id".into(), "573000000000001".into()),
        ]
    }

    pub(super) fn with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = extra
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        pairs.extend(base());
        pairs
    }

    pub(super) fn error(pairs: &[(String, String)]) -> ConfigError {
        Config::from_pairs(pairs, None).expect_err("a config error")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{base, error, with};
    use super::*;

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
