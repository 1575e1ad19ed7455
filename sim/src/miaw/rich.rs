//! Messages beyond plain text: the agent's presets (`POST /_sim/sessions/{id}/rich`), the menus
//! the scripted bot sends, the options a menu offers (to check and title the visitor's choices)
//! and what the control API shows of any message (its `kind` and details). Message bodies are the
//! `abstractMessage` objects of `MIAW-RICH-NOTES.md` §1 and §2, without HTTP or state.

use super::assets;
use super::files::{file_path, Files};
use crate::ids;
use serde_json::{json, Map, Value};

/// The presets of the `rich` action.
pub const PRESETS: [&str; 10] = [
    "buttons",
    "quick-replies",
    "carousel",
    "link",
    "file",
    "webview",
    "error",
    "citations",
    "form",
    "unknown",
];

/// Most cards of a carousel preset (`"count"`); 3 when not given.
pub const CAROUSEL_MAX: u64 = 50;
const CAROUSEL_DEFAULT: u64 = 3;

/// `{messageType, id, inReplyToMessageId: null, references: [], <key>: body}` with a new id.
fn message(message_type: &str, key: &str, body: Value) -> Value {
    let mut m = Map::new();
    m.insert("messageType".into(), json!(message_type));
    m.insert("id".into(), json!(ids::uuid()));
    m.insert("inReplyToMessageId".into(), Value::Null);
    m.insert("references".into(), json!([]));
    m.insert(key.into(), body);
    Value::Object(m)
}

fn static_content(body: Value) -> Value {
    message("StaticContentMessage", "staticContent", body)
}

/// A plain text message.
pub fn text(text: &str) -> Value {
    static_content(json!({"formatType": "Text", "text": text}))
}

/// A `TitleOptionItem` with a new `optionIdentifier`.
fn option(title: &str) -> Value {
    json!({
        "itemType": "TitleOptionItem",
        "titleItem": {"itemType": "TitleItem", "title": title, "subTitle": Value::Null},
        "optionIdentifier": ids::uuid(),
        "optionId": Value::Null,
    })
}

/// A `ChoicesMessage` menu: `format` `Buttons` or `QuickReplies`.
pub fn menu(format: &str, text: &str, titles: &[&str]) -> Value {
    let items: Vec<Value> = titles.iter().map(|t| option(t)).collect();
    message(
        "ChoicesMessage",
        "choices",
        json!({"formatType": format, "text": text, "optionItems": items}),
    )
}

/// A generated PNG stored in `files`: `(id, its URL)`.
fn image(files: &mut Files, base: &str, name: &str, colour: usize) -> (String, String) {
    let id = files.add(name, "image/png", assets::png(160, 100, colour));
    let url = format!("{base}{}", file_path(&id));
    (id, url)
}

const PRODUCTS: [&str; 6] = [
    "Blue Mug",
    "Red Kettle",
    "Green Teapot",
    "Amber Cup",
    "Violet Bowl",
    "Teal Jug",
];

fn carousel(count: u64, files: &mut Files, base: &str) -> Value {
    let mut items = Vec::new();
    let mut images = Vec::new();
    for i in 0..count as usize {
        let name = match PRODUCTS.get(i) {
            Some(p) => p.to_string(),
            None => format!("Product {}", i + 1),
        };
        let (image_id, url) = image(files, base, &format!("card-{}.png", i + 1), i);
        let mut options = vec![option(&format!("Choose {name}"))];
        if i % 2 == 0 {
            options.push(option(&format!("More about {name}")));
        }
        items.push(json!({
            "titleItem": {
                "itemType": "TitleImageItem",
                "imageId": image_id,
                "title": name,
                "subTitle": format!("{}.90 EUR", 9 + i),
            },
            "interactionItems": options,
        }));
        images.push(json!({
            "id": image_id,
            "assetUrl": url,
            "mimeType": "image/png",
            "description": format!("A picture of the {name}"),
        }));
    }
    message(
        "ChoicesMessage",
        "choices",
        json!({"formatType": "Carousel", "text": "Pick a product:", "items": items, "images": images}),
    )
}

/// The `link` preset: a `RichLink` with an image.
pub fn link(files: &mut Files, base: &str) -> Value {
    let (id, url) = image(files, base, "returns.png", 0);
    static_content(json!({
        "formatType": "RichLink",
        "linkItem": {
            "url": "https://example.com/help/returns",
            "titleItem": {"itemType": "TitleLinkItem", "title": "How returns work", "subTitle": "Help Center"},
        },
        "image": {
            "assetType": "ImageAsset",
            "id": id,
            "mimeType": "image/png",
            "assetUrl": url,
            "description": "A parcel on its way back",
        },
        "text": Value::Null,
    }))
}

/// The `file` preset: a PDF invoice and a PNG photo.
pub fn file(files: &mut Files, base: &str) -> Value {
    let pdf = assets::pdf(&[
        "Invoice 2024-0042",
        "Chasitor demo shop",
        "1 x Blue Mug   9.90 EUR",
        "Total          9.90 EUR",
    ]);
    let pdf_id = files.add("invoice.pdf", "application/pdf", pdf);
    let png_id = files.add("photo.png", "image/png", assets::png(320, 200, 2));
    let url = |id: &str| format!("{base}{}", file_path(id));
    static_content(json!({
        "formatType": "Attachments",
        "text": "Here is your invoice.",
        "attachments": [
            {"id": pdf_id, "name": "invoice.pdf", "mimeType": "application/pdf", "url": url(&pdf_id), "referenceId": Value::Null},
            {"id": png_id, "name": "photo.png", "mimeType": "image/png", "url": url(&png_id), "referenceId": Value::Null},
        ],
    }))
}

/// The `abstractMessage` of a preset; `count`: the cards of a carousel. `Err`: why not.
pub fn preset(
    kind: &str,
    count: Option<u64>,
    files: &mut Files,
    base: &str,
) -> Result<Value, String> {
    Ok(match kind {
        "buttons" => menu(
            "Buttons",
            "How can I help you today?",
            &["Track my order", "Return an item", "Talk to someone"],
        ),
        "quick-replies" => menu("QuickReplies", "Was this helpful?", &["Yes", "No"]),
        "carousel" => {
            let n = count.unwrap_or(CAROUSEL_DEFAULT);
            if !(1..=CAROUSEL_MAX).contains(&n) {
                return Err(format!("count must be from 1 to {CAROUSEL_MAX}"));
            }
            carousel(n, files, base)
        }
        "link" => link(files, base),
        "file" => file(files, base),
        "webview" => static_content(json!({
            "formatType": "WebView",
            "url": "https://example.com/survey",
            "title": {"itemType": "TitleItem", "title": "Take our 1-minute survey"},
            "parameters": [],
        })),
        "error" => static_content(json!({
            "formatType": "ErrorMessage",
            "title": "We could not look up your order",
            "errorDetails": {
                "errorCode": "ORDER_LOOKUP_FAILED",
                "errorMessages": ["The order service is not answering."],
            },
        })),
        "citations" => static_content(json!({
            "formatType": "Text",
            "text": "You can return items within 30 days.",
            "citationContent": {"citations": [
                {"citedReference": {"link": {"url": "https://example.com/help/returns"}, "label": "Return policy"}},
                {"citedReference": {"link": {"url": "https://example.com/help/refunds"}, "label": "Refunds"}},
            ]},
        })),
        "form" => {
            let input = |label: &str, hint: &str| {
                json!({
                    "sectionType": "SingleInputSection",
                    "input": {
                        "inputType": "TextInput",
                        "id": ids::uuid(),
                        "label": {"title": label},
                        "required": true,
                        "hintText": hint,
                        "maximumCharacterCount": 100,
                    },
                })
            };
            message(
                "FormMessage",
                "form",
                json!({
                    "formatType": "Inputs",
                    "formTitle": {"title": "Shipping address"},
                    "message": {"title": "Please tell us where to send it"},
                    "sections": [
                        input("Street and number", "1 Main Street"),
                        input("Postcode and city", "12345 Springfield"),
                    ],
                }),
            )
        }
        "unknown" => message(
            "HologramMessage",
            "hologram",
            json!({"shape": "cube", "spin": true}),
        ),
        other => {
            return Err(format!(
                "unknown kind {other:?}: one of {}",
                PRESETS.join(", ")
            ))
        }
    })
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// One option of a menu: `(optionIdentifier, title)`.
fn option_of(item: &Value) -> Option<(String, String)> {
    let id = item.get("optionIdentifier")?.as_str()?.to_string();
    let title = str_at(item, &["titleItem", "title"])
        .unwrap_or_default()
        .to_string();
    Some((id, title))
}

/// The options of a `ChoicesMessage` (a carousel's: every card's), in order; `None` when the
/// message is not a menu.
pub fn menu_options(m: &Value) -> Option<Vec<(String, String)>> {
    if m.get("messageType")?.as_str()? != "ChoicesMessage" {
        return None;
    }
    let choices = m.get("choices")?;
    let items = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out: Vec<(String, String)> = items(choices.get("optionItems"))
        .iter()
        .filter_map(option_of)
        .collect();
    for card in items(choices.get("items")) {
        out.extend(
            items(card.get("interactionItems"))
                .iter()
                .filter_map(option_of),
        );
    }
    Some(out)
}

/// What the control API shows of a message: the transcript line's `content` (readable text) and
/// its details (`kind` and what that kind has: options, files, the choice).
pub struct Described {
    pub content: String,
    pub detail: Value,
}

fn files_of(sc: &Value, files: &Files) -> Vec<Value> {
    sc.get("attachments")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|a| {
                    let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
                    json!({
                        "id": id,
                        "name": a.get("name"),
                        "mimeType": a.get("mimeType"),
                        "size": files.get(id).map(|f| f.bytes.len()),
                        "url": a.get("url"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn joined(parts: impl Iterator<Item = String>) -> String {
    parts
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Describes an `abstractMessage`; `from_visitor`: sent by the visitor (its attachments are an
/// `upload`, the agent's a `file`).
pub fn describe(m: &Value, from_visitor: bool, files: &Files) -> Described {
    let message_type = str_at(m, &["messageType"]).unwrap_or_default();
    let s = |path: &[&str]| str_at(m, path).unwrap_or_default().to_string();
    let (content, detail) = match message_type {
        "StaticContentMessage" => {
            let sc = &m["staticContent"];
            match str_at(sc, &["formatType"]).unwrap_or_default() {
                "Text" if sc.get("citationContent").is_some_and(|c| !c.is_null()) => {
                    let cites: Vec<Value> = sc["citationContent"]["citations"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .map(|c| {
                                    json!({"label": c["citedReference"]["label"],
                                           "url": c["citedReference"]["link"]["url"]})
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (
                        s(&["staticContent", "text"]),
                        json!({"kind": "citations", "citations": cites}),
                    )
                }
                "Text" => (s(&["staticContent", "text"]), json!({"kind": "text"})),
                "RichLink" => {
                    let url = s(&["staticContent", "linkItem", "url"]);
                    let title = s(&["staticContent", "linkItem", "titleItem", "title"]);
                    (
                        format!("{title} ({url})"),
                        json!({"kind": "link", "url": url, "title": title}),
                    )
                }
                "Attachments" => {
                    let list = files_of(sc, files);
                    let names = joined(
                        list.iter()
                            .map(|f| f["name"].as_str().unwrap_or_default().to_string()),
                    );
                    let text = s(&["staticContent", "text"]);
                    let content = if text.is_empty() { names } else { text };
                    let kind = if from_visitor { "upload" } else { "file" };
                    let mut detail = json!({"kind": kind, "files": list});
                    let result = &sc["attachments"][0]["attachmentUploadResult"];
                    if let Some(status) = result.get("status") {
                        detail["status"] = status.clone();
                    }
                    (content, detail)
                }
                "WebView" => {
                    let url = s(&["staticContent", "url"]);
                    let title = s(&["staticContent", "title", "title"]);
                    (
                        format!("{title} ({url})"),
                        json!({"kind": "webview", "url": url, "title": title}),
                    )
                }
                "ErrorMessage" => {
                    let messages = joined(
                        sc["errorDetails"]["errorMessages"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_string),
                    );
                    let title = s(&["staticContent", "title"]);
                    (
                        if messages.is_empty() {
                            title
                        } else {
                            format!("{title}: {messages}")
                        },
                        json!({"kind": "error",
                               "errorCode": sc["errorDetails"]["errorCode"]}),
                    )
                }
                _ => (
                    s(&["staticContent", "text"]),
                    json!({"kind": "other", "messageType": message_type}),
                ),
            }
        }
        "ChoicesMessage" => {
            let kind = match str_at(m, &["choices", "formatType"]).unwrap_or_default() {
                "Buttons" => "buttons",
                "QuickReplies" => "quick-replies",
                "Carousel" => "carousel",
                _ => "other",
            };
            let options: Vec<Value> = menu_options(m)
                .unwrap_or_default()
                .into_iter()
                .map(|(id, title)| json!({"optionIdentifier": id, "title": title}))
                .collect();
            let mut text = s(&["choices", "text"]);
            if text.is_empty() && kind == "carousel" {
                text = joined(
                    m["choices"]["items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| str_at(c, &["titleItem", "title"]))
                        .map(str::to_string),
                );
            }
            (
                text,
                json!({"kind": kind, "messageId": m.get("id"), "options": options}),
            )
        }
        "ChoicesResponseMessage" => {
            let selected: Vec<Value> = m["choicesResponse"]["selectedOptions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let first = selected.first().cloned().unwrap_or(Value::Null);
            let titles = joined(
                selected
                    .iter()
                    .filter_map(|o| o.get("title").and_then(Value::as_str))
                    .map(str::to_string),
            );
            (
                titles,
                json!({
                    "kind": "choice",
                    "inReplyToMessageId": m.get("inReplyToMessageId"),
                    "optionIdentifier": first.get("optionIdentifier"),
                    "title": first.get("title"),
                    "selectedOptions": selected,
                }),
            )
        }
        "FormMessage" => (s(&["form", "formTitle", "title"]), json!({"kind": "form"})),
        _ => (
            String::new(),
            json!({"kind": "other", "messageType": message_type}),
        ),
    };
    Described { content, detail }
}
