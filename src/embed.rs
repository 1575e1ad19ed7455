//! The entry point the page calls: `boot(config)` reads the settings, creates the widget's host
//! element, attaches the shadow root and mounts the UI.
//!
//! `config` is a plain object: the loader passes the script tag's `data-*` attributes merged
//! over `window.ChasitorConfig` (the attributes win); the demo page passes
//! `window.ChasitorConfig`. Keys may be camelCase (`orgId`) or as on the tag (`org-id`); values
//! that are not strings (a `prechatFields` array, a `labels` object, a number) are taken as JSON.

use crate::config::Config;
use crate::labels::Labels;
use crate::ui::Setup;
use wasm_bindgen::prelude::*;

/// The id of the widget's host element.
pub const HOST_ID: &str = "chasitor-host";

/// Set by the loader on the host element it made for its early launcher: `boot` takes that host
/// (and its shadow root) over instead of making one.
pub const EARLY_ATTR: &str = "data-chasitor-early";

/// The `(name, value)` pairs of a settings object (empty for anything that is not an object).
pub fn settings_pairs(config: &JsValue) -> Vec<(String, String)> {
    if !config.is_object() {
        return Vec::new();
    }
    let Ok(entries) = js_sys::Object::entries(config.unchecked_ref()).dyn_into::<js_sys::Array>()
    else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for entry in entries.iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let Some(name) = entry.get(0).as_string() else {
            continue;
        };
        let value = entry.get(1);
        let text = if let Some(s) = value.as_string() {
            s
        } else if value.is_undefined() || value.is_null() || value.is_function() {
            continue;
        } else {
            match js_sys::JSON::stringify(&value) {
                Ok(s) => s.as_string().unwrap_or_default(),
                Err(_) => continue,
            }
        };
        pairs.push((name, text));
    }
    pairs
}

/// Mounts the widget on the current page. Called by the loader (or the demo page) once the wasm
/// module has loaded. Mounting twice does nothing the second time.
#[wasm_bindgen]
pub fn boot(config: JsValue) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("chasitor: no document to mount on"))?;
    // The loader's early launcher: its host is taken over. Any other host: already mounted.
    let early = match document.get_element_by_id(HOST_ID) {
        Some(host) if host.has_attribute(EARLY_ATTR) => {
            host.remove_attribute(EARLY_ATTR)?;
            Some(host)
        }
        Some(_) => return Ok(()),
        None => None,
    };
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("chasitor: the page has no <body> yet"))?;

    // The label table follows the browser's language unless data-language names one.
    let browser_language = web_sys::window().and_then(|w| w.navigator().language());
    let setup = match Config::from_pairs(&settings_pairs(&config), browser_language.as_deref()) {
        Ok(config) => {
            if !config.unknown.is_empty() {
                web_sys::console::warn_1(
                    &format!(
                        "chasitor: ignoring unknown settings: {}",
                        config.unknown.join(", ")
                    )
                    .into(),
                );
            }
            crate::driver::panic::install(&config.labels.unavailable);
            Setup::Ready(Box::new(config))
        }
        Err(e) => {
            web_sys::console::error_1(&e.to_string().into());
            let labels = Labels::english();
            crate::driver::panic::install(&labels.unavailable);
            Setup::Unavailable(Box::new(labels))
        }
    };

    let is_early = early.is_some();
    let host = match early {
        Some(host) => host,
        None => {
            let host = document.create_element("div")?;
            host.set_id(HOST_ID);
            host
        }
    };
    // The host page's CSS reaches the host element itself (not its shadow tree): keep it
    // displayed and out of the page's layout whatever the page says.
    if let Some(host) = host.dyn_ref::<web_sys::HtmlElement>() {
        // Through the CSSOM, not a style attribute: allowed under a strict CSP.
        let style = host.style();
        for (name, value) in [
            ("display", "block"),
            ("position", "static"),
            ("width", "0"),
            ("height", "0"),
            ("margin", "0"),
            ("padding", "0"),
            ("border", "0"),
            ("visibility", "visible"),
            ("opacity", "1"),
            ("transform", "none"),
            ("filter", "none"),
            ("contain", "none"),
        ] {
            let _ = style.set_property_with_priority(name, value, "important");
        }
        // The look settings (accent, font, radius, launcher size, z-index) as custom properties.
        if let Setup::Ready(config) = &setup {
            for (name, value) in config.extras.css_properties() {
                let _ = style.set_property(name, &value);
            }
        }
    }
    if !is_early {
        body.append_child(&host)?;
    }
    crate::ui::mount_in_shadow(&host, setup)?;
    if !is_early {
        mark("chasitor:launcher-ready");
    }
    mark("chasitor:widget-ready");
    Ok(())
}

/// `performance.mark(name)`, if the page has it (the benchmark, bench/run.mjs, reads the marks).
fn mark(name: &str) {
    let Ok(perf) = js_sys::Reflect::get(&js_sys::global(), &"performance".into()) else {
        return;
    };
    if let Ok(mark) = js_sys::Reflect::get(&perf, &"mark".into()) {
        if let Some(mark) = mark.dyn_ref::<js_sys::Function>() {
            let _ = mark.call1(&perf, &name.into());
        }
    }
}
