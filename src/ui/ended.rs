//! The end of a chat: the confirm step, the "chat ended" view with a new-chat button, and the
//! offline view.

use super::ctx::Ctx;
use super::dynamic::{on_click, show, text};
use crate::session::{ChatState, EndReason};
use leptos::prelude::*;

/// "End this chat?" with a confirm and a cancel button.
#[component]
pub fn EndConfirm() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let question = ctx.label(|l| l.end_question());
    let yes = ctx.label(|l| l.end_confirm());
    let no = ctx.label(|l| l.end_cancel());
    view! {
        <div class="confirm" role="alertdialog" aria-label=question.clone()>
            <p>{question.clone()}</p>
            <div class="confirm-buttons">
                <button
                    type="button"
                    class="secondary"
                    on:click=on_click(move |_| ctx.confirming_end.set(false))
                >
                    {no}
                </button>
                <button
                    type="button"
                    class="danger"
                    part="end-confirm"
                    on:click=on_click(move |_| {
                        ctx.confirming_end.set(false);
                        ctx.intents().end();
                    })
                >
                    {yes}
                </button>
            </div>
        </div>
    }
}

/// Who ended the chat, and a button for a new one.
#[component]
pub fn EndedView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let labels = ctx.labels();
    let new_chat = labels.new_chat().to_string();
    let ended = text(move || {
        let l = &labels;
        match view.state.get() {
            ChatState::Ended(EndReason::Visitor) => l.ended_visitor().to_string(),
            ChatState::Ended(EndReason::Agent) => {
                let name = view.agent.get().unwrap_or_else(|| l.agent().to_string());
                super::chat::with_name(l.ended_agent(), &name)
            }
            ChatState::Ended(EndReason::SessionInvalid) => l.ended_expired().to_string(),
            ChatState::Ended(EndReason::DuplicatePoll) => l.ended_other_tab().to_string(),
            _ => l.ended_error().to_string(),
        }
    });
    view! {
        <div class="ended" part="ended" role="status">
            <p>{ended}</p>
            <super::after_chat::AfterChat />
            <button type="button" class="primary" part="new-chat" on:click=on_click(move |_| ctx.intents().new_chat())>
                {new_chat}
            </button>
        </div>
    }
}

/// No agent available (ChatRequestFail).
#[component]
pub fn OfflineView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let title = ctx.label(|l| l.offline_title());
    let text = super::availability::offline_text(&ctx);
    let again = ctx.label(|l| l.new_chat());
    let ended = move || ctx.view.state.get().is_ended();
    view! {
        <div class="offline" part="offline" role="status">
            <h3>{title}</h3>
            <p>{text}</p>
            <super::availability::OfflineActions />
            {show(ended, move || view! {
                <button type="button" class="secondary" part="new-chat" on:click=on_click(move |_| ctx.intents().new_chat())>
                    {again.clone()}
                </button>
            }.into_any())}
        </div>
    }
}
