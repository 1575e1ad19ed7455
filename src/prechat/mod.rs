//! The pre-chat form's logic: checking the answers against the fields from the settings, and
//! turning a valid form into the chat request's pre-chat part. Pure: the form itself is
//! `ui::prechat`.

mod answers;

pub use answers::{CustomDetail, Entity, EntityFieldMap, EntityFieldsMaps, Prechat};

use crate::config::{FieldKind, PrechatField};

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
            // A hidden field is the site's to fill: the visitor cannot.
            if f.required && !f.hidden {
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
pub fn build_prechat(fields: &[PrechatField], value: impl Fn(&str) -> String) -> Prechat {
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
            label: f.label.clone(),
            value: v.clone(),
            entity_maps: f
                .entity_field
                .iter()
                .map(|field| EntityFieldMap {
                    entity_name: f.entity.clone(),
                    field_name: field.clone(),
                    is_fast_fillable: false,
                    is_auto_queryable: true,
                    is_exact_matchable: f.find_by,
                })
                .collect(),
            transcript_fields: f.transcript_fields.clone(),
            display_to_agent: f.display_to_agent,
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

    Prechat {
        visitor_name,
        details,
        entities,
        answers: answers
            .iter()
            .map(|(f, v)| (f.name.clone(), v.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_prechat_fields;

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
        assert!(p.details[2].display_to_agent);
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
}
