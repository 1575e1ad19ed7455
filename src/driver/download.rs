//! The transcript download: the chat as a plain text file.

use super::js::{call, get};
use super::view::{Author, Item};
use crate::session::Delivery;
use leptos::prelude::set_timeout_with_handle;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// The transcript as plain text: a title line, then one line per row (`[HH:MM] Name: text`, and
/// ` (Not sent)` after a visitor message that never went out); `note` gives a system row's text.
pub fn transcript_text(
    title: &str,
    items: &[Item],
    (you, agent, not_sent): (&str, &str, &str),
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
        let text = match item.author {
            Author::System => note(item),
            _ if item.status == Some(Delivery::Failed) => format!("{} ({not_sent})", item.text),
            _ => item.text.clone(),
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

/// Enhanced Chat: offers `blob` (the server's transcript) as a download named `name`.
#[cfg(feature = "miaw")]
pub fn save(name: &str, blob: &web_sys::Blob) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let a: web_sys::HtmlElement = document.create_element("a")?.unchecked_into();
    a.set_attribute("href", &url)?;
    a.set_attribute("download", name)?;
    a.click();
    let _ = set_timeout_with_handle(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        Duration::from_millis(10_000),
    );
    Ok(())
}
