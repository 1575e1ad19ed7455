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

pub mod extras;
pub use extras::{Dir, Extras};

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

/// What a pre-chat field holds (the input's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Tel,
    Textarea,
}

impl FieldKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Email => "email",
            FieldKind::Tel => "tel",
            FieldKind::Textarea => "textarea",
        }
    }
}

/// One field of the pre-chat form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrechatField {
    /// The input's `name`, e.g. `firstName`.
    pub name: String,
    /// The visible label; also the CustomDetail `label` sent to the server.
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The record the value goes to (default `Contact`) when `entity_field` is set.
    pub entity: String,
    /// The record's field, e.g. `FirstName`: the value is mapped into `prechatEntities`.
    pub entity_field: Option<String>,
    /// Find an existing record by this field (e.g. the email).
    pub find_by: bool,
    /// Transcript fields the value is saved to (CustomDetail `transcriptFields`).
    pub transcript_fields: Vec<String>,
    /// Whether the agent sees the value (CustomDetail `displayToAgent`).
    pub display_to_agent: bool,
    /// Part of the visitor's name shown to the agent (`visitorName`).
    pub in_visitor_name: bool,
    /// The input's `autocomplete`, e.g. `given-name`.
    pub autocomplete: Option<String>,
}

impl PrechatField {
    fn simple(name: &str, label: &str, kind: FieldKind, required: bool) -> PrechatField {
        PrechatField {
            name: name.to_string(),
            label: label.to_string(),
            kind,
            required,
            entity: "Contact".to_string(),
            entity_field: None,
            find_by: false,
            transcript_fields: Vec::new(),
            display_to_agent: true,
            in_visitor_name: false,
            autocomplete: None,
        }
    }
}

/// The default pre-chat form: first name (required), last name, email (required, checked).
pub fn default_prechat_fields() -> Vec<PrechatField> {
    let first = PrechatField {
        entity_field: Some("FirstName".into()),
        in_visitor_name: true,
        autocomplete: Some("given-name".into()),
        ..PrechatField::simple("firstName", "First name", FieldKind::Text, true)
    };
    let last = PrechatField {
        entity_field: Some("LastName".into()),
        in_visitor_name: true,
        autocomplete: Some("family-name".into()),
        ..PrechatField::simple("lastName", "Last name", FieldKind::Text, false)
    };
    let email = PrechatField {
        entity_field: Some("Email".into()),
        find_by: true,
        autocomplete: Some("email".into()),
        ..PrechatField::simple("email", "Email", FieldKind::Email, true)
    };
    vec![first, last, email]
}

/// The widget's settings, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The Chat API endpoint without a trailing slash: `https://host/chat/rest` or `/chat/rest`.
    pub endpoint: String,
    pub org_id: String,
    pub deployment_id: String,
    pub button_id: String,
    pub api_version: String,
    /// `None`: the browser's language.
    pub language: Option<String>,
    pub position: Position,
    pub theme: Theme,
    pub prechat_fields: Vec<PrechatField>,
    pub labels: Labels,
    pub max_message_length: usize,
    /// Availability, agent signals, sound, direction and look ([`extras`]).
    pub extras: Extras,
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
pub const SETTINGS: [&str; 11] = [
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

thread_local! {
    /// The browser's language (`navigator.language`), picking the label table when no
    /// `data-language` is given. Set by the embedding code before [`Config::from_pairs`].
    static BROWSER_LANGUAGE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Tells [`Config::from_pairs`] the browser's language (`None` to forget it).
pub fn set_browser_language(language: Option<String>) {
    BROWSER_LANGUAGE.with(|b| *b.borrow_mut() = language);
}

impl Config {
    /// Validates the settings. When a name appears twice, the first one counts (the loader puts
    /// the script tag's attributes first).
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        pairs: &[(N, V)],
    ) -> Result<Config, ConfigError> {
        let mut values: Vec<(&'static str, String)> = Vec::new();
        let mut unknown = Vec::new();
        for (name, value) in pairs {
            let norm = normalize_name(name.as_ref());
            match SETTINGS
                .iter()
                .chain(extras::EXTRA_SETTINGS.iter())
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

        let endpoint = endpoint(get("endpoint"))?;
        let org_id = id("org-id", get("org-id"))?;
        let deployment_id = id("deployment-id", get("deployment-id"))?;
        let button_id = id("button-id", get("button-id"))?;

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
            Some(json) => prechat_fields(json)?,
        };

        let extras = extras::parse(get)?;
        let mut labels = Labels::for_language(
            language
                .as_deref()
                .or(BROWSER_LANGUAGE.with(|b| b.borrow().clone()).as_deref())
                .unwrap_or("en"),
        );
        if let Some(json) = get("labels") {
            label_overrides(json, &mut labels)?;
        }

        Ok(Config {
            endpoint,
            org_id,
            deployment_id,
            button_id,
            api_version,
            language,
            position,
            theme,
            prechat_fields,
            labels,
            max_message_length,
            extras,
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

fn endpoint(value: Option<&str>) -> Result<String, ConfigError> {
    let Some(v) = value else {
        return Err(ConfigError::new(
            "endpoint",
            "is missing: set it on the script tag to your Chat API endpoint, e.g. \"/chat/rest\"",
        ));
    };
    let bad = |why: &str| {
        Err(ConfigError::new(
            "endpoint",
            format!("is {v:?}: {why}; use an http(s) URL or a path starting with \"/\", e.g. \"https://example.com/chat/rest\" or \"/chat/rest\""),
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

fn is_language_tag(v: &str) -> bool {
    v.len() <= 35
        && v.split(['-', '_']).all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn is_field_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn prechat_fields(json: &str) -> Result<Vec<PrechatField>, ConfigError> {
    const S: &str = "prechat-fields";
    let err = |why: String| Err(ConfigError::new(S, why));
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            return err(format!(
                "is not valid JSON ({e}): give a JSON array of fields"
            ))
        }
    };
    let Value::Array(items) = value else {
        return err("is not a JSON array: give a list such as [{\"name\":\"email\",\"label\":\"Email\",\"type\":\"email\",\"required\":true}]".into());
    };
    let mut fields: Vec<PrechatField> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return err(format!("item {i} is not an object"));
        };
        let string = |key: &str| -> Result<Option<String>, ConfigError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(_) => Err(ConfigError::new(
                    S,
                    format!("item {i}: \"{key}\" must be a string"),
                )),
            }
        };
        let boolean = |key: &str, default: bool| -> Result<bool, ConfigError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(ConfigError::new(
                    S,
                    format!("item {i}: \"{key}\" must be true or false"),
                )),
            }
        };
        let name = string("name")?.unwrap_or_default();
        if !is_field_name(&name) {
            return err(format!(
                "item {i}: \"name\" must be letters, digits, '-' or '_', starting with a letter (got {name:?})"
            ));
        }
        if fields.iter().any(|f| f.name == name) {
            return err(format!("item {i}: the name {name:?} is used twice"));
        }
        let label = string("label")?.unwrap_or_default();
        if label.is_empty() {
            return err(format!("item {i} ({name}): \"label\" is missing"));
        }
        let kind = match string("type")?.as_deref() {
            None | Some("text") => FieldKind::Text,
            Some("email") => FieldKind::Email,
            Some("tel") => FieldKind::Tel,
            Some("textarea") => FieldKind::Textarea,
            Some(other) => {
                return err(format!(
                    "item {i} ({name}): \"type\" is {other:?}: use text, email, tel or textarea"
                ))
            }
        };
        let entity_field = string("entityField")?.filter(|s| !s.is_empty());
        if let Some(f) = &entity_field {
            if !is_field_name(f) {
                return err(format!(
                    "item {i} ({name}): \"entityField\" {f:?} is not a field name"
                ));
            }
        }
        let entity = string("entity")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Contact".to_string());
        if !is_field_name(&entity) {
            return err(format!(
                "item {i} ({name}): \"entity\" {entity:?} is not an object name"
            ));
        }
        let transcript_fields = match obj.get("transcriptFields").or(obj.get("transcriptField")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
            Some(Value::Array(a)) => {
                let mut out = Vec::new();
                for v in a {
                    match v {
                        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                        _ => {
                            return err(format!(
                            "item {i} ({name}): \"transcriptFields\" must be a list of field names"
                        ))
                        }
                    }
                }
                out
            }
            Some(_) => {
                return err(format!(
                    "item {i} ({name}): \"transcriptFields\" must be a list of field names"
                ))
            }
        };
        let default_in_name = matches!(
            entity_field.as_deref(),
            Some("FirstName") | Some("LastName")
        );
        let autocomplete = string("autocomplete")?.filter(|s| !s.is_empty());
        fields.push(PrechatField {
            required: boolean("required", false)?,
            find_by: boolean("findBy", kind == FieldKind::Email)?,
            display_to_agent: boolean("displayToAgent", true)?,
            in_visitor_name: boolean("visitorName", default_in_name)?,
            name,
            label,
            kind,
            entity,
            entity_field,
            transcript_fields,
            autocomplete,
        });
    }
    Ok(fields)
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

/// Whether `s` looks like an email address (the pre-chat check: one `@`, a dot in the domain,
/// no spaces).
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace())
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Why a pre-chat answer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// A required field is empty.
    Required,
    /// An email field does not hold an email address.
    Email,
}

/// Checks the pre-chat answers (`values` by field name) against `fields`. Every problem, by
/// field name, in the form's order; empty when the form may be sent.
pub fn check_prechat(
    fields: &[PrechatField],
    value: impl Fn(&str) -> String,
) -> Vec<(String, FieldProblem)> {
    let mut problems = Vec::new();
    for f in fields {
        let v = value(&f.name);
        let v = v.trim();
        if v.is_empty() {
            if f.required {
                problems.push((f.name.clone(), FieldProblem::Required));
            }
        } else if f.kind == FieldKind::Email && !is_email(v) {
            problems.push((f.name.clone(), FieldProblem::Email));
        }
    }
    problems
}

/// The chat request's pre-chat part from the form's answers: `visitorName` (the fields marked
/// as part of the name, joined with spaces; the first answer when there are none), one
/// `prechatDetails` entry per field, and one `prechatEntities` record per entity named by the
/// fields (a Contact with FirstName, LastName and Email by default).
pub fn build_prechat(
    fields: &[PrechatField],
    value: impl Fn(&str) -> String,
) -> crate::engine::Prechat {
    use crate::protocol::{CustomDetail, Entity, EntityFieldMap, EntityFieldsMaps, Lenient};
    let answers: Vec<(&PrechatField, String)> = fields
        .iter()
        .map(|f| (f, value(&f.name).trim().to_string()))
        .collect();

    let name_parts: Vec<&str> = answers
        .iter()
        .filter(|(f, v)| f.in_visitor_name && !v.is_empty())
        .map(|(_, v)| v.as_str())
        .collect();
    let visitor_name = if name_parts.is_empty() {
        answers
            .iter()
            .find(|(_, v)| !v.is_empty())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    } else {
        name_parts.join(" ")
    };

    let details = answers
        .iter()
        .map(|(f, v)| CustomDetail {
            label: Lenient(f.label.clone()),
            value: Lenient(v.clone()),
            entity_maps: Lenient(
                f.entity_field
                    .iter()
                    .map(|field| EntityFieldMap {
                        entity_name: f.entity.clone(),
                        field_name: field.clone(),
                        is_fast_fillable: Lenient(false),
                        is_auto_queryable: Lenient(true),
                        is_exact_matchable: Lenient(f.find_by),
                    })
                    .collect(),
            ),
            transcript_fields: Lenient(f.transcript_fields.clone()),
            display_to_agent: Lenient(f.display_to_agent),
        })
        .collect();

    let mut entities: Vec<Entity> = Vec::new();
    for (f, _) in &answers {
        let Some(field) = &f.entity_field else {
            continue;
        };
        let map = EntityFieldsMaps {
            field_name: field.clone(),
            label: f.label.clone(),
            do_find: f.find_by,
            is_exact_match: f.find_by,
            do_create: true,
        };
        match entities.iter_mut().find(|e| e.entity_name == f.entity) {
            Some(e) => e.entity_fields_maps.push(map),
            None => entities.push(Entity {
                entity_name: f.entity.clone(),
                show_on_create: Some(true),
                link_to_entity_name: None,
                link_to_entity_field: None,
                save_to_transcript: Some(f.entity.clone()),
                entity_fields_maps: vec![map],
            }),
        }
    }

    crate::engine::Prechat {
        visitor_name,
        details,
        entities,
    }
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
        Config::from_pairs(pairs).expect_err("a config error")
    }

    #[test]
    fn the_four_required_settings_make_a_config_with_defaults() {
        let c = Config::from_pairs(&base()).unwrap();
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
        let c = Config::from_pairs(&pairs).unwrap();
        assert_eq!(c.endpoint, "https://chat.example.com/chat/rest");
        assert_eq!(c.api_version, "59");
        assert_eq!(c.max_message_length, 100);
    }

    #[test]
    fn the_first_pair_of_a_name_wins() {
        let c = Config::from_pairs(&with(&[("data-org-id", "00DFIRST")])).unwrap();
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
                Config::from_pairs(&with(&[("endpoint", good)])).is_ok(),
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
        let c = Config::from_pairs(&with(&[
            ("position", "LEFT"),
            ("theme", "dark"),
            ("language", "de-DE"),
        ]))
        .unwrap();
        assert_eq!(c.position, Position::Left);
        assert_eq!(c.theme, Theme::Dark);
        assert_eq!(c.language.as_deref(), Some("de-DE"));
    }

    #[test]
    fn prechat_fields_are_read_from_json() {
        let json = r#"[
            {"name":"firstName","label":"Vorname","required":true,"entityField":"FirstName"},
            {"name":"email","label":"E-Mail","type":"email","required":true,"entityField":"Email",
             "transcriptFields":["c__Email"]},
            {"name":"order","label":"Order number","type":"text","displayToAgent":false}
        ]"#;
        let c = Config::from_pairs(&with(&[("prechat-fields", json)])).unwrap();
        assert_eq!(c.prechat_fields.len(), 3);
        assert!(c.prechat_fields[0].in_visitor_name);
        assert_eq!(c.prechat_fields[1].kind, FieldKind::Email);
        assert!(c.prechat_fields[1].find_by);
        assert_eq!(c.prechat_fields[1].transcript_fields, ["c__Email"]);
        assert!(!c.prechat_fields[2].display_to_agent);
        assert_eq!(c.prechat_fields[2].entity_field, None);

        let empty = Config::from_pairs(&with(&[("prechat-fields", "[]")])).unwrap();
        assert!(empty.prechat_fields.is_empty());
    }

    #[test]
    fn bad_prechat_fields_name_the_setting_and_the_item() {
        for (json, needle) in [
            ("not json", "not valid JSON"),
            ("{}", "not a JSON array"),
            ("[1]", "item 0 is not an object"),
            (r#"[{"label":"x"}]"#, "\"name\""),
            (r#"[{"name":"a","label":""}]"#, "\"label\" is missing"),
            (r#"[{"name":"a","label":"A","type":"date"}]"#, "\"type\""),
            (
                r#"[{"name":"a","label":"A","required":"yes"}]"#,
                "true or false",
            ),
            (
                r#"[{"name":"a","label":"A"},{"name":"a","label":"B"}]"#,
                "used twice",
            ),
        ] {
            let e = error(&with(&[("data-prechat-fields", json)]));
            assert_eq!(e.setting, "prechat-fields", "{json}");
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn labels_can_be_overridden_and_unknown_labels_are_refused() {
        let c = Config::from_pairs(&with(&[("labels", r#"{"launcher":"Talk to us"}"#)])).unwrap();
        assert_eq!(c.labels.launcher, "Talk to us");
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
    fn unknown_settings_are_reported_not_fatal() {
        let c = Config::from_pairs(&with(&[("data-colour", "red"), ("src", "x")])).unwrap();
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

    #[test]
    fn emails_are_checked_loosely() {
        for good in ["a@b.co", "first.last+tag@example.org", " x@y.z "] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b..c", "a@b@c.de", "a@b.co.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    fn answers(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> String {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        }
    }

    #[test]
    fn the_default_form_checks_required_fields_and_the_email() {
        let fields = default_prechat_fields();
        assert_eq!(
            check_prechat(&fields, answers(&[])),
            [
                ("firstName".to_string(), FieldProblem::Required),
                ("email".to_string(), FieldProblem::Required)
            ]
        );
        assert_eq!(
            check_prechat(&fields, answers(&[("firstName", "Ada"), ("email", "ada@")])),
            [("email".to_string(), FieldProblem::Email)]
        );
        assert!(check_prechat(
            &fields,
            answers(&[("firstName", " Ada "), ("email", "ada@example.com")])
        )
        .is_empty());
    }

    #[test]
    fn the_default_form_becomes_name_details_and_a_contact() {
        let fields = default_prechat_fields();
        let p = build_prechat(
            &fields,
            answers(&[
                ("firstName", " Ada "),
                ("lastName", "Lovelace"),
                ("email", "ada@example.com"),
            ]),
        );
        assert_eq!(p.visitor_name, "Ada Lovelace");
        assert_eq!(p.details.len(), 3);
        assert_eq!(p.details[0].label, "First name");
        assert_eq!(p.details[0].value, "Ada");
        assert!(*p.details[2].display_to_agent);
        assert_eq!(p.details[2].entity_maps[0].field_name, "Email");
        assert_eq!(p.entities.len(), 1);
        let contact = &p.entities[0];
        assert_eq!(contact.entity_name, "Contact");
        let maps: Vec<_> = contact
            .entity_fields_maps
            .iter()
            .map(|m| (m.field_name.as_str(), m.label.as_str(), m.do_find))
            .collect();
        assert_eq!(
            maps,
            [
                ("FirstName", "First name", false),
                ("LastName", "Last name", false),
                ("Email", "Email", true)
            ]
        );
        // Only the first name given: the name is just that.
        let p = build_prechat(&fields, answers(&[("firstName", "Ada")]));
        assert_eq!(p.visitor_name, "Ada");
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
            .chain(extras::EXTRA_SETTINGS.iter())
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
                let result = Config::from_pairs(&pairs);
                if required.contains(setting) {
                    let e = result.expect_err(setting);
                    assert_eq!(e.setting, *setting);
                    assert!(e.to_string().contains("is missing"), "{e}");
                } else {
                    let c = result.unwrap_or_else(|e| panic!("{setting} missing: {e}"));
                    assert_eq!(
                        c,
                        Config::from_pairs(&base()).unwrap(),
                        "{setting} defaults"
                    );
                }
            }
        }

        // Free text stays text.
        let c = Config::from_pairs(&with(&[("offline-message", "<b>Back at 9</b>")])).unwrap();
        assert_eq!(
            c.extras.offline_message.as_deref(),
            Some("<b>Back at 9</b>")
        );
    }
}
