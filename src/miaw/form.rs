//! The pre-chat form an Enhanced Chat deployment defines (in the access token's answer), as the
//! widget's pre-chat fields.

use super::wire::EmbeddedServiceConfig;
use crate::config::{FieldKind, PrechatField};

/// The deployment's pre-chat form, in its order, or `None` when it has none (the widget's own
/// form from the settings is used then). Field names are the routing attributes' names.
pub fn prechat_fields(config: &EmbeddedServiceConfig) -> Option<Vec<PrechatField>> {
    let form = config.prechat_form()?;
    let fields: Vec<PrechatField> = form
        .fields_in_order()
        .into_iter()
        .filter(|f| !f.name.is_empty())
        .map(|f| {
            let kind = match f.field_type.as_str() {
                "Email" => FieldKind::Email,
                "Phone" => FieldKind::Tel,
                "Number" => FieldKind::Number,
                "Checkbox" => FieldKind::Checkbox,
                "ChoiceList" => FieldKind::Choice,
                _ => FieldKind::Text,
            };
            let label = match f.label() {
                "" => f.name.as_str(),
                label => label,
            };
            let mut field = PrechatField::simple(&f.name, label, kind, f.required);
            field.hidden = f.is_hidden;
            field.choices = config
                .choices(&f.choice_list_id)
                .iter()
                .map(|c| c.choice_list_value_name.clone())
                .filter(|c| !c.is_empty())
                .collect();
            field.autocomplete = match f.name.as_str() {
                "_firstName" => Some("given-name".into()),
                "_lastName" => Some("family-name".into()),
                "_email" => Some("email".into()),
                _ => None,
            };
            field
        })
        .collect();
    (!fields.is_empty()).then_some(fields)
}
