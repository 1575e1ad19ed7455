//! Whether an agent can take a chat: `GET Visitor/Availability` (with the estimated wait time)
//! on load and then at the server's ping rate (`Visitor/Settings` `pingRate`, 50 s when the
//! server does not say), while the window is closed and no chat runs. The answer goes into
//! [`ExtrasView::available`] and [`ExtrasView::wait_secs`]; a failed check changes nothing.

use super::extras::ExtrasView;
use super::net;
use super::view::ChatView;
use crate::config::Config;
use crate::engine::{ChatState, HttpRequest, Outcome, RequestId};
use crate::protocol::{
    AvailabilityQuery, AvailabilityResponse, Resource, SettingsQuery, SettingsResponse,
};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// The ping rate when the server gives none (ms).
pub const DEFAULT_PING_MS: u64 = 50_000;

#[derive(Clone)]
struct Checker {
    endpoint: String,
    org_id: String,
    deployment_id: String,
    button_id: String,
    api_version: String,
    extras: ExtrasView,
}

thread_local! {
    static CHECKER: RefCell<Option<Checker>> = const { RefCell::new(None) };
}

/// The ping rate from a Settings `pingRate` (ms, or seconds when small), kept within 10 s..10 min.
pub fn ping_ms(ping_rate: f64) -> u64 {
    if !ping_rate.is_finite() || ping_rate <= 0.0 {
        return DEFAULT_PING_MS;
    }
    let ms = if ping_rate < 1_000.0 {
        ping_rate * 1_000.0
    } else {
        ping_rate
    };
    (ms as u64).clamp(10_000, 600_000)
}

/// Ids are compared on their first 15 characters (an 18-character id names the same record).
fn same_id(a: &str, b: &str) -> bool {
    let short = |s: &str| s.chars().take(15).collect::<String>();
    short(a) == short(b)
}

impl Checker {
    fn request(&self, resource: Resource, query: Vec<(String, String)>) -> HttpRequest {
        HttpRequest {
            id: RequestId(0),
            resource,
            method: resource.method(),
            path: resource.path().to_string(),
            query,
            headers: vec![("X-LIVEAGENT-API-VERSION", self.api_version.clone())],
            body: None,
            timeout_ms: None,
        }
    }

    async fn get(&self, resource: Resource, query: Vec<(String, String)>) -> Option<String> {
        match net::fetch(&self.endpoint, &self.request(resource, query), None).await {
            Outcome::Http { status: 200, body } => Some(body),
            _ => None,
        }
    }

    async fn ping_rate(&self) -> u64 {
        let query = SettingsQuery {
            org_id: self.org_id.clone(),
            deployment_id: self.deployment_id.clone(),
            button_ids: vec![self.button_id.clone()],
            need_estimated_wait_time: false,
            update_breadcrumb: false,
        }
        .to_query();
        match self.get(Resource::Settings, query).await {
            Some(body) => SettingsResponse::from_json(&body)
                .map(|s| ping_ms(*s.ping_rate))
                .unwrap_or(DEFAULT_PING_MS),
            None => DEFAULT_PING_MS,
        }
    }

    async fn check(&self) {
        let query = AvailabilityQuery {
            org_id: self.org_id.clone(),
            deployment_id: self.deployment_id.clone(),
            ids: vec![self.button_id.clone()],
            need_estimated_wait_time: true,
        }
        .to_query();
        let Some(body) = self.get(Resource::Availability, query).await else {
            return;
        };
        let Ok(answer) = AvailabilityResponse::from_json(&body) else {
            return;
        };
        let result = answer
            .results
            .iter()
            .find(|r| same_id(&r.id, &self.button_id));
        let available = result.is_some_and(|r| *r.is_available);
        let wait = result
            .and_then(|r| *r.estimated_wait_time)
            .filter(|w| w.is_finite() && *w > 0.0)
            .map(|w| w.round().min(f64::from(u32::MAX)) as u32);
        self.extras.available.set(Some(available));
        self.extras
            .wait_secs
            .set(if available { wait } else { None });
    }
}

/// Starts the checks: one now, then one per ping while the window is closed and no chat runs.
pub fn start(config: &Config, view: ChatView, extras: ExtrasView) {
    let checker = Checker {
        endpoint: config.endpoint.clone(),
        org_id: config.org_id.clone(),
        deployment_id: config.deployment_id.clone(),
        button_id: config.button_id.clone(),
        api_version: config.api_version.clone(),
        extras,
    };
    CHECKER.with(|c| *c.borrow_mut() = Some(checker.clone()));
    let checker = Rc::new(checker);
    leptos::task::spawn_local(async move {
        checker.check().await;
        let every = checker.ping_rate().await;
        loop {
            sleep(every).await;
            let idle = matches!(
                view.state.get_untracked(),
                ChatState::Idle | ChatState::Ended(_)
            );
            if idle && !view.open.get_untracked() {
                checker.check().await;
            }
        }
    });
}

/// Checks again now (the offline view's "Check again", or the window opening with no chat).
pub fn refresh() {
    let Some(checker) = CHECKER.with(|c| c.borrow().clone()) else {
        return;
    };
    leptos::task::spawn_local(async move { checker.check().await });
}

async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
