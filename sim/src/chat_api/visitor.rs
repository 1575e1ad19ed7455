//! Visitor resources (no session needed): Settings, Availability, VisitorId and Breadcrumb, and the
//! SwitchServer answer for an org that moved.

use super::{
    bad_request, check_headers, header_str, json_body, live_by_key, ok, str_field, Answer, Need,
    H_SESSION_KEY,
};
use crate::config::{same_id, ButtonConfig, OrgConfig};
use crate::ids;
use crate::state::{AppState, State};
use axum::body::Bytes;
use axum::extract::{Query, State as St};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

fn envelope(kind: &str, message: Value) -> Response {
    Json(json!({"messages": [{"type": kind, "message": message}]})).into_response()
}

/// The org of a Visitor request (its deployment checked), or the answer (400, SwitchServer).
fn visitor_org<'a>(st: &'a State, q: &HashMap<String, String>) -> Result<&'a OrgConfig, Response> {
    let org_id = q
        .get("org_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request("Missing required query parameter org_id"))?;
    let deployment = q
        .get("deployment_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request("Missing required query parameter deployment_id"))?;
    let org = st
        .find_org(org_id)
        .ok_or_else(|| bad_request("Invalid org_id"))?;
    if let Some(url) = &org.switch_server_url {
        return Err(envelope("SwitchServer", json!({"newUrl": url})));
    }
    if !org.deployments.iter().any(|d| same_id(d, deployment)) {
        return Err(bad_request("Invalid deployment_id"));
    }
    Ok(org)
}

/// `[a,b]`, `a,b` or `["a","b"]`.
fn id_list(v: &str) -> Vec<String> {
    v.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn wants_ewt(q: &HashMap<String, String>, name: &str) -> bool {
    q.get(name)
        .is_some_and(|v| v.trim() == "1" || v.trim() == "true")
}

/// A Visitor GET: the API version header, then the org and deployment (or SwitchServer), then
/// `answer` with the org.
fn visitor_get(
    sh: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    answer: impl FnOnce(&OrgConfig) -> Answer,
) -> Answer {
    check_headers(headers, Need::Visitor)?;
    let st = sh.lock();
    answer(visitor_org(&st, q)?)
}

/// `isAvailable` (and `estimatedWaitTime` when asked for) on an available button's entry; an
/// offline button's entry has no `isAvailable` field at all.
fn add_availability(v: &mut Value, b: &ButtonConfig, ewt: bool) {
    if b.available {
        v["isAvailable"] = json!(true);
        if ewt {
            v["estimatedWaitTime"] = json!(b.estimated_wait_time);
        }
    }
}

pub(super) async fn settings(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let ping_rate_ms = sh.cfg.ping_rate.as_millis() as f64;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    visitor_get(&sh, &headers, &q, |org| {
        let ewt = wants_ewt(&q, "Settings.needEstimatedWaitTime");
        let wanted = q.get("Settings.buttonIds").map(|v| id_list(v));
        let buttons: Vec<Value> = org
            .buttons
            .iter()
            .filter(|b| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.iter().any(|id| same_id(id, &b.id)))
            })
            .map(|b| {
                let mut v = json!({"id": b.id, "type": b.button_type});
                if let Some(lang) = &b.language {
                    v["language"] = json!(lang);
                }
                add_availability(&mut v, b, ewt);
                v
            })
            .collect();
        Ok(envelope(
            "Settings",
            json!({
                "pingRate": ping_rate_ms,
                "contentServerUrl": format!("http://{host}/content"),
                "buttons": buttons,
            }),
        ))
    })
}

pub(super) async fn availability(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    visitor_get(&sh, &headers, &q, |org| {
        let Some(ids) = q.get("Availability.ids").map(|v| id_list(v)) else {
            return Err(bad_request(
                "Missing required query parameter Availability.ids",
            ));
        };
        let ewt = wants_ewt(&q, "Availability.needEstimatedWaitTime");
        let results: Vec<Value> = ids
            .iter()
            .map(|id| {
                let mut v = json!({"id": id});
                if let Some(b) = org.buttons.iter().find(|b| same_id(&b.id, id)) {
                    add_availability(&mut v, b, ewt);
                }
                v
            })
            .collect();
        Ok(envelope("Availability", json!({"results": results})))
    })
}

pub(super) async fn visitor_id(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    visitor_get(&sh, &headers, &q, |_| {
        Ok(envelope("VisitorId", json!({"sessionId": ids::uuid()})))
    })
}

pub(super) async fn breadcrumb(St(sh): St<AppState>, headers: HeaderMap, body: Bytes) -> Answer {
    let hdrs = check_headers(&headers, Need::Visitor)?;
    let body = json_body(&body)?;
    let Some(location) = body.as_ref().and_then(|b| str_field(b, "location")) else {
        return Err(bad_request(
            "Request is not a valid Breadcrumb - Breadcrumb requires a non-null value on the location property",
        ));
    };
    let location = location.to_string();
    let mut st = sh.lock();
    // With a session key, the breadcrumb goes to that chat's agent (NewVisitorBreadcrumb);
    // without one it is kept in a short list (`GET /_sim/breadcrumbs`).
    let key = header_str(&headers, H_SESSION_KEY).ok().flatten();
    match key.and_then(|k| live_by_key(&mut st, k).ok()) {
        Some(s) => {
            s.add_breadcrumb(location);
            s.record_received(hdrs.sequence, "Breadcrumb", body.unwrap_or(Value::Null));
        }
        None => st.add_orphan_breadcrumb(location),
    }
    Ok(ok())
}
