//! The pre-chat form an Enhanced Chat deployment defines (in the access token's answer), as the
//! widget's pre-chat fields.

use super::wire::EmbeddedServiceConfig;
use crate::config::{FieldKind, PrechatField};

/// The deployment's pre-chat form, in its order, or `None` when it has none (the widget's own
/// form from the settings is used then). Field names are the routing attributes' names.
pub fn prechat_fields(config: &EmbeddedServiceConfig) -> Option<Vec<PrechatField>> {
    let form = config.prechat_form()?;
    // Plain loops rather than iterator chains: each chain is compiled for its own types.
    let mut fields = Vec::new();
    for f in form.fields_in_order() {
        if f.name.is_empty() {
            continue;
        }
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
        for choice in config.choices(&f.choice_list_id) {
            if !choice.choice_list_value_name.is_empty() {
                field.choices.push(choice.choice_list_value_name.clone());
            }
        }
        field.autocomplete = match f.name.as_str() {
            "_firstName" => Some("given-name".into()),
            "_lastName" => Some("family-name".into()),
            "_email" => Some("email".into()),
            _ => None,
        };
        fields.push(field);
    }
    (!fields.is_empty()).then_some(fields)
}
