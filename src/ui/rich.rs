//! Enhanced Chat's messages beyond plain text, as the visitor sees them: menus (stacked buttons,
//! quick-reply chips, a carousel of cards), a link card, files (an image as a thumbnail), a web
//! view's button, a bot's error, cited sources, a form's title; the visitor's own file with its
//! upload's progress and Cancel; Retry under a failed row of the visitor's. Enhanced Chat builds
//! show plain texts this way too (their web addresses as links), so they carry no second view
//! for a row's text.
//!
//! Built straight into the DOM ([`super::dom`]) inside one shape of Leptos view per row (an
//! empty element), with one click handler per row for its buttons and one effect per row for
//! what changes (a menu closed, an upload's progress, a row failed): each Leptos view shape
//! brings its own rendering code into the wasm, and these formats would bring dozens.
//!
//! Every text is a text node; links are http(s) only (checked when read) and open in a new tab
//! with `rel="noopener noreferrer"`; images load only from https or the Salesforce host the site
//! configured.

use super::ctx::Ctx;
use super::dom::{slot, Dom};
use super::dynamic::{effect, on_click};
use crate::driver::Row;
use crate::labels::{fill, Labels};
use crate::miaw::rich::{host, image_allowed, size_text, Content, File, Image, Rich};
use crate::session::{ChatState, Delivery};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

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

/// What a row's body is: a plain text (its web addresses as links; a menu's answer is of kind
/// `choice`), an agent's rich message, the visitor's file, or the Retry under a visitor's row
/// (a file's, with its key: shown only while the page holds the file).
pub enum Body {
    Text(String, Option<&'static str>),
    Agent(Rich),
    File(String),
    Retry(Option<u64>),
}

/// The row's body (its text, or what goes beyond plain text), filled once the element is in the
/// page; `row` tells the visitor's status.
pub fn body(row: &Row, body: Body) -> impl IntoView + use<> {
    let ctx = expect_context::<Ctx>();
    let local_id = row.item.local_id.unwrap_or_default();
    let status = row.status.clone();
    let class = match body {
        Body::Text(..) => "text",
        Body::Retry(_) => "row-actions",
        _ => "rich",
    };
    let fill_in: Box<dyn FnOnce(Element)> = Box::new(move |el| {
        let Some(dom) = Dom::new() else { return };
        // The row's `data-kind`, for the stylesheet and the site's own CSS.
        let kind = match &body {
            Body::Text(_, kind) => *kind,
            Body::Agent(rich) => Some(self::kind(rich)),
            Body::File(_) => Some("file"),
            Body::Retry(_) => None,
        };
        if let (Some(kind), Some(row)) = (kind, el.parent_element()) {
            row.set_attribute("data-kind", kind).ok();
        }
        if let Body::Text(text, _) = &body {
            el.set_attribute("part", "text").ok();
            dom.text_with_links(&el, text);
            return;
        }
        let labels = ctx.labels();
        // A relative Salesforce URL (a proxy on the page's own host) is the page's origin.
        let mut endpoint = ctx.config.with_value(|c| c.endpoint.clone());
        if endpoint.starts_with('/') {
            let origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default();
            endpoint.insert_str(0, &origin);
        }
        let menu = match &body {
            // A menu in a fieldset: disabling it disables every option (and hides chips).
            Body::Agent(rich) if !rich.options().is_empty() => {
                let set = dom.add(&el, "fieldset", "menu");
                agent(&dom, &set, rich, &labels, &endpoint);
                Some((rich.id.clone(), set))
            }
            Body::Agent(rich) => {
                agent(&dom, &el, rich, &labels, &endpoint);
                None
            }
            Body::File(json) => {
                visitor_file(&dom, &el, json, &labels);
                None
            }
            Body::Text(..) | Body::Retry(_) => None,
        };
        let key = match body {
            Body::Retry(key) => {
                let retry = dom.button(&el, "secondary", "retry", labels.retry());
                retry.set_attribute("data-act", "retry").ok();
                key
            }
            _ => None,
        };
        let uploading = labels.uploading().to_string();
        // What changes: the menu closed, the row's status and its upload's progress.
        let update: Box<dyn Fn()> = Box::new(move || {
            let live = !matches!(ctx.view.state.get(), ChatState::Ended(_));
            if let Some((id, set)) = &menu {
                let closed = ctx.view.rich.get().closed.contains(id) || !live;
                Dom::flag(set, "disabled", closed);
                return;
            }
            let status = status.get();
            let going = matches!(status, Some(Delivery::Queued | Delivery::Sending));
            if let Some(p) = el.query_selector(".upload").ok().flatten() {
                Dom::flag(&p, "hidden", !going);
                let percent = ctx
                    .view
                    .rich
                    .get()
                    .progress
                    .iter()
                    .find(|(id, _)| *id == local_id)
                    .map_or(0, |(_, p)| *p)
                    .to_string();
                let label = fill(&uploading, &[("percent", &percent)]);
                if let Some(bar) = p.query_selector("progress").ok().flatten() {
                    bar.set_attribute("value", &percent).ok();
                    bar.set_attribute("aria-label", &label).ok();
                }
                if let Some(t) = p.query_selector(".file-meta").ok().flatten() {
                    t.set_text_content(Some(&label));
                }
            }
            if class == "row-actions" {
                let held = key.is_none_or(crate::driver::upload::holds);
                let failed = status == Some(Delivery::Failed) && live && held;
                Dom::flag(&el, "hidden", !failed);
            }
        });
        effect(update);
    });
    let click = on_click(move |ev| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-act]").ok().flatten())
        else {
            return;
        };
        let get = |name: &str| button.get_attribute(name).unwrap_or_default();
        match get("data-act").as_str() {
            "choose" if !matches!(button.closest("[disabled]"), Ok(Some(_))) => {
                let title = button.text_content().unwrap_or_default();
                ctx.intents()
                    .choose(get("data-menu"), get("data-option"), title);
                // The button is disabled (or goes): the keyboard's focus moves on to the composer.
                super::a11y::focus_near(&button, "[part~=composer]");
            }
            "cancel" => ctx.intents().cancel_upload(local_id),
            "retry" => ctx.intents().retry(local_id),
            _ => {}
        }
    });
    slot(class, fill_in, click)
}

/// A bot's or agent's rich message.
fn agent(dom: &Dom, el: &Element, rich: &Rich, labels: &Labels, endpoint: &str) {
    let bubble = |text: &str| {
        if !text.trim().is_empty() {
            let b = dom.add(el, "div", "text");
            b.set_attribute("part", "text").ok();
            dom.text_with_links(&b, text);
        }
    };
    match &rich.content {
        Content::Text { text, citations } => {
            bubble(text);
            let c = dom.add(el, "div", "citations");
            c.set_attribute("part", "citations").ok();
            dom.text(&c, "p", "", labels.sources());
            let list = dom.add(&c, "ul", "");
            for link in citations {
                let li = dom.add(&list, "li", "");
                dom.link(&li, "link", "link", &link.url, &link.title);
            }
        }
        Content::Menu {
            text,
            chips,
            options,
        } => {
            bubble(text);
            let class = if *chips { "choices chips" } else { "choices" };
            let group = dom.group(el, class, text);
            choices(dom, &group, &rich.id, options);
        }
        Content::Carousel { text, cards } => {
            bubble(text);
            let carousel = dom.add(el, "div", "carousel");
            for (k, v) in [
                ("part", "carousel"),
                ("role", "list"),
                ("tabindex", "0"),
                ("aria-label", labels.cards()),
            ] {
                carousel.set_attribute(k, v).ok();
            }
            for card in cards {
                let c = dom.add(&carousel, "div", "card");
                c.set_attribute("part", "card").ok();
                c.set_attribute("role", "listitem").ok();
                picture(dom, &c, card.image.as_ref(), &card.title, endpoint);
                dom.text(&c, "p", "card-title", &card.title);
                if !card.subtitle.is_empty() {
                    dom.text(&c, "p", "card-sub", &card.subtitle);
                }
                let group = dom.group(&c, "choices", &card.title);
                choices(dom, &group, &rich.id, &card.options);
            }
        }
        Content::Link {
            link,
            subtitle,
            image,
            text,
        } => {
            bubble(text);
            let card = dom.link(el, "card link-card", "link-card", &link.url, "");
            picture(dom, &card, image.as_ref(), "", endpoint);
            dom.text(&card, "span", "card-title", &link.title);
            if !subtitle.is_empty() {
                dom.text(&card, "span", "card-sub", subtitle);
            }
            dom.text(&card, "span", "card-url", host(&link.url));
        }
        Content::Files { text, files } => {
            bubble(text);
            file_list(dom, el, files, endpoint);
        }
        Content::WebView { link } => {
            dom.link(el, "primary webview", "webview", &link.url, &link.title);
        }
        Content::Error { text } => {
            let b = dom.add(el, "div", "text error");
            b.set_attribute("part", "text error").ok();
            b.set_attribute("role", "note").ok();
            dom.text(&b, "span", "error-prefix", labels.error_prefix());
            dom.append_text(&b, &format!(" {text}"));
        }
        Content::Form { title } => {
            bubble(title);
            let note = dom.text(el, "p", "form-note", labels.form_here());
            note.set_attribute("part", "form-note").ok();
        }
        Content::Other { text } => bubble(text),
    }
}

/// A menu's buttons: each answers the menu `menu` with its option.
fn choices(dom: &Dom, group: &Element, menu: &str, options: &[crate::miaw::rich::Choice]) {
    for option in options {
        let b = dom.button(group, "choice", "choice", &option.title);
        for (k, v) in [
            ("data-act", "choose"),
            ("data-menu", menu),
            ("data-option", option.id.as_str()),
        ] {
            b.set_attribute(k, v).ok();
        }
    }
}

/// An image, when it may be loaded from where it is.
fn picture(dom: &Dom, parent: &Element, image: Option<&Image>, alt: &str, endpoint: &str) {
    if let Some(image) = image.filter(|i| image_allowed(&i.url, endpoint)) {
        let img = dom.add(parent, "img", "");
        let alt = if image.alt.is_empty() {
            alt
        } else {
            &image.alt
        };
        for (k, v) in [
            ("src", image.url.as_str()),
            ("alt", alt),
            ("loading", "lazy"),
        ] {
            img.set_attribute(k, v).ok();
        }
    }
}

/// Files: a download link each (an image also as a thumbnail that opens the full one); the
/// visitor's own (no address) by name.
fn file_list(dom: &Dom, el: &Element, files: &[File], endpoint: &str) {
    let list = dom.add(el, "ul", "files");
    list.set_attribute("part", "files").ok();
    for f in files {
        let li = dom.add(&list, "li", "file");
        li.set_attribute("part", "file").ok();
        match &f.url {
            Some(url) => {
                let image = Image {
                    url: url.clone(),
                    alt: f.name.clone(),
                };
                if f.mime.starts_with("image/") && image_allowed(url, endpoint) {
                    let thumb = dom.link(&li, "thumb-link", "thumb", url, "");
                    picture(dom, &thumb, Some(&image), &f.name, endpoint);
                }
                let a = dom.link(&li, "file-name", "download", url, &f.name);
                a.set_attribute("download", &f.name).ok();
            }
            None => {
                dom.text(&li, "span", "file-name", &f.name);
            }
        }
        let mut meta = f.mime.clone();
        if let Some(size) = f.size {
            if !meta.is_empty() {
                meta.push_str(" · ");
            }
            meta.push_str(&size_text(size));
        }
        dom.text(&li, "span", "file-meta", &meta);
    }
}

/// The visitor's own file: name, type and size; while it goes, the upload's progress and Cancel.
fn visitor_file(dom: &Dom, el: &Element, json: &str, labels: &Labels) {
    if let Content::Files { files, .. } = Rich::parse(json).content {
        file_list(dom, el, &files, "");
    }
    let upload = dom.add(el, "div", "upload");
    let bar = dom.add(&upload, "progress", "progress");
    bar.set_attribute("part", "progress").ok();
    bar.set_attribute("max", "100").ok();
    let label = dom.text(&upload, "span", "file-meta", "");
    label.set_attribute("aria-live", "polite").ok();
    let actions = dom.add(&upload, "div", "row-actions");
    let cancel = dom.button(&actions, "secondary", "cancel", labels.cancel());
    cancel.set_attribute("data-act", "cancel").ok();
}
