//! The entry point the page calls: `boot(config)` reads the settings, creates the widget's host
//! element, attaches the shadow root and mounts the UI.
//!
//! `config` is a plain object: the loader passes the script tag's `data-*` attributes merged
//! over `window.ChasitorConfig` (the attributes win); the demo page passes
//! `window.ChasitorConfig`. Keys may be camelCase (`orgId`) or as on the tag (`org-id`); values
//! that are not strings (a `prechatFields` array, a `labels` object, a number) are taken as JSON.

use crate::config::{Api, Config};
use crate::core::{Core, Input, Settings};
use crate::driver::shell::{lock_manager, now_ms, random_id};
use crate::driver::storage::SessionStore;
use crate::driver::{site_api, view, Intents, Shell, STORAGE_PREFIX};
use crate::labels::Labels;
use crate::live_agent::engine::EngineConfig;
#[cfg(feature = "miaw")]
use crate::miaw::engine::Config as MiawConfig;
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
    let settings_js = config.clone();
    let config = match Config::from_pairs(&settings_pairs(&config), browser_language.as_deref()) {
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
            crate::driver::panic::install(config.labels.unavailable());
            Ok(config)
        }
        Err(e) => {
            web_sys::console::error_1(&e.to_string().into());
            let labels = Labels::english();
            crate::driver::panic::install(labels.unavailable());
            Err(labels)
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
        if let Ok(config) = &config {
            for (name, value) in config.options.css_properties() {
                let _ = style.set_property(name, &value);
            }
        }
    }
    if !is_early {
        body.append_child(&host)?;
    }
    match config {
        Ok(config) => {
            start(config, &host, settings_js)?;
        }
        Err(labels) => {
            // Nothing to tear down: the unavailable launcher stays for the page's life.
            std::mem::forget(crate::ui::mount_in_shadow(
                &host,
                Setup::Unavailable(Box::new(labels)),
            )?);
        }
    }
    if !is_early {
        mark("chasitor:launcher-ready");
    }
    mark("chasitor:widget-ready");
    Ok(())
}

/// The widget with valid settings: the core (resuming a saved chat), the loop around it,
/// `window.Chasitor`, the view in `host`'s shadow root. `settings_js` boots it again after
/// `Chasitor.destroy()`.
fn start(
    config: Config,
    host: &web_sys::Element,
    settings_js: JsValue,
) -> Result<web_sys::HtmlElement, JsValue> {
    let store = SessionStore::new(STORAGE_PREFIX);
    #[cfg(feature = "miaw")]
    let store = store.local(config.options.persist);
    let core = Core::new(core_settings(&config), &|key| store.get_raw(key), now_ms());
    let (view, writer) = view::view_signals();
    let shell = Shell::new(core, writer, config.endpoint.clone(), store);
    let handle = Shell::handle(&shell);
    let queue = site_api::install(&handle, env!("CARGO_PKG_VERSION"));
    let setup = Setup::Ready {
        config: Box::new(config),
        view: Box::new(view),
        intents: Intents::new(shell.clone()),
    };
    let (container, mounted) = crate::ui::mount_in_shadow(host, setup)?;
    let host = host.clone();
    Shell::on_teardown(&shell, move || {
        drop(mounted);
        host.remove();
        site_api::stub_after_destroy(settings_js);
    });
    if let Some(window) = web_sys::window() {
        if let Some(document) = window.document() {
            handle.input(Input::Visibility {
                hidden: document.hidden(),
            });
        }
        if !window.navigator().on_line() {
            handle.input(Input::Online(false));
        }
    }
    // Replay what the page asked before the widget was there, once boot has returned.
    wasm_bindgen_futures::spawn_local(async move { site_api::replay(queue, &handle) });
    Ok(container)
}

/// The whole widget for `config` in `host`'s shadow root (what `boot` does once it has the
/// settings and the host); returns the container inside the shadow root.
pub fn mount(config: Config, host: &web_sys::Element) -> Result<web_sys::HtmlElement, JsValue> {
    start(config, host, JsValue::UNDEFINED)
}

/// What the core needs from the settings and the browser.
pub fn core_settings(config: &Config) -> Settings {
    let window = web_sys::window();
    let navigator = window.as_ref().map(|w| w.navigator());
    let language = config
        .language
        .clone()
        .or_else(|| navigator.as_ref().and_then(|n| n.language()))
        .unwrap_or_else(|| "en-US".to_string());
    let user_agent = navigator
        .as_ref()
        .and_then(|n| n.user_agent().ok())
        .unwrap_or_default();
    let screen_resolution = window
        .as_ref()
        .and_then(|w| w.screen().ok())
        .and_then(|s| Some(format!("{}x{}", s.width().ok()?, s.height().ok()?)))
        .unwrap_or_default();
    let engine = EngineConfig {
        org_id: config.org_id.clone(),
        // Enhanced Chat: the developer name stands for the deployment (a saved chat of another
        // deployment is not resumed).
        deployment_id: match config.api {
            Api::LiveAgent => config.deployment_id.clone(),
            Api::Miaw => config.es_developer_name.clone(),
        },
        button_id: config.button_id.clone(),
        api_version: config.api_version.clone(),
        language,
        user_agent,
        screen_resolution,
        ..EngineConfig::default()
    };
    #[cfg(feature = "miaw")]
    let miaw = (config.api == Api::Miaw).then(|| MiawConfig {
        org_id: config.org_id.clone(),
        es_developer_name: config.es_developer_name.clone(),
        language: engine.language.clone(),
        retry_budget_ms: engine.retry_budget_ms,
        verified: config.options.user_verification,
    });
    Settings {
        endpoint: config.endpoint.clone(),
        engine,
        #[cfg(feature = "miaw")]
        miaw,
        sneak_peek: config.options.sneak_peek,
        sound: config.options.sound,
        #[cfg(feature = "miaw")]
        persist: config.options.persist,
        web_locks: lock_manager().is_some(),
        tab_id: random_id(),
        url: window
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default(),
    }
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
