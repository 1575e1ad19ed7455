//! One HTTP request of the engine, through `fetch` (gloo-net), with an abort signal. Every
//! failure is a value ([`Outcome::Network`]), never a panic.

use crate::engine::{HttpRequest, Outcome};
use crate::protocol::Method;
use gloo_net::http::Request;
use web_sys::{AbortSignal, RequestCache};

/// `endpoint` + `path` + the percent-encoded query.
pub fn url(endpoint: &str, path: &str, query: &[(String, String)]) -> String {
    let mut url = format!("{endpoint}{path}");
    for (i, (name, value)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&String::from(js_sys::encode_uri_component(name)));
        url.push('=');
        url.push_str(&String::from(js_sys::encode_uri_component(value)));
    }
    url
}

/// Issues `req` against `endpoint` and waits for the whole answer.
pub async fn fetch(endpoint: &str, req: &HttpRequest, signal: Option<&AbortSignal>) -> Outcome {
    let url = url(endpoint, &req.path, &req.query);
    let builder = match req.method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Delete => Request::delete(&url),
    };
    let mut builder = builder.abort_signal(signal).cache(RequestCache::NoStore);
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let request = match &req.body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.clone()),
        None => builder.build(),
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => return Outcome::Network(format!("could not build the request: {e}")),
    };
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            match response.text().await {
                Ok(body) => Outcome::Http { status, body },
                Err(e) => Outcome::Network(format!("the answer broke off: {e}")),
            }
        }
        Err(e) => Outcome::Network(e.to_string()),
    }
}
