//! The site's listeners on `window.Chasitor` (`on(event, fn)`, `off(event, fn)`), owned by the
//! loop, and the events they get: `ready`, `open`, `close`, `chatStarted`, `agentJoined`,
//! `message`, `customEvent`, `chatEnded`, `unread`, `error`, each with one plain object. The
//! methods that add and remove them are [`super::site_api`]'s.

use crate::core::view_model::SiteEvent;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

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

/// The site's listeners (owned by the loop).
#[derive(Default)]
pub struct SiteListeners {
    listeners: Vec<(String, Function)>,
    ready: bool,
}

impl SiteListeners {
    pub fn on(&mut self, name: String, f: Function) {
        if !EVENTS.contains(&name.as_str()) {
            web_sys::console::warn_1(
                &format!(
                    "chasitor: on(): unknown event {name:?}; events: {}",
                    EVENTS.join(", ")
                )
                .into(),
            );
        }
        if name == "ready" && self.ready {
            call(&name, &f, &detail(&[]));
        }
        self.listeners.push((name, f));
    }

    pub fn off(&mut self, name: &str, f: &JsValue) {
        self.listeners
            .retain(|(n, g)| !(n == name && (f.is_undefined() || JsValue::from(g) == *f)));
    }

    /// The queue is replayed: `ready` fires.
    pub fn ready(&mut self) {
        self.ready = true;
        self.emit("ready", detail(&[]));
    }

    /// Calls every listener of `name` with `detail`. A listener that throws is logged, not fatal.
    pub fn emit(&self, name: &str, detail: JsValue) {
        let listeners: Vec<Function> = self
            .listeners
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect();
        for f in listeners {
            call(name, &f, &detail);
        }
    }

    /// A core's site event to the listeners.
    pub fn emit_event(&self, event: &SiteEvent) {
        let (name, d) = match event {
            SiteEvent::Open => ("open", detail(&[])),
            SiteEvent::Close => ("close", detail(&[])),
            SiteEvent::ChatStarted => ("chatStarted", detail(&[])),
            SiteEvent::AgentJoined { name, transferred } => (
                "agentJoined",
                detail(&[
                    ("name", name.as_str().into()),
                    ("transferred", (*transferred).into()),
                ]),
            ),
            SiteEvent::Message { author, name, text } => {
                let mut pairs = vec![("author", author.as_str().into())];
                if *author == crate::core::transcript::Author::Agent {
                    pairs.push(("name", name.as_str().into()));
                }
                pairs.push(("text", text.as_str().into()));
                ("message", detail(&pairs))
            }
            SiteEvent::CustomEvent { event_type, data } => (
                "customEvent",
                detail(&[
                    ("type", event_type.as_str().into()),
                    ("data", data.as_str().into()),
                ]),
            ),
            SiteEvent::ChatEnded { reason } => {
                ("chatEnded", detail(&[("reason", (*reason).into())]))
            }
            SiteEvent::Unread { count } => ("unread", detail(&[("count", (*count).into())])),
            SiteEvent::Error { message } => {
                ("error", detail(&[("message", message.as_str().into())]))
            }
        };
        self.emit(name, d);
    }
}

fn call(name: &str, f: &Function, detail: &JsValue) {
    if let Err(e) = f.call1(&JsValue::UNDEFINED, detail) {
        web_sys::console::error_2(
            &format!("chasitor: a listener of \"{name}\" threw:").into(),
            &e,
        );
    }
}

/// A plain object from `(key, value)` pairs.
pub fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}
