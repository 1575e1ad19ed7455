//! The site owner's API on `window.Chasitor`: `open()`, `close()`, `toggle()`, `endChat()`,
//! `sendCustomEvent(type, data)`, `setPrechat({...})`, `on(event, fn)` and `off(event, fn)`.
//!
//! The loader defines the same methods first, as stubs that push `[method, arguments]` onto
//! `window.Chasitor.q`; [`install`] replaces them with the real ones and replays the queue, then
//! fires `ready`. Events: `ready`, `open`, `close`, `chatStarted`, `agentJoined`, `message`,
//! `customEvent`, `chatEnded`, `unread`, `error`; each listener gets one plain object.
//!
//! Also here: breadcrumbs. When a single-page app navigates (`history.pushState`,
//! `replaceState`, `popstate`, `hashchange`), the new URL goes to the agent (Visitor/Breadcrumb).

use super::extras::ExtrasView;
use super::view::ChatView;
use super::Driver;
use crate::engine::Input;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Every event a site can listen to.
pub const EVENTS: [&str; 10] = [
    "ready",
    "open",
    "close",
    "chatStarted",
    "agentJoined",
    "message",
    "customEvent",
    "chatEnded",
    "unread",
    "error",
];

thread_local! {
    static LISTENERS: RefCell<Vec<(String, js_sys::Function)>> = const { RefCell::new(Vec::new()) };
    static READY: Cell<bool> = const { Cell::new(false) };
    static LAST_URL: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A plain object from `(key, value)` pairs.
pub fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

/// Calls every listener of `name` with `detail`. A listener that throws is logged, not fatal.
pub fn emit(name: &str, detail: JsValue) {
    let listeners: Vec<js_sys::Function> = LISTENERS.with(|l| {
        l.borrow()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    });
    for f in listeners {
        if let Err(e) = f.call1(&JsValue::UNDEFINED, &detail) {
            web_sys::console::error_2(
                &format!("chasitor: a listener of \"{name}\" threw:").into(),
                &e,
            );
        }
    }
}

fn define(api: &JsValue, name: &str, f: JsValue) {
    let _ = js_sys::Reflect::set(api, &name.into(), &f);
}

/// `{...}` or a JSON string as `(name, value)` pairs (strings, numbers and booleans only).
fn answers(value: &JsValue) -> Vec<(String, String)> {
    let value = match value.as_string() {
        Some(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED),
        None => value.clone(),
    };
    if !value.is_object() {
        return Vec::new();
    }
    let Ok(entries) = js_sys::Object::entries(value.unchecked_ref()).dyn_into::<js_sys::Array>()
    else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.unchecked_into();
            let name = entry.get(0).as_string()?;
            let v = entry.get(1);
            let text = v
                .as_string()
                .or_else(|| v.as_f64().map(|n| n.to_string()))
                .or_else(|| v.as_bool().map(|b| b.to_string()))?;
            Some((name, text))
        })
        .collect()
}

/// Puts the real methods on `window.Chasitor` (creating it when the page has no loader), replays
/// the loader's queue and fires `ready`. Call inside the widget's root component.
pub fn install(driver: Driver, view: ChatView, extras: ExtrasView, version: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut api = js_sys::Reflect::get(&window, &"Chasitor".into()).unwrap_or(JsValue::UNDEFINED);
    if !api.is_object() {
        api = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&window, &"Chasitor".into(), &api);
    }
    let queue = js_sys::Reflect::get(&api, &"q".into())
        .ok()
        .and_then(|q| q.dyn_into::<js_sys::Array>().ok())
        .unwrap_or_default();

    let d = driver.clone();
    define(
        &api,
        "open",
        Closure::<dyn Fn()>::new(move || d.set_open(true)).into_js_value(),
    );
    let d = driver.clone();
    define(
        &api,
        "close",
        Closure::<dyn Fn()>::new(move || d.set_open(false)).into_js_value(),
    );
    let d = driver.clone();
    define(
        &api,
        "toggle",
        Closure::<dyn Fn()>::new(move || d.set_open(!view.open.get_untracked())).into_js_value(),
    );
    let d = driver.clone();
    define(
        &api,
        "endChat",
        Closure::<dyn Fn()>::new(move || d.end()).into_js_value(),
    );
    let d = driver.clone();
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
            let data = if data.is_undefined() || data.is_null() {
                String::new()
            } else if let Some(s) = data.as_string() {
                s
            } else {
                js_sys::JSON::stringify(&data)
                    .ok()
                    .and_then(|s| s.as_string())
                    .unwrap_or_default()
            };
            d.handle(Input::CustomEvent { event_type, data });
        })
        .into_js_value(),
    );
    define(
        &api,
        "setPrechat",
        Closure::<dyn Fn(JsValue)>::new(move |values: JsValue| {
            let new = answers(&values);
            extras.prefill.update(|p| {
                for (name, value) in new {
                    p.retain(|(n, _)| *n != name);
                    p.push((name, value));
                }
            });
        })
        .into_js_value(),
    );
    define(
        &api,
        "on",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, f: JsValue| {
            let (Some(name), Ok(f)) = (name.as_string(), f.dyn_into::<js_sys::Function>()) else {
                web_sys::console::error_1(
                    &"chasitor: on(event, fn) needs a name and a function".into(),
                );
                return;
            };
            if !EVENTS.contains(&name.as_str()) {
                web_sys::console::warn_1(
                    &format!(
                        "chasitor: on(): unknown event {name:?}; events: {}",
                        EVENTS.join(", ")
                    )
                    .into(),
                );
            }
            if name == "ready" && READY.with(|r| r.get()) {
                let _ = f.call1(&JsValue::UNDEFINED, &detail(&[]));
            }
            LISTENERS.with(|l| l.borrow_mut().push((name, f)));
        })
        .into_js_value(),
    );
    define(
        &api,
        "off",
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, f: JsValue| {
            let name = name.as_string().unwrap_or_default();
            LISTENERS.with(|l| {
                l.borrow_mut()
                    .retain(|(n, g)| !(*n == name && (f.is_undefined() || JsValue::from(g) == f)))
            });
        })
        .into_js_value(),
    );
    if js_sys::Reflect::get(&api, &"version".into()).is_ok_and(|v| v.is_undefined()) {
        define(&api, "version", version.into());
    }
    define(&api, "q", js_sys::Array::new().into());

    // The window opening and closing, and the unread count, as events.
    Effect::new(move |prev: Option<bool>| {
        let open = view.open.get();
        if prev.is_some_and(|p| p != open) {
            emit(if open { "open" } else { "close" }, detail(&[]));
        }
        open
    });
    Effect::new(move |prev: Option<u32>| {
        let count = view.unread.get();
        if prev.is_some_and(|p| p != count) {
            emit("unread", detail(&[("count", count.into())]));
        }
        count
    });

    watch_navigation(&window, driver);

    // Replay what the page asked before the widget was there, once it has mounted.
    leptos::task::spawn_local(async move {
        for entry in queue.iter() {
            let Ok(entry) = entry.dyn_into::<js_sys::Array>() else {
                continue;
            };
            let Some(method) = entry.get(0).as_string() else {
                continue;
            };
            let args = entry.get(1).dyn_into::<js_sys::Array>().unwrap_or_default();
            match js_sys::Reflect::get(&api, &method.as_str().into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                Some(f) => {
                    if let Err(e) = js_sys::Reflect::apply(&f, &api, &args) {
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
        READY.with(|r| r.set(true));
        emit("ready", detail(&[]));
    });
}

fn current_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Sends the page's URL as a breadcrumb when it changed since the last one.
fn breadcrumb(driver: &Driver) {
    let url = current_url();
    let changed = LAST_URL.with(|last| {
        let mut last = last.borrow_mut();
        if *last == url {
            false
        } else {
            *last = url.clone();
            true
        }
    });
    if changed {
        driver.handle(Input::Breadcrumb(url));
    }
}

/// Wraps `history.pushState`/`replaceState` and listens to `popstate`/`hashchange`.
fn watch_navigation(window: &web_sys::Window, driver: Driver) {
    LAST_URL.with(|l| *l.borrow_mut() = current_url());
    let history: JsValue = js_sys::Reflect::get(window, &"history".into()).unwrap_or_default();
    for name in ["pushState", "replaceState"] {
        let Ok(original) = js_sys::Reflect::get(&history, &name.into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        else {
            continue;
        };
        let h = history.clone();
        let d = driver.clone();
        let wrapped = Closure::<dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
            move |state: JsValue, unused: JsValue, url: JsValue| {
                let args = if url.is_undefined() {
                    js_sys::Array::of2(&state, &unused)
                } else {
                    js_sys::Array::of3(&state, &unused, &url)
                };
                let result = js_sys::Reflect::apply(&original, &h, &args);
                let d = d.clone();
                leptos::task::spawn_local(async move { breadcrumb(&d) });
                result
            },
        );
        let _ = js_sys::Reflect::set(&history, &name.into(), &wrapped.into_js_value());
    }
    for event in ["popstate", "hashchange"] {
        let d = driver.clone();
        let listener = Closure::<dyn Fn()>::new(move || breadcrumb(&d)).into_js_value();
        let _ = window.add_event_listener_with_callback(event, listener.unchecked_ref());
    }
}
