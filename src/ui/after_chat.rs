//! After the chat: the transcript download (Enhanced Chat: the server's PDF where the
//! deployment allows it) and the post-chat link.

use super::ctx::Ctx;
use super::dynamic::{on_click, part, show};
use crate::driver::{download, Author, Item, Note};
use leptos::prelude::*;

/// After the chat: download the transcript as a text file; the post-chat page as a link.
#[component]
pub fn AfterChat() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let labels = ctx.labels();
    let download_label = labels.download().to_string();
    let post_label = labels.post_chat().to_string();
    let on_download = move || {
        #[cfg(feature = "miaw")]
        if ctx.view.rich.get_untracked().transcript {
            ctx.intents().download_transcript();
            return;
        }
        let items: Vec<Item> = ctx.view.rows.items();
        let l = &labels;
        let text = download::transcript_text(
            l.transcript_title(),
            &items,
            (l.you(), l.agent(), l.status_failed()),
            |item| super::chat::note_text(l, item.note.unwrap_or(Note::AgentLeft), &item.name),
        );
        let date = js_sys::Date::new_0();
        let name = format!(
            "chat-transcript-{:04}-{:02}-{:02}.txt",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date()
        );
        if let Err(e) = download::download(&name, &text) {
            web_sys::console::warn_2(&"chasitor: the transcript download failed:".into(), &e);
        }
    };
    let has_rows = move || ctx.view.rows.any(|i| i.author != Author::System);
    view! {
        <div class="after-chat">
            {show(has_rows, move || {
                let on_download = on_download.clone();
                view! {
                    <button type="button" class="secondary" part="download" on:click=on_click(move |_| on_download())>
                        {download_label.clone()}
                    </button>
                }
                .into_any()
            })}
            {part(move || {
                ctx.view.post_chat_url.get().map(|href| {
                    view! {
                        <a class="post-chat" part="post-chat" href=href target="_blank" rel="noopener noreferrer">
                            {post_label.clone()}
                        </a>
                    }
                    .into_any()
                })
            })}
        </div>
    }
}
