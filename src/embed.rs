//! The entry point the page calls: `boot(config)` creates the widget's host element, attaches the
//! shadow root and mounts the UI.

use wasm_bindgen::prelude::*;

/// Mounts the widget on the current page. Called by the loader (or the demo page) once the wasm
/// module has loaded.
#[wasm_bindgen]
pub fn boot(_config: JsValue) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("chasitor: no document to mount on"))?;
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("chasitor: the page has no <body> yet"))?;
    let host = document.create_element("div")?;
    host.set_id("chasitor-host");
    body.append_child(&host)?;
    crate::ui::mount_in_shadow(&host)?;
    Ok(())
}
