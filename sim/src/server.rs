//! The HTTP server: routes, layers and an accept loop on hyper that can close a connection without
//! answering (the drop fault).

use crate::chat_api::{self, DropConnection};
use crate::config::SimConfig;
use crate::control_api;
use crate::miaw_api;
use crate::state::{AppState, Shared};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

const CONSOLE: &str = include_str!("console.html");

/// The whole application: chat API, control API, agent console, static files, CORS, logging.
pub fn app(sh: AppState) -> Router {
    let chat = chat_api::router().layer(from_fn_with_state(sh.clone(), chat_api::middleware));
    // Enhanced Chat has its own middleware and CORS (merged after the Live Agent CORS layer, so
    // that one does not answer its preflights).
    let miaw = miaw_api::router(&sh).with_state(sh.clone());
    let files = miaw_api::files_router(&sh).with_state(sh.clone());
    let mut app = Router::new()
        .merge(chat)
        .merge(control_api::router())
        .route("/agent", get(|| async { Html(CONSOLE) }))
        .route("/agent/", get(|| async { Html(CONSOLE) }))
        .with_state(sh.clone());
    if let Some(dir) = &sh.cfg.static_dir {
        app = app.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    }
    if let Some(origin) = &sh.cfg.cors_origin {
        match HeaderValue::from_str(origin) {
            Ok(origin) => {
                let cors = CorsLayer::new()
                    .allow_origin(AllowOrigin::list([origin]))
                    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                    .allow_headers([
                        HeaderName::from_static(chat_api::H_API_VERSION),
                        HeaderName::from_static(chat_api::H_AFFINITY),
                        HeaderName::from_static(chat_api::H_SESSION_KEY),
                        HeaderName::from_static(chat_api::H_SEQUENCE),
                        header::CONTENT_TYPE,
                    ])
                    .max_age(Duration::from_secs(600));
                app = app.layer(cors);
            }
            Err(_) => eprintln!("chasitor-sim: ignoring invalid --cors-origin {origin:?}"),
        }
    }
    app = app.merge(miaw).merge(files);
    if sh.cfg.log {
        app = app.layer(from_fn(chat_api::print_log));
    }
    app
}

#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the drop fault")
    }
}

impl std::error::Error for DroppedByFault {}

async fn serve_connection(app: Router, stream: TcpStream) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        async move {
            let resp = match app.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                // An error from the service makes hyper close the connection without writing
                // anything: the client sees a network error, not an HTTP answer.
                Err(DroppedByFault)
            } else {
                Ok(resp)
            }
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn reaper(sh: AppState) {
    let tick = (sh.cfg.idle_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    loop {
        tokio::time::sleep(tick).await;
        sh.lock().reap(sh.cfg.idle_timeout);
    }
}

/// Enhanced Chat's customer inactivity: checked every 200 ms (only run when a deployment sets
/// `customerInactivitySeconds`).
async fn inactivity(sh: AppState) {
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sh.lock().miaw.check_inactivity();
    }
}

async fn run(
    sh: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app(sh.clone());
    let reaper = tokio::spawn(reaper(sh.clone()));
    let inactivity = sh
        .cfg
        .miaw
        .iter()
        .any(|d| d.customer_inactivity_seconds.is_some())
        .then(|| tokio::spawn(inactivity(sh.clone())));
    let mut conns = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(app.clone(), stream));
                }
                Err(e) => {
                    // E.g. out of file descriptors: wait a little instead of spinning.
                    eprintln!("chasitor-sim: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    reaper.abort();
    if let Some(task) = inactivity {
        task.abort();
    }
    conns.abort_all();
    Ok(())
}

/// Serves the simulator on `listener` until the process ends.
pub async fn serve(cfg: SimConfig, listener: TcpListener) -> std::io::Result<()> {
    run(Shared::new(cfg), listener, std::future::pending()).await
}

/// A simulator running in the background (for tests). Dropping it stops the server.
pub struct SimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/chat/rest`: the Chat API endpoint a client is configured with.
    pub fn chat_url(&self) -> String {
        format!("http://{}/chat/rest", self.addr)
    }

    /// `http://127.0.0.1:PORT/_sim`
    pub fn control_url(&self) -> String {
        format!("http://{}/_sim", self.addr)
    }

    /// Stops accepting, closes every connection and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the simulator on an ephemeral port of 127.0.0.1.
pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start_on(cfg, listener)
}

/// Starts the simulator in the background on `listener`.
pub fn start_on(cfg: SimConfig, listener: TcpListener) -> std::io::Result<SimHandle> {
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(run(Shared::new(cfg), listener, async move {
        let _ = rx.await;
    }));
    Ok(SimHandle {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}
