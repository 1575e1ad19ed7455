//! Enhanced Chat: how the visitor gives a file: the paperclip beside the composer (only when the
//! deployment takes files), a drop onto the window, a paste into the composer. Each file is
//! checked before it goes (the deployment's limit, the types offered), and a refusal is said
//! under the composer in the visitor's language.
//!
//! Built in the DOM ([`super::dom`]) like the rich rows, with one listener on the widget's root
//! for every event of files (drag, drop, paste, the picker's change): each Leptos view shape and
//! each closure type brings its own code into the wasm.

use super::ctx::Ctx;
use super::dom::{on_load, slot, Dom};
use super::dynamic::{effect, on_click};
use crate::labels::fill;
use crate::miaw::files::{check, Refusal, ACCEPT, DEFAULT_MAX_BYTES};
use crate::miaw::rich::size_text;
use crate::session::ChatState;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, DragEvent, Element, FileList, HtmlInputElement};

/// The paperclip's icon (a constant of ours, not text from anywhere else).
const PAPERCLIP: &str = r#"<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"/></svg>"#;

/// The largest file the deployment takes; `None`: no files.
fn uploads(ctx: Ctx) -> Option<u64> {
    ctx.view.rich.get_untracked().uploads
}

/// Whether a file can go now: the deployment takes files and the chat takes messages.
fn open_for_files(ctx: Ctx) -> bool {
    uploads(ctx).is_some()
        && ctx.view.open.get_untracked()
        && matches!(
            ctx.view.state.get_untracked(),
            ChatState::Queued | ChatState::Established | ChatState::SessionEnded { .. }
        )
}

/// Each file checked, then sent; the first refusal said under the composer (the line under
/// `root`), or the line emptied.
fn offer(ctx: Ctx, files: FileList, root: &Element) {
    let max = uploads(ctx).unwrap_or(DEFAULT_MAX_BYTES);
    let labels = ctx.labels();
    let mut problem = None;
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        match check(&file.type_(), file.size() as u64, max) {
            Ok(()) => ctx.intents().send_file(file),
            Err(refusal) => {
                let name = file.name();
                problem.get_or_insert(match refusal {
                    Refusal::TooLarge => fill(
                        labels.file_too_large(),
                        &[("name", &name), ("max", &size_text(max))],
                    ),
                    Refusal::Type => fill(labels.file_type(), &[("name", &name)]),
                });
            }
        }
    }
    if let Some(line) = root.query_selector(".file-problem").ok().flatten() {
        line.set_text_content(problem.as_deref());
        Dom::flag(&line, "hidden", problem.is_none());
    }
}

/// The paperclip and its hidden file input, shown while the deployment takes files.
pub fn attach() -> impl IntoView + use<> {
    let ctx = expect_context::<Ctx>();
    let fill_in: Box<dyn FnOnce(Element)> = Box::new(move |el| {
        let Some(dom) = Dom::new() else { return };
        let label = ctx.labels().attach().to_string();
        let input = dom.add(&el, "input", "file-input");
        for (k, v) in [
            ("type", "file"),
            ("multiple", ""),
            ("accept", ACCEPT),
            ("tabindex", "-1"),
            ("aria-hidden", "true"),
        ] {
            input.set_attribute(k, v).ok();
        }
        let button = dom.button(&el, "secondary attach", "attach", "");
        button.set_inner_html(PAPERCLIP);
        button.set_attribute("aria-label", &label).ok();
        button.set_attribute("title", &label).ok();
        effect(Box::new(move || {
            Dom::flag(&el, "hidden", ctx.view.rich.get().uploads.is_none())
        }));
    });
    slot(
        "attach-slot",
        fill_in,
        on_click(|ev| {
            let input = ev
                .current_target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|el| el.query_selector(".file-input").ok().flatten())
                .and_then(|i| i.dyn_into::<HtmlInputElement>().ok());
            if let Some(input) = input {
                input.click();
            }
        }),
    )
}

/// The line under the composer that says why the last file offered was not sent.
pub fn problem() -> impl IntoView + use<> {
    let fill_in: Box<dyn FnOnce(Element)> = Box::new(|el| {
        for (k, v) in [("part", "file-problem"), ("role", "alert"), ("hidden", "")] {
            el.set_attribute(k, v).ok();
        }
    });
    slot("counter shortened file-problem", fill_in, on_click(|_| {}))
}

/// Files dropped onto the window, pasted into it or chosen with the paperclip go as one (one
/// listener on the widget's root for all, added once it is in the page).
pub fn accept_drops(root: NodeRef<leptos::html::Div>) {
    let ctx = expect_context::<Ctx>();
    on_load(
        root,
        Box::new(move |el| {
            let root = el.clone();
            let mark = move |on: bool| {
                if let Some(w) = root.query_selector(".window").ok().flatten() {
                    let _ = w.class_list().toggle_with_force("dropping", on);
                }
            };
            let root = el.clone();
            let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let files = match ev.type_().as_str() {
                    "dragover" => {
                        let files = ev
                            .unchecked_ref::<DragEvent>()
                            .data_transfer()
                            .is_some_and(|d| d.types().includes(&"Files".into(), 0));
                        if files && open_for_files(ctx) {
                            ev.prevent_default();
                            mark(true);
                        }
                        return;
                    }
                    "dragleave" => return mark(false),
                    "drop" => {
                        mark(false);
                        ev.unchecked_ref::<DragEvent>()
                            .data_transfer()
                            .and_then(|d| d.files())
                    }
                    "paste" => ev
                        .unchecked_ref::<ClipboardEvent>()
                        .clipboard_data()
                        .and_then(|d| d.files()),
                    // The paperclip's picker: its files go whatever the window shows.
                    _ => {
                        let Some(input) = ev
                            .target()
                            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                            .filter(|i| i.class_name() == "file-input")
                        else {
                            return;
                        };
                        if let Some(files) = input.files() {
                            offer(ctx, files, &root);
                        }
                        // The same file can be chosen again (after a refusal).
                        input.set_value("");
                        return;
                    }
                };
                if let (Some(files), true) = (files, open_for_files(ctx)) {
                    if files.length() > 0 {
                        ev.prevent_default();
                        offer(ctx, files, &root);
                    }
                }
            });
            for name in ["dragover", "dragleave", "drop", "paste", "change"] {
                let _ =
                    el.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
            // It lives as long as the widget's root (the page's, once mounted).
            listener.forget();
        }),
    );
}
