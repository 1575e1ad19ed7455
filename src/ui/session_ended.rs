//! Enhanced Chat, between two messaging sessions: who ended the session is in the transcript;
//! here the way on (writing again, or a new chat) and, when the deployment asks its pre-chat form
//! every session, that form.

use super::ctx::Ctx;
use super::dynamic::{on_click, show};
use crate::session::ChatState;
use leptos::prelude::*;

/// Enhanced Chat, between two messaging sessions: the conversation goes on when the visitor
/// writes (after the deployment's pre-chat form, when it asks it every session), or a new chat
/// starts.
#[component]
pub fn SessionEndedView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let hint = ctx.label(|l| l.session_continue());
    let new_chat = ctx.label(|l| l.new_chat());
    let form = move || {
        matches!(
            ctx.view.state.get(),
            ChatState::SessionEnded { form: true, .. }
        )
    };
    view! {
        <div class="ended" part="session-ended" role="status">
            <p>{hint}</p>
            <button type="button" class="secondary" part="new-chat" on:click=on_click(move |_| ctx.intents().new_chat())>
                {new_chat}
            </button>
        </div>
        {show(form, || view! { <super::prechat::PrechatForm /> }.into_any())}
    }
}
