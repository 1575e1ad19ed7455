//! The root component ([`App`]): the launcher, the window and its header, and the stage the
//! journey is at (pre-chat, queue, chat, ended, offline).

use super::chat::{Composer, QueueView, TranscriptView, TypingIndicator};
use super::ctx::{Ctx, Stage};
use super::dynamic::{effect, either, flag, maybe, on_click, on_key, part, show, text};
use super::ended::{EndConfirm, EndedView, OfflineView};
use super::prechat::PrechatForm;
use crate::config::{Config, Dir};
use crate::driver::{Banner, ChatView, Connection, Intents};
use crate::labels::Labels;
#[cfg(feature = "miaw")]
use crate::session::Identity;
use leptos::prelude::*;

/// What the widget mounts with.
pub enum Setup {
    /// Valid settings: the whole widget, with its signals and intents.
    Ready {
        config: Box<Config>,
        view: Box<ChatView>,
        intents: Intents,
    },
    /// Bad settings: only a launcher that says chat is unavailable.
    Unavailable(Box<Labels>),
}

/// The widget's root component.
#[component]
pub fn App(setup: Setup) -> impl IntoView {
    match setup {
        Setup::Ready {
            config,
            view,
            intents,
        } => view! { <Widget config=*config view=*view intents /> }.into_any(),
        Setup::Unavailable(labels) => view! { <UnavailableLauncher labels=*labels /> }.into_any(),
    }
}

/// The launcher of a widget that cannot work.
#[component]
pub fn UnavailableLauncher(labels: Labels) -> impl IntoView {
    view! {
        <div class="chasitor" data-position="right" data-theme="light">
            <button
                type="button"
                class="launcher"
                part="launcher"
                data-unavailable="true"
                aria-disabled="true"
                aria-expanded="false"
            >
                <ChatIcon />
                <span class="launcher-label">{labels.unavailable().to_string()}</span>
            </button>
        </div>
    }
}

#[component]
fn Widget(config: Config, view: ChatView, intents: Intents) -> impl IntoView {
    let position = config.position.as_str();
    let theme = config.theme.as_str();
    let dir = dir(&config);
    let root: NodeRef<leptos::html::Div> = NodeRef::new();
    super::a11y::manage_focus(view.open, root);
    provide_context(Ctx::new(view, config, intents));
    #[cfg(feature = "miaw")]
    super::files::accept_drops(root);

    view! {
        <div
            class="chasitor"
            data-position=position
            data-theme=theme
            dir=dir
            data-open=text(move || view.open.get().to_string())
            node_ref=root
        >
            <ChatWindow />
            <Launcher />
        </div>
    }
}

#[component]
fn ChatIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
            <path
                fill="currentColor"
                d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.5 3.6A.9.9 0 0 1 3 20.9V6a2 2 0 0 1 1-2zm3 5.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"
            />
        </svg>
    }
}

#[component]
fn CloseIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path
                fill="none"
                stroke="currentColor"
                stroke-width="2.4"
                stroke-linecap="round"
                d="M6 9l6 6 6-6"
            />
        </svg>
    }
}

/// The launcher: opens and minimises the window; counts unread agent messages while closed.
#[component]
fn Launcher() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let open = view.open;
    let label = ctx.label(|l| l.launcher());
    let close_label = ctx.label(|l| l.launcher_close());
    let unread_label = ctx.label(|l| l.unread());
    let toggle = on_click(move |ev| {
        let now_open = !open.get_untracked();
        ctx.intents().set_open(now_open);
        if now_open {
            // Opened by the visitor: move the focus into the window.
            focus_first_input(ev.target());
        }
    });
    let aria_label = maybe(move || open.get().then(|| close_label.clone()));
    let show_unread = move || !open.get() && view.unread.get() != 0;
    let closed = move || {
        view! {
            <ChatIcon />
            <span class="launcher-label">{label.clone()}</span>
            <super::availability::Presence />
            <ConnectionStatus class="launcher-connection" part="launcher-connection" role=None />
        }
        .into_any()
    };
    let unread = move || {
        let unread_label = unread_label.clone();
        view! {
            <span
                class="unread"
                part="unread"
                aria-label=text(move || {
                    crate::labels::fill(&unread_label, &[("count", &view.unread.get().to_string())])
                })
            >
                {text(move || view.unread.get().to_string())}
            </span>
        }
        .into_any()
    };
    view! {
        <button
            type="button"
            class="launcher"
            part="launcher"
            aria-expanded=text(move || open.get().to_string())
            aria-label=aria_label
            data-available=maybe(move || view.available.get().map(|a| a.to_string()))
            on:click=toggle
        >
            {either(move || !open.get(), closed, || view! { <CloseIcon /> }.into_any())}
            {show(show_unread, unread)}
        </button>
    }
}

/// Focuses the first input of the window, once it has rendered. `target` is an element of the
/// widget (its shadow root is searched).
fn focus_first_input(target: Option<web_sys::EventTarget>) {
    use wasm_bindgen::JsCast;
    let Some(root) = target
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        .and_then(|n| n.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok())
    else {
        return;
    };
    request_animation_frame(move || {
        if let Ok(Some(el)) = root.query_selector(
            "[part~=window] input, [part~=window] textarea, [part~=window] [part~=new-chat]",
        ) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}

/// The chat window: header, then the part of the journey the chat is in.
#[component]
fn ChatWindow() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let stage = Memo::new(move |_| {
        if view.other_tab.get() {
            Stage::OtherTab
        } else {
            Stage::of(&view.state.get())
        }
    });
    let title = ctx.label(|l| l.title());
    let minimise = ctx.label(|l| l.minimise());
    let end_label = ctx.label(|l| l.end_chat());
    let idle = ctx.label(|l| l.idle_warning());

    let can_end = move || {
        matches!(stage.get(), Stage::Connecting | Stage::Queued | Stage::Chat)
            || between(stage.get())
    };
    // The confirm step goes away with the chat.
    effect(Box::new(move || {
        if !can_end() {
            ctx.confirming_end.set(false);
        }
    }));
    let subtitle = move || match stage.get() {
        Stage::Chat => view.agent.get().unwrap_or_default(),
        _ => String::new(),
    };
    #[cfg(feature = "miaw")]
    let inactive = ctx.label(|l| l.inactive());
    #[cfg(feature = "miaw")]
    let (sign_in, refused) = (
        ctx.label(|l| l.sign_in()),
        ctx.label(|l| l.identity_refused()),
    );
    let banner = move || {
        // A verified customers' deployment: sign in first; a refused identity, again.
        #[cfg(feature = "miaw")]
        match view.rich.get().identity {
            Some(Identity::Refused) => return Some(refused.clone()),
            Some(Identity::Wanted) if stage.get() == Stage::Prechat => {
                return Some(sign_in.clone())
            }
            _ => {}
        }
        view.banner.get().map(|b| match b {
            Banner::IdleWarning => idle.clone(),
            #[cfg(feature = "miaw")]
            Banner::Inactive => inactive.clone(),
        })
    };

    #[cfg(feature = "miaw")]
    let prechat_shown = move || stage.get() == Stage::Prechat && !signing_in(view);
    #[cfg(not(feature = "miaw"))]
    let prechat_shown = move || stage.get() == Stage::Prechat;
    view! {
        <section
            class="window"
            part="window"
            role="dialog"
            aria-modal="false"
            aria-labelledby="chasitor-title"
            hidden=flag(move || !view.open.get())
            on:keydown=on_key(move |ev| {
                if ev.key() == "Escape" {
                    ctx.intents().set_open(false);
                }
            })
        >
            <header class="header" part="header">
                <div class="header-text">
                    <h2 id="chasitor-title" class="title">{title}</h2>
                    <p class="subtitle">{text(subtitle)}</p>
                </div>
                {show(can_end, move || view! {
                    <button
                        type="button"
                        class="header-button end"
                        part="end"
                        aria-expanded=text(move || ctx.confirming_end.get().to_string())
                        on:click=on_click(move |_| ctx.confirming_end.update(|c| *c = !*c))
                    >
                        {end_label.clone()}
                    </button>
                }.into_any())}
                <button
                    type="button"
                    class="header-button icon-button"
                    part="close"
                    aria-label=minimise.clone()
                    title=minimise
                    on:click=on_click(move |_| ctx.intents().set_open(false))
                >
                    <CloseIcon />
                </button>
            </header>
            {show(
                move || ctx.confirming_end.get() && can_end(),
                || view! { <EndConfirm /> }.into_any(),
            )}
            <ConnectionStatus class="banner connection" part="connection" role=Some("status") />
            {part(move || {
                banner().map(|text| view! { <p class="banner" role="status">{text}</p> }.into_any())
            })}
            <div class="body">
                {show(prechat_shown, || view! { <PrechatForm /> }.into_any())}
                {show(
                    move || matches!(stage.get(), Stage::Connecting | Stage::Queued),
                    || view! { <QueueView /> }.into_any(),
                )}
                {show(
                    move || matches!(stage.get(), Stage::Queued | Stage::Chat | Stage::Ended) || between(stage.get()),
                    || view! { <TranscriptView /> }.into_any(),
                )}
                {session_ended(stage)}
                {show(
                    move || stage.get() == Stage::Chat && view.agent_typing.get(),
                    || view! { <TypingIndicator /> }.into_any(),
                )}
                {show(
                    move || matches!(stage.get(), Stage::Queued | Stage::Chat) || writing_again(ctx),
                    || view! { <Composer /> }.into_any(),
                )}
                {show(move || stage.get() == Stage::Ended, || view! { <EndedView /> }.into_any())}
                {show(move || stage.get() == Stage::Offline, || view! { <OfflineView /> }.into_any())}
                {show(
                    move || stage.get() == Stage::OtherTab,
                    || view! { <super::other_tab::OtherTabNotice /> }.into_any(),
                )}
            </div>
        </section>
    }
}

/// The widget's text direction: `data-dir`, else the host page's `dir` (on `<html>` or
/// `<body>`), else the language's.
/// Enhanced Chat: between two messaging sessions.
fn between(stage: Stage) -> bool {
    #[cfg(feature = "miaw")]
    return stage == Stage::SessionEnded;
    #[cfg(not(feature = "miaw"))]
    {
        let _ = stage;
        false
    }
}

/// Enhanced Chat: between two sessions with no form to answer first: the composer starts the
/// next session.
fn writing_again(ctx: Ctx) -> bool {
    #[cfg(feature = "miaw")]
    return matches!(
        ctx.view.state.get(),
        crate::session::ChatState::SessionEnded { form: false, .. }
    );
    #[cfg(not(feature = "miaw"))]
    {
        let _ = ctx;
        false
    }
}

/// Enhanced Chat: who ended the session, the way on (and the session's pre-chat form when the
/// deployment asks it every session).
#[cfg(feature = "miaw")]
fn session_ended(stage: Memo<Stage>) -> impl IntoView {
    show(
        move || stage.get() == Stage::SessionEnded,
        || view! { <super::session_ended::SessionEndedView /> }.into_any(),
    )
}

#[cfg(not(feature = "miaw"))]
fn session_ended(_: Memo<Stage>) {}

pub fn dir(config: &Config) -> &'static str {
    if let Some(d) = config.options.dir {
        return d.as_str();
    }
    let document = web_sys::window().and_then(|w| w.document());
    let page = document.as_ref().and_then(|d| {
        let html = d.document_element().and_then(|e| e.get_attribute("dir"));
        let body = d.body().and_then(|b| b.get_attribute("dir"));
        body.filter(|v| !v.is_empty())
            .or(html)
            .map(|v| v.to_ascii_lowercase())
    });
    match page.as_deref() {
        Some("rtl") => Dir::Rtl.as_str(),
        Some("ltr") => Dir::Ltr.as_str(),
        _ if config.labels.rtl => Dir::Rtl.as_str(),
        _ => Dir::Ltr.as_str(),
    }
}

/// The text of a connection trouble.
fn connection_text(labels: &Labels, connection: Connection) -> String {
    match connection {
        Connection::Offline => labels.connection_lost().to_string(),
        Connection::Retrying => labels.connection_problem().to_string(),
        Connection::Reconnecting => labels.reconnecting().to_string(),
    }
}

/// The connection's trouble, while there is some (the visitor's network is down, requests are
/// retried, the chat is being found again); gone when it is back. In the window a status line
/// (part `connection`); on the minimised launcher an amber dot whose text only screen readers
/// read (part `launcher-connection`). One component for both: the view code is made once.
#[component]
fn ConnectionStatus(
    class: &'static str,
    part: &'static str,
    role: Option<&'static str>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let labels = ctx.labels();
    super::dynamic::part(move || {
        ctx.view.connection.get().map(|c| {
            view! {
                <span class=class part=part role=role data-connection=c.as_str()>
                    {connection_text(&labels, c)}
                </span>
            }
            .into_any()
        })
    })
}

/// A verified customers' deployment waits for the site to say who the customer is (or to say
/// it again): no pre-chat form meanwhile.
#[cfg(feature = "miaw")]
fn signing_in(view: ChatView) -> bool {
    matches!(
        view.rich.get().identity,
        Some(Identity::Wanted | Identity::Refused)
    )
}
