//! The visitor's pre-chat answers as the engines take them ([`crate::session::Input::Start`]):
//! Salesforce's pre-chat model (details with their labels, transcript fields and record mappings,
//! and the records to find or create from them: Live Agent's ChasitorInit carries these as they
//! are, guide v56 chapter 7) and each field's answer by name (Enhanced Chat's
//! `routingAttributes`). Read leniently, written as the guide's camelCase JSON.

use crate::lenient::Fields;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The pre-chat form's answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prechat {
    pub visitor_name: String,
    pub details: Vec<CustomDetail>,
    pub entities: Vec<Entity>,
    /// Each field's answer by field name (Enhanced Chat's `routingAttributes`).
    #[serde(default)]
    pub answers: Vec<(String, String)>,
}

/// A pre-chat detail (guide: CustomDetail). Also appears in ChatRequestSuccess `customDetails`.
/// Decoding is lenient (read by hand, see [`CustomDetail::read`]): every field falls back when
/// absent or odd.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomDetail {
    pub label: String,
    pub value: String,
    /// Wire `entityFieldMaps` as in the guide's ChasitorInit example (`entityMaps`, used by some
    /// clients, is accepted on input). Left out when empty.
    #[serde(rename = "entityFieldMaps", skip_serializing_if = "Vec::is_empty")]
    pub entity_maps: Vec<EntityFieldMap>,
    /// Transcript fields to save the value to, e.g. "c__EmailAddress".
    pub transcript_fields: Vec<String>,
    pub display_to_agent: bool,
}

impl CustomDetail {
    /// A CustomDetail object; every field is lenient (`entityMaps` is accepted for
    /// `entityFieldMaps`).
    pub(crate) fn read(f: Fields) -> CustomDetail {
        let maps = if f.0.contains_key("entityFieldMaps") {
            "entityFieldMaps"
        } else {
            "entityMaps"
        };
        CustomDetail {
            label: f.loose("label"),
            value: f.loose("value"),
            entity_maps: f.list(maps, |m| {
                Some(EntityFieldMap {
                    entity_name: m.loose("entityName"),
                    field_name: m.loose("fieldName"),
                    is_fast_fillable: m.loose("isFastFillable"),
                    is_auto_queryable: m.loose("isAutoQueryable"),
                    is_exact_matchable: m.loose("isExactMatchable"),
                })
            }),
            transcript_fields: f.loose("transcriptFields"),
            display_to_agent: f.loose("displayToAgent"),
        }
    }

    /// A CustomDetail from parsed JSON (leniently, as [`CustomDetail::read`] does); `None` when
    /// it is not an object.
    pub fn from_value(v: &Value) -> Option<CustomDetail> {
        Fields::of(v).map(CustomDetail::read)
    }
}

impl<'de> Deserialize<'de> for CustomDetail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Fields::of(&v)
            .map(CustomDetail::read)
            .ok_or_else(|| serde::de::Error::custom("a CustomDetail must be an object"))
    }
}

/// One element of a CustomDetail's `entityFieldMaps`, as in the guide's ChasitorInit example.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityFieldMap {
    pub entity_name: String,
    pub field_name: String,
    pub is_fast_fillable: bool,
    pub is_auto_queryable: bool,
    pub is_exact_matchable: bool,
}

/// A record to find or create from the pre-chat details (guide: Entity).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// e.g. "Contact".
    pub entity_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_on_create: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_to_entity_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_to_entity_field: Option<String>,
    /// The transcript field to save the record to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_to_transcript: Option<String>,
    #[serde(default)]
    pub entity_fields_maps: Vec<EntityFieldsMaps>,
}

/// How a detail maps to a record field (guide: EntityFieldsMaps).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityFieldsMaps {
    pub field_name: String,
    /// The CustomDetail `label` this field takes its value from.
    pub label: String,
    #[serde(default)]
    pub do_find: bool,
    #[serde(default)]
    pub is_exact_match: bool,
    #[serde(default)]
    pub do_create: bool,
}
