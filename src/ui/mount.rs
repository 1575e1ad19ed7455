//! Mounting the widget in a shadow root of its own host element, with its CSS inside, so the host
//! page's styles cannot reach it and its styles cannot leak out.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};

use super::{App, Setup};

/// The widget's stylesheet, compiled into the wasm: the launcher's part and the window's frame
/// (which the loader also carries, to paint the launcher and, on an early click, the window before
/// the wasm is here), then the rest; minified by `build.rs`.
#[cfg(not(feature = "miaw"))]
pub const WIDGET_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));
/// With Enhanced Chat's rich messages and files (`style/rich.css`).
#[cfg(feature = "miaw")]
pub const WIDGET_CSS: &str = concat!(
    include_str!(concat!(env!("OUT_DIR"), "/widget.css")),
    include_str!(concat!(env!("OUT_DIR"), "/rich.css"))
);

/// Gives `host` an open shadow root (or takes the one the loader made for its early launcher,
/// emptied), gives it the widget's stylesheet, puts a container in it, and mounts [`App`] into
/// the container. Returns the container and what unmounts the view (dropping it does).
pub fn mount_in_shadow(host: &Element, setup: Setup) -> Result<(HtmlElement, Mounted), JsValue> {
    let document = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("the host element has no document"))?;
    let shadow = match host.shadow_root() {
        Some(shadow) => {
            while let Some(child) = shadow.first_child() {
                shadow.remove_child(&child)?;
            }
            shadow
        }
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    // A constructed stylesheet: no inline <style>, so a strict Content-Security-Policy needs no
    // 'unsafe-inline' in style-src. Browsers without constructable stylesheets get a <style>.
    let adopted = web_sys::CssStyleSheet::new()
        .and_then(|sheet| sheet.replace_sync(WIDGET_CSS).map(|_| sheet))
        .map(|sheet| shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet)));
    if adopted.is_err() {
        let style = document.create_element("style")?;
        style.set_text_content(Some(WIDGET_CSS));
        shadow.append_child(&style)?;
    }
    let container: HtmlElement = document.create_element("div")?.dyn_into()?;
    container.set_class_name("chasitor-root");
    shadow.append_child(&container)?;
    let handle = leptos::mount::mount_to(container.clone(), move || {
        leptos::prelude::view! { <App setup /> }
    });
    Ok((container, Mounted(Box::new(handle))))
}

/// A mounted view: dropping it unmounts it.
pub struct Mounted(#[allow(dead_code)] Box<dyn std::any::Any>);
