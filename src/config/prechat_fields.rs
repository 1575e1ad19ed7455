//! The pre-chat form's fields: the default form, and the `prechat-fields` setting (a JSON list of
//! fields) parsed by serde_json, read by hand and checked. Pure, like the rest of [`crate::config`].

use super::ConfigError;
use serde_json::{Map, Value};

/// The setting this module reads, as on the script tag without `data-`.
const SETTING: &str = "prechat-fields";

/// What a pre-chat field holds (the input's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Tel,
    Textarea,
    /// Enhanced Chat's server-side forms only, as the next three.
    Number,
    /// Answered "true" when ticked, "" when not.
    Checkbox,
    /// One of [`PrechatField::choices`].
    Choice,
}

impl FieldKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Email => "email",
            FieldKind::Tel => "tel",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Choice => "select",
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
    /// Not shown: filled by the site (`Chasitor.setPrechat`) from what it knows.
    pub hidden: bool,
    /// A [`FieldKind::Choice`] field's values, in order.
    pub choices: Vec<String>,
}

impl PrechatField {
    pub fn simple(name: &str, label: &str, kind: FieldKind, required: bool) -> PrechatField {
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
            hidden: false,
            choices: Vec::new(),
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

/// One item of `prechat-fields` as written. Every key is optional; unknown keys are ignored.
/// Read by hand from the parsed value (no derived `Deserialize`: issue 15).
struct FieldJson {
    name: Key<String>,
    label: Key<String>,
    kind: Key<String>,
    entity_field: Key<String>,
    entity: Key<String>,
    transcript_fields: Key<Vec<String>>,
    /// Accepted for `transcriptFields` when that is absent.
    transcript_field: Key<Vec<String>>,
    autocomplete: Key<String>,
    required: Key<bool>,
    find_by: Key<bool>,
    display_to_agent: Key<bool>,
    visitor_name: Key<bool>,
}

impl FieldJson {
    fn read(map: &Map<String, Value>) -> FieldJson {
        let string = |k: &str| Key::of(map.get(k), |v| v.as_str().map(str::to_owned));
        let boolean = |k: &str| Key::of(map.get(k), Value::as_bool);
        let names = |k: &str| Key::of(map.get(k), names);
        FieldJson {
            name: string("name"),
            label: string("label"),
            kind: string("type"),
            entity_field: string("entityField"),
            entity: string("entity"),
            transcript_fields: names("transcriptFields"),
            transcript_field: names("transcriptField"),
            autocomplete: string("autocomplete"),
            required: boolean("required"),
            find_by: boolean("findBy"),
            display_to_agent: boolean("displayToAgent"),
            visitor_name: boolean("visitorName"),
        }
    }
}

/// A key's value: absent, null, of the expected type, or of another type (kept so that the
/// error can name the key).
enum Key<T> {
    Absent,
    Null,
    Is(T),
    Wrong,
}

impl<T> Key<T> {
    fn of(value: Option<&Value>, read: impl Fn(&Value) -> Option<T>) -> Key<T> {
        match value {
            None => Key::Absent,
            Some(Value::Null) => Key::Null,
            Some(v) => read(v).map_or(Key::Wrong, Key::Is),
        }
    }

    /// The value (`None` when absent or null), or `problem` when it has another type.
    fn get(self, problem: impl FnOnce() -> String) -> Result<Option<T>, ConfigError> {
        match self {
            Key::Absent | Key::Null => Ok(None),
            Key::Is(t) => Ok(Some(t)),
            Key::Wrong => Err(ConfigError::new(SETTING, problem())),
        }
    }
}

/// `transcriptFields`: one field name or a list of them.
fn names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn is_field_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Reads the `prechat-fields` setting: a JSON list of fields, checked. The error names the item
/// and the key.
pub(super) fn parse(json: &str) -> Result<Vec<PrechatField>, ConfigError> {
    let err = |why: String| Err(ConfigError::new(SETTING, why));
    let items = match serde_json::from_str(json) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return err("is not a JSON array: give a list such as [{\"name\":\"email\",\"label\":\"Email\",\"type\":\"email\",\"required\":true}]".into()),
        Err(e) => {
            return err(format!(
                "is not valid JSON ({e}): give a JSON array of fields"
            ))
        }
    };
    let mut fields: Vec<PrechatField> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        // An object only (serde would also take a list of the values in order).
        let json = match item {
            Value::Object(map) => Some(FieldJson::read(&map)),
            _ => None,
        };
        let Some(json) = json else {
            return err(format!("item {i} is not an object"));
        };
        let field = checked(i, json, &fields)?;
        fields.push(field);
    }
    Ok(fields)
}

/// Item `i` of the list, checked against the rule for each key and the fields before it.
fn checked(
    i: usize,
    json: FieldJson,
    before: &[PrechatField],
) -> Result<PrechatField, ConfigError> {
    let err = |why: String| Err(ConfigError::new(SETTING, why));
    let string = |key: Key<String>, name: &str| -> Result<Option<String>, ConfigError> {
        Ok(key
            .get(|| format!("item {i}: \"{name}\" must be a string"))?
            .map(|s| s.trim().to_string()))
    };
    let boolean = |key: Key<bool>, name: &str, default: bool| -> Result<bool, ConfigError> {
        Ok(key
            .get(|| format!("item {i}: \"{name}\" must be true or false"))?
            .unwrap_or(default))
    };

    let name = string(json.name, "name")?.unwrap_or_default();
    if !is_field_name(&name) {
        return err(format!(
            "item {i}: \"name\" must be letters, digits, '-' or '_', starting with a letter (got {name:?})"
        ));
    }
    if before.iter().any(|f| f.name == name) {
        return err(format!("item {i}: the name {name:?} is used twice"));
    }
    let label = string(json.label, "label")?.unwrap_or_default();
    if label.is_empty() {
        return err(format!("item {i} ({name}): \"label\" is missing"));
    }
    let kind = match string(json.kind, "type")?.as_deref() {
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
    let entity_field = string(json.entity_field, "entityField")?.filter(|s| !s.is_empty());
    if let Some(f) = &entity_field {
        if !is_field_name(f) {
            return err(format!(
                "item {i} ({name}): \"entityField\" {f:?} is not a field name"
            ));
        }
    }
    let entity = string(json.entity, "entity")?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Contact".to_string());
    if !is_field_name(&entity) {
        return err(format!(
            "item {i} ({name}): \"entity\" {entity:?} is not an object name"
        ));
    }
    let names = match json.transcript_fields {
        Key::Absent => json.transcript_field,
        given => given,
    };
    let not_names =
        || format!("item {i} ({name}): \"transcriptFields\" must be a list of field names");
    let transcript_fields: Vec<String> = names
        .get(not_names)?
        .unwrap_or_default()
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    if transcript_fields.iter().any(String::is_empty) {
        return err(not_names());
    }
    let default_in_name = matches!(
        entity_field.as_deref(),
        Some("FirstName") | Some("LastName")
    );
    let autocomplete = string(json.autocomplete, "autocomplete")?.filter(|s| !s.is_empty());
    Ok(PrechatField {
        required: boolean(json.required, "required", false)?,
        find_by: boolean(json.find_by, "findBy", kind == FieldKind::Email)?,
        display_to_agent: boolean(json.display_to_agent, "displayToAgent", true)?,
        in_visitor_name: boolean(json.visitor_name, "visitorName", default_in_name)?,
        name,
        label,
        kind,
        entity,
        entity_field,
        transcript_fields,
        autocomplete,
        hidden: false,
        choices: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prechat_fields_are_read_from_json() {
        let json = r#"[
            {"name":"firstName","label":"Vorname","required":true,"entityField":"FirstName"},
            {"name":"email","label":"E-Mail","type":"email","required":true,"entityField":"Email",
             "transcriptFields":["c__Email"]},
            {"name":"order","label":"Order number","type":"text","displayToAgent":false}
        ]"#;
        let fields = parse(json).unwrap();
        assert_eq!(fields.len(), 3);
        assert!(fields[0].in_visitor_name);
        assert_eq!(fields[1].kind, FieldKind::Email);
        assert!(fields[1].find_by);
        assert_eq!(fields[1].transcript_fields, ["c__Email"]);
        assert!(!fields[2].display_to_agent);
        assert_eq!(fields[2].entity_field, None);

        let empty = parse("[]").unwrap();
        assert!(empty.is_empty());
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
            let e = parse(json).expect_err("a config error");
            assert_eq!(e.setting, "prechat-fields", "{json}");
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }
}
