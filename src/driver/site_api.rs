//! The site owner's API on `window.Chasitor`: `open()`, `close()`, `toggle()`, `endChat()`,
//! `sendCustomEvent(type, data)`, `setPrechat({...})`, `on(event, fn)`, `off(event, fn)` and
//! `destroy()`; on Enhanced Chat also `identify(token, refresh)` and `logout()` (verified
//! customers; not in the loader's stubs: queue them in `Chasitor.q` before the widget is here).
//!
//! The loader defines the same methods first, as stubs that push `[method, arguments]` onto
//! `window.Chasitor.q`; [`install`] replaces them with the real ones (each sends a command to the
//! loop) and [`replay`] plays the queue, then `ready` fires. Events: `ready`, `open`, `close`,
//! `chatStarted`, `agentJoined`, `message`, `customEvent`, `chatEnded`, `unread`, `error`; each
//! listener gets one plain object. After `destroy()` the methods are stubs again, and `open()`
//! boots the widget anew.

use super::shell::{Command, Handle};
use crate::core::Input;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The methods of `window.Chasitor`.
const METHODS: [&str; 9] = [
    "open",
    "close",
    "toggle",
    "endChat",
    "sendCustomEvent",
    "setPrechat",
    "on",
    "off",
    "destroy",
];

/// `{...}` or a JSON string as `(name, value)` pairs (strings, numbers and booleans only).
fn answers(value: &JsValue) -> Vec<(String, String)> {
    let value = match value.as_string() {
        Some(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED),
        None => value.clone(),
    };
    if !value.is_object() {
        return Vec::new();
    }
    let Ok(entries) = js_sys::Object::entries(value.unchecked_ref()).dyn_into::<Array>() else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let entry: Array = entry.unchecked_into();
            let name = entry.get(0).as_string()?;
            let v = entry.get(1);
            let text = v
                .as_string()
                // JavaScript writes the number (Rust's float formatting is 15 KB of wasm).
                .or_else(|| {
                    v.as_f64()?;
                    let n: &js_sys::Number = v.unchecked_ref();
                    n.to_string_with_radix(10).ok().map(String::from)
                })
                .or_else(|| v.as_bool().map(|b| b.to_string()))?;
            Some((name, text))
        })
        .collect()
}

/// `window.Chasitor`, made when the page has none.
fn api_object() -> Option<JsValue> {
    let window = web_sys::window()?;
    let mut api = Reflect::get(&window, &"Chasitor".into()).unwrap_or(JsValue::UNDEFINED);
    if !api.is_object() {
        api = js_sys::Object::new().into();
        let _ = Reflect::set(&window, &"Chasitor".into(), &api);
    }
    Some(api)
}

fn define(api: &JsValue, name: &str, f: JsValue) {
    let _ = Reflect::set(api, &name.into(), &f);
}

/// The text of a custom event's data: a string as it is, anything else as JSON.
fn event_data(data: &JsValue) -> String {
    if data.is_undefined() || data.is_null() {
        String::new()
    } else if let Some(s) = data.as_string() {
        s
    } else {
        js_sys::JSON::stringify(data)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// Puts the real methods on `window.Chasitor` (creating it when the page has no loader); returns
/// the loader's queue of calls made before, for [`replay`].
pub fn install(handle: &Handle, version: &str) -> Array {
    let Some(api) = api_object() else {
        return Array::new();
    };
    let queue = Reflect::get(&api, &"q".into())
        .ok()
        .and_then(|q| q.dyn_into::<Array>().ok())
        .unwrap_or_default();
    let simple = [
        ("open", Input::SetOpen(true)),
        ("close", Input::SetOpen(false)),
        ("toggle", Input::ToggleOpen),
        ("endChat", Input::End),
    ];
    for (name, input) in simple {
        let h = handle.clone();
        define(
            &api,
            name,
            Closure::<dyn Fn()>::new(move || h.input(input.clone())).into_js_value(),
        );
    }
    let h = handle.clone();
    define(
        &api,
        "sendCustomEvent",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |kind: JsValue, data: JsValue| {
            let Some(event_type) = kind.as_string().filter(|t| !t.is_empty()) else {
                web_sys::console::error_1(
                    &"chasitor: sendCustomEvent(type, data) needs a type string".into(),
                );
                return;
            };
            h.input(Input::CustomEvent {
                event_type,
                data: event_data(&data),
            });
        })
        .into_js_value(),
    );
    let h = handle.clone();
    define(
        &api,
        "setPrechat",
        Closure::<dyn Fn(JsValue)>::new(move |values: JsValue| {
            h.input(Input::Prefill(answers(&values)))
        })
        .into_js_value(),
    );
    let h = handle.clone();
    define(
        &api,
        "on",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, f: JsValue| {
            let (Some(name), Ok(f)) = (name.as_string(), f.dyn_into::<Function>()) else {
                web_sys::console::error_1(
                    &"chasitor: on(event, fn) needs a name and a function".into(),
                );
                return;
            };
            h.send(Command::On(name, f));
        })
        .into_js_value(),
    );
    let h = handle.clone();
    define(
        &api,
        "off",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, f: JsValue| {
            h.send(Command::Off(name.as_string().unwrap_or_default(), f));
        })
        .into_js_value(),
    );
    #[cfg(feature = "miaw")]
    identity_methods(&api, handle);
    let h = handle.clone();
    define(
        &api,
        "destroy",
        Closure::<dyn Fn()>::new(move || h.send(Command::Destroy)).into_js_value(),
    );
    if Reflect::get(&api, &"version".into()).is_ok_and(|v| v.is_undefined()) {
        define(&api, "version", version.into());
    }
    define(&api, "q", Array::new().into());
    queue
}

/// Replays the calls the page made before the widget was there; then `ready` fires.
pub fn replay(queue: Array, handle: &Handle) {
    let Some(api) = api_object() else {
        return;
    };
    for entry in queue.iter() {
        let Ok(entry) = entry.dyn_into::<Array>() else {
            continue;
        };
        let Some(method) = entry.get(0).as_string() else {
            continue;
        };
        let args = entry.get(1).dyn_into::<Array>().unwrap_or_default();
        match Reflect::get(&api, &method.as_str().into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            Some(f) => {
                if let Err(e) = Reflect::apply(&f, &api, &args) {
                    web_sys::console::error_2(
                        &format!("chasitor: queued call {method}() failed:").into(),
                        &e,
                    );
                }
            }
            None => web_sys::console::warn_1(
                &format!("chasitor: no method {method:?} on window.Chasitor").into(),
            ),
        }
    }
    handle.send(Command::Ready);
}

/// After `destroy()`: the methods queue their calls again (as the loader's stubs do), and
/// `open()` boots the widget anew with `config` (the queue is replayed then).
pub fn stub_after_destroy(config: JsValue) {
    let Some(api) = api_object() else {
        return;
    };
    define(&api, "q", Array::new().into());
    for name in METHODS {
        let api2 = api.clone();
        let config = config.clone();
        // Every method takes at most two arguments.
        let stub = Closure::<dyn Fn(JsValue, JsValue)>::new(move |a: JsValue, b: JsValue| {
            if let Ok(q) = Reflect::get(&api2, &"q".into()).and_then(|q| q.dyn_into::<Array>()) {
                q.push(&Array::of2(&name.into(), &Array::of2(&a, &b)));
            }
            if name == "open" {
                if let Err(e) = crate::boot(config.clone()) {
                    web_sys::console::error_2(&"chasitor: could not boot again:".into(), &e);
                }
            }
        })
        .into_js_value();
        define(&api, name, stub);
    }
}

/// Enhanced Chat's verified customers: `identify(token, refresh)` and `logout()`.
#[cfg(feature = "miaw")]
fn identity_methods(api: &JsValue, handle: &Handle) {
    let h = handle.clone();
    define(
        api,
        "identify",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |token: JsValue, refresh: JsValue| {
            let Some(token) = token.as_string().filter(|t| !t.trim().is_empty()) else {
                web_sys::console::error_1(
                    &"chasitor: identify(token, refresh) needs the identity token (a JWT string)"
                        .into(),
                );
                return;
            };
            if let Ok(f) = refresh.dyn_into::<Function>() {
                super::identity::keep(Some(f));
            }
            h.input(Input::Identify(token.trim().to_string()));
        })
        .into_js_value(),
    );
    let h = handle.clone();
    define(
        api,
        "logout",
        Closure::<dyn Fn()>::new(move || {
            // The next customer's identity comes from the site, not from this one's function.
            super::identity::keep(None);
            h.input(Input::Logout);
        })
        .into_js_value(),
    );
}
