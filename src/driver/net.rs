//! The engines' HTTP requests, through `fetch` (gloo-net), with an abort signal: a Live Agent
//! request or an Enhanced Chat one answered whole, or the Enhanced Chat event stream read as it
//! arrives. Every failure is a value ([`Outcome::Network`]), never a panic.

use crate::live_agent::engine::HttpRequest;
#[cfg(feature = "miaw")]
use crate::miaw::engine::Request as MiawRequest;
use crate::session::{Method, Outcome};
use gloo_net::http::{Request, Response};
#[cfg(feature = "miaw")]
use js_sys::{Reflect, Uint8Array};
#[cfg(feature = "miaw")]
use wasm_bindgen::JsCast;
#[cfg(feature = "miaw")]
use wasm_bindgen_futures::JsFuture;
#[cfg(feature = "miaw")]
use web_sys::ReadableStreamDefaultReader;
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

/// One request, whichever API: what goes on the wire.
struct Parts<'a> {
    method: Method,
    path: &'a str,
    query: &'a [(String, String)],
    headers: &'a [(&'static str, String)],
    body: Option<&'a str>,
}

/// Sends the request; the response once its headers are in.
async fn send(
    endpoint: &str,
    parts: Parts<'_>,
    signal: Option<&AbortSignal>,
) -> Result<Response, Outcome> {
    let url = url(endpoint, parts.path, parts.query);
    let builder = match parts.method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Delete => Request::delete(&url),
    };
    let mut builder = builder.abort_signal(signal).cache(RequestCache::NoStore);
    for (name, value) in parts.headers {
        builder = builder.header(name, value);
    }
    let request = match parts.body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_string()),
        None => builder.build(),
    };
    let request =
        request.map_err(|e| Outcome::Network(format!("could not build the request: {e}")))?;
    request
        .send()
        .await
        .map_err(|e| Outcome::Network(e.to_string()))
}

/// The whole answer.
async fn whole(response: Response) -> Outcome {
    let status = response.status();
    match response.text().await {
        Ok(body) => Outcome::Http { status, body },
        Err(e) => Outcome::Network(format!("the answer broke off: {e}")),
    }
}

/// Issues a Live Agent request against `endpoint` and waits for the whole answer.
pub async fn fetch(endpoint: &str, req: &HttpRequest, signal: Option<&AbortSignal>) -> Outcome {
    let parts = Parts {
        method: req.method,
        path: &req.path,
        query: &req.query,
        headers: &req.headers,
        body: req.body.as_deref(),
    };
    match send(endpoint, parts, signal).await {
        Ok(response) => whole(response).await,
        Err(outcome) => outcome,
    }
}

/// Issues an Enhanced Chat request against the SCRT2 URL. A stream's 200 answer is read as it
/// arrives: `on_chunk` gets an empty chunk when the headers are in, then each piece of the body;
/// the outcome says how it ended (a 200 with an empty body: the server closed it). Any other
/// answer comes whole.
#[cfg(feature = "miaw")]
pub async fn fetch_miaw(
    endpoint: &str,
    req: &MiawRequest,
    signal: Option<&AbortSignal>,
    mut on_chunk: impl FnMut(Vec<u8>),
) -> Outcome {
    let parts = Parts {
        method: req.method,
        path: &req.path,
        query: &req.query,
        headers: &req.headers,
        body: req.body.as_deref(),
    };
    let response = match send(endpoint, parts, signal).await {
        Ok(response) => response,
        Err(outcome) => return outcome,
    };
    // A download (the server's transcript): a 2xx answer's body saved as a file, not read.
    if let (Some(name), true) = (&req.save_as, response.ok()) {
        let status = response.status();
        let raw: web_sys::Response = response.into();
        let saved = match raw.blob() {
            Ok(p) => JsFuture::from(p)
                .await
                .and_then(|blob| super::download::save(name, blob.unchecked_ref())),
            Err(e) => Err(e),
        };
        return match saved {
            Ok(()) => Outcome::Http {
                status,
                body: String::new(),
            },
            Err(e) => Outcome::Network(format!("the download failed: {e:?}")),
        };
    }
    if !req.stream || response.status() != 200 {
        return whole(response).await;
    }
    on_chunk(Vec::new());
    let Some(body) = response.body() else {
        return Outcome::Http {
            status: 200,
            body: String::new(),
        };
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    loop {
        let read = match JsFuture::from(reader.read()).await {
            Ok(read) => read,
            Err(e) => {
                let detail = e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "the stream broke off".to_string());
                return Outcome::Network(detail);
            }
        };
        let done = Reflect::get(&read, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Outcome::Http {
                status: 200,
                body: String::new(),
            };
        }
        if let Ok(value) = Reflect::get(&read, &"value".into()) {
            if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
                on_chunk(bytes.to_vec());
            }
        }
    }
}
