//! The pre-chat form: the fields from the settings (or, on Enhanced Chat, the deployment's own
//! form once the server sent it), with required and email checks and inline errors; a valid form
//! becomes the chat request's pre-chat part.

use super::ctx::Ctx;
use super::dynamic::{effect, either, maybe, on_event, on_submit, part, text};
use crate::config::{FieldKind, PrechatField};
use crate::labels::fill;
use crate::prechat::{build_prechat, check_prechat, FieldProblem};
use leptos::prelude::*;
use std::collections::HashMap;
use wasm_bindgen::JsCast;

/// The pre-chat form, or the offline view when Visitor/Availability says no agent is there.
#[component]
pub fn PrechatForm() -> impl IntoView {
    let view = expect_context::<Ctx>().view;
    let offline = move || view.available.get() == Some(false);
    either(
        move || !offline(),
        || view! { <Form /> }.into_any(),
        || view! { <super::ended::OfflineView /> }.into_any(),
    )
}

#[component]
fn Form() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let settings_fields: Vec<PrechatField> = ctx.config.with_value(|c| c.prechat_fields.clone());
    // Enhanced Chat: the deployment's own form replaces the settings' once the server sent it.
    #[cfg(feature = "miaw")]
    let fields = {
        let server_fields = ctx.view.prechat_fields;
        Memo::new(move |_| {
            server_fields
                .get()
                .unwrap_or_else(|| settings_fields.clone())
        })
    };
    #[cfg(not(feature = "miaw"))]
    let fields = StoredValue::new(settings_fields);
    let values: RwSignal<HashMap<String, String>> = RwSignal::new(HashMap::new());
    // Answers the site gave (Chasitor.setPrechat) fill the fields.
    let prefill = ctx.view.prefill;
    effect(Box::new(move || {
        let given = prefill.get();
        values.update(|m| {
            for (name, value) in given {
                m.insert(name, value);
            }
        });
    }));
    let problems: RwSignal<Vec<(String, FieldProblem)>> = RwSignal::new(Vec::new());
    let form_ref: NodeRef<leptos::html::Form> = NodeRef::new();

    let intro = ctx.label(|l| l.prechat_intro());
    let start = ctx.label(|l| l.start());
    let on_submit = on_submit(move |ev| {
        ev.prevent_default();
        #[cfg(feature = "miaw")]
        let fields_for_submit = fields.get_untracked();
        #[cfg(not(feature = "miaw"))]
        let fields_for_submit = fields.get_value();
        let current = values.get_untracked();
        let value = |name: &str| current.get(name).cloned().unwrap_or_default();
        let found = check_prechat(&fields_for_submit, value);
        if let Some((first, _)) = found.first() {
            // Focus the first field with a problem.
            if let Some(form) = form_ref.get_untracked() {
                let selector = format!("[name=\"{first}\"]");
                if let Ok(Some(el)) = form.query_selector(&selector) {
                    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            }
            problems.set(found);
            return;
        }
        problems.set(Vec::new());
        let prechat = build_prechat(&fields_for_submit, value);
        ctx.intents().start(prechat);
    });

    // Hidden fields are the site's to fill (Chasitor.setPrechat).
    let rows_of = move |fields: Vec<PrechatField>| {
        fields
            .into_iter()
            .filter(|f| !f.hidden)
            .map(|field| view! { <Field field values problems /> })
            .collect_view()
            .into_any()
    };
    #[cfg(feature = "miaw")]
    let rows = part(move || Some(rows_of(fields.get())));
    #[cfg(not(feature = "miaw"))]
    let rows = rows_of(fields.get_value());

    view! {
        <form class="prechat" part="prechat" novalidate=true node_ref=form_ref on:submit=on_submit>
            <p class="intro">{intro}</p>
            <super::availability::WaitEstimate />
            {rows}
            <button type="submit" class="primary" part="start">
                {start}
            </button>
        </form>
    }
}

#[component]
fn Field(
    field: PrechatField,
    values: RwSignal<HashMap<String, String>>,
    problems: RwSignal<Vec<(String, FieldProblem)>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = format!("chasitor-field-{}", field.name);
    let error_id = format!("{id}-error");
    let name = field.name.clone();
    let problem = {
        let name = name.clone();
        Memo::new(move |_| problems.with(|p| p.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)))
    };
    let required_text = ctx.label(|l| l.required_mark());
    let message = {
        let label = field.label.clone();
        let required = ctx.label(|l| l.field_required());
        let email = ctx.label(|l| l.field_email());
        move || {
            problem.get().map(|p| match p {
                FieldProblem::Required => fill(&required, &[("field", &label)]),
                FieldProblem::Email => email.clone(),
            })
        }
    };
    let on_input = {
        let name = name.clone();
        on_event(move |ev| {
            let v = event_target_value(&ev);
            values.update(|m| {
                m.insert(name.clone(), v);
            });
            // A fixed problem goes away as soon as the visitor types.
            if problem.get_untracked().is_some() {
                let name = name.clone();
                problems.update(|p| p.retain(|(n, _)| *n != name));
            }
        })
    };
    let invalid = text(move || problem.get().is_some().to_string());
    let described = {
        let error_id = error_id.clone();
        maybe(move || problem.get().map(|_| error_id.clone()))
    };
    let autocomplete = field.autocomplete.clone().unwrap_or_else(|| "on".into());
    let current = {
        let name = name.clone();
        text(move || values.with(|m| m.get(&name).cloned().unwrap_or_default()))
    };
    let input = match field.kind {
        #[cfg(feature = "miaw")]
        FieldKind::Checkbox => {
            let name = name.clone();
            let checked = current.clone();
            view! {
                <input
                    id=id.clone()
                    name=name.clone()
                    type="checkbox"
                    prop:checked=super::dynamic::flag(move || checked() == "true")
                    aria-required=field.required.to_string()
                    aria-invalid=invalid
                    aria-describedby=described
                    on:change=on_event(move |ev| {
                        let on = event_target_checked(&ev);
                        values.update(|m| {
                            m.insert(name.clone(), if on { "true".into() } else { String::new() });
                        });
                    })
                />
            }
            .into_any()
        }
        #[cfg(feature = "miaw")]
        FieldKind::Choice => {
            let options = field
                .choices
                .iter()
                .map(|c| {
                    let (value, selected) = (c.clone(), current.clone());
                    let is_selected = super::dynamic::flag(move || selected() == value);
                    view! { <option value=c.clone() selected=is_selected>{c.clone()}</option> }
                })
                .collect_view();
            view! {
                <select
                    id=id.clone()
                    name=name.clone()
                    aria-required=field.required.to_string()
                    aria-invalid=invalid
                    aria-describedby=described
                    on:change=on_input
                >
                    <option value="">"—"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldKind::Textarea => view! {
            <textarea
                id=id.clone()
                name=name.clone()
                rows="3"
                autocomplete=autocomplete
                prop:value=current.clone()
                aria-required=field.required.to_string()
                aria-invalid=invalid
                aria-describedby=described
                on:input=on_input
            ></textarea>
        }
        .into_any(),
        kind => view! {
            <input
                id=id.clone()
                name=name.clone()
                type=kind.as_str()
                autocomplete=autocomplete
                prop:value=current
                aria-required=field.required.to_string()
                aria-invalid=invalid
                aria-describedby=described
                on:input=on_input
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" part="field" data-invalid=text(move || problem.get().is_some().to_string())>
            <label for=id>
                {field.label.clone()}
                {field
                    .required
                    .then(|| {
                        view! {
                            <span class="required" aria-hidden="true">" *"</span>
                            <span class="sr-only">" (" {required_text.clone()} ")"</span>
                        }
                    })}
            </label>
            {input}
            {part(move || {
                message().map(|m| view! { <p class="error" id=error_id.clone()>{m}</p> }.into_any())
            })}
        </div>
    }
}
