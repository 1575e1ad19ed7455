//! The notice a tab shows while the chat is open in another tab of the same browser (a
//! duplicated tab, or the tab the chat moved to), with "Continue here" to move it to this tab.

use super::ctx::Ctx;
use super::dynamic::{flag, on_click};
use leptos::prelude::*;

/// "This chat is open in another tab." and a button that takes the chat over.
#[component]
pub fn OtherTabNotice() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let text = ctx.label(|l| l.other_tab());
    let button = ctx.label(|l| l.continue_here());
    view! {
        <div class="other-tab" part="other-tab" role="status">
            <p>{text}</p>
            <button
                type="button"
                class="primary"
                part="continue-here"
                disabled=flag(move || view.taking_over.get())
                on:click=on_click(move |_| ctx.intents().take_over())
            >
                {button}
            </button>
        </div>
    }
}
