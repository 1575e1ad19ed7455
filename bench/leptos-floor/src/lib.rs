//! The Leptos floor of the benchmark (see Cargo.toml): what any Leptos 0.8 widget with the same
//! primitives costs before it does anything of its own.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[component]
fn Floor() -> impl IntoView {
    let open = RwSignal::new(false);
    let rows = RwSignal::new(Vec::<(u32, String)>::new());
    let add = move |_| {
        rows.update(|r| {
            let n = r.len() as u32;
            r.push((n, "a message".to_string()))
        })
    };
    view! {
        <button on:click=move |_| open.update(|o| *o = !*o)>"Chat"</button>
        <Show when=move || open.get()>
            <ol>
                <For each=move || rows.get() key=|r| r.0 children=|r| view! { <li>{r.1}</li> } />
            </ol>
            <button on:click=add>"Send"</button>
        </Show>
    }
}

/// Mounts the floor app on the page's body.
#[wasm_bindgen]
pub fn boot() {
    leptos::mount::mount_to_body(Floor);
}
