//! Focus management: when the window opens (by the launcher, the keyboard or `Chasitor.open()`),
//! the focus moves into it; when it closes while the focus was in the widget (or was lost with
//! the hidden window), the focus goes back to the launcher.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What gets the focus when the window opens, first match wins.
const FOCUS_ON_OPEN: &str = "[part~=window] input:not([type=hidden]), [part~=window] textarea, \
     [part~=window] [part~=new-chat], [part~=window] [part~=check-again], \
     [part~=window] [part~=contact], [part~=window] [part~=close]";

fn shadow_of(root: NodeRef<leptos::html::Div>) -> Option<web_sys::ShadowRoot> {
    let el = root.get_untracked()?;
    shadow_holding(&el)
}

/// The widget's shadow root, which holds `el`.
fn shadow_holding(el: &web_sys::Element) -> Option<web_sys::ShadowRoot> {
    let node: &web_sys::Node = el.as_ref();
    node.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok()
}

fn focus(shadow: &web_sys::ShadowRoot, selector: &str) {
    if let Ok(Some(el)) = shadow.query_selector(selector) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// Moves the focus to the first match of `selector` in the widget holding `el`: for a control
/// about to go, whose focus would otherwise be lost to the page.
pub fn focus_near(el: &web_sys::Element, selector: &str) {
    if let Some(shadow) = shadow_holding(el) {
        focus(&shadow, selector);
    }
}

/// Moves the focus as `open` changes (not on the first run: a restored open window does not take
/// the page's focus).
pub fn manage_focus(open: crate::driver::view::Read<bool>, root: NodeRef<leptos::html::Div>) {
    Effect::new(move |prev: Option<bool>| {
        let now = open.get();
        if prev.is_some_and(|p| p != now) {
            request_animation_frame(move || {
                let Some(shadow) = shadow_of(root) else {
                    return;
                };
                if now {
                    let inside = shadow
                        .active_element()
                        .is_some_and(|el| el.closest("[part~=window]").ok().flatten().is_some());
                    if !inside {
                        focus(&shadow, FOCUS_ON_OPEN);
                    }
                    return;
                }
                let document = web_sys::window().and_then(|w| w.document());
                let active = document.as_ref().and_then(|d| d.active_element());
                let host = shadow.host();
                let lost = match &active {
                    None => true,
                    Some(el) => {
                        el == &host
                            || document.as_ref().and_then(|d| d.body()).is_some_and(|b| {
                                let b: &web_sys::Element = b.as_ref();
                                b == el
                            })
                    }
                };
                if lost {
                    focus(&shadow, "[part~=launcher]");
                }
            });
        }
        now
    });
}
