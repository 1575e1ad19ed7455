//! First real-browser tests (headless Chromium through wasm-bindgen-test): the widget mounts in a
//! shadow root and renders its launcher; the crate's storage code round-trips through
//! sessionStorage.
#![cfg(target_arch = "wasm32")]

use chasitor::driver::storage::SessionStore;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Yields to the browser once, so effects scheduled by the reactive system have run.
async fn next_tick() {
    let promise = js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL);
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn root_component_mounts_in_a_shadow_root_with_its_css() {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();

    let config = chasitor::config::Config::from_pairs(
        &[
            ("endpoint", "/chat/rest"),
            ("orgId", "00D000000000001"),
            ("deploymentId", "572000000000001"),
            ("buttonId", "573000000000001"),
        ],
        None,
    )
    .unwrap();
    let container = chasitor::mount(config, &host).unwrap();
    next_tick().await;

    let shadow = host.shadow_root().expect("the host has a shadow root");
    assert_eq!(shadow.mode(), web_sys::ShadowRootMode::Open);
    // The widget's CSS is a constructed stylesheet adopted by the shadow root.
    assert_eq!(shadow.adopted_style_sheets().length(), 1);
    assert!(chasitor::ui::WIDGET_CSS.contains(".launcher"));

    let launcher = container
        .query_selector("button[part=launcher]")
        .unwrap()
        .expect("the launcher button rendered");
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(launcher.text_content().unwrap().trim(), "Chat with us");

    // The host page cannot reach into the shadow root with its selectors.
    assert!(document()
        .query_selector("button[part=launcher]")
        .unwrap()
        .is_none());

    launcher.unchecked_into::<web_sys::HtmlElement>().click();
    next_tick().await;
    assert_eq!(launcher_expanded(&container), "true");
}

fn launcher_expanded(container: &web_sys::HtmlElement) -> String {
    container
        .query_selector("button[part=launcher]")
        .unwrap()
        .unwrap()
        .get_attribute("aria-expanded")
        .unwrap_or_default()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Saved {
    key: String,
    ack: i64,
}

#[wasm_bindgen_test]
fn session_store_round_trips_a_value_through_session_storage() {
    let store = SessionStore::new("chasitor-test:");
    let saved = Saved {
        key: "f6c1d699!b65b13c7".into(),
        ack: 7,
    };
    store.set("snapshot", &saved).unwrap();

    // It is really in sessionStorage, under the widget's own prefix.
    let raw = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("chasitor-test:snapshot")
        .unwrap()
        .expect("stored under the prefixed key");
    assert!(raw.contains("\"ack\":7"));

    assert_eq!(store.get::<Saved>("snapshot"), Some(saved));
    store.remove("snapshot");
    assert_eq!(store.get::<Saved>("snapshot"), None);
}

#[wasm_bindgen_test]
fn session_store_ignores_values_that_no_longer_decode() {
    let store = SessionStore::new("chasitor-test:");
    store.set("snapshot", "not a snapshot").unwrap();
    assert_eq!(store.get::<Saved>("snapshot"), None);
}
