//! The UI of issue 7's extras: setting them up at the root, the launcher's online/offline status,
//! the estimated wait before a chat, the offline view's contact link and "check again", and
//! after the chat the transcript download and the post-chat link.

use super::app::Ctx;
use crate::config::{Config, Dir};
use crate::driver::extras::{self, ExtrasView};
use crate::driver::{api, availability, Author, ChatView, Driver, Item};
use crate::labels::fill;
use leptos::prelude::*;

/// Creates the extras' signals (also as context), registers the hooks, installs
/// `window.Chasitor` and starts the availability checks.
pub fn setup(config: &Config, driver: &Driver, view: ChatView) -> ExtrasView {
    let extras = ExtrasView::new();
    provide_context(extras);
    extras::install(view, extras, config.extras.sneak_peek, config.extras.sound);
    api::install(driver.clone(), view, extras, env!("CARGO_PKG_VERSION"));
    availability::start(config, view, extras);
    extras
}

/// The widget's text direction: `data-dir`, else the host page's `dir` (on `<html>` or
/// `<body>`), else the language's.
pub fn dir(config: &Config) -> &'static str {
    if let Some(d) = config.extras.dir {
        return d.as_str();
    }
    let document = web_sys::window().and_then(|w| w.document());
    let page = document.as_ref().and_then(|d| {
        let html = d.document_element().and_then(|e| e.get_attribute("dir"));
        let body = d.body().and_then(|b| b.get_attribute("dir"));
        body.filter(|v| !v.is_empty())
            .or(html)
            .map(|v| v.to_ascii_lowercase())
    });
    match page.as_deref() {
        Some("rtl") => Dir::Rtl.as_str(),
        Some("ltr") => Dir::Ltr.as_str(),
        _ if config.labels.rtl => Dir::Rtl.as_str(),
        _ => Dir::Ltr.as_str(),
    }
}

/// The launcher's online/offline dot, with its text for screen readers.
#[component]
pub fn Presence() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let extras = expect_context::<ExtrasView>();
    let online = ctx.label(|l| &l.status_online);
    let offline = ctx.label(|l| &l.status_offline);
    move || {
        extras.available.get().map(|available| {
            let text = if available {
                online.clone()
            } else {
                offline.clone()
            };
            view! {
                <span class="presence" part="presence" data-available=available.to_string() aria-hidden="true"></span>
                <span class="sr-only">", " {text}</span>
            }
        })
    }
}

/// "The wait is about N min." before a chat, when the server knows it.
#[component]
pub fn WaitEstimate() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let extras = expect_context::<ExtrasView>();
    let template = ctx.label(|l| &l.wait_estimate);
    move || {
        extras.wait_secs.get().map(|secs| {
            let minutes = secs.div_ceil(60).max(1).to_string();
            view! { <p class="wait-estimate" part="wait-estimate">{fill(&template, &[("minutes", &minutes)])}</p> }
        })
    }
}

/// The offline view's extras: the site's contact link and a button to check again.
#[component]
pub fn OfflineActions() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let contact = ctx.config.with_value(|c| c.extras.contact_url.clone());
    let contact_label = ctx.label(|l| &l.contact);
    let again = ctx.label(|l| &l.check_again);
    let ended = move || ctx.view.state.get().is_ended();
    view! {
        {contact.map(|href| {
            view! {
                <a class="contact" part="contact" href=href target="_blank" rel="noopener noreferrer">
                    {contact_label}
                </a>
            }
        })}
        <Show when=move || !ended()>
            <button
                type="button"
                class="secondary"
                part="check-again"
                on:click=move |_| availability::refresh()
            >
                {again.clone()}
            </button>
        </Show>
    }
}

/// The offline text: `data-offline-message`, else the `offlineText` label.
pub fn offline_text(ctx: &Ctx) -> String {
    ctx.config.with_value(|c| {
        c.extras
            .offline_message
            .clone()
            .unwrap_or_else(|| c.labels.offline_text.clone())
    })
}

/// After the chat: download the transcript as a text file; the post-chat page as a link.
#[component]
pub fn AfterChat() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let extras = expect_context::<ExtrasView>();
    let labels = ctx.config.with_value(|c| c.labels.clone());
    let download_label = labels.download.clone();
    let post_label = labels.post_chat.clone();
    let on_download = move |_| {
        let items: Vec<Item> = ctx.view.rows.items();
        let l = &labels;
        let text = extras::transcript_text(&l.transcript_title, &items, &l.you, &l.agent, |item| {
            super::chat::note_text(
                l,
                item.note.unwrap_or(crate::driver::Note::AgentLeft),
                &item.name,
            )
        });
        let date = js_sys::Date::new_0();
        let name = format!(
            "chat-transcript-{:04}-{:02}-{:02}.txt",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date()
        );
        if let Err(e) = extras::download(&name, &text) {
            web_sys::console::warn_2(&"chasitor: the transcript download failed:".into(), &e);
        }
    };
    let has_rows = move || ctx.view.rows.any(|i| i.author != Author::System);
    view! {
        <div class="after-chat">
            <Show when=has_rows>
                <button type="button" class="secondary" part="download" on:click=on_download.clone()>
                    {download_label.clone()}
                </button>
            </Show>
            {move || {
                extras.post_chat_url.get().map(|href| {
                    view! {
                        <a class="post-chat" part="post-chat" href=href target="_blank" rel="noopener noreferrer">
                            {post_label.clone()}
                        </a>
                    }
                })
            }}
        </div>
    }
}
