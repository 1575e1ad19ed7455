//! The chat itself: the queue view, the transcript, the agent's typing indicator and the
//! composer.

use super::ctx::{Ctx, Stage};
use super::dynamic::{flag, on_click, on_event, on_key, on_submit, part, show, text};
use crate::driver::view::RowChunk;
use crate::driver::{Author, Note, Row};
use crate::labels::{fill, Labels};
#[cfg(not(feature = "miaw"))]
use crate::links::{pieces, Piece};
use crate::session::{ChatState, Delivery};
#[cfg(not(feature = "miaw"))]
use leptos::either::Either;
use leptos::prelude::*;

/// Waiting for an agent: the position and estimated wait, or a plain "waiting".
#[component]
pub fn QueueView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let labels = ctx.labels();
    let lines = move || {
        let l = &labels;
        let state = view.state.get();
        if Stage::of(&state) == Stage::Connecting {
            return (l.connecting().to_string(), None, None);
        }
        let q = view.queue.get();
        let first = match q.position {
            Some(p) => fill(l.queue_position(), &[("position", &p.to_string())]),
            None => l.queue_waiting().to_string(),
        };
        let wait = q.estimated_wait_secs.filter(|s| *s > 0).map(|s| {
            fill(
                l.queue_wait(),
                &[("minutes", &s.div_ceil(60).max(1).to_string())],
            )
        });
        (first, wait, Some(l.queue_write().to_string()))
    };
    view! {
        <div class="queue" part="queue" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <div class="queue-text">
                {part(move || {
                    let (first, wait, hint) = lines();
                    Some(view! {
                        <p class="queue-line">{first}</p>
                        {wait.map(|w| view! { <p class="queue-wait">{w}</p> })}
                        {hint.map(|h| view! { <p class="queue-hint">{h}</p> })}
                    }
                    .into_any())
                })}
            </div>
        </div>
    }
}

/// The time of a row, as HH:MM in the visitor's time zone.
fn clock(at: f64) -> (String, String) {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at));
    let iso = d.to_iso_string().as_string().unwrap_or_default();
    (format!("{:02}:{:02}", d.get_hours(), d.get_minutes()), iso)
}

/// `template` filled with an agent's name, without a doubled full stop when the name ends with
/// one ("Ryan S." + ".").
pub fn with_name(template: &str, name: &str) -> String {
    let text = fill(template, &[("name", name)]);
    if name.ends_with('.') && template.contains("{name}.") {
        text.replacen(&format!("{name}."), name, 1)
    } else {
        text
    }
}

/// A system row's text.
pub fn note_text(l: &Labels, note: Note, name: &str) -> String {
    let name = if name.is_empty() { l.agent() } else { name };
    match note {
        Note::AgentJoined => with_name(l.agent_joined(), name),
        Note::Transferred => with_name(l.transferred(), name),
        Note::AgentLeft => l.agent_left().to_string(),
        Note::AgentEnded => with_name(l.agent_ended(), name),
        Note::VisitorEnded => l.visitor_ended().to_string(),
        #[cfg(feature = "miaw")]
        Note::SessionEnded => l.session_ended().to_string(),
        #[cfg(feature = "miaw")]
        Note::Unshowable => with_name(l.unshowable(), name),
        #[cfg(feature = "miaw")]
        Note::FileTooLarge => l.file_refused_size().to_string(),
        #[cfg(feature = "miaw")]
        Note::FileType => l.file_refused_type().to_string(),
        #[cfg(feature = "miaw")]
        Note::FileRefused => l.file_refused().to_string(),
        #[cfg(feature = "miaw")]
        Note::TranscriptFailed => l.transcript_failed().to_string(),
    }
}

/// Chunks (of [`crate::driver::view::ROWS_PER_CHUNK`] rows) in the DOM until the visitor asks for
/// earlier ones: a chat of any length keeps a few hundred rows in the page.
const SHOWN_CHUNKS: usize = 5;

/// A visitor this close to the bottom of the transcript (in CSS pixels) follows the newest row.
const FOLLOW_GAP_PX: i32 = 48;

/// The transcript: keyed rows in chunks of a hundred, so a new message touches the last chunk
/// only, and a delivery status its own row only; each chunk has its own element, which the
/// browser skips while it is out of view. Only the newest chunks are in the DOM; "Show earlier
/// messages" adds older ones, and once the visitor has asked, nothing they can see goes away.
#[component]
pub fn TranscriptView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let list: NodeRef<leptos::html::Div> = NodeRef::new();
    let label = ctx.label(|l| l.transcript());
    let earlier = ctx.label(|l| l.earlier());
    // The first chunk shown, once the visitor asked for earlier messages; until then the newest
    // `SHOWN_CHUNKS`.
    let first: RwSignal<Option<usize>> = RwSignal::new(None);
    // The number of chunks not in the page: read by the button and the list, computed once.
    let hidden = Memo::new(move |_| {
        let n = view.rows.chunk_count();
        first
            .get()
            .map_or(n.saturating_sub(SHOWN_CHUNKS), |f| f.min(n))
    });
    let shown = move || {
        let chunks = view.rows.chunks();
        let from = hidden.get().min(chunks.len());
        chunks[from..].to_vec()
    };
    // Following the newest row: until the visitor scrolls up, and again once they are back at
    // the bottom. While they read earlier rows, new ones do not move the transcript: "New
    // messages" below takes them there. (Only scrolling up stops it: rows added between a
    // scroll to the bottom and its event leave the transcript short of the bottom.)
    let following = StoredValue::new(true);
    let last_top = StoredValue::new(0);
    let unseen = RwSignal::new(false);
    let to_bottom = move || {
        if let Some(el) = list.get_untracked() {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    };
    let on_scroll = on_event(move |_| {
        if let Some(el) = list.get_untracked() {
            let top = el.scroll_top();
            if el.scroll_height() - top - el.client_height() <= FOLLOW_GAP_PX {
                following.set_value(true);
                if unseen.get_untracked() {
                    unseen.set(false);
                }
            } else if top < last_top.get_value() {
                following.set_value(false);
            }
            last_top.set_value(top);
        }
    });
    // Rows added (and the window opened): to the newest row when following it, when the window
    // opens, and when the visitor wrote the new row themself.
    Effect::new(move |before: Option<(usize, bool)>| {
        let now = (view.rows.count(), view.open.get());
        let opened = before.is_none_or(|(_, was_open)| now.1 && !was_open);
        let added = before.is_some_and(|(rows, _)| now.0 > rows);
        // Fewer rows: another chat's (a new chat, a hand-over), read from its end.
        let replaced = before.is_some_and(|(rows, _)| now.0 < rows);
        if opened
            || replaced
            || (added && following.get_value())
            || (added && view.rows.last_author() == Some(Author::Visitor))
        {
            following.set_value(true);
            unseen.set(false);
            to_bottom();
        } else if added {
            unseen.set(true);
        }
        now
    });
    let newer = ctx.label(|l| l.newer());
    view! {
        <div
            class="transcript"
            part="transcript"
            role="log"
            aria-live="polite"
            aria-label=label
            data-rows=text(move || view.rows.count().to_string())
            node_ref=list
            on:scroll=on_scroll
        >
            {show(move || hidden.get() != 0, move || view! {
                <button
                    type="button"
                    class="secondary earlier"
                    part="earlier"
                    on:click=on_click(move |_| first.set(Some(hidden.get_untracked().saturating_sub(SHOWN_CHUNKS))))
                >
                    {earlier.clone()}
                </button>
            }.into_any())}
            // A list of rows, in one wrapper per chunk: the browser skips the style and layout of
            // the chunks out of view (content-visibility in widget.css), so a long chat costs what
            // a short one does.
            <div class="rows" role="list">
                <For
                    each=shown
                    key=|chunk: &RowChunk| chunk.key
                    children=move |chunk: RowChunk| {
                        view! {
                            <div class="chunk">
                                <For
                                    each=move || chunk.rows.get()
                                    key=|row: &Row| row.item.id
                                    children=move |row: Row| view! { <RowView row /> }
                                />
                            </div>
                        }
                    }
                />
            </div>
            {show(move || unseen.get(), move || view! {
                <button
                    type="button"
                    class="primary newer"
                    part="newer"
                    on:click=on_click(move |_| {
                        to_bottom();
                        // The button goes at the bottom: the keyboard's focus moves on to the
                        // composer (or "Start a new chat"), not back to the page.
                        if let Some(el) = list.get_untracked() {
                            super::a11y::focus_near(&el, "[part~=composer], [part~=new-chat]");
                        }
                    })
                >
                    {newer.clone()}
                </button>
            }.into_any())}
        </div>
    }
}

#[component]
fn RowView(row: Row) -> impl IntoView {
    let item = row.item.clone();
    let ctx = expect_context::<Ctx>();
    let labels = ctx.labels();
    let (time, iso) = clock(item.at);
    match item.author {
        Author::System => {
            let text = note_text(&labels, item.note.unwrap_or(Note::AgentLeft), &item.name);
            view! {
                <div class="message system" role="listitem" part="message" data-author="system">
                    <span class="text" part="text">{text}</span>
                </div>
            }
            .into_any()
        }
        Author::Agent => {
            let name = if item.name.is_empty() {
                labels.agent().to_string()
            } else {
                item.name.clone()
            };
            #[cfg(feature = "miaw")]
            let body = super::rich::body(
                &row,
                match item.rich.as_deref() {
                    Some(json) => super::rich::Body::Agent(crate::miaw::rich::Rich::parse(json)),
                    None => super::rich::Body::Text(item.text.clone(), None),
                },
            );
            #[cfg(not(feature = "miaw"))]
            let body = view! { <div class="text" part="text">{message_text(&item.text)}</div> };
            view! {
                <div class="message agent" role="listitem" part="message" data-author="agent">
                    <div class="meta">
                        <span class="who">{name}</span>
                        " "
                        <time datetime=iso>{time}</time>
                    </div>
                    {body}
                </div>
            }
            .into_any()
        }
        Author::Visitor => {
            let you = labels.you().to_string();
            #[cfg(feature = "miaw")]
            let (body, retry) = match item.rich.as_deref() {
                Some(json) => (
                    super::rich::body(&row, super::rich::Body::File(json.to_string())),
                    super::rich::body(
                        &row,
                        super::rich::Body::Retry(
                            crate::miaw::rich::stored_file(json).map(|f| f.key),
                        ),
                    ),
                ),
                None => (
                    super::rich::body(
                        &row,
                        super::rich::Body::Text(
                            item.text.clone(),
                            item.reply_to.as_ref().map(|_| "choice"),
                        ),
                    ),
                    super::rich::body(&row, super::rich::Body::Retry(None)),
                ),
            };
            #[cfg(not(feature = "miaw"))]
            let (body, retry) = (
                view! { <div class="text" part="text">{message_text(&item.text)}</div> },
                (),
            );
            let signal = row.status.clone();
            let status_attr = text(move || {
                match signal.get().unwrap_or(Delivery::Sent) {
                    Delivery::Queued => "queued",
                    Delivery::Sending => "sending",
                    Delivery::Sent => "sent",
                    Delivery::Delivered => "delivered",
                    Delivery::Read => "read",
                    Delivery::Failed => "failed",
                }
                .to_owned()
            });
            let status_text = text(move || match row.status.get().unwrap_or(Delivery::Sent) {
                Delivery::Queued => labels.status_queued().to_string(),
                Delivery::Sending => labels.status_sending().to_string(),
                Delivery::Sent => labels.status_sent().to_string(),
                Delivery::Delivered => labels.status_delivered().to_string(),
                Delivery::Read => labels.status_read().to_string(),
                Delivery::Failed => labels.status_failed().to_string(),
            });
            view! {
                <div class="message visitor" role="listitem" part="message" data-author="visitor" data-status=status_attr>
                    <span class="sr-only">{you} ": "</span>
                    {body}
                    <div class="meta">
                        <time datetime=iso>{time}</time>
                        " · "
                        <span class="status">{status_text}</span>
                    </div>
                    {retry}
                </div>
            }
            .into_any()
        }
    }
}

/// A message's text as text nodes, its http(s) addresses as links that open in a new tab
/// without giving the page they open a handle on this one. One text node when it has none.
#[cfg(not(feature = "miaw"))]
fn message_text(text: &str) -> impl IntoView {
    let pieces = pieces(text);
    if let [Piece::Text(text)] = pieces[..] {
        return Either::Left(text.to_string());
    }
    // Every piece as one type (a text, or a link): no type erasure per piece.
    let mut out = Vec::new();
    for piece in pieces {
        out.push(match piece {
            Piece::Text(text) => (Some(text.to_string()), None),
            Piece::Link(href) => (
                None,
                // The shape of the other links (post-chat, contact): one element type, one
                // copy of its code.
                Some(view! {
                    <a class="link" part="link" href=href.to_string() target="_blank" rel="noopener noreferrer">
                        {href.to_string()}
                    </a>
                }),
            ),
        });
    }
    Either::Right(out)
}

/// "Anna is typing…", in the DOM only while the agent types.
#[component]
pub fn TypingIndicator() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = ctx.view;
    let template = ctx.label(|l| l.typing());
    let agent = ctx.label(|l| l.agent());
    let typing = text(move || {
        let name = view.agent.get().unwrap_or_else(|| agent.clone());
        fill(&template, &[("name", &name)])
    });
    view! {
        <div class="typing" part="typing" role="status">
            <span class="dots" aria-hidden="true">
                <span></span>
                <span></span>
                <span></span>
            </span>
            <span class="typing-text">{typing}</span>
        </div>
    }
}

/// The message box: Enter sends, Shift+Enter makes a new line; a counter near the limit.
#[component]
pub fn Composer() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let draft = ctx.draft;
    let max = ctx.config.with_value(|c| c.max_message_length);
    let placeholder = ctx.label(|l| l.placeholder());
    let aria = ctx.label(|l| l.composer());
    let send_label = ctx.label(|l| l.send());
    let chars_left = ctx.label(|l| l.chars_left());
    let shortened_label = ctx.label(|l| l.message_shortened());
    let box_ref: NodeRef<leptos::html::Textarea> = NodeRef::new();
    // A longer text (a paste) was cut to `max`: said under the box until the text is shorter or
    // sent. No `maxlength` on the box, which would cut a paste silently.
    let shortened = RwSignal::new(false);

    let send = move || {
        let text = draft.get_untracked();
        let text: String = text.trim().chars().take(max).collect();
        if text.is_empty() {
            return;
        }
        draft.set(String::new());
        shortened.set(false);
        if let Some(el) = box_ref.get_untracked() {
            el.set_value("");
        }
        ctx.intents().send(text);
    };
    let on_keydown = on_key(move |ev| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    });
    let on_input = on_event(move |ev| {
        let mut value = event_target_value(&ev);
        if let Some((cut, _)) = value.char_indices().nth(max) {
            value.truncate(cut);
            shortened.set(true);
            if let Some(el) = box_ref.get_untracked() {
                el.set_value(&value);
            }
        } else if shortened.get_untracked() && value.chars().count() < max {
            shortened.set(false);
        }
        ctx.intents().typed(&value);
        draft.set(value);
    });
    let on_submit = on_submit(move |ev| {
        ev.prevent_default();
        send();
        if let Some(el) = box_ref.get_untracked() {
            let _ = el.focus();
        }
    });
    // The counter shows in the last tenth of the allowed length (at most the last 500).
    let threshold = max.saturating_sub((max / 10).clamp(1, 500));
    let counter = move || {
        let used = draft.with(|d| d.chars().count());
        (used > threshold).then(|| {
            let left = max.saturating_sub(used);
            fill(&chars_left, &[("count", &left.to_string())])
        })
    };
    let disabled = flag(move || {
        draft.with(|d| d.trim().is_empty()) || matches!(ctx.view.state.get(), ChatState::Ended(_))
    });
    #[cfg(feature = "miaw")]
    let (attach, problem) = (super::files::attach(), super::files::problem());
    #[cfg(not(feature = "miaw"))]
    let (attach, problem) = ((), ());
    view! {
        <form class="composer-row" on:submit=on_submit>
            {attach}
            <textarea
                class="composer"
                part="composer"
                name="message"
                rows="2"
                placeholder=placeholder
                aria-label=aria
                node_ref=box_ref
                prop:value=text(move || draft.get())
                on:keydown=on_keydown
                on:input=on_input
            ></textarea>
            <button type="submit" class="primary send" part="send" disabled=disabled>
                {send_label}
            </button>
        </form>
        {problem}
        {part(move || {
            counter().map(|c| view! { <p class="counter" part="counter" aria-live="polite">{c}</p> }.into_any())
        })}
        {part(move || {
            shortened
                .get()
                .then(|| {
                    let text = fill(&shortened_label, &[("max", &max.to_string())]);
                    view! { <p class="counter shortened" part="shortened" role="alert">{text}</p> }.into_any()
                })
        })}
    }
}
