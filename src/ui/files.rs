//! Enhanced Chat: how the visitor gives a file: the paperclip beside the composer (only when the
//! deployment takes files), a drop onto the window, a paste into the composer. Each file is
//! checked before it goes (the deployment's limit, the types offered), and a refusal is said
//! under the composer in the visitor's language.

use super::ctx::Ctx;
use super::dynamic::{on_click, on_event, part};
use crate::labels::fill;
use crate::miaw::files::{check, Refusal, ACCEPT, DEFAULT_MAX_BYTES};
use crate::miaw::rich::size_text;
use crate::session::ChatState;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, FileList};

/// Whether a file can go now: the deployment takes files and the chat takes messages.
fn open_for_files(ctx: Ctx) -> bool {
    ctx.view.uploads.get_untracked().is_some()
        && ctx.view.open.get_untracked()
        && matches!(
            ctx.view.state.get_untracked(),
            ChatState::Queued | ChatState::Established | ChatState::SessionEnded { .. }
        )
}

/// Each file checked, then sent; the first refusal said under the composer.
pub fn offer(ctx: Ctx, files: FileList) {
    let max = ctx
        .view
        .uploads
        .get_untracked()
        .unwrap_or(DEFAULT_MAX_BYTES);
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
    ctx.file_problem.set(problem);
}

/// The paperclip and its hidden file input, while the deployment takes files.
pub fn attach() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let label = ctx.label(|l| l.attach());
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    part(move || {
        ctx.view.uploads.get().map(|_| {
            let label = label.clone();
            let on_change = on_event(move |ev| {
                let Some(el) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                else {
                    return;
                };
                if let Some(files) = el.files() {
                    offer(ctx, files);
                }
                // The same file can be chosen again (after a refusal).
                el.set_value("");
            });
            view! {
                <input class="file-input" type="file" multiple accept=ACCEPT tabindex="-1" aria-hidden="true" node_ref=input on:change=on_change />
                <button
                    type="button"
                    class="secondary attach"
                    part="attach"
                    aria-label=label.clone()
                    title=label
                    on:click=on_click(move |_| {
                        if let Some(el) = input.get_untracked() {
                            el.click();
                        }
                    })
                >
                    "📎"
                </button>
            }
            .into_any()
        })
    })
}

/// The refusal of the last file offered, under the composer.
pub fn problem() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    part(move || {
        ctx.file_problem.get().map(|p| {
            view! { <p class="counter shortened" part="file-problem" role="alert">{p}</p> }
                .into_any()
        })
    })
}

/// Files dropped onto the window or pasted into it go as the paperclip's do (listeners on the
/// widget's root, added once it is in the page).
pub fn accept_drops(root: NodeRef<leptos::html::Div>) {
    let ctx = expect_context::<Ctx>();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = root.get() else {
            return false;
        };
        let root_el = el.clone();
        let window = move || root_el.query_selector(".window").ok().flatten();
        let marker = window.clone();
        let over = Closure::<dyn FnMut(DragEvent)>::new(move |ev: DragEvent| {
            let files = ev
                .data_transfer()
                .is_some_and(|d| d.types().includes(&"Files".into(), 0));
            if files && open_for_files(ctx) {
                ev.prevent_default();
                if let Some(w) = marker() {
                    let _ = w.class_list().add_1("dropping");
                }
            }
        });
        let marker = window.clone();
        let leave = Closure::<dyn FnMut(DragEvent)>::new(move |_: DragEvent| {
            if let Some(w) = marker() {
                let _ = w.class_list().remove_1("dropping");
            }
        });
        let drop = Closure::<dyn FnMut(DragEvent)>::new(move |ev: DragEvent| {
            if let Some(w) = window() {
                let _ = w.class_list().remove_1("dropping");
            }
            let files = ev.data_transfer().and_then(|d| d.files());
            if let (Some(files), true) = (files, open_for_files(ctx)) {
                if files.length() > 0 {
                    ev.prevent_default();
                    offer(ctx, files);
                }
            }
        });
        let paste = Closure::<dyn FnMut(web_sys::ClipboardEvent)>::new(
            move |ev: web_sys::ClipboardEvent| {
                let files = ev.clipboard_data().and_then(|d| d.files());
                if let (Some(files), true) = (files, open_for_files(ctx)) {
                    if files.length() > 0 {
                        ev.prevent_default();
                        offer(ctx, files);
                    }
                }
            },
        );
        for (name, f) in [
            ("dragover", over.as_ref()),
            ("dragleave", leave.as_ref()),
            ("drop", drop.as_ref()),
            ("paste", paste.as_ref()),
        ] {
            let _ = el.add_event_listener_with_callback(name, f.unchecked_ref());
        }
        // They live as long as the widget's root (the page's, once mounted).
        over.forget();
        leave.forget();
        drop.forget();
        paste.forget();
        true
    });
}
