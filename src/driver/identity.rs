//! Enhanced Chat's verified customers: the site's function for a fresh identity token
//! (`Chasitor.identify(token, refresh)`), kept for the page's life and asked when the engine needs
//! a token (the identity token itself is never stored).

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    static REFRESH: std::cell::RefCell<Option<Function>> = const { std::cell::RefCell::new(None) };
}

/// Keeps the site's `refresh` function (`None`: forgets it, at logout).
pub fn keep(refresh: Option<Function>) {
    REFRESH.with(|r| *r.borrow_mut() = refresh);
}

/// The engine needs a fresh identity token: the site's `refresh` function is asked (it gives the
/// token or a Promise of it) and `give` gets it; without a function, nothing (the site calls
/// `identify` itself).
pub fn refresh(give: Box<dyn FnOnce(String)>) {
    let Some(f) = REFRESH.with(|r| r.borrow().clone()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let got = match f.call0(&JsValue::NULL) {
            Ok(v) if v.has_type::<js_sys::Promise>() => {
                wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(v)).await
            }
            other => other,
        };
        match got.ok().and_then(|v| v.as_string()).filter(|t| !t.trim().is_empty()) {
            Some(token) => give(token.trim().to_string()),
            None => web_sys::console::error_1(
                &"chasitor: the identity token's refresh function gave no token: call Chasitor.identify(token)".into(),
            ),
        }
    });
}
