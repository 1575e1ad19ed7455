//! Whether an agent is there: the launcher's online/offline dot, the estimated wait before a
//! chat, the offline view's contact link and "check again".

use super::ctx::Ctx;
use super::dynamic::{on_click, part, show};
use crate::labels::fill;
use leptos::prelude::*;

/// The launcher's online/offline dot, with its text for screen readers.
#[component]
pub fn Presence() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let online = ctx.label(|l| l.status_online());
    let offline = ctx.label(|l| l.status_offline());
    part(move || {
        view.available.get().map(|available| {
            let text = if available {
                online.clone()
            } else {
                offline.clone()
            };
            view! {
                <span class="presence" part="presence" data-available=available.to_string() aria-hidden="true"></span>
                <span class="sr-only">", " {text}</span>
            }
            .into_any()
        })
    })
}

/// "The wait is about N min." before a chat, when the server knows it.
#[component]
pub fn WaitEstimate() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let template = ctx.label(|l| l.wait_estimate());
    part(move || {
        view.wait_secs.get().map(|secs| {
            let minutes = secs.div_ceil(60).max(1).to_string();
            view! { <p class="wait-estimate" part="wait-estimate">{fill(&template, &[("minutes", &minutes)])}</p> }
                .into_any()
        })
    })
}

/// What the offline view offers besides its text: the site's contact link and a button to check again.
#[component]
pub fn OfflineActions() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let contact = ctx.config.with_value(|c| c.options.contact_url.clone());
    let contact_label = ctx.label(|l| l.contact());
    let again = ctx.label(|l| l.check_again());
    let ended = move || ctx.view.state.get().is_ended();
    view! {
        {contact.map(|href| {
            view! {
                <a class="contact" part="contact" href=href target="_blank" rel="noopener noreferrer">
                    {contact_label}
                </a>
            }
        })}
        {show(move || !ended(), move || view! {
            <button
                type="button"
                class="secondary"
                part="check-again"
                on:click=on_click(move |_| ctx.intents().check_availability())
            >
                {again.clone()}
            </button>
        }.into_any())}
    }
}

/// The offline text: `data-offline-message`, else the `offlineText` label.
pub fn offline_text(ctx: &Ctx) -> String {
    ctx.config.with_value(|c| {
        c.options
            .offline_message
            .clone()
            .unwrap_or_else(|| c.labels.offline_text().to_string())
    })
}
