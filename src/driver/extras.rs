//! The widget's extras around the chat (issue 7): the signals they show ([`ExtrasView`]), the
//! hook the driver calls for every engine event ([`engine_event`]: site-owner events, the
//! post-chat URL, the new-message sound), the debounced sneak peek, and the transcript download.

use super::api::{detail, emit};
use super::view::{Author, ChatView, Item};
use super::Driver;
use crate::engine::{ChatState, Delivery, EndReason, Event, Input};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// How long the visitor's typing must pause before the sneak peek goes (ms).
pub const SNEAK_PEEK_DEBOUNCE_MS: u64 = 300;

/// What the extras show, as signals (all `Copy`).
#[derive(Clone, Copy, Debug)]
pub struct ExtrasView {
    /// `Visitor/Availability` for the button: `None` until known.
    pub available: RwSignal<Option<bool>>,
    /// The estimated wait before a chat starts, in seconds, when the server knows it.
    pub wait_secs: RwSignal<Option<u32>>,
    /// The post-chat page the server named (http(s) only).
    pub post_chat_url: RwSignal<Option<String>>,
    /// Pre-chat answers given by the site (`Chasitor.setPrechat`), by field name.
    pub prefill: RwSignal<Vec<(String, String)>>,
}

impl ExtrasView {
    pub fn new() -> ExtrasView {
        ExtrasView {
            available: RwSignal::new(None),
            wait_secs: RwSignal::new(None),
            post_chat_url: RwSignal::new(None),
            prefill: RwSignal::new(Vec::new()),
        }
    }
}

impl Default for ExtrasView {
    fn default() -> Self {
        ExtrasView::new()
    }
}

struct Settings {
    view: ChatView,
    extras: ExtrasView,
    sneak_peek: bool,
    sound: bool,
}

thread_local! {
    static SETTINGS: RefCell<Option<Settings>> = const { RefCell::new(None) };
    static PEEK_TIMER: RefCell<Option<TimeoutHandle>> = const { RefCell::new(None) };
    static PEEK_GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Registers the signals and settings the hooks below use. Called once by the UI's root.
pub fn install(view: ChatView, extras: ExtrasView, sneak_peek: bool, sound: bool) {
    SETTINGS.with(|s| {
        *s.borrow_mut() = Some(Settings {
            view,
            extras,
            sneak_peek,
            sound,
        })
    });
}

fn settings<R>(f: impl FnOnce(&Settings) -> R) -> Option<R> {
    SETTINGS.with(|s| s.borrow().as_ref().map(f))
}

/// The post-chat URL, if it is an absolute http(s) URL.
pub fn safe_url(url: &str) -> Option<String> {
    crate::config::extras::is_http_url(url).then(|| url.trim().to_string())
}

fn end_reason(reason: &EndReason) -> &'static str {
    match reason {
        EndReason::Visitor => "visitor",
        EndReason::Agent => "agent",
        EndReason::SessionInvalid => "expired",
        EndReason::DuplicatePoll => "duplicatePoll",
        EndReason::RequestFailed { .. } => "unavailable",
        EndReason::Error(_) => "error",
    }
}

/// Called by the driver for every engine event, before the view is updated. `replaying`: the
/// event repeats a restored chat (no site-owner event, no sound).
pub fn engine_event(event: &Event, replaying: bool) {
    if let Event::PostChatUrl(url) = event {
        if let Some(url) = safe_url(url) {
            settings(|s| s.extras.post_chat_url.set(Some(url)));
        }
    }
    if replaying {
        return;
    }
    match event {
        Event::State(ChatState::SessionRequested) => {
            settings(|s| s.extras.post_chat_url.set(None));
            emit("chatStarted", detail(&[]));
        }
        Event::State(ChatState::Ended(reason)) => {
            cancel_sneak_peek();
            emit(
                "chatEnded",
                detail(&[("reason", end_reason(reason).into())]),
            );
        }
        Event::AgentJoined { name, .. } => emit(
            "agentJoined",
            detail(&[
                ("name", name.as_str().into()),
                ("transferred", false.into()),
            ]),
        ),
        Event::Transferred { name } => emit(
            "agentJoined",
            detail(&[("name", name.as_str().into()), ("transferred", true.into())]),
        ),
        Event::AgentMessage { name, text } => {
            emit(
                "message",
                detail(&[
                    ("author", "agent".into()),
                    ("name", name.as_str().into()),
                    ("text", text.as_str().into()),
                ]),
            );
            let hidden =
                settings(|s| s.sound && (!s.view.open.get_untracked() || document_hidden()));
            if hidden == Some(true) {
                beep();
            }
        }
        Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        } => {
            // The row reaches the view at the end of the driver's pump: read it after.
            let local_id = *local_id;
            leptos::task::spawn_local(async move {
                let text = settings(|s| s.view.rows.visitor_text(local_id)).flatten();
                if let Some(text) = text {
                    emit(
                        "message",
                        detail(&[("author", "visitor".into()), ("text", text.into())]),
                    );
                }
            });
        }
        Event::CustomEvent { event_type, data } => emit(
            "customEvent",
            detail(&[
                ("type", event_type.as_str().into()),
                ("data", data.as_str().into()),
            ]),
        ),
        Event::Error(e) => emit("error", detail(&[("message", e.to_string().into())])),
        _ => {}
    }
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.hidden())
        .unwrap_or(false)
}

/// The visitor typed `text`: after a pause of [`SNEAK_PEEK_DEBOUNCE_MS`], the engine gets it as a
/// sneak peek (it sends it only when the agent has sneak peek on). Nothing when the site owner
/// switched sneak peek off.
pub fn sneak_peek(driver: &Driver, text: &str) {
    if settings(|s| s.sneak_peek) != Some(true) {
        return;
    }
    cancel_sneak_peek();
    let generation = PEEK_GENERATION.with(|g| g.get());
    let driver = driver.clone();
    let text = text.to_string();
    let handle = set_timeout_with_handle(
        move || {
            PEEK_TIMER.with(|t| t.borrow_mut().take());
            if PEEK_GENERATION.with(|g| g.get()) == generation && !text.is_empty() {
                driver.handle(Input::SneakPeek(text));
            }
        },
        Duration::from_millis(SNEAK_PEEK_DEBOUNCE_MS),
    )
    .ok();
    PEEK_TIMER.with(|t| *t.borrow_mut() = handle);
}

/// Forgets a sneak peek that has not gone yet (the message was sent, the chat ended).
pub fn cancel_sneak_peek() {
    PEEK_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    if let Some(t) = PEEK_TIMER.with(|t| t.borrow_mut().take()) {
        t.clear();
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn call(target: &JsValue, key: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(target, key).dyn_into()?;
    let list = js_sys::Array::new();
    for a in args {
        list.push(a);
    }
    js_sys::Reflect::apply(&f, target, &list)
}

/// A short two-tone beep through WebAudio (no sound file). Silent where WebAudio is missing or
/// not allowed yet.
pub fn beep() {
    let global = js_sys::global();
    let Ok(ctor) = get(&global, "AudioContext").dyn_into::<js_sys::Function>() else {
        return;
    };
    let Ok(ctx) = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()) else {
        return;
    };
    let play = || -> Result<(), JsValue> {
        let now = get(&ctx, "currentTime").as_f64().unwrap_or(0.0);
        let osc = call(&ctx, "createOscillator", &[])?;
        let gain = call(&ctx, "createGain", &[])?;
        let g = get(&gain, "gain");
        call(&g, "setValueAtTime", &[0.0001.into(), now.into()])?;
        call(
            &g,
            "exponentialRampToValueAtTime",
            &[0.15.into(), (now + 0.02).into()],
        )?;
        call(
            &g,
            "exponentialRampToValueAtTime",
            &[0.0001.into(), (now + 0.35).into()],
        )?;
        let f = get(&osc, "frequency");
        call(&f, "setValueAtTime", &[880.0.into(), now.into()])?;
        call(&f, "setValueAtTime", &[660.0.into(), (now + 0.15).into()])?;
        call(&osc, "connect", std::slice::from_ref(&gain))?;
        call(&gain, "connect", &[get(&ctx, "destination")])?;
        call(&osc, "start", &[now.into()])?;
        call(&osc, "stop", &[(now + 0.4).into()])?;
        Ok(())
    };
    let _ = play();
    // Free the audio context once the beep is over.
    let ctx2 = ctx.clone();
    let _ = set_timeout_with_handle(
        move || {
            let _ = call(&ctx2, "close", &[]);
        },
        Duration::from_millis(1_000),
    );
}

/// The transcript as plain text: a title line, then one line per row (`[HH:MM] Name: text`);
/// `note` gives a system row's text.
pub fn transcript_text(
    title: &str,
    items: &[Item],
    you: &str,
    agent: &str,
    note: impl Fn(&Item) -> String,
) -> String {
    let mut out = format!("{title}\n");
    if let Some(first) = items.first() {
        let d = js_sys::Date::new(&JsValue::from_f64(first.at));
        out.push_str(&String::from(d.to_string()));
        out.push('\n');
    }
    out.push('\n');
    for item in items {
        let d = js_sys::Date::new(&JsValue::from_f64(item.at));
        let time = format!("{:02}:{:02}", d.get_hours(), d.get_minutes());
        let who = match item.author {
            Author::Visitor => you.to_string(),
            Author::Agent if item.name.is_empty() => agent.to_string(),
            Author::Agent => item.name.clone(),
            Author::System => String::new(),
        };
        let text = if item.author == Author::System {
            note(item)
        } else {
            item.text.clone()
        };
        if who.is_empty() {
            out.push_str(&format!("[{time}] {text}\n"));
        } else {
            out.push_str(&format!("[{time}] {who}: {text}\n"));
        }
    }
    out
}

/// Offers `text` as a download named `name` (Blob + object URL + a temporary link).
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let global = js_sys::global();
    let parts = js_sys::Array::of1(&text.into());
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &"text/plain;charset=utf-8".into())?;
    let blob_ctor: js_sys::Function = get(&global, "Blob").dyn_into()?;
    let blob = js_sys::Reflect::construct(&blob_ctor, &js_sys::Array::of2(&parts, &options))?;
    let url_ctor = get(&global, "URL");
    let url = call(&url_ctor, "createObjectURL", &[blob])?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let a = document.create_element("a")?;
    a.set_attribute("href", &url.as_string().unwrap_or_default())?;
    a.set_attribute("download", name)?;
    a.set_attribute("hidden", "")?;
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    body.append_child(&a)?;
    if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
        a.click();
    }
    a.remove();
    let _ = set_timeout_with_handle(
        move || {
            let _ = call(&url_ctor, "revokeObjectURL", &[url]);
        },
        Duration::from_millis(10_000),
    );
    Ok(())
}
