use leptos::prelude::*;

/// The widget's root component.
#[component]
pub fn App() -> impl IntoView {
    let (open, set_open) = signal(false);
    view! {
        <div class="chasitor" data-open=move || open.get().to_string()>
            <button
                type="button"
                class="launcher"
                part="launcher"
                aria-label="Chat with us"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| set_open.update(|o| *o = !*o)
            >
                <span class="launcher-label">"Chat"</span>
            </button>
        </div>
    }
}
