//! The script tag's and `window.ChasitorConfig`'s settings read into a [`Config`]: names
//! normalised (`data-org-id`, `orgId`, `org_id`), the first of a name kept, unknown ones listed,
//! then each concern's settings checked in a stated order, the first problem returned.

use super::appearance::{is_language_tag, label_overrides, Position, Theme};
use super::prechat_fields::{self, default_prechat_fields};
use super::{apis, keyword, options, Config, ConfigError};
use crate::labels::Labels;

/// The longest visitor message, unless `data-max-message-length` says otherwise.
pub const DEFAULT_MAX_MESSAGE_LENGTH: usize = 5000;
/// The largest `data-max-message-length` accepted.
pub const MAX_MESSAGE_LENGTH_LIMIT: usize = 100_000;

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
            let known = SETTINGS.iter().chain(options::OPTION_SETTINGS.iter());
            #[cfg(feature = "miaw")]
            let known = known.chain(options::MIAW_SETTINGS.iter());
            let mut known = known;
            match known.find(|s| **s == norm) {
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

        let apis = apis::read(get)?;

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
            api: apis.api,
            endpoint: apis.endpoint,
            org_id: apis.org_id,
            deployment_id: apis.deployment_id,
            button_id: apis.button_id,
            es_developer_name: apis.es_developer_name,
            api_version: apis.api_version,
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

#[cfg(test)]
mod tests {
    use super::super::testing::{base, error, with};
    use super::super::FieldKind;
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
}
