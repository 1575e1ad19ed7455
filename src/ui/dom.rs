//! Static markup built straight into the DOM, for Enhanced Chat's rich rows
//! ([`super::rich`]): a handful of plain functions, one copy of each in the wasm, where each
//! shape of Leptos view would bring its own rendering code. Texts go in as text nodes, never as
//! HTML.

use super::dynamic::Handler;
use crate::links::{pieces, Piece};
use leptos::ev::MouseEvent;
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// `f` with the element once `node` is in the page (one copy of the code for every caller).
pub fn on_load(node: NodeRef<Div>, f: Box<dyn FnOnce(Element)>) {
    node.on_load(move |el| f(el.unchecked_into()));
}

/// An empty `<div>` of `class` that `fill` fills once it is in the page, with `click` for the
/// clicks in it: the one Leptos view shape of everything built here.
pub fn slot(
    class: &'static str,
    fill: Box<dyn FnOnce(Element)>,
    click: Handler<MouseEvent>,
) -> impl IntoView + use<> {
    let node: NodeRef<Div> = NodeRef::new();
    on_load(node, fill);
    view! { <div class=class node_ref=node on:click=click></div> }
}

/// The page's document, to make elements with.
pub struct Dom(Document);

impl Dom {
    pub fn new() -> Option<Dom> {
        web_sys::window().and_then(|w| w.document()).map(Dom)
    }

    /// A new `tag` element of `class` (none when empty) at the end of `parent`.
    pub fn add(&self, parent: &Element, tag: &str, class: &str) -> Element {
        let el = self
            .0
            .create_element(tag)
            .unwrap_or_else(|_| parent.clone());
        if !class.is_empty() {
            el.set_class_name(class);
        }
        parent.append_child(&el).ok();
        el
    }

    /// [`Dom::add`] with `text` in it.
    pub fn text(&self, parent: &Element, tag: &str, class: &str, text: &str) -> Element {
        let el = self.add(parent, tag, class);
        el.set_text_content(Some(text));
        el
    }

    /// A text node at the end of `parent`.
    pub fn append_text(&self, parent: &Element, text: &str) {
        parent.append_child(&self.0.create_text_node(text)).ok();
    }

    /// `text` with its http(s) addresses as links (as the plain messages show them).
    pub fn text_with_links(&self, parent: &Element, text: &str) {
        for piece in pieces(text) {
            match piece {
                Piece::Text(t) => self.append_text(parent, t),
                Piece::Link(href) => {
                    self.link(parent, "link", "link", href, href);
                }
            }
        }
    }

    /// A link that opens `href` (http(s), checked by the reader) in a new tab without a handle
    /// on this page.
    pub fn link(
        &self,
        parent: &Element,
        class: &str,
        part: &str,
        href: &str,
        text: &str,
    ) -> Element {
        let a = self.text(parent, "a", class, text);
        for (k, v) in [
            ("part", part),
            ("href", href),
            ("target", "_blank"),
            ("rel", "noopener noreferrer"),
        ] {
            a.set_attribute(k, v).ok();
        }
        a
    }

    /// A button (`type="button"`).
    pub fn button(&self, parent: &Element, class: &str, part: &str, text: &str) -> Element {
        let b = self.text(parent, "button", class, text);
        b.set_attribute("type", "button").ok();
        b.set_attribute("part", part).ok();
        b
    }

    /// A group of buttons named `label` for screen readers.
    pub fn group(&self, parent: &Element, class: &str, label: &str) -> Element {
        let g = self.add(parent, "div", class);
        g.set_attribute("part", "choices").ok();
        g.set_attribute("role", "group").ok();
        if !label.trim().is_empty() {
            g.set_attribute("aria-label", label).ok();
        }
        g
    }

    /// Sets or removes the boolean attribute `name`.
    pub fn flag(el: &Element, name: &str, on: bool) {
        if on {
            el.set_attribute(name, "").ok();
        } else {
            el.remove_attribute(name).ok();
        }
    }
}
