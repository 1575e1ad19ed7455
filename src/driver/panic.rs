//! The last line of defence: a panic hook that logs the panic to the console and replaces the
//! widget with an "unavailable" launcher, instead of leaving a dead widget on the page.

use std::sync::Once;

static INSTALLED: Once = Once::new();

/// Installs the hook (once per page). `label` is the launcher's text after a crash.
pub fn install(label: &str) {
    let label = label.to_string();
    INSTALLED.call_once(move || {
        std::panic::set_hook(Box::new(move |info| {
            web_sys::console::error_1(
                &format!("chasitor: internal error, the chat widget stopped: {info}").into(),
            );
            show_unavailable(&label);
        }));
    });
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Replaces the widget's content in its shadow root with an unavailable launcher.
pub fn show_unavailable(label: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(host) = document.get_element_by_id("chasitor-host") else {
        return;
    };
    let Some(shadow) = host.shadow_root() else {
        return;
    };
    let Ok(Some(root)) = shadow.query_selector(".chasitor-root") else {
        return;
    };
    let label = escape(label);
    root.set_inner_html(&format!(
        r#"<div class="chasitor" data-position="right"><button type="button" class="launcher" part="launcher" data-unavailable="true" aria-disabled="true" aria-expanded="false"><span class="launcher-label">{label}</span></button></div>"#
    ));
}
