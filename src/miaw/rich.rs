//! Messages beyond plain text, as the widget shows them: a message's `abstractMessage` read into
//! [`Rich`] (pure, no DOM). The shapes are those of the project's notes
//! (`spec/MIAW-RICH-NOTES.md`, sections 1 and 2): `StaticContentMessage` (`Text` with Agentforce
//! citations, `RichLink`, `Attachments`, `WebView`, `ErrorMessage`), `ChoicesMessage`
//! (`Buttons`, `QuickReplies`, `Carousel`), `FormMessage`, and any other (its text if it has
//! one, else nothing to show: [`Content::Other`] with an empty text).
//!
//! The transcript keeps a rich message as the server's own JSON (one reader for the stream,
//! history and sessionStorage: [`Rich::parse`]); the visitor's own files are kept in the same
//! shape ([`visitor_file`]). Links are kept only when they are http(s); whether an image may be
//! loaded is the view's decision ([`image_allowed`]). Reading never fails: what is missing is
//! empty.

use super::wire::{Fields, STATIC_CONTENT_MESSAGE};
use crate::session::FileInfo;
use serde_json::{json, Value};

/// A message beyond plain text: its id (a menu's answer names it) and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Rich {
    pub id: String,
    pub content: Content,
}

/// What a rich message shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// Text, with the links an Agentforce answer cites under it.
    Text { text: String, citations: Vec<Link> },
    /// Buttons (stacked) or quick replies (`chips`: gone once answered or once another message
    /// comes) under a text.
    Menu {
        text: String,
        chips: bool,
        options: Vec<Choice>,
    },
    /// Cards side by side, each with its own buttons.
    Carousel { text: String, cards: Vec<Card> },
    /// A link as a card: image, title, subtitle, the address.
    Link {
        link: Link,
        subtitle: String,
        image: Option<Image>,
        text: String,
    },
    /// Files, each with a download link (an image as a thumbnail).
    Files { text: String, files: Vec<File> },
    /// A page to open in a new tab.
    WebView { link: Link },
    /// An error the bot reports: its title and messages.
    Error { text: String },
    /// A form the widget cannot fill in: its title.
    Form { title: String },
    /// Any other format or message type: its text, if it has one.
    Other { text: String },
}

/// A link: an http(s) address and what it is called (the address when it has no title).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub url: String,
    pub title: String,
}

/// One option of a menu: the `optionIdentifier` to send back and its title.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

/// A carousel's card.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub title: String,
    pub subtitle: String,
    pub image: Option<Image>,
    pub options: Vec<Choice>,
}

/// An image: its address (not yet checked: [`image_allowed`]) and its description.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub url: String,
    pub alt: String,
}

/// A file: name, type, size when known, its address (empty for the visitor's own) and, for an
/// upload, what the server made of it.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub name: String,
    pub mime: String,
    pub size: Option<u64>,
    pub url: Option<String>,
    pub upload: Upload,
}

/// An attachment's `attachmentUploadResult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upload {
    /// None given, or pending.
    Unknown,
    Completed,
    Error,
}

impl Rich {
    /// An `abstractMessage` (the object).
    pub fn read(message: Value) -> Rich {
        let mut m = Fields::of(message);
        let id = m.string("id");
        let message_type = m.string("messageType");
        let content = match message_type.as_str() {
            STATIC_CONTENT_MESSAGE => m.object("staticContent").map(static_content),
            "ChoicesMessage" => m.object("choices").map(choices),
            "FormMessage" => m.object("form").map(|mut f| Content::Form {
                title: title_of(&mut f, "formTitle"),
            }),
            _ => None,
        };
        Rich {
            id,
            content: content.unwrap_or_else(|| Content::Other {
                text: any_text(&mut m),
            }),
        }
    }

    /// A rich message as stored (the server's JSON); an unreadable one shows nothing.
    pub fn parse(json: &str) -> Rich {
        Rich::read(serde_json::from_str(json).unwrap_or_default())
    }

    /// The message as one line of text: for the site's events, the transcript download, and
    /// for the visitor's screen reader where a card would say nothing alone. Empty when there
    /// is nothing to show.
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        match &self.content {
            Content::Text { text, .. }
            | Content::Error { text }
            | Content::Other { text }
            | Content::Form { title: text } => parts.push(text),
            Content::Menu { text, options, .. } => {
                parts.push(text);
                parts.extend(options.iter().map(|o| o.title.as_str()));
            }
            Content::Carousel { text, cards } => {
                parts.push(text);
                parts.extend(cards.iter().map(|c| c.title.as_str()));
            }
            Content::Link { link, text, .. } => {
                parts.extend([text.as_str(), &link.title, &link.url]);
            }
            Content::Files { text, files } => {
                parts.push(text);
                parts.extend(files.iter().map(|f| f.name.as_str()));
            }
            Content::WebView { link } => parts.extend([link.title.as_str(), &link.url]),
        }
        parts.retain(|p| !p.trim().is_empty());
        parts.dedup();
        parts.join(" · ")
    }

    /// Whether there is anything to show.
    pub fn showable(&self) -> bool {
        !matches!(&self.content, Content::Other { text } if text.trim().is_empty())
    }

    /// The menu's options (a carousel's: every card's), to check an answer against.
    pub fn options(&self) -> Vec<&Choice> {
        match &self.content {
            Content::Menu { options, .. } => options.iter().collect(),
            Content::Carousel { cards, .. } => cards.iter().flat_map(|c| &c.options).collect(),
            _ => Vec::new(),
        }
    }

    /// A quick-reply menu: gone once another message comes.
    pub fn chips(&self) -> bool {
        matches!(self.content, Content::Menu { chips: true, .. })
    }

    /// What the server made of an upload (the first file's result).
    pub fn upload(&self) -> Upload {
        match &self.content {
            Content::Files { files, .. } => files.first().map_or(Upload::Unknown, |f| f.upload),
            _ => Upload::Unknown,
        }
    }
}

fn static_content(mut c: Fields) -> Content {
    let format = c.string("formatType");
    let text = c.string("text");
    match format.as_str() {
        "Text" => {
            let mut citations = Vec::new();
            if let Some(mut content) = c.object("citationContent") {
                for mut cite in content.list("citations", |f| f) {
                    let Some(mut reference) = cite.object("citedReference") else {
                        continue;
                    };
                    let url = reference
                        .object("link")
                        .map(|mut l| l.string("url"))
                        .unwrap_or_default();
                    let label = reference.string("label");
                    citations.extend(link(url, label));
                }
            }
            Content::Text { text, citations }
        }
        "RichLink" => {
            let (url, title, subtitle) = match c.object("linkItem") {
                Some(mut item) => {
                    let url = item.string("url");
                    let (title, subtitle) = item
                        .object("titleItem")
                        .map(|mut t| (t.string("title"), t.string("subTitle")))
                        .unwrap_or_default();
                    (url, title, subtitle)
                }
                None => Default::default(),
            };
            let image = c.object("image").and_then(image);
            match link(url, title.clone()) {
                Some(link) => Content::Link {
                    link,
                    subtitle,
                    image,
                    text,
                },
                // No address to open: what it says.
                None => Content::Other {
                    text: join(&[&text, &title, &subtitle]),
                },
            }
        }
        "Attachments" => Content::Files {
            text,
            files: c.list("attachments", file),
        },
        "WebView" => {
            let url = c.string("url");
            let title = title_of(&mut c, "title");
            match link(url, title.clone()) {
                Some(link) => Content::WebView { link },
                None => Content::Other {
                    text: join(&[&text, &title]),
                },
            }
        }
        "ErrorMessage" => {
            let mut parts = vec![c.string("title")];
            if let Some(mut details) = c.object("errorDetails") {
                if let Value::Array(messages) = details.take("errorMessages") {
                    parts.extend(messages.into_iter().filter_map(|m| match m {
                        Value::String(s) => Some(s),
                        _ => None,
                    }));
                }
            }
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            Content::Error { text: join(&refs) }
        }
        _ => Content::Other { text },
    }
}

fn choices(mut c: Fields) -> Content {
    let format = c.string("formatType");
    let text = c.string("text");
    match format.as_str() {
        "Buttons" | "QuickReplies" => Content::Menu {
            text,
            chips: format == "QuickReplies",
            options: c.list("optionItems", choice),
        },
        "Carousel" => {
            let images = c.list("images", |mut i| (i.string("id"), i));
            let mut cards = Vec::new();
            for mut item in c.list("items", |f| f) {
                let mut t = item.object("titleItem").unwrap_or(Fields::of(Value::Null));
                let image_id = t.string("imageId");
                let image = images
                    .iter()
                    .find(|(id, _)| !id.is_empty() && *id == image_id)
                    .and_then(|(_, f)| image(Fields(f.0.clone())));
                cards.push(Card {
                    title: t.string("title"),
                    subtitle: t.string("subTitle"),
                    image,
                    options: item.list("interactionItems", choice),
                });
            }
            Content::Carousel { text, cards }
        }
        _ => Content::Other { text },
    }
}

fn choice(mut o: Fields) -> Choice {
    let title = match o.object("titleItem") {
        Some(mut t) => t.string("title"),
        None => o.string("title"),
    };
    Choice {
        id: o.string("optionIdentifier"),
        title,
    }
}

fn image(mut i: Fields) -> Option<Image> {
    let url = i.string("assetUrl");
    (!url.is_empty()).then(|| Image {
        url,
        alt: i.string("description"),
    })
}

fn file(mut f: Fields) -> File {
    let url = f.string("url");
    let upload = match f.take("attachmentUploadResult") {
        Value::Object(mut o) => o.remove("status").unwrap_or_default(),
        other => other,
    };
    let upload = match upload.as_str() {
        Some(s) if s.eq_ignore_ascii_case("Completed") => Upload::Completed,
        Some(s) if s.eq_ignore_ascii_case("Error") => Upload::Error,
        _ => Upload::Unknown,
    };
    File {
        name: f.string("name"),
        mime: f.string("mimeType"),
        size: u64::try_from(f.integer("contentLength"))
            .ok()
            .filter(|s| *s > 0),
        url: crate::config::options::is_http_url(&url).then_some(url),
        upload,
    }
}

/// A link when `url` is http(s); titled by `title`, else by the address.
fn link(url: String, title: String) -> Option<Link> {
    let url = url.trim().to_string();
    crate::config::options::is_http_url(&url).then(|| Link {
        title: if title.trim().is_empty() {
            url.clone()
        } else {
            title
        },
        url,
    })
}

/// A TitleItem's `title` (or the field itself when it is a string).
fn title_of(f: &mut Fields, key: &str) -> String {
    match f.take(key) {
        Value::Object(map) => Fields(map).string("title"),
        Value::String(s) => s,
        _ => String::new(),
    }
}

/// The text of a message of a type the widget does not know: any body's `text`.
fn any_text(m: &mut Fields) -> String {
    let keys: Vec<String> = m.0.keys().cloned().collect();
    for key in keys {
        if let Some(mut body) = m.object(&key) {
            let text = body.string("text");
            if !text.trim().is_empty() {
                return text;
            }
        }
    }
    String::new()
}

fn join(parts: &[&str]) -> String {
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(" — ")
}

/// The visitor's own file, stored in the server's shape so that one reader shows both, with the
/// driver's `key` for its bytes (a retry while the page lives): [`stored_file`] reads it back.
pub fn visitor_file(file: &FileInfo) -> String {
    let v = json!({
        "key": file.key,
        "messageType": STATIC_CONTENT_MESSAGE,
        "staticContent": {
            "formatType": "Attachments",
            "attachments": [{ "name": file.name, "mimeType": file.mime, "contentLength": file.size }],
        },
    });
    serde_json::to_string(&v).unwrap_or_default()
}

/// The visitor's file as [`visitor_file`] stored it; `None` for any other row.
pub fn stored_file(json: &str) -> Option<FileInfo> {
    let v: Value = serde_json::from_str(json).ok()?;
    let a = crate::miaw::wire::at(&v, &["staticContent", "attachments"])?.get(0)?;
    let text = |key: &str| a.get(key).and_then(Value::as_str).unwrap_or_default();
    Some(FileInfo {
        key: v.get("key")?.as_u64()?,
        name: text("name").to_string(),
        mime: text("mimeType").to_string(),
        size: a.get("contentLength").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// Whether the view may load an image from `url`: https, or the origin of the Salesforce URL the
/// site configured (`api_origin`, e.g. `https://x.my.salesforce-scrt.com`; a local simulator is
/// http). Never `data:`, `javascript:` or another http host.
pub fn image_allowed(url: &str, api_origin: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if !crate::config::options::is_http_url(url) {
        return false;
    }
    if lower.starts_with("https://") {
        return true;
    }
    // The configured URL's origin: scheme, host and port.
    let api = api_origin.trim().to_ascii_lowercase();
    let origin = match api.split_once("://") {
        Some((scheme, _)) if !host(&api).is_empty() => format!("{scheme}://{}", host(&api)),
        _ => return false,
    };
    lower
        .strip_prefix(&origin)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The host (and port) of an absolute URL: what follows `://` up to the path, query or
/// fragment; empty when there is none.
pub fn host(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .unwrap_or_default()
}

/// A file size for people: "820 B", "14 KB", "4.2 MB".
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}
