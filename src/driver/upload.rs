//! The visitor's files: held here while the page lives (the core knows each by a key), and
//! uploaded with `XMLHttpRequest` (fetch reports no upload progress): `multipart/form-data` with
//! the JSON `messageEntry` and the file as `fileData`. The browser streams the file from disk:
//! nothing reads it into a JavaScript string or the wasm memory.

use super::net::url;
use crate::miaw::engine::Request;
use crate::session::{FileInfo, Outcome};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob, BlobPropertyBag, File, FormData, ProgressEvent, XmlHttpRequest};

thread_local! {
    /// The files the visitor chose on this page, by key.
    static FILES: RefCell<Vec<(u64, File)>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `file` for its upload (and a retry); what the core is told of it.
pub fn hold(file: File) -> FileInfo {
    // Unique across reloads: a row from an earlier page never names a file of this one.
    let key = (js_sys::Date::now() as u64).wrapping_mul(1000)
        + FILES.with(|f| f.borrow().len() as u64 % 1000);
    let info = FileInfo {
        key,
        name: file.name(),
        mime: file.type_(),
        size: file.size() as u64,
    };
    FILES.with(|f| f.borrow_mut().push((key, file)));
    info
}

/// Whether the file `key` is still here (chosen on this page).
pub fn holds(key: u64) -> bool {
    FILES.with(|f| f.borrow().iter().any(|(k, _)| *k == key))
}

fn file(key: u64) -> Option<File> {
    FILES.with(|f| {
        f.borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| f.clone())
    })
}

/// Uploads `req`'s file against the SCRT2 URL; `on_progress(loaded, total)` as it goes. The
/// answer whole; a network failure or an abort (through `signal`) as [`Outcome::Network`].
pub async fn upload(
    endpoint: &str,
    req: &Request,
    signal: Option<&AbortSignal>,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Outcome {
    match send(endpoint, req, signal, on_progress).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Network(
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| e.as_string())
                .unwrap_or_else(|| "the upload failed".into()),
        ),
    }
}

async fn send(
    endpoint: &str,
    req: &Request,
    signal: Option<&AbortSignal>,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<Outcome, JsValue> {
    let info = req.file.as_ref().ok_or("no file")?;
    let Some(file) = file(info.key) else {
        return Ok(Outcome::Network(
            "the file is no longer there (the page was reloaded): choose it again".into(),
        ));
    };
    let form = FormData::new()?;
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let parts = js_sys::Array::of1(&req.body.clone().unwrap_or_default().into());
    let entry = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    form.append_with_blob("messageEntry", &entry)?;
    form.append_with_blob_and_filename("fileData", &file, &file.name())?;

    let xhr = XmlHttpRequest::new()?;
    xhr.open("POST", &url(endpoint, &req.path, &req.query))?;
    for (name, value) in &req.headers {
        xhr.set_request_header(name, value)?;
    }
    let mut resolve = None;
    let done = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
    let resolve = resolve.ok_or("no promise")?;
    // `loadend` fires once, after a load, an error or an abort: it resolves the promise. The
    // abort signal calls the request's own `abort` (JavaScript functions, no Rust closures).
    xhr.set_onloadend(Some(&resolve));
    let on_step = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        on_progress(e.loaded(), e.total())
    });
    xhr.upload()?
        .set_onprogress(Some(on_step.as_ref().unchecked_ref()));
    let abort = super::js::get(&xhr, "abort")
        .dyn_into::<js_sys::Function>()?
        .bind0(&xhr);
    if let Some(signal) = signal {
        signal.add_event_listener_with_callback("abort", &abort)?;
    }
    xhr.send_with_opt_form_data(Some(&form))?;
    JsFuture::from(done).await?;
    if let Some(signal) = signal {
        let _ = signal.remove_event_listener_with_callback("abort", &abort);
    }
    let status = xhr.status()?;
    Ok(if status == 0 {
        Outcome::Network("the upload broke off".into())
    } else {
        Outcome::Http {
            status,
            body: xhr.response_text()?.unwrap_or_default(),
        }
    })
}
