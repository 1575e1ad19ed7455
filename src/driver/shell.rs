//! The one loop: a single owner of the core and of every browser handle (fetches with their
//! AbortControllers, the one timer, the Web Locks held, the tabs' channel, the listeners, the
//! mounted view). Browser callbacks only push a [`Command`] onto a local queue and run the loop;
//! a callback that fires while the loop runs (a site listener calling `Chasitor.close()`, say)
//! finds its command queued and handled before the loop returns, so re-entry can never drop an
//! input or a save. Teardown ([`Command::Destroy`]) removes everything the loop added.

use super::net;
use super::site_events::SiteListeners;
use super::storage::SessionStore;
use super::view::ViewWriter;
use crate::core::transcript::Write;
use crate::core::{Core, Effect, Input, LockMode, Millis, Output, RequestId};
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortController;

/// The sessionStorage prefix of every key the widget writes.
pub const STORAGE_PREFIX: &str = "chasitor:";
/// The longest a timer is set for at once (setTimeout takes an i32).
const MAX_TIMER_MS: u64 = 3_600_000;

/// What the loop is asked to do.
pub enum Command {
    /// An input for the core.
    Core(Input),
    /// A Web Lock was granted for `generation`; `release` lets it go.
    LockHeld { generation: u64, release: Function },
    /// A site listener: `Chasitor.on(name, f)`.
    On(String, Function),
    /// `Chasitor.off(name, f)` (every listener of `name` when `f` is undefined).
    Off(String, JsValue),
    /// The loader's queued calls are replayed: `ready` fires.
    Ready,
    /// `Chasitor.destroy()`: tear everything down, leave the chat resumable.
    Destroy,
}

/// Now, in ms since the epoch.
pub fn now_ms() -> Millis {
    let now = js_sys::Date::now();
    if now.is_finite() && now > 0.0 {
        now as Millis
    } else {
        0
    }
}

fn random_u32() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

/// A random id for this page among the tabs.
pub fn random_id() -> String {
    format!("{:08x}{:08x}", random_u32(), random_u32())
}

/// `navigator.locks`, if the browser has Web Locks.
pub fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    request.is_function().then_some(locks)
}

/// An event listener the loop added, removed at teardown.
struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

/// Everything the loop owns.
pub struct Owner {
    pub core: Core,
    view: ViewWriter,
    store: SessionStore,
    endpoint: String,
    /// Fetches on their way (a handful at most), with the controller that aborts each.
    fetches: Vec<(RequestId, AbortController)>,
    timer: Option<(i32, Millis)>,
    timer_callback: Option<Closure<dyn FnMut()>>,
    /// Web Locks held, by generation: calling the function lets the lock go.
    locks: Vec<(u64, Function)>,
    channel: Option<web_sys::BroadcastChannel>,
    channel_callback: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    listeners: Vec<Listener>,
    /// `history.pushState` / `replaceState` as they were, and the wrappers put in their place.
    history: Vec<(&'static str, JsValue, JsValue)>,
    pub site: SiteListeners,
    /// What to run at teardown after the rest (unmounting the view, removing the host).
    on_teardown: Vec<Box<dyn FnOnce()>>,
}

/// The loop's shared state: the queue, the running flag, the owner (gone after teardown).
pub struct Shell {
    queue: RefCell<VecDeque<Command>>,
    running: Cell<bool>,
    owner: RefCell<Option<Owner>>,
}

/// A cheap handle on the loop: what callbacks and the UI hold.
#[derive(Clone)]
pub struct Handle(Weak<Shell>);

impl Handle {
    /// Queues `command` and runs the loop (unless it runs already: then it takes the command
    /// before it returns). Nothing happens after teardown.
    pub fn send(&self, command: Command) {
        if let Some(shell) = self.0.upgrade() {
            shell.queue.borrow_mut().push_back(command);
            Shell::run(&shell);
        }
    }

    /// An input for the core.
    pub fn input(&self, input: Input) {
        self.send(Command::Core(input));
    }

    /// Whether the loop is still there (not torn down).
    pub fn alive(&self) -> bool {
        self.0
            .upgrade()
            .is_some_and(|s| s.owner.try_borrow().map_or(true, |o| o.is_some()))
    }
}

impl Shell {
    /// The loop around `core`, writing `view`. Keep the returned `Rc` alive as long as the widget
    /// is (the handles only hold weak references).
    pub fn new(core: Core, view: ViewWriter, endpoint: String, store: SessionStore) -> Rc<Shell> {
        let shell = Rc::new(Shell {
            queue: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            owner: RefCell::new(None),
        });
        let owner = Owner {
            core,
            view,
            store,
            endpoint,
            fetches: Vec::new(),
            timer: None,
            timer_callback: None,
            locks: Vec::new(),
            channel: None,
            channel_callback: None,
            listeners: Vec::new(),
            history: Vec::new(),
            site: SiteListeners::default(),
            on_teardown: Vec::new(),
        };
        *shell.owner.borrow_mut() = Some(owner);
        let handle = Shell::handle(&shell);
        // As in `run`: a callback during the first drain (a storage write that fails, say) only
        // queues its command, taken right after.
        shell.running.set(true);
        if let Some(owner) = shell.owner.borrow_mut().as_mut() {
            owner.listen(&handle);
            owner.drain(&handle);
        }
        shell.running.set(false);
        Shell::run(&shell);
        shell
    }

    pub fn handle(shell: &Rc<Shell>) -> Handle {
        Handle(Rc::downgrade(shell))
    }

    /// Something to run at teardown (after everything else is gone).
    pub fn on_teardown(shell: &Rc<Shell>, f: impl FnOnce() + 'static) {
        if let Some(owner) = shell.owner.borrow_mut().as_mut() {
            owner.on_teardown.push(Box::new(f));
        }
    }

    fn run(shell: &Rc<Shell>) {
        if shell.running.replace(true) {
            return;
        }
        let handle = Shell::handle(shell);
        loop {
            let Some(command) = shell.queue.borrow_mut().pop_front() else {
                break;
            };
            let mut slot = shell.owner.borrow_mut();
            let Some(owner) = slot.as_mut() else {
                // Torn down: a late callback. A lock granted now is let go at once.
                if let Command::LockHeld { release, .. } = command {
                    let _ = release.call0(&JsValue::UNDEFINED);
                }
                continue;
            };
            match command {
                Command::Core(input) => {
                    if let Input::Answer { id, .. } = &input {
                        // Settled: nothing to abort any more.
                        owner.fetches.retain(|(f, _)| f != id);
                    }
                    owner.core.handle(input, now_ms(), random_u32());
                    owner.drain(&handle);
                }
                Command::LockHeld {
                    generation,
                    release,
                } => {
                    owner.locks.push((generation, release));
                    owner.core.handle(
                        Input::LockAnswer {
                            generation,
                            got: true,
                        },
                        now_ms(),
                        0,
                    );
                    owner.drain(&handle);
                }
                Command::On(name, f) => owner.site.on(name, f),
                Command::Off(name, f) => owner.site.off(&name, &f),
                Command::Ready => owner.site.ready(),
                Command::Destroy => {
                    owner.core.handle(Input::Shutdown, now_ms(), 0);
                    owner.drain(&handle);
                    let owner = slot.take();
                    drop(slot);
                    if let Some(owner) = owner {
                        owner.teardown();
                    }
                    shell.queue.borrow_mut().clear();
                }
            }
        }
        shell.running.set(false);
    }
}

impl Owner {
    /// Does what the core asks, in its order, then sets the one timer.
    fn drain(&mut self, handle: &Handle) {
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::Abort(id) => {
                    if let Some(i) = self.fetches.iter().position(|(f, _)| *f == id) {
                        self.fetches.swap_remove(i).1.abort();
                    }
                }
                Output::Request(req) => self.fetch(req, handle),
                #[cfg(feature = "miaw")]
                Output::Fetch(req) => self.fetch_miaw(req, handle),
                Output::Effect(effect) => self.effect(effect, handle),
                Output::View(change) => self.view.apply(change),
            }
        }
        self.schedule(handle);
    }

    /// The abort signal of a new fetch `id`, its controller kept until the answer or teardown.
    fn abort_signal(&mut self, id: RequestId) -> Option<web_sys::AbortSignal> {
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        self.fetches.push((id, controller));
        Some(signal)
    }

    fn fetch(&mut self, req: crate::live_agent::engine::HttpRequest, handle: &Handle) {
        let signal = self.abort_signal(req.id);
        let endpoint = self.endpoint.clone();
        let handle = handle.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = net::fetch(&endpoint, &req, signal.as_ref()).await;
            handle.input(Input::Answer {
                id: req.id,
                outcome,
            });
        });
    }

    #[cfg(feature = "miaw")]
    fn fetch_miaw(&mut self, req: crate::miaw::engine::Request, handle: &Handle) {
        let signal = self.abort_signal(req.id);
        let endpoint = self.endpoint.clone();
        let handle = handle.clone();
        if req.file.is_some() {
            wasm_bindgen_futures::spawn_local(async move {
                let id = req.id;
                let progress = handle.clone();
                let on_progress = move |loaded, total| {
                    progress.input(Input::Progress { id, loaded, total });
                };
                let outcome =
                    super::upload::upload(&endpoint, &req, signal.as_ref(), on_progress).await;
                handle.input(Input::Answer { id, outcome });
            });
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            let id = req.id;
            let on_chunk = |bytes| handle.input(Input::Chunk { id, bytes });
            let outcome = net::fetch_miaw(&endpoint, &req, signal.as_ref(), on_chunk).await;
            handle.input(Input::Answer { id, outcome });
        });
    }

    fn effect(&mut self, effect: Effect, handle: &Handle) {
        match effect {
            Effect::Store(Write { key, value }) => {
                let written = match value {
                    Some(json) => self.store.set_raw(&key, &json),
                    None => {
                        self.store.remove(&key);
                        Ok(())
                    }
                };
                if let Err(e) = written {
                    web_sys::console::warn_1(&format!("chasitor: {e}").into());
                    handle.input(Input::StorageFailed);
                }
            }
            Effect::RequestLock {
                name,
                mode,
                generation,
            } => request_lock(&name, mode, generation, handle),
            Effect::ReleaseLock { generation } => {
                if let Some(i) = self.locks.iter().position(|(g, _)| *g == generation) {
                    let _ = self.locks.swap_remove(i).1.call0(&JsValue::UNDEFINED);
                }
            }
            Effect::Broadcast(text) => {
                if let Some(channel) = &self.channel {
                    let _ = channel.post_message(&JsValue::from_str(&text));
                }
            }
            Effect::Site(event) => self.site.emit_event(&event),
            Effect::Beep => super::sound::beep(),
            Effect::Warn(text) => web_sys::console::warn_1(&text.into()),
            Effect::Error(text) => web_sys::console::error_1(&text.into()),
            #[cfg(feature = "miaw")]
            Effect::NeedIdentity => {
                let handle = handle.clone();
                super::identity::refresh(Box::new(move |token| {
                    handle.input(Input::Identify(token))
                }));
            }
        }
    }

    /// One timer, for the core's next deadline.
    fn schedule(&mut self, handle: &Handle) {
        let deadline = self.core.next_deadline();
        if let Some((id, at)) = self.timer {
            if Some(at) == deadline {
                return;
            }
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(id);
            }
            self.timer = None;
        }
        let (Some(at), Some(window)) = (deadline, web_sys::window()) else {
            return;
        };
        let callback = self.timer_callback.get_or_insert_with(|| {
            let handle = handle.clone();
            Closure::new(move || handle.send(Command::Core(Input::Tick)))
        });
        let wait = at.saturating_sub(now_ms()).min(MAX_TIMER_MS) as i32;
        if let Ok(id) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.as_ref().unchecked_ref(),
            wait,
        ) {
            self.timer = Some((id, at));
        }
    }

    fn add_listener(
        &mut self,
        target: web_sys::EventTarget,
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        if target
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .is_ok()
        {
            self.listeners.push(Listener {
                target,
                event,
                callback,
            });
        }
    }

    /// The browser's inputs: the tabs' channel, the page going away or hidden, navigation.
    fn listen(&mut self, handle: &Handle) {
        if let Ok(channel) = web_sys::BroadcastChannel::new(crate::core::tabs::CHANNEL) {
            let h = handle.clone();
            let callback = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |ev: web_sys::MessageEvent| {
                    if let Some(text) = ev.data().as_string() {
                        h.input(Input::TabMessage(text));
                    }
                },
            );
            channel.set_onmessage(Some(callback.as_ref().unchecked_ref()));
            self.channel = Some(channel);
            self.channel_callback = Some(callback);
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let h = handle.clone();
        self.add_listener(window.clone().into(), "pagehide", move |_| {
            h.input(Input::PageHide)
        });
        if let Some(document) = window.document() {
            let h = handle.clone();
            let d = document.clone();
            self.add_listener(document.into(), "visibilitychange", move |_| {
                h.input(Input::Visibility { hidden: d.hidden() })
            });
        }
        for (event, online) in [("online", true), ("offline", false)] {
            let h = handle.clone();
            self.add_listener(window.clone().into(), event, move |_| {
                h.input(Input::Online(online))
            });
        }
        if let Some(document) = window.document() {
            for (event, frozen) in [("freeze", true), ("resume", false)] {
                let h = handle.clone();
                self.add_listener(document.clone().into(), event, move |_| {
                    h.input(Input::Frozen(frozen))
                });
            }
        }
        for event in ["popstate", "hashchange"] {
            let h = handle.clone();
            self.add_listener(window.clone().into(), event, move |_| {
                h.input(Input::Navigated(current_url()))
            });
        }
        self.wrap_history(&window, handle);
    }

    /// Wraps `history.pushState` / `replaceState`: a single-page app's navigation is a
    /// breadcrumb.
    fn wrap_history(&mut self, window: &web_sys::Window, handle: &Handle) {
        let history: JsValue = Reflect::get(window, &"history".into()).unwrap_or_default();
        for name in ["pushState", "replaceState"] {
            let Ok(original) =
                Reflect::get(&history, &name.into()).and_then(|f| f.dyn_into::<Function>())
            else {
                continue;
            };
            let h = history.clone();
            let handle = handle.clone();
            let o = original.clone();
            let wrapped =
                Closure::<dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                    move |state: JsValue, unused: JsValue, url: JsValue| {
                        let args = if url.is_undefined() {
                            js_sys::Array::of2(&state, &unused)
                        } else {
                            js_sys::Array::of3(&state, &unused, &url)
                        };
                        let result = Reflect::apply(&o, &h, &args);
                        handle.input(Input::Navigated(current_url()));
                        result
                    },
                )
                .into_js_value();
            if Reflect::set(&history, &name.into(), &wrapped).is_ok() {
                self.history.push((name, original.into(), wrapped));
            }
        }
    }

    /// Removes everything the loop added: fetches aborted, the timer cleared, locks let go, the
    /// channel closed, listeners removed, history restored (where nobody wrapped it since).
    fn teardown(mut self) {
        for (_, controller) in self.fetches.drain(..) {
            controller.abort();
        }
        if let (Some((id, _)), Some(w)) = (self.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
        for (_, release) in self.locks.drain(..) {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
        if let Some(channel) = self.channel.take() {
            channel.set_onmessage(None);
            channel.close();
        }
        for l in self.listeners.drain(..) {
            let _ = l
                .target
                .remove_event_listener_with_callback(l.event, l.callback.as_ref().unchecked_ref());
        }
        if let Some(window) = web_sys::window() {
            let history: JsValue = Reflect::get(&window, &"history".into()).unwrap_or_default();
            for (name, original, wrapped) in self.history.drain(..) {
                let current = Reflect::get(&history, &name.into()).unwrap_or_default();
                if current == wrapped {
                    let _ = Reflect::set(&history, &name.into(), &original);
                }
            }
        }
        for f in self.on_teardown.drain(..) {
            f();
        }
    }
}

fn current_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// `navigator.locks.request(name, options, callback)`: the answer comes back as
/// [`Command::LockHeld`] (the lock is held until its release function is called) or
/// `Input::LockAnswer { got: false }`, and a stolen lock as `Input::LockLost`.
fn request_lock(name: &str, mode: LockMode, generation: u64, handle: &Handle) {
    let Some(locks) = lock_manager() else {
        handle.input(Input::LockAnswer {
            generation,
            got: true,
        });
        return;
    };
    let h = handle.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() || lock.is_undefined() {
            h.input(Input::LockAnswer {
                generation,
                got: false,
            });
            return Promise::resolve(&JsValue::UNDEFINED).into();
        }
        let mut release = None;
        let hold = Promise::new(&mut |resolve, _reject| release = Some(resolve));
        match release {
            Some(release) if h.alive() => h.send(Command::LockHeld {
                generation,
                release,
            }),
            _ => return Promise::resolve(&JsValue::UNDEFINED).into(),
        }
        hold.into()
    });
    let options = Object::new();
    let key = match mode {
        LockMode::IfAvailable => Some("ifAvailable"),
        LockMode::Steal => Some("steal"),
        LockMode::Wait => None,
    };
    if let Some(key) = key {
        let _ = Reflect::set(&options, &key.into(), &JsValue::TRUE);
    }
    let promise = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .map(|f| f.call3(&locks, &name.into(), &options, &callback));
    match promise {
        Some(Ok(p)) => {
            let h = handle.clone();
            let p: Promise = p.unchecked_into();
            wasm_bindgen_futures::spawn_local(async move {
                // Settles when the lock goes: released (fine), or stolen by another tab.
                if wasm_bindgen_futures::JsFuture::from(p).await.is_err() {
                    h.input(Input::LockLost { generation });
                }
            });
        }
        _ => {
            // The page may not use Web Locks (e.g. a sandboxed frame): go on alone.
            web_sys::console::warn_1(
                &"chasitor: Web Locks are not available here; a duplicated tab may end the chat"
                    .into(),
            );
            handle.input(Input::LockAnswer {
                generation,
                got: true,
            });
        }
    }
}
