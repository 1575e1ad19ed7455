//! The reactive parts of the views, each behind one type: a text, an optional text, a flag, a part
//! shown while a condition holds, a part that follows signals, an event handler.
//!
//! Leptos makes the code that keeps a reactive part up to date (its render effect, its build and
//! rebuild) once per closure type, and every closure written in a `view!` is a type of its own: each
//! brought its own copy, and those copies were the largest share of the view code (issue 15). Behind
//! the types here one copy serves them all, for a call through a pointer when a signal changes.
//! Write `text(move || …)` where a `view!` would take `move || …`.

use leptos::ev::{Event, KeyboardEvent, MouseEvent, SubmitEvent};
use leptos::prelude::*;
use std::sync::Arc;

/// A value that follows signals, as a view child, an attribute or a property.
pub type Dyn<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// A text that follows signals.
pub fn text(f: impl Fn() -> String + Send + Sync + 'static) -> Dyn<String> {
    Arc::new(f)
}

/// An optional text (an attribute absent while `None`) that follows signals.
pub fn maybe(f: impl Fn() -> Option<String> + Send + Sync + 'static) -> Dyn<Option<String>> {
    Arc::new(f)
}

/// A boolean attribute or property that follows signals.
pub fn flag(f: impl Fn() -> bool + Send + Sync + 'static) -> Dyn<bool> {
    Arc::new(f)
}

/// A part of the view that follows signals (none while `f` gives `None`).
pub fn part(f: impl Fn() -> Option<AnyView> + Send + Sync + 'static) -> impl IntoView {
    part_of(Box::new(f))
}

fn part_of(f: Box<dyn Fn() -> Option<AnyView> + Send + Sync>) -> impl IntoView {
    move || f()
}

/// `content` while `when` holds, made again only when `when` changes (what `<Show>` does).
pub fn show(
    when: impl Fn() -> bool + Send + Sync + 'static,
    content: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    shown(Arc::new(when), Box::new(content), None)
}

/// `yes` while `when` holds, else `no`, each made again only when `when` changes.
pub fn either(
    when: impl Fn() -> bool + Send + Sync + 'static,
    yes: impl Fn() -> AnyView + Send + Sync + 'static,
    no: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    shown(Arc::new(when), Box::new(yes), Some(Box::new(no)))
}

type Make = Box<dyn Fn() -> AnyView + Send + Sync>;

fn shown(when: Dyn<bool>, yes: Make, no: Option<Make>) -> impl IntoView {
    let when = Memo::new(move |_| when());
    move || {
        if when.get() {
            Some(yes())
        } else {
            no.as_ref().map(|no| no())
        }
    }
}

/// An effect (run again when the signals it read change): one copy of Leptos' effect code for
/// every effect made here, where each closure given to `Effect::new` would bring its own.
pub fn effect(f: Box<dyn Fn()>) {
    Effect::new(move |_| f());
}

/// An event handler: one copy of the listener code per event type.
pub type Handler<E> = Box<dyn FnMut(E)>;

/// A click handler.
pub fn on_click(f: impl FnMut(MouseEvent) + 'static) -> Handler<MouseEvent> {
    Box::new(f)
}

/// A handler of `input` or `change`.
pub fn on_event(f: impl FnMut(Event) + 'static) -> Handler<Event> {
    Box::new(f)
}

/// A key handler.
pub fn on_key(f: impl FnMut(KeyboardEvent) + 'static) -> Handler<KeyboardEvent> {
    Box::new(f)
}

/// A form's submit handler.
pub fn on_submit(f: impl FnMut(SubmitEvent) + 'static) -> Handler<SubmitEvent> {
    Box::new(f)
}
