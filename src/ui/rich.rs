//! Enhanced Chat's messages beyond plain text, as the visitor sees them: menus (stacked buttons,
//! quick-reply chips, a carousel of cards), a link card, files (an image as a thumbnail), a web
//! view's button, a bot's error, cited sources, a form's title; and the visitor's own file with
//! its upload's progress, Cancel and Retry. Every text is a text node; links are http(s) only
//! (checked when read) and open in a new tab with `rel="noopener noreferrer"`; images load only
//! from https or the Salesforce host the site configured.

use super::ctx::Ctx;
use super::dynamic::{flag, on_click, part, show, text};
use crate::driver::Row;
use crate::labels::fill;
use crate::miaw::rich::{image_allowed, size_text, Card, Choice, Content, File, Image, Link, Rich};
use crate::session::{ChatState, Delivery};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The `data-kind` of a row showing `rich`.
pub fn kind(rich: &Rich) -> &'static str {
    match &rich.content {
        Content::Text { .. } => "citations",
        Content::Menu { chips: true, .. } => "quick-replies",
        Content::Menu { .. } => "buttons",
        Content::Carousel { .. } => "carousel",
        Content::Link { .. } => "link",
        Content::Files { .. } => "file",
        Content::WebView { .. } => "webview",
        Content::Error { .. } => "error",
        Content::Form { .. } => "form",
        Content::Other { .. } => "other",
    }
}

/// A bot's or agent's rich message: what goes under the row's name and time.
pub fn agent_body(rich: Rich, message_text: fn(&str) -> AnyView) -> AnyView {
    let ctx = expect_context::<Ctx>();
    let labels = ctx.labels();
    let id = rich.id;
    let bubble = |t: &str| {
        (!t.trim().is_empty())
            .then(|| view! { <div class="text" part="text">{message_text(t)}</div> })
    };
    match rich.content {
        Content::Text { text, citations } => view! {
            <div class="rich">
                {bubble(&text)}
                <div class="citations" part="citations">
                    <p>{labels.sources().to_string()}</p>
                    <ul>
                        {citations.into_iter().map(|l| view! { <li>{anchor(&l, "link")}</li> }).collect::<Vec<_>>()}
                    </ul>
                </div>
            </div>
        }
        .into_any(),
        Content::Menu {
            text,
            chips,
            options,
        } => view! {
            <div class="rich">
                {bubble(&text)}
                {menu(id, options, chips, text)}
            </div>
        }
        .into_any(),
        Content::Carousel { text, cards } => {
            let cards: Vec<_> = cards.into_iter().map(|c| card(id.clone(), c)).collect();
            view! {
                <div class="rich">
                    {bubble(&text)}
                    <div class="carousel" part="carousel" role="list" tabindex="0" aria-label=labels.cards().to_string()>
                        {cards}
                    </div>
                </div>
            }
            .into_any()
        }
        Content::Link {
            link,
            subtitle,
            image,
            text,
        } => {
            let host = link
                .url
                .split("://")
                .nth(1)
                .and_then(|r| r.split(['/', '?', '#']).next())
                .unwrap_or_default()
                .to_string();
            view! {
                <div class="rich">
                    {bubble(&text)}
                    <a class="card link-card" part="link-card" href=link.url target="_blank" rel="noopener noreferrer">
                        {picture(image.as_ref(), "")}
                        <span class="card-title">{link.title}</span>
                        {(!subtitle.is_empty()).then(|| view! { <span class="card-sub">{subtitle}</span> })}
                        <span class="card-url">{host}</span>
                    </a>
                </div>
            }
            .into_any()
        }
        Content::Files { text, files } => view! {
            <div class="rich">
                {bubble(&text)}
                {file_list(files)}
            </div>
        }
        .into_any(),
        Content::WebView { link } => view! {
            <div class="rich">
                <a class="primary webview" part="webview" href=link.url target="_blank" rel="noopener noreferrer">
                    {link.title}
                </a>
            </div>
        }
        .into_any(),
        Content::Error { text } => view! {
            <div class="text error" part="text error" role="note">
                <span class="error-prefix">{labels.error_prefix().to_string()}</span>
                " "
                {text}
            </div>
        }
        .into_any(),
        Content::Form { title } => view! {
            <div class="rich">
                {bubble(&title)}
                <p class="form-note" part="form-note">{labels.form_here().to_string()}</p>
            </div>
        }
        .into_any(),
        Content::Other { text } => view! { <div class="text" part="text">{message_text(&text)}</div> }.into_any(),
    }
}

/// A link that opens in a new tab.
fn anchor(link: &Link, class: &'static str) -> impl IntoView {
    view! {
        <a class=class part="link" href=link.url.clone() target="_blank" rel="noopener noreferrer">
            {link.title.clone()}
        </a>
    }
}

/// An image, when it may be loaded from where it is.
fn picture(image: Option<&Image>, alt: &str) -> Option<impl IntoView> {
    let ctx = expect_context::<Ctx>();
    let endpoint = ctx.config.with_value(|c| c.endpoint.clone());
    let image = image.filter(|i| image_allowed(&i.url, &endpoint))?;
    let alt = if image.alt.is_empty() {
        alt.to_string()
    } else {
        image.alt.clone()
    };
    Some(view! { <img src=image.url.clone() alt=alt loading="lazy" /> })
}

/// A menu's options: stacked buttons, or chips that go once the menu is closed. A closed menu
/// (answered, or chips another message followed) cannot be answered again.
fn menu(id: String, options: Vec<Choice>, chips: bool, label: String) -> AnyView {
    let ctx = expect_context::<Ctx>();
    let closed = {
        let id = id.clone();
        Memo::new(move |_| ctx.view.closed.get().contains(&id))
    };
    let buttons = move || {
        let buttons: Vec<_> = options
            .iter()
            .map(|o| choice_button(id.clone(), o.clone(), closed))
            .collect();
        view! {
            <div class=if chips { "choices chips" } else { "choices" } part="choices" role="group" aria-label=label.clone()>
                {buttons}
            </div>
        }
        .into_any()
    };
    if chips {
        show(move || !closed.get(), buttons).into_any()
    } else {
        buttons()
    }
}

fn choice_button(menu: String, option: Choice, closed: Memo<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let title = option.title.clone();
    let live = move || !matches!(ctx.view.state.get(), ChatState::Ended(_));
    view! {
        <button
            type="button"
            class="choice"
            part="choice"
            disabled=flag(move || closed.get() || !live())
            on:click=on_click(move |ev| {
                if closed.get_untracked() {
                    return;
                }
                ctx.intents().choose(menu.clone(), option.id.clone(), option.title.clone());
                // The button goes (or is disabled): the keyboard's focus moves on to the composer.
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    super::a11y::focus_near(&el, "[part~=composer]");
                }
            })
        >
            {title}
        </button>
    }
}

fn card(menu: String, card: Card) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let closed = {
        let id = menu.clone();
        Memo::new(move |_| ctx.view.closed.get().contains(&id))
    };
    let buttons: Vec<_> = card
        .options
        .into_iter()
        .map(|o| choice_button(menu.clone(), o, closed))
        .collect();
    view! {
        <div class="card" part="card" role="listitem">
            {picture(card.image.as_ref(), &card.title)}
            <p class="card-title">{card.title.clone()}</p>
            {(!card.subtitle.is_empty()).then(|| view! { <p class="card-sub">{card.subtitle}</p> })}
            <div class="choices" role="group" aria-label=card.title>{buttons}</div>
        </div>
    }
}

/// Files: a download link each (an image also as a thumbnail that opens the full one); the
/// visitor's own (no address) by name.
fn file_list(files: Vec<File>) -> impl IntoView {
    let items: Vec<_> = files
        .into_iter()
        .map(|f| {
            let meta = [f.mime.clone(), f.size.map(size_text).unwrap_or_default()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            let thumb = f.url.as_ref().filter(|_| f.mime.starts_with("image/")).and_then(|url| {
                let image = Image {
                    url: url.clone(),
                    alt: f.name.clone(),
                };
                let img = picture(Some(&image), &f.name)?;
                Some(view! {
                    <a class="thumb-link" part="thumb" href=url.clone() target="_blank" rel="noopener noreferrer">{img}</a>
                })
            });
            let name = match f.url {
                Some(url) => view! {
                    <a class="file-name" part="download" href=url target="_blank" rel="noopener noreferrer" download=f.name.clone()>
                        {f.name.clone()}
                    </a>
                }
                .into_any(),
                None => view! { <span class="file-name">{f.name.clone()}</span> }.into_any(),
            };
            view! {
                <li class="file" part="file">
                    {thumb}
                    {name}
                    <span class="file-meta">{meta}</span>
                </li>
            }
        })
        .collect();
    view! { <ul class="files" part="files">{items}</ul> }
}

/// The visitor's own file: name, type and size, then the upload's progress and Cancel while it
/// goes.
pub fn visitor_file(row: &Row, json: &str) -> AnyView {
    let ctx = expect_context::<Ctx>();
    let labels = ctx.labels();
    let files = match Rich::parse(json).content {
        Content::Files { files, .. } => files,
        _ => Vec::new(),
    };
    let local_id = row.item.local_id.unwrap_or_default();
    let status = row.status.clone();
    let percent = Memo::new(move |_| {
        ctx.view
            .progress
            .get()
            .iter()
            .find(|(id, _)| *id == local_id)
            .map(|(_, p)| *p)
    });
    let going = {
        let status = status.clone();
        move || matches!(status.get(), Some(Delivery::Queued | Delivery::Sending))
    };
    let uploading = labels.uploading().to_string();
    let cancel = labels.cancel().to_string();
    view! {
        <div class="rich">
            {file_list(files)}
            {show(going, move || {
                let uploading = uploading.clone();
                let label = text(move || fill(&uploading, &[("percent", &percent.get().unwrap_or(0).to_string())]));
                view! {
                    <progress class="progress" part="progress" max="100" value=text(move || percent.get().unwrap_or(0).to_string()) aria-label=label.clone()></progress>
                    <span class="file-meta" aria-live="polite">{label}</span>
                    <div class="row-actions">
                        <button type="button" class="secondary" part="cancel" on:click=on_click(move |_| ctx.intents().cancel_upload(local_id))>
                            {cancel.clone()}
                        </button>
                    </div>
                }
                .into_any()
            })}
        </div>
    }
    .into_any()
}

/// "Retry" under a failed row of the visitor's, while the chat goes on (a file only while this
/// page holds it).
pub fn retry(row: &Row) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let local_id = row.item.local_id.unwrap_or_default();
    let status = row.status.clone();
    let key = row.item.rich.as_deref().and_then(|json| {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        v.get("key")?.as_u64()
    });
    let label = ctx.label(|l| l.retry());
    part(move || {
        let failed = status.get() == Some(Delivery::Failed);
        let live = !matches!(ctx.view.state.get(), ChatState::Ended(_));
        let held = key.is_none_or(crate::driver::upload::holds);
        (failed && live && held).then(|| {
            view! {
                <div class="row-actions">
                    <button type="button" class="secondary" part="retry" on:click=on_click(move |_| ctx.intents().retry(local_id))>
                        {label.clone()}
                    </button>
                </div>
            }
            .into_any()
        })
    })
}
