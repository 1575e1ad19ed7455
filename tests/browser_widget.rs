//! The widget in a real browser (headless Chromium through wasm-bindgen-test), against a fake
//! Chat REST API installed over `window.fetch`: bad settings, pre-chat validation, a whole chat
//! (queue, agent, messages both ways), agent HTML shown as text, the transcript written to
//! sessionStorage and restored from it with the same ack, agent ending, and the offline view.
#![cfg(target_arch = "wasm32")]

use chasitor::config::Config;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const PREFIX = '/fake/chat/rest';
export function install_fake_server() {
  if (window.__chasitorFake) { reset_fake_server(); return; }
  const state = { requests: [], pending: [], waiters: [], sequence: 0 };
  window.__chasitorFake = state;
  const realFetch = window.fetch.bind(window);
  window.fetch = async function (input, init) {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    if (!url.pathname.startsWith(PREFIX)) return realFetch(input, init);
    const path = url.pathname.slice(PREFIX.length);
    const body = req.method === 'POST' ? await req.text() : null;
    const s = window.__chasitorFake;
    s.requests.push({
      method: req.method, path, ack: url.searchParams.get('ack'),
      sequence: req.headers.get('X-LIVEAGENT-SEQUENCE'), key: req.headers.get('X-LIVEAGENT-SESSION-KEY'),
      body,
    });
    const json = (o) => new Response(JSON.stringify(o), { status: 200, headers: { 'content-type': 'application/json' } });
    if (path === '/System/SessionId') {
      return json({ id: 'sid-1', key: 'sid-1!key', affinityToken: 'aff-1', clientPollTimeout: 40 });
    }
    if (path === '/System/Messages') {
      if (!s.pending.length) {
        await new Promise((resolve) => {
          const t = setTimeout(resolve, 250);
          s.waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      if (req.signal && req.signal.aborted) throw new DOMException('The user aborted a request.', 'AbortError');
      if (!s.pending.length) return new Response(null, { status: 204 });
      const messages = s.pending.splice(0);
      s.sequence += 1;
      return json({ messages, sequence: s.sequence, offset: 1000 + s.sequence });
    }
    return new Response('', { status: 200 });
  };
}
export function reset_fake_server() {
  const s = window.__chasitorFake;
  s.requests = []; s.pending = []; s.sequence = 0;
}
export function fake_push(json) {
  const s = window.__chasitorFake;
  s.pending.push(...JSON.parse(json));
  s.waiters.splice(0).forEach((f) => f());
}
export function fake_requests() { return JSON.stringify(window.__chasitorFake.requests); }

export function capture_console_errors() {
  if (!window.__chasitorErrors) {
    window.__chasitorErrors = [];
    const orig = console.error.bind(console);
    console.error = (...args) => { window.__chasitorErrors.push(args.map(String).join(' ')); orig(...args); };
  }
  window.__chasitorErrors.length = 0;
}
export function console_errors() { return JSON.stringify(window.__chasitorErrors || []); }

export function set_field(root, selector, value) {
  const el = root.querySelector(selector);
  if (!el) throw new Error('no element ' + selector);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
export function press_enter(root, selector, shift) {
  const el = root.querySelector(selector);
  if (!el) throw new Error('no element ' + selector);
  el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: !!shift, bubbles: true, cancelable: true }));
}
export function count(root, selector) { return root.querySelectorAll(selector).length; }
export function is_visible(root, selector) {
  const el = root.querySelector(selector);
  return !!el && el.getClientRects().length > 0;
}
export function rows(root) {
  return JSON.stringify(Array.from(root.querySelectorAll('[part~=transcript] [part~=message]')).map((e) => {
    const t = e.querySelector('[part~=text]');
    return [e.getAttribute('data-author'), e.getAttribute('data-status') || '', (t ? t.textContent : e.textContent)];
  }));
}
"#)]
extern "C" {
    fn install_fake_server();
    fn fake_push(json: &str);
    fn fake_requests() -> String;
    fn capture_console_errors();
    fn console_errors() -> String;
    fn set_field(root: &web_sys::Element, selector: &str, value: &str);
    fn press_enter(root: &web_sys::Element, selector: &str, shift: bool);
    fn rows(root: &web_sys::Element) -> String;
    fn is_visible(root: &web_sys::Element, selector: &str) -> bool;
    fn count(root: &web_sys::Element, selector: &str) -> u32;
}

const ENDPOINT: &str = "/fake/chat/rest";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

fn clear_storage() {
    let s = session_storage();
    let len = s.length().unwrap();
    let keys: Vec<String> = (0..len).filter_map(|i| s.key(i).ok().flatten()).collect();
    for k in keys {
        if k.starts_with("chasitor:") {
            s.remove_item(&k).unwrap();
        }
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Polls `check` every 20 ms for up to 5 s.
async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..250 {
        if check() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}

fn config() -> Config {
    Config::from_pairs(
        &[
            ("endpoint", ENDPOINT),
            ("orgId", "00D000000000001"),
            ("deploymentId", "572000000000001"),
            ("buttonId", "573000000000001"),
        ],
        None,
    )
    .unwrap()
}

/// Mounts a widget in a new host element; returns its container (inside the shadow root).
fn mount() -> web_sys::Element {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    chasitor::mount(config(), &host).unwrap().unchecked_into()
}

fn find(root: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    root.query_selector(selector).unwrap()
}

fn has(root: &web_sys::Element, selector: &str) -> bool {
    find(root, selector).is_some()
}

fn visible(root: &web_sys::Element, selector: &str) -> bool {
    is_visible(root, selector)
}

fn click(root: &web_sys::Element, selector: &str) {
    find(root, selector)
        .unwrap_or_else(|| panic!("no element {selector}"))
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    find(root, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// The chat's requests (the availability checks, Visitor/Availability and Visitor/Settings, are
/// left out).
fn requests() -> Vec<serde_json::Value> {
    let all: Vec<serde_json::Value> = serde_json::from_str(&fake_requests()).unwrap();
    all.into_iter()
        .filter(|r| {
            !matches!(
                r["path"].as_str(),
                Some("/Visitor/Availability" | "/Visitor/Settings")
            )
        })
        .collect()
}

fn push(messages: serde_json::Value) {
    fake_push(&messages.to_string());
}

fn fill_prechat(root: &web_sys::Element, first: &str, last: &str, email: &str) {
    set_field(root, "input[name=firstName]", first);
    set_field(root, "input[name=lastName]", last);
    set_field(root, "input[name=email]", email);
}

#[wasm_bindgen_test]
async fn bad_settings_log_one_error_naming_the_setting_and_show_an_unavailable_launcher() {
    capture_console_errors();
    let settings = js_sys::Object::new();
    for (k, v) in [
        ("endpoint", "/chat/rest"),
        ("deploymentId", "572000000000001"),
        ("buttonId", "573000000000001"),
    ] {
        js_sys::Reflect::set(&settings, &k.into(), &v.into()).unwrap();
    }
    chasitor::boot(settings.into()).unwrap();
    sleep(50).await;

    let host = document()
        .get_element_by_id("chasitor-host")
        .expect("the host element");
    let shadow = host.shadow_root().expect("an open shadow root");
    let launcher = shadow
        .query_selector("[part~=launcher]")
        .unwrap()
        .expect("a launcher");
    assert_eq!(
        launcher.get_attribute("data-unavailable").as_deref(),
        Some("true")
    );
    assert!(launcher.text_content().unwrap().contains("unavailable"));
    let errors: Vec<String> = serde_json::from_str(&console_errors()).unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("data-org-id"), "{errors:?}");

    // Booting again does not mount a second widget.
    chasitor::boot(js_sys::Object::new().into()).unwrap();
    assert_eq!(count(&document().body().unwrap(), "#chasitor-host"), 1);
    host.remove();
}

#[wasm_bindgen_test]
async fn the_prechat_form_checks_required_fields_and_the_email_then_offline_on_request_fail() {
    install_fake_server();
    clear_storage();
    let root = mount();
    sleep(20).await;
    click(&root, "[part~=launcher]");
    wait_for("the pre-chat form", || visible(&root, "[part~=prechat]")).await;
    assert_eq!(count(&root, "[part~=field]"), 3);

    // Empty: first name and email are required.
    click(&root, "[part~=start]");
    wait_for("two inline errors", || {
        count(&root, "[part~=field][data-invalid=true]") == 2
    })
    .await;
    assert_eq!(
        find(&root, "input[name=firstName]")
            .unwrap()
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        find(&root, "input[name=lastName]")
            .unwrap()
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );

    // A bad email is refused; nothing is sent.
    fill_prechat(&root, "Ada", "", "ada@");
    click(&root, "[part~=start]");
    wait_for("only the email error", || {
        count(&root, "[part~=field][data-invalid=true]") == 1
    })
    .await;
    assert!(text(&root, "[part~=prechat]").contains("valid email"));
    assert!(requests().is_empty(), "nothing sent for an invalid form");

    // A valid form asks for a session and sends the pre-chat answers.
    fill_prechat(&root, "Ada", "Lovelace", "ada@example.com");
    click(&root, "[part~=start]");
    wait_for("ChasitorInit", || {
        requests()
            .iter()
            .any(|r| r["path"] == "/Chasitor/ChasitorInit")
    })
    .await;
    let init = requests()
        .into_iter()
        .find(|r| r["path"] == "/Chasitor/ChasitorInit")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(init["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["visitorName"], "Ada Lovelace");
    assert_eq!(body["prechatDetails"][2]["value"], "ada@example.com");
    assert_eq!(body["prechatEntities"][0]["entityName"], "Contact");
    assert_eq!(init["sequence"], "1");
    wait_for("the queue view", || visible(&root, "[part~=queue]")).await;

    // Routing refuses: the offline view, no queue, no composer.
    push(serde_json::json!([{"type": "ChatRequestFail", "message": {"reason": "Unavailable"}}]));
    wait_for("the offline view", || visible(&root, "[part~=offline]")).await;
    assert!(!has(&root, "[part~=queue]"));
    assert!(!has(&root, "[part~=composer]"));
}

#[wasm_bindgen_test]
async fn a_chat_shows_html_as_text_persists_to_session_storage_and_resumes_with_the_same_ack() {
    install_fake_server();
    clear_storage();
    let root = mount();
    sleep(20).await;
    click(&root, "[part~=launcher]");
    wait_for("the pre-chat form", || has(&root, "[part~=prechat]")).await;
    fill_prechat(&root, "Ada", "Lovelace", "ada@example.com");
    click(&root, "[part~=start]");

    push(
        serde_json::json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 3, "estimatedWaitTime": 120}}]),
    );
    wait_for("the queue position", || {
        text(&root, "[part~=queue]").contains("number 3")
    })
    .await;
    assert!(text(&root, "[part~=queue]").contains("2 min"));

    push(
        serde_json::json!([{"type": "ChatEstablished", "message": {"name": "Andy L.", "userId": "005x", "sneakPeekEnabled": false}}]),
    );
    wait_for("the queue view to go", || !has(&root, "[part~=queue]")).await;
    assert!(visible(&root, "[part~=composer]"));
    assert!(text(&root, "[part~=window]").contains("Andy L."));

    push(serde_json::json!([{"type": "AgentTyping", "message": {}}]));
    wait_for("the typing indicator", || has(&root, "[part~=typing]")).await;
    let html = "<img src=x onerror=alert(1)> & <script>alert(2)</script>";
    push(
        serde_json::json!([{"type": "ChatMessage", "message": {"name": "Andy L.", "text": html}}]),
    );
    wait_for("the agent message", || {
        has(&root, "[part~=message][data-author=agent]")
    })
    .await;
    assert!(
        !has(&root, "[part~=typing]"),
        "typing goes with the message"
    );
    assert_eq!(
        text(&root, "[part~=message][data-author=agent] [part~=text]"),
        html
    );
    assert!(
        !has(&root, "[part~=transcript] img") && !has(&root, "[part~=transcript] script"),
        "no element made from the agent's text"
    );
    assert!(text(&root, "[part~=message][data-author=agent]").contains("Andy L."));

    // The visitor writes two lines and presses Enter.
    set_field(&root, "[part~=composer]", "Hi <b>Andy</b>\nsecond line");
    press_enter(&root, "[part~=composer]", false);
    wait_for("the visitor message sent", || {
        has(
            &root,
            "[part~=message][data-author=visitor][data-status=sent]",
        )
    })
    .await;
    assert!(!has(&root, "[part~=transcript] b"));
    // Sent once, alone or in a MultiNoun batch.
    let sent: Vec<_> = requests()
        .into_iter()
        .filter(|r| {
            r["body"]
                .as_str()
                .is_some_and(|b| b.contains("Hi <b>Andy</b>\\nsecond line"))
        })
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        find(&root, "[part~=composer]")
            .unwrap()
            .unchecked_into::<web_sys::HtmlTextAreaElement>()
            .value(),
        ""
    );

    // sessionStorage has the chat, under chasitor: keys.
    let storage = session_storage();
    let transcript = storage.get_item("chasitor:transcript").unwrap().unwrap();
    assert!(transcript.contains("onerror=alert(1)") && transcript.contains("second line"));
    let snapshot = storage.get_item("chasitor:snapshot").unwrap().unwrap();
    assert!(snapshot.contains("Established") && snapshot.contains("sid-1!key"));
    let ui = storage.get_item("chasitor:ui").unwrap().unwrap();
    assert!(ui.contains("\"open\":true"), "{ui}");
    let saved_rows = rows(&root);

    // A "reload": the first widget ends (so only one polls), the storage as it was before is put
    // back, and a new widget mounts from it.
    let saved: Vec<(String, String)> = ["snapshot", "transcript", "ui"]
        .iter()
        .map(|k| {
            let key = format!("chasitor:{k}");
            let value = storage.get_item(&key).unwrap().unwrap();
            (key, value)
        })
        .collect();
    let last_ack = serde_json::from_str::<serde_json::Value>(&snapshot).unwrap()["engine"]["ack"]
        .as_i64()
        .unwrap();
    assert!(last_ack >= 3, "ack {last_ack}");
    click(&root, "[part~=end]");
    wait_for("the end confirm", || has(&root, "[part~=end-confirm]")).await;
    click(&root, "[part~=end-confirm]");
    wait_for("the ended view", || visible(&root, "[part~=ended]")).await;
    assert!(requests().iter().any(|r| r["path"] == "/Chasitor/ChatEnd"
        && r["body"] == r#"{"type":"ChatEndReason","reason":"client"}"#));
    sleep(400).await;
    for (k, v) in &saved {
        storage.set_item(k, v).unwrap();
    }
    let before = requests().len();

    let again = mount();
    wait_for("the restored transcript", || rows(&again) == saved_rows).await;
    assert!(visible(&again, "[part~=window]"), "reopened open");
    assert!(visible(&again, "[part~=composer]"));
    assert!(!has(&again, "[part~=prechat]"));
    wait_for("a poll from the saved ack", || {
        requests()[before..]
            .iter()
            .any(|r| r["path"] == "/System/Messages")
    })
    .await;
    let poll = requests()[before..]
        .iter()
        .find(|r| r["path"] == "/System/Messages")
        .cloned()
        .unwrap();
    assert_eq!(poll["ack"], last_ack.to_string());
    assert_eq!(poll["key"], "sid-1!key");

    // The agent ends the chat: said in the transcript and in the ended view.
    push(serde_json::json!([{"type": "ChatEnded", "message": {"reason": "agent"}}]));
    wait_for("the ended view", || visible(&again, "[part~=ended]")).await;
    assert!(text(&again, "[part~=ended]").contains("Andy L. ended the chat"));
    assert!(text(&again, "[part~=message][data-author=system]:last-child").contains("ended"));
    assert!(!has(&again, "[part~=composer]"));

    // A new chat starts from a clean form and a clean storage.
    click(&again, "[part~=new-chat]");
    wait_for("a fresh pre-chat form", || has(&again, "[part~=prechat]")).await;
    assert!(!has(&again, "[part~=message]"));
    assert!(storage.get_item("chasitor:snapshot").unwrap().is_none());
    assert!(storage.get_item("chasitor:transcript").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_minimised_window_counts_unread_agent_messages() {
    install_fake_server();
    clear_storage();
    let root = mount();
    sleep(20).await;
    click(&root, "[part~=launcher]");
    wait_for("the pre-chat form", || has(&root, "[part~=prechat]")).await;
    fill_prechat(&root, "Ada", "", "ada@example.com");
    click(&root, "[part~=start]");
    push(serde_json::json!([
        {"type": "ChatRequestSuccess", "message": {"queuePosition": 0, "estimatedWaitTime": -1}}
    ]));
    wait_for("a plain waiting line", || {
        text(&root, "[part~=queue]").contains("Waiting for an agent")
    })
    .await;
    assert!(!text(&root, "[part~=queue]").contains('0'));
    push(serde_json::json!([{"type": "ChatEstablished", "message": {"name": "Andy L."}}]));
    wait_for("the composer", || has(&root, "[part~=composer]")).await;

    click(&root, "[part~=close]");
    wait_for("the window hidden", || !visible(&root, "[part~=window]")).await;
    assert_eq!(
        find(&root, "[part~=launcher]")
            .unwrap()
            .get_attribute("aria-expanded")
            .as_deref(),
        Some("false")
    );
    push(serde_json::json!([
        {"type": "ChatMessage", "message": {"name": "Andy L.", "text": "one"}},
        {"type": "ChatMessage", "message": {"name": "Andy L.", "text": "two"}}
    ]));
    wait_for("an unread count of 2", || {
        text(&root, "[part~=launcher] [part~=unread]") == "2"
    })
    .await;
    click(&root, "[part~=launcher]");
    wait_for("the badge gone", || !has(&root, "[part~=unread]")).await;

    // End it so it stops polling.
    push(serde_json::json!([{"type": "ChatEnded", "message": {}}]));
    wait_for("the ended view", || has(&root, "[part~=ended]")).await;
}

#[wasm_bindgen_test]
async fn after_the_chat_the_post_chat_url_is_a_safe_link_and_the_transcript_can_be_downloaded() {
    install_fake_server();
    clear_storage();
    let root = mount();
    sleep(20).await;
    click(&root, "[part~=launcher]");
    wait_for("the pre-chat form", || has(&root, "[part~=prechat]")).await;
    fill_prechat(&root, "Ada", "", "ada@example.com");
    click(&root, "[part~=start]");
    push(serde_json::json!([
        {"type": "ChatRequestSuccess", "message": {"queuePosition": 1, "postChatUrl": "https://example.com/survey?chat=1"}},
        {"type": "ChatEstablished", "message": {"name": "Andy L."}},
        {"type": "ChatMessage", "message": {"name": "Andy L.", "text": "Bye!"}}
    ]));
    wait_for("the agent's message", || rows(&root).contains("Bye!")).await;
    assert!(
        !has(&root, "[part~=post-chat]"),
        "no post-chat link during the chat"
    );
    push(serde_json::json!([{"type": "ChatEnded", "message": {}}]));
    wait_for("the ended view", || has(&root, "[part~=ended]")).await;
    wait_for("the post-chat link", || {
        has(&root, "[part~=ended] [part~=post-chat]")
    })
    .await;
    let link = find(&root, "[part~=post-chat]").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://example.com/survey?chat=1")
    );
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert!(has(&root, "[part~=ended] [part~=download]"));

    // A new chat forgets the old post-chat page; a non-http(s) one is never a link.
    click(&root, "[part~=new-chat]");
    wait_for("the pre-chat form again", || has(&root, "[part~=prechat]")).await;
    fill_prechat(&root, "Ada", "", "ada@example.com");
    click(&root, "[part~=start]");
    push(serde_json::json!([
        {"type": "ChatRequestSuccess", "message": {"queuePosition": 1, "postChatUrl": "javascript:alert(1)"}},
        {"type": "ChatEnded", "message": {}}
    ]));
    wait_for("the second ended view", || has(&root, "[part~=ended]")).await;
    sleep(50).await;
    assert!(
        !has(&root, "[part~=post-chat]"),
        "javascript: is not offered"
    );
}
