//! Enhanced Chat beyond plain text: the agent's rich messages (`rich` presets and messages as
//! given), the visitor's answers to menus, the visitor's files (upload, processing, errors,
//! `/_sim/files`), the token answer's attachments settings, faults on the upload route and the
//! scripted bot.

mod common;

use chasitor_sim::{ScriptedBot, BOT_ES_DEVELOPER_NAME, DEFAULT_ES_DEVELOPER_NAME};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// A change to a request body (a refusal case).
type Change = Box<dyn Fn(&mut Value)>;

fn is_uuid(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 36
        && s.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.bytes()
            .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The agent's message event: checks the entry around it and returns its `abstractMessage`.
fn agent_message(e: &SseEvent, role: &str) -> Value {
    assert_eq!(e.event, "CONVERSATION_MESSAGE");
    let entry = &e.data["conversationEntry"];
    assert_eq!(entry["entryType"], "Message");
    assert_eq!(entry["sender"]["role"], role);
    let p = e.payload();
    assert_eq!(p["entryType"], "Message");
    assert!(p["messageReason"].is_null());
    let m = p["abstractMessage"].clone();
    assert_eq!(p["id"], m["id"]);
    assert_eq!(entry["identifier"], m["id"]);
    assert!(is_uuid(&m["id"]), "{m}");
    m
}

/// Sends a preset; the view and the message as the stream carries it.
async fn rich(sim: &Sim, conv: &str, stream: &mut SseReader, body: Value) -> (Value, Value) {
    let view = sim.agent(conv, "rich", body).await;
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    (view, agent_message(&e, "Agent"))
}

fn last_line(view: &Value) -> Value {
    view["transcript"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

fn option_ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["optionIdentifier"].as_str().unwrap().to_string())
        .collect()
}

fn check_option(o: &Value) {
    assert_eq!(o["itemType"], "TitleOptionItem");
    assert_eq!(o["titleItem"]["itemType"], "TitleItem");
    assert!(o["titleItem"]["title"].is_string());
    assert!(o["titleItem"]["subTitle"].is_null());
    assert!(is_uuid(&o["optionIdentifier"]));
    assert!(o["optionId"].is_null());
}

async fn get(sim: &Sim, url: &str) -> reqwest::Response {
    sim.http.get(url).send().await.expect("GET")
}

#[tokio::test]
async fn every_preset_has_its_shape_in_the_stream_history_and_view() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "buttons"})).await;
    assert_eq!(m["messageType"], "ChoicesMessage");
    assert!(m["inReplyToMessageId"].is_null());
    assert_eq!(m["references"], json!([]));
    let c = &m["choices"];
    assert_eq!(c["formatType"], "Buttons");
    assert_eq!(c["text"], "How can I help you today?");
    assert_eq!(c["optionItems"].as_array().unwrap().len(), 3);
    c["optionItems"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(check_option);
    let line = last_line(&view);
    assert_eq!(line["kind"], "buttons");
    assert_eq!(line["type"], "Agent");
    assert_eq!(line["messageId"], m["id"]);
    assert_eq!(line["content"], "How can I help you today?");
    assert_eq!(option_ids(&line["options"]), option_ids(&c["optionItems"]));
    assert_eq!(
        line["options"][0]["title"],
        c["optionItems"][0]["titleItem"]["title"]
    );

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "quick-replies"})).await;
    let c = &m["choices"];
    assert_eq!(c["formatType"], "QuickReplies");
    assert_eq!(c["text"], "Was this helpful?");
    let titles: Vec<&str> = c["optionItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["titleItem"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Yes", "No"]);
    assert_eq!(last_line(&view)["kind"], "quick-replies");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "carousel"})).await;
    let c = &m["choices"];
    assert_eq!(c["formatType"], "Carousel");
    let items = c["items"].as_array().unwrap();
    let images = c["images"].as_array().unwrap();
    assert_eq!((items.len(), images.len()), (3, 3));
    let mut all_options = Vec::new();
    for (item, image) in items.iter().zip(images) {
        assert_eq!(item["titleItem"]["itemType"], "TitleImageItem");
        assert_eq!(item["titleItem"]["imageId"], image["id"]);
        assert!(item["titleItem"]["title"].is_string());
        assert!(item["titleItem"]["subTitle"].is_string());
        let n = item["interactionItems"].as_array().unwrap().len();
        assert!((1..=2).contains(&n));
        item["interactionItems"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(check_option);
        all_options.extend(option_ids(&item["interactionItems"]));
        assert_eq!(image["mimeType"], "image/png");
        assert!(image["description"].is_string());
        let url = image["assetUrl"].as_str().unwrap();
        assert!(url.starts_with(&sim.url("/_sim/files/")), "{url}");
        let r = get(&sim, url).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    let line = last_line(&view);
    assert_eq!(line["kind"], "carousel");
    assert_eq!(option_ids(&line["options"]), all_options);

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "link"})).await;
    assert_eq!(m["messageType"], "StaticContentMessage");
    let s = &m["staticContent"];
    assert_eq!(s["formatType"], "RichLink");
    assert_eq!(s["linkItem"]["url"], "https://example.com/help/returns");
    assert_eq!(
        s["linkItem"]["titleItem"],
        json!({"itemType": "TitleLinkItem", "title": "How returns work", "subTitle": "Help Center"})
    );
    assert_eq!(s["image"]["assetType"], "ImageAsset");
    assert_eq!(s["image"]["mimeType"], "image/png");
    assert!(s["image"]["description"].is_string());
    assert!(s["text"].is_null());
    let r = get(&sim, s["image"]["assetUrl"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    let line = last_line(&view);
    assert_eq!(line["kind"], "link");
    assert_eq!(line["url"], "https://example.com/help/returns");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "file"})).await;
    let s = &m["staticContent"];
    assert_eq!(s["formatType"], "Attachments");
    assert_eq!(s["text"], "Here is your invoice.");
    let files = s["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        (&files[0]["name"], &files[0]["mimeType"]),
        (&json!("invoice.pdf"), &json!("application/pdf"))
    );
    assert_eq!(
        (&files[1]["name"], &files[1]["mimeType"]),
        (&json!("photo.png"), &json!("image/png"))
    );
    assert!(files[0]["referenceId"].is_null());
    let pdf = get(&sim, files[0]["url"].as_str().unwrap()).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        pdf.headers()["content-disposition"],
        "attachment; filename=\"invoice.pdf\""
    );
    let pdf = pdf.bytes().await.unwrap();
    assert!(check_pdf(&pdf).contains("(Invoice 2024-0042) Tj"));
    let png = get(&sim, files[1]["url"].as_str().unwrap()).await;
    assert_eq!(
        png.headers()["content-disposition"],
        "inline; filename=\"photo.png\""
    );
    let png = png.bytes().await.unwrap();
    let line = last_line(&view);
    assert_eq!(line["kind"], "file");
    assert_eq!(line["files"][0]["id"], files[0]["id"]);
    assert_eq!(line["files"][0]["size"], pdf.len());
    assert_eq!(line["files"][1]["size"], png.len());
    assert_eq!(line["files"][1]["url"], files[1]["url"]);

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "webview"})).await;
    assert_eq!(
        m["staticContent"],
        json!({"formatType": "WebView", "url": "https://example.com/survey",
               "title": {"itemType": "TitleItem", "title": "Take our 1-minute survey"},
               "parameters": []})
    );
    assert_eq!(last_line(&view)["kind"], "webview");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "error"})).await;
    assert_eq!(
        m["staticContent"],
        json!({"formatType": "ErrorMessage", "title": "We could not look up your order",
               "errorDetails": {"errorCode": "ORDER_LOOKUP_FAILED",
                                "errorMessages": ["The order service is not answering."]}})
    );
    assert_eq!(last_line(&view)["kind"], "error");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "citations"})).await;
    let s = &m["staticContent"];
    assert_eq!(s["formatType"], "Text");
    assert_eq!(s["text"], "You can return items within 30 days.");
    let cites = s["citationContent"]["citations"].as_array().unwrap();
    assert_eq!(cites.len(), 2);
    assert_eq!(
        cites[0]["citedReference"],
        json!({"link": {"url": "https://example.com/help/returns"}, "label": "Return policy"})
    );
    assert_eq!(cites[1]["citedReference"]["label"], "Refunds");
    let line = last_line(&view);
    assert_eq!(line["kind"], "citations");
    assert_eq!(line["content"], "You can return items within 30 days.");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "form"})).await;
    assert_eq!(m["messageType"], "FormMessage");
    let f = &m["form"];
    assert_eq!(f["formatType"], "Inputs");
    assert_eq!(f["formTitle"]["title"], "Shipping address");
    assert_eq!(f["message"]["title"], "Please tell us where to send it");
    let sections = f["sections"].as_array().unwrap();
    assert!(!sections.is_empty());
    assert!(sections.iter().all(
        |s| s["input"]["inputType"] == "TextInput" && s["input"]["label"]["title"].is_string()
    ));
    assert_eq!(last_line(&view)["kind"], "form");

    let (view, m) = rich(&sim, &conv, &mut stream, json!({"kind": "unknown"})).await;
    assert_eq!(m["messageType"], "HologramMessage");
    assert!(!m.to_string().contains("\"text\""), "{m}");
    let line = last_line(&view);
    assert_eq!(line["kind"], "other");
    assert_eq!(line["content"], "");

    // Kept in history the same way (entryPayload an object there).
    let h = v.entries(&conv, "?entryTypeFilter=Message&limit=50").await;
    let kinds: Vec<Value> = h.json["conversationEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entryPayload"]["abstractMessage"]["messageType"].clone())
        .collect();
    assert_eq!(kinds.len(), 10);
    assert_eq!(kinds[0], "HologramMessage");
    assert_eq!(kinds[9], "ChoicesMessage");
    let first = &h.json["conversationEntries"][9];
    assert_eq!(first["sender"]["role"], "Agent");
    assert_eq!(first["senderDisplayName"], "Andy L.");
}

#[tokio::test]
async fn a_message_as_given_a_carousel_count_and_refusals() {
    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    let waiting = v.create().await;
    let (status, body) = sim
        .ctl_post(
            &format!("/sessions/{waiting}/rich"),
            json!({"kind": "buttons"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].is_string());

    let (_, conv, mut stream) = sim.mchat("Andy L.").await;
    let given = json!({"messageType": "StaticContentMessage",
                       "staticContent": {"formatType": "Text", "text": "as given"}});
    let (view, m) = rich(&sim, &conv, &mut stream, json!({"message": given})).await;
    assert_eq!(m["staticContent"], given["staticContent"]);
    assert_eq!(last_line(&view)["kind"], "text");
    let id = uuid();
    let mut with_id = given.clone();
    with_id["id"] = json!(id);
    let (_, m) = rich(&sim, &conv, &mut stream, json!({"message": with_id})).await;
    assert_eq!(m["id"], id);

    let (_, m) = rich(
        &sim,
        &conv,
        &mut stream,
        json!({"kind": "carousel", "count": 7}),
    )
    .await;
    assert_eq!(m["choices"]["items"].as_array().unwrap().len(), 7);
    assert_eq!(m["choices"]["images"].as_array().unwrap().len(), 7);
    let (_, m) = rich(
        &sim,
        &conv,
        &mut stream,
        json!({"kind": "carousel", "count": 50}),
    )
    .await;
    assert_eq!(m["choices"]["items"].as_array().unwrap().len(), 50);

    for bad in [
        json!({}),
        json!({"kind": "nope"}),
        json!({"kind": "carousel", "count": 0}),
        json!({"kind": "carousel", "count": 51}),
        json!({"kind": "buttons", "message": given}),
        json!({"message": "text"}),
        json!({"message": {"staticContent": {}}}),
    ] {
        let (status, body) = sim
            .ctl_post(&format!("/sessions/{conv}/rich"), bad.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    stream.quiet_for(Duration::from_millis(150)).await;

    // Live Agent sessions have no such action.
    let mut la = sim.visitor().await;
    la.init(chasitor_sim::DEFAULT_BUTTON_ID).await;
    let (status, _) = sim
        .ctl_post(
            &format!("/sessions/{}/rich", la.id),
            json!({"kind": "buttons"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bot_sends_rich_messages_as_chatbot() {
    let sim = Sim::miaw().await;
    let (_v, conv, mut stream) = sim
        .mchat_with(json!({"agentName": "Einstein", "role": "Chatbot"}))
        .await;
    sim.agent(&conv, "rich", json!({"kind": "quick-replies"}))
        .await;
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    agent_message(&e, "Chatbot");
    assert_eq!(e.data["conversationEntry"]["senderDisplayName"], "Einstein");
}

#[tokio::test]
async fn the_visitors_choice_is_checked_titled_echoed_and_shown() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let (_, menu) = rich(&sim, &conv, &mut stream, json!({"kind": "buttons"})).await;
    let menu_id = menu["id"].as_str().unwrap().to_string();
    let second = menu["choices"]["optionItems"][1].clone();
    let option = second["optionIdentifier"].as_str().unwrap();

    let (a, id) = v.choose(&conv, &menu_id, &[option]).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    assert_eq!(a.json["conversationEntries"][0]["id"], id);
    assert!(a.json["conversationEntries"][0]["clientTimestamp"].is_u64());
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    let entry = &e.data["conversationEntry"];
    assert_eq!(entry["sender"]["role"], "EndUser");
    assert_eq!(entry["identifier"], id);
    let m = &e.payload()["abstractMessage"];
    assert_eq!(m["messageType"], "ChoicesResponseMessage");
    assert_eq!(m["id"], id);
    assert_eq!(m["inReplyToMessageId"], menu_id);
    assert_eq!(
        m["choicesResponse"],
        json!({"formatType": "Selections", "selectedOptions": [
            {"optionIdentifier": option, "title": second["titleItem"]["title"]}]})
    );
    let view = sim.session(&conv).await;
    let line = last_line(&view);
    assert_eq!(line["type"], "Chasitor");
    assert_eq!(line["kind"], "choice");
    assert_eq!(line["inReplyToMessageId"], menu_id);
    assert_eq!(line["optionIdentifier"], option);
    assert_eq!(line["title"], second["titleItem"]["title"]);
    assert_eq!(line["content"], second["titleItem"]["title"]);
    assert_eq!(
        view["received"].as_array().unwrap().last().unwrap()["type"],
        "Message"
    );

    // The same menu again: the server allows it. A retry of the same id is not repeated.
    let (a, _) = v.choose(&conv, &menu_id, &[option]).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    let mut retry = json!({
        "message": {"id": id, "messageType": "ChoicesResponseMessage", "inReplyToMessageId": menu_id,
                    "choicesResponse": {"formatType": "Selections", "selectedOptions": [{"optionIdentifier": option}]}},
        "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
    });
    let path = format!("/conversation/{conv}/message");
    let a = v.call(Method::POST, &path, Some(retry.clone())).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.quiet_for(Duration::from_millis(150)).await;

    // A carousel: any card's option.
    let (_, carousel) = rich(&sim, &conv, &mut stream, json!({"kind": "carousel"})).await;
    let card = &carousel["choices"]["items"][2]["interactionItems"][0];
    let (a, _) = v
        .choose(
            &conv,
            carousel["id"].as_str().unwrap(),
            &[card["optionIdentifier"].as_str().unwrap()],
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        e.payload()["abstractMessage"]["choicesResponse"]["selectedOptions"][0]["title"],
        card["titleItem"]["title"]
    );

    // Refusals: 400 as JSON, nothing on the stream.
    let text_id = v.say(&conv, "plain").await.1;
    stream.expect("CONVERSATION_MESSAGE").await;
    let cases: Vec<(&str, Change)> = vec![
        (
            "no inReplyToMessageId",
            Box::new(|m| {
                m["message"]
                    .as_object_mut()
                    .unwrap()
                    .remove("inReplyToMessageId");
            }),
        ),
        (
            "an unknown message",
            Box::new(|m| m["message"]["inReplyToMessageId"] = json!(uuid())),
        ),
        (
            "a text message, not a menu",
            Box::new(move |m| m["message"]["inReplyToMessageId"] = json!(text_id)),
        ),
        (
            "no selection",
            Box::new(|m| m["message"]["choicesResponse"]["selectedOptions"] = json!([])),
        ),
        (
            "an option of no menu",
            Box::new(|m| {
                m["message"]["choicesResponse"]["selectedOptions"] =
                    json!([{"optionIdentifier": uuid()}]);
            }),
        ),
        (
            "no optionIdentifier",
            Box::new(|m| {
                m["message"]["choicesResponse"]["selectedOptions"] = json!([{"title": "Yes"}]);
            }),
        ),
        (
            "another format",
            Box::new(|m| m["message"]["choicesResponse"]["formatType"] = json!("Inputs")),
        ),
        (
            "no choicesResponse",
            Box::new(|m| {
                m["message"]
                    .as_object_mut()
                    .unwrap()
                    .remove("choicesResponse");
            }),
        ),
    ];
    for (what, change) in cases {
        retry["message"]["id"] = json!(uuid());
        retry["message"]["inReplyToMessageId"] = json!(menu_id);
        retry["message"]["choicesResponse"] = json!({"formatType": "Selections",
            "selectedOptions": [{"optionIdentifier": option}]});
        let mut body = retry.clone();
        change(&mut body);
        let a = v.call(Method::POST, &path, Some(body)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.json);
        assert_eq!(a.json["status"], 400, "{what}");
        assert!(a.json["message"].is_string(), "{what}");
    }
    // Another conversation's menu is not this one's.
    let (v2, conv2, mut stream2) = sim.mchat("Bea").await;
    let _ = rich(&sim, &conv2, &mut stream2, json!({"kind": "buttons"})).await;
    let (a, _) = v.choose(&conv, &menu_id, &[option]).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let (a, _) = v2.choose(&conv2, &menu_id, &[option]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_choice_after_the_sessions_end_is_417_until_a_new_session() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let (_, menu) = rich(&sim, &conv, &mut stream, json!({"kind": "quick-replies"})).await;
    let option = menu["choices"]["optionItems"][0]["optionIdentifier"]
        .as_str()
        .unwrap()
        .to_string();
    sim.agent(&conv, "end", json!({})).await;
    stream.expect_all(SESSION_ENDED).await;
    let (a, _) = v
        .choose(&conv, menu["id"].as_str().unwrap(), &[&option])
        .await;
    assert_eq!(a.status, StatusCode::EXPECTATION_FAILED);
}

// ---------------------------------------------------------------------------------------------
// Uploads

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR not really a png but bytes \r\n--x\r\n\0\xff";

#[tokio::test]
async fn an_upload_is_echoed_pending_then_completed_and_served_as_sent() {
    let sim = Sim::miaw().await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let (msg_id, file_id) = (uuid(), uuid());
    let entry = upload_entry(&msg_id, &file_id, Some("my receipt"));
    let a = v
        .upload(&conv, &entry, "receipt.png", "image/png", PNG)
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    assert_eq!(a.json["conversationEntries"][0]["id"], msg_id);
    assert!(a.json["conversationEntries"][0]["clientTimestamp"].is_u64());

    let e = stream.expect("CONVERSATION_MESSAGE").await;
    let entry_json = &e.data["conversationEntry"];
    assert_eq!(entry_json["entryType"], "Message");
    assert_eq!(entry_json["sender"]["role"], "EndUser");
    assert_eq!(entry_json["identifier"], msg_id);
    let m = e.payload()["abstractMessage"].clone();
    let url = sim.url(&format!("/_sim/files/{file_id}"));
    assert_eq!(
        m,
        json!({"messageType": "StaticContentMessage", "id": msg_id,
               "staticContent": {"formatType": "Attachments", "text": "my receipt",
                   "attachments": [{"id": file_id, "name": "receipt.png", "mimeType": "image/png",
                                    "url": url, "attachmentUploadResult": {"status": "Pending"}}]}})
    );
    let view = sim.session(&conv).await;
    let line = last_line(&view);
    assert_eq!(line["kind"], "upload");
    assert_eq!(line["status"], "Pending");

    let started = std::time::Instant::now();
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "after uploadProcessingMillis"
    );
    let updated = &e.data["conversationEntry"];
    assert_eq!(updated["entryType"], "MessageUpdated");
    let p = e.payload();
    assert_eq!(p["entryType"], "MessageUpdated");
    assert_eq!(p["id"], msg_id);
    let mut completed = m.clone();
    completed["staticContent"]["attachments"][0]["attachmentUploadResult"] =
        json!({"status": "Completed"});
    assert_eq!(p["updatedMessage"], completed);

    let r = get(&sim, &url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["content-disposition"],
        "inline; filename=\"receipt.png\""
    );
    assert_eq!(&r.bytes().await.unwrap()[..], PNG);

    let view = sim.session(&conv).await;
    let line = last_line(&view);
    assert_eq!(line["kind"], "upload");
    assert_eq!(line["status"], "Completed");
    assert_eq!(line["content"], "my receipt");
    assert_eq!(
        line["files"],
        json!([{"id": file_id, "name": "receipt.png", "mimeType": "image/png",
                "size": PNG.len(), "url": url}])
    );
    let received = view["received"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(received["type"], "File");
    assert_eq!(received["body"]["messageEntry"], entry);
    assert_eq!(received["body"]["fileData"]["size"], PNG.len());

    // History: the message shows Completed, and the update is there too.
    let h = v.entries(&conv, "?limit=2").await;
    let list = h.json["conversationEntries"].as_array().unwrap();
    assert_eq!(list[0]["entryType"], "MessageUpdated");
    assert_eq!(list[1]["identifier"], msg_id);
    assert_eq!(
        list[1]["entryPayload"]["abstractMessage"]["staticContent"]["attachments"][0]
            ["attachmentUploadResult"]["status"],
        "Completed"
    );

    // Not an image: an attachment; no caption: null. A retry is not repeated.
    let (pdf_msg, pdf_file) = (uuid(), uuid());
    let entry = upload_entry(&pdf_msg, &pdf_file, None);
    let a = v
        .upload(&conv, &entry, "notes.txt", "text/plain", b"hello")
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert!(e.payload()["abstractMessage"]["staticContent"]["text"].is_null());
    let a = v
        .upload(&conv, &entry, "notes.txt", "text/plain", b"hello")
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(
        stream.expect("CONVERSATION_MESSAGE").await.payload()["entryType"],
        "MessageUpdated"
    );
    stream.quiet_for(Duration::from_millis(300)).await;
    let r = get(&sim, &sim.url(&format!("/_sim/files/{pdf_file}"))).await;
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"notes.txt\""
    );
    let r = get(&sim, &sim.url("/_sim/files/nothing-here")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn uploads_are_refused_in_order() {
    let sim = Sim::miaw_with(|c| {
        c.miaw[0].attachments.max_file_size = 1000;
        c.miaw[0].attachments.allowed_types = vec!["image/*".into(), "application/pdf".into()];
    })
    .await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let entry = || upload_entry(&uuid(), &uuid(), None);
    let status = |a: &Answer| {
        assert_eq!(a.json["status"], a.status.as_u16(), "{}", a.json);
        assert!(a.json["message"].is_string());
        a.status
    };

    let a = v
        .upload(&conv, &entry(), "big.png", "image/png", &[7u8; 1001])
        .await;
    assert_eq!(status(&a), StatusCode::PAYLOAD_TOO_LARGE);
    // Far beyond: the body is not kept, still 413.
    let a = v
        .upload(
            &conv,
            &entry(),
            "huge.png",
            "image/png",
            &vec![7u8; 3 * 1024 * 1024],
        )
        .await;
    assert_eq!(status(&a), StatusCode::PAYLOAD_TOO_LARGE);
    let a = v
        .upload(&conv, &entry(), "ok.png", "image/png", &[7u8; 1000])
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let a = v
        .upload(&conv, &entry(), "x.webp", "image/webp; q=1", &[1])
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let a = v.upload(&conv, &entry(), "a.txt", "text/plain", b"x").await;
    assert_eq!(status(&a), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Too large and of the wrong type: 413 first.
    let a = v
        .upload(&conv, &entry(), "a.txt", "text/plain", &[0; 2000])
        .await;
    assert_eq!(status(&a), StatusCode::PAYLOAD_TOO_LARGE);

    // 400: missing or unreadable parts, messageEntry without id or fileId.
    let e = entry().to_string();
    let entry_part = MPart {
        name: "messageEntry",
        filename: None,
        content_type: Some("application/json"),
        data: e.as_bytes(),
    };
    let file_part = |filename| MPart {
        name: "fileData",
        filename,
        content_type: Some("image/png"),
        data: b"png",
    };
    let (ct, body) = multipart(&[entry_part]);
    assert_eq!(
        status(&v.upload_raw(&conv, &ct, body).await),
        StatusCode::BAD_REQUEST
    );
    let (ct, body) = multipart(&[file_part(Some("a.png"))]);
    assert_eq!(
        status(&v.upload_raw(&conv, &ct, body).await),
        StatusCode::BAD_REQUEST
    );
    let (ct, body) = multipart(&[
        MPart {
            name: "messageEntry",
            filename: None,
            content_type: None,
            data: e.as_bytes(),
        },
        file_part(None),
    ]);
    assert_eq!(
        status(&v.upload_raw(&conv, &ct, body).await),
        StatusCode::BAD_REQUEST
    );
    let (ct, body) = multipart(&[
        MPart {
            name: "messageEntry",
            filename: None,
            content_type: None,
            data: b"{not json",
        },
        file_part(Some("a.png")),
    ]);
    assert_eq!(
        status(&v.upload_raw(&conv, &ct, body).await),
        StatusCode::BAD_REQUEST
    );
    let a = v
        .upload_raw(
            &conv,
            "multipart/form-data; boundary=zz",
            b"garbage".to_vec(),
        )
        .await;
    assert_eq!(status(&a), StatusCode::BAD_REQUEST);
    let a = v
        .upload_raw(&conv, "application/json", b"{}".to_vec())
        .await;
    assert_eq!(status(&a), StatusCode::BAD_REQUEST);
    for bad in [
        json!({"message": {"fileId": uuid()}, "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME}),
        json!({"message": {"id": uuid()}, "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME}),
        json!({"esDeveloperName": DEFAULT_ES_DEVELOPER_NAME}),
        json!({"message": {"id": uuid(), "fileId": "../x"}, "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME}),
        json!({"message": {"id": uuid(), "fileId": uuid()}, "esDeveloperName": "Other"}),
    ] {
        let a = v.upload(&conv, &bad, "a.png", "image/png", b"png").await;
        assert_eq!(status(&a), StatusCode::BAD_REQUEST, "{bad}");
    }
    // A fileId already taken.
    let taken = uuid();
    let a = v.upload_png(&conv, &taken, b"1").await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let a = v.upload_png(&conv, &taken, b"2").await;
    assert_eq!(status(&a), StatusCode::BAD_REQUEST);

    // Auth and the conversation as for /message.
    let mut no_token = v.clone();
    no_token.token = "nope".into();
    let a = no_token
        .upload(&conv, &entry(), "a.png", "image/png", b"1")
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = v
        .upload(&uuid(), &entry(), "a.png", "image/png", b"1")
        .await;
    assert_eq!(status(&a), StatusCode::NOT_FOUND);

    // Only the accepted uploads reached the stream (each echo and its update).
    let mut names = Vec::new();
    for _ in 0..6 {
        names.push(
            stream.expect("CONVERSATION_MESSAGE").await.data["conversationEntry"]["entryType"]
                .clone(),
        );
    }
    assert_eq!(names.iter().filter(|n| **n == "Message").count(), 3);
    stream.quiet_for(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn uploads_off_are_403_and_the_token_answer_says_so() {
    let sim = Sim::miaw_with(|c| {
        c.miaw[0].attachments.end_user_to_agent = false;
        c.miaw[0].attachments.max_file_size = 1234;
    })
    .await;
    let (v, conv, _stream) = sim.mchat("Andy L.").await;
    assert_eq!(
        v.answer["context"]["configuration"]["embeddedServiceConfig"]["attachments"],
        json!({"endUserToAgent": false, "maxFileSize": 1234})
    );
    // 403 before the body is looked at.
    let a = v
        .upload_raw(&conv, "text/plain", b"anything".to_vec())
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    assert_eq!(a.json["status"], 403);

    let sim = Sim::miaw().await;
    let v = sim.mvisitor().await;
    assert_eq!(
        v.answer["context"]["configuration"]["embeddedServiceConfig"]["attachments"],
        json!({"endUserToAgent": true, "maxFileSize": 5_242_880})
    );
}

#[tokio::test]
async fn an_upload_error_fails_the_next_upload_only() {
    let sim = Sim::miaw_with(|c| c.miaw[0].upload_processing_millis = 0).await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    let view = sim
        .agent(
            &conv,
            "upload-error",
            json!({"errorType": "AttachmentUploadNotAllowed"}),
        )
        .await;
    assert_eq!(view["pendingUploadError"], "AttachmentUploadNotAllowed");
    let msg = uuid();
    let a = v
        .upload(
            &conv,
            &upload_entry(&msg, &uuid(), None),
            "a.pdf",
            "application/pdf",
            b"%PDF",
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(e.data["conversationEntry"]["entryType"], "MessageUpdated");
    let p = e.payload();
    assert_eq!(p["id"], msg);
    assert_eq!(
        p["updatedMessage"]["staticContent"]["attachments"][0]["attachmentUploadResult"],
        json!({"status": "Error", "errorType": "AttachmentUploadNotAllowed"})
    );
    let view = sim.session(&conv).await;
    let line = last_line(&view);
    assert_eq!(line["status"], "Error");
    assert_eq!(line["errorType"], "AttachmentUploadNotAllowed");
    assert!(view["pendingUploadError"].is_null());

    let a = v
        .upload(
            &conv,
            &upload_entry(&uuid(), &uuid(), None),
            "b.pdf",
            "application/pdf",
            b"%PDF",
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    let p = stream.expect("CONVERSATION_MESSAGE").await.payload();
    assert_eq!(
        p["updatedMessage"]["staticContent"]["attachments"][0]["attachmentUploadResult"]["status"],
        "Completed"
    );
}

#[tokio::test]
async fn an_upload_after_the_sessions_end_is_417_or_starts_a_new_session() {
    let sim = Sim::miaw_with(|c| c.miaw[0].upload_processing_millis = 0).await;
    let (v, conv, mut stream) = sim.mchat("Andy L.").await;
    sim.agent(&conv, "end", json!({})).await;
    stream.expect_all(SESSION_ENDED).await;
    let file_id = uuid();
    let a = v.upload_png(&conv, &file_id, b"1").await;
    assert_eq!(a.status, StatusCode::EXPECTATION_FAILED);
    let r = get(&sim, &sim.url(&format!("/_sim/files/{file_id}"))).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a refused file is not kept"
    );
    let mut entry = upload_entry(&uuid(), &file_id, None);
    entry["isNewMessagingSession"] = json!(true);
    let a = v.upload(&conv, &entry, "a.png", "image/png", b"1").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let names: Vec<String> = [
        "CONVERSATION_SESSION_STATUS_CHANGED",
        "CONVERSATION_MESSAGE",
        "CONVERSATION_ROUTING_RESULT",
        "CONVERSATION_QUEUE_POSITION",
        "CONVERSATION_MESSAGE",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let events = stream
        .expect_all(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    assert_eq!(events[0].payload()["sessionStatus"], "Waiting");
    assert_eq!(events[4].payload()["entryType"], "MessageUpdated");
    assert_eq!(sim.session(&conv).await["state"], "queued");
}

#[tokio::test]
async fn faults_drop_or_slow_the_upload_route() {
    let sim = Sim::miaw().await;
    let (v, conv, _stream) = sim.mchat("Andy L.").await;
    sim.fault(json!({"kind": "drop", "path": "/iamessage/api/v2/conversation/*/file"}))
        .await;
    // Not a message: the fault waits for the upload.
    assert_eq!(v.say(&conv, "hi").await.0.status, StatusCode::ACCEPTED);
    let entry = upload_entry(&uuid(), &uuid(), None);
    let (ct, body) = multipart(&[
        MPart {
            name: "messageEntry",
            filename: None,
            content_type: None,
            data: entry.to_string().as_bytes(),
        },
        MPart {
            name: "fileData",
            filename: Some("a.png"),
            content_type: Some("image/png"),
            data: b"1",
        },
    ]);
    let r = v
        .req(Method::POST, &format!("/conversation/{conv}/file"))
        .header("Content-Type", &ct)
        .body(body.clone())
        .send()
        .await;
    assert!(r.is_err(), "the connection closed without an answer: {r:?}");
    let log = sim.requests().await;
    let last = log
        .iter()
        .rev()
        .find(|r| r["path"].as_str().unwrap().ends_with("/file"))
        .unwrap();
    assert_eq!(last["status"], 0);
    assert_eq!(last["session"], conv);

    sim.fault(
        json!({"kind": "delay", "ms": 400, "path": "/iamessage/api/v2/conversation/{id}/file"}),
    )
    .await;
    let started = std::time::Instant::now();
    let a = v.upload_raw(&conv, &ct, body).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    assert!(started.elapsed() >= Duration::from_millis(400));

    // A plain prefix matches every conversation route, the upload included.
    sim.fault(json!({"kind": "server_error", "path": "/iamessage/api/v2/conversation"}))
        .await;
    let a = v.upload_png(&conv, &uuid(), b"1").await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
}

// ---------------------------------------------------------------------------------------------
// The scripted bot

fn bot_sim_config(c: &mut chasitor_sim::SimConfig) {
    c.miaw[0].scripted_bot = Some(ScriptedBot {
        name: "Chasitor Bot".into(),
    });
    c.miaw[0].upload_processing_millis = 0;
}

/// A bot message: `(messageType, formatType, text)`.
fn said(e: &SseEvent) -> (String, String, String) {
    let m = agent_message(e, "Chatbot");
    assert_eq!(
        e.data["conversationEntry"]["senderDisplayName"],
        "Chasitor Bot"
    );
    let body = m.get("choices").or(m.get("staticContent")).unwrap();
    (
        m["messageType"].as_str().unwrap().into(),
        body["formatType"].as_str().unwrap().into(),
        body["text"].as_str().unwrap_or_default().into(),
    )
}

fn titles(menu: &Value) -> Vec<String> {
    menu["choices"]["optionItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["titleItem"]["title"].as_str().unwrap().to_string())
        .collect()
}

/// The option of `menu` titled `title`.
fn option_titled(menu: &Value, title: &str) -> String {
    menu["choices"]["optionItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["titleItem"]["title"] == title)
        .unwrap()["optionIdentifier"]
        .as_str()
        .unwrap()
        .to_string()
}

const MENU: [&str; 3] = ["Show me a link", "Send me a file", "Talk to a person"];

#[tokio::test]
async fn the_scripted_bot_greets_answers_and_hands_over() {
    let sim = Sim::miaw_with(bot_sim_config).await;
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    let mut stream = v.stream(Some("0")).await;
    stream.expect_all(QUEUED).await;
    let accepted = stream.expect_all(ACCEPTED).await;
    let p = accepted[2].payload();
    assert_eq!(p["entries"][0]["operation"], "add");
    assert_eq!(p["entries"][0]["participant"]["role"], "Chatbot");
    assert_eq!(p["entries"][0]["displayName"], "Chasitor Bot");
    let e = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        said(&e),
        (
            "ChoicesMessage".into(),
            "Buttons".into(),
            "Hi! What can I do for you?".into()
        )
    );
    let menu = agent_message(&e, "Chatbot");
    assert_eq!(titles(&menu), MENU);
    let view = sim.session(&conv).await;
    assert_eq!(view["state"], "established");
    assert_eq!(view["participantRole"], "Chatbot");
    assert_eq!(view["agentName"], "Chasitor Bot");

    // The link, then the menu again as quick replies.
    let (a, _) = v
        .choose(
            &conv,
            menu["id"].as_str().unwrap(),
            &[&option_titled(&menu, MENU[0])],
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json);
    let echo = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(echo.data["conversationEntry"]["sender"]["role"], "EndUser");
    let link = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(said(&link).1, "RichLink");
    let again = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        said(&again),
        (
            "ChoicesMessage".into(),
            "QuickReplies".into(),
            "Anything else?".into()
        )
    );
    let again = agent_message(&again, "Chatbot");
    assert_eq!(titles(&again), MENU);

    // A text equal to an option's title (any case): the file.
    assert_eq!(
        v.say(&conv, "  send ME a file ").await.0.status,
        StatusCode::ACCEPTED
    );
    stream.expect("CONVERSATION_MESSAGE").await;
    let file = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(said(&file).1, "Attachments");
    let url = agent_message(&file, "Chatbot")["staticContent"]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&sim, &url).await.status(), StatusCode::OK);
    assert_eq!(
        said(&stream.expect("CONVERSATION_MESSAGE").await).1,
        "QuickReplies"
    );

    // Anything else: sorry, and the buttons again.
    assert_eq!(
        v.say(&conv, "what is the weather").await.0.status,
        StatusCode::ACCEPTED
    );
    stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        said(&stream.expect("CONVERSATION_MESSAGE").await),
        (
            "StaticContentMessage".into(),
            "Text".into(),
            "Sorry, I can only help with these:".into()
        )
    );
    let buttons = stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(said(&buttons).1, "Buttons");
    let buttons = agent_message(&buttons, "Chatbot");

    // An upload gets no answer from the bot.
    let a = v.upload_png(&conv, &uuid(), b"1").await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream
        .expect_all(&["CONVERSATION_MESSAGE", "CONVERSATION_MESSAGE"])
        .await;
    stream.quiet_for(Duration::from_millis(150)).await;

    // A person: the bot says so and transfers to the queue; an agent accepts from the console.
    let (a, _) = v
        .choose(
            &conv,
            buttons["id"].as_str().unwrap(),
            &[&option_titled(&buttons, MENU[2])],
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        said(&stream.expect("CONVERSATION_MESSAGE").await).2,
        "Connecting you to a person…"
    );
    let transfer = stream
        .expect_all(&[
            "CONVERSATION_PARTICIPANT_CHANGED",
            "CONVERSATION_ROUTING_RESULT",
            "CONVERSATION_ROUTING_WORK_RESULT",
            "CONVERSATION_QUEUE_POSITION",
        ])
        .await;
    assert_eq!(transfer[0].payload()["entries"][0]["operation"], "remove");
    assert_eq!(transfer[1].payload()["routingType"], "Transfer");
    assert_eq!(transfer[2].payload()["workType"], "Transferred");
    let view = sim.session(&conv).await;
    assert_eq!(view["state"], "queued");
    assert_eq!(view["routingStatus"], "TRANSFER");
    // Nobody answers while it waits.
    assert_eq!(v.say(&conv, "hello?").await.0.status, StatusCode::ACCEPTED);
    stream.expect("CONVERSATION_MESSAGE").await;
    stream.quiet_for(Duration::from_millis(150)).await;
    sim.agent(&conv, "accept", json!({"agentName": "Andy L."}))
        .await;
    let e = stream
        .expect_all(&[
            "CONVERSATION_ROUTING_WORK_RESULT",
            "CONVERSATION_ROUTING_WORK_RESULT",
            "CONVERSATION_PARTICIPANT_CHANGED",
        ])
        .await;
    assert_eq!(e[2].payload()["entries"][0]["participant"]["role"], "Agent");
    // The person's conversation: the bot stays out of it.
    assert_eq!(
        v.say(&conv, "Show me a link").await.0.status,
        StatusCode::ACCEPTED
    );
    stream.expect("CONVERSATION_MESSAGE").await;
    stream.quiet_for(Duration::from_millis(150)).await;

    // A new messaging session: the bot takes it again.
    sim.agent(&conv, "end", json!({})).await;
    stream.expect_all(SESSION_ENDED).await;
    let mut body = MVisitor::message_body("back again", &uuid());
    body["isNewMessagingSession"] = json!(true);
    let a = v
        .call(
            Method::POST,
            &format!("/conversation/{conv}/message"),
            Some(body),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    stream
        .expect_all(&[
            "CONVERSATION_SESSION_STATUS_CHANGED",
            "CONVERSATION_MESSAGE",
            "CONVERSATION_ROUTING_RESULT",
            "CONVERSATION_QUEUE_POSITION",
        ])
        .await;
    stream.expect_all(ACCEPTED).await;
    assert_eq!(
        said(&stream.expect("CONVERSATION_MESSAGE").await).1,
        "Buttons"
    );
    stream.quiet_for(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn the_demo_has_a_bot_deployment_and_the_first_one_has_no_bot() {
    let sim = Sim::miaw().await;
    let list: Value = sim.ctl_get("/enhanced-chat").await;
    assert_eq!(list[0]["esDeveloperName"], DEFAULT_ES_DEVELOPER_NAME);
    assert!(list[0]["scriptedBot"].is_null());
    assert_eq!(list[1]["esDeveloperName"], BOT_ES_DEVELOPER_NAME);
    assert_eq!(list[1]["scriptedBot"]["name"], "Chasitor Bot");

    // The first deployment: the conversation waits for the console.
    let v = sim.mvisitor().await;
    let conv = v.create().await;
    assert_eq!(sim.session(&conv).await["state"], "queued");

    // The bot deployment: taken at once.
    let mut body = token_body();
    body["esDeveloperName"] = json!(BOT_ES_DEVELOPER_NAME);
    let (status, answer) = sim.token_request(body).await;
    assert_eq!(status, StatusCode::OK);
    let bot_visitor = MVisitor {
        token: answer["accessToken"].as_str().unwrap().to_string(),
        answer,
        ..v.clone()
    };
    let conv = uuid();
    let a = bot_visitor
        .create_with(
            json!({"conversationId": conv, "esDeveloperName": BOT_ES_DEVELOPER_NAME,
                            "routingAttributes": {"_firstName": "Ada"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let view = sim.session(&conv).await;
    assert_eq!(view["state"], "established");
    assert_eq!(view["participantRole"], "Chatbot");
    assert_eq!(last_line(&view)["kind"], "buttons");
    assert_eq!(
        last_line(&view)["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap())
            .collect::<Vec<_>>(),
        MENU
    );
}

#[tokio::test]
async fn the_console_sends_presets_and_shows_rich_messages_as_text() {
    let sim = Sim::miaw().await;
    let page = sim.console_page().await;
    for preset in [
        "buttons",
        "quick-replies",
        "carousel",
        "link",
        "file",
        "webview",
        "error",
        "citations",
        "form",
    ] {
        assert!(
            page.contains(&format!("data-rich=\"{preset}\"")),
            "{preset}"
        );
    }
    for needle in ["\"rich\"", "upload-error", "chose: ", "/_sim/files/"] {
        assert!(page.contains(needle), "{needle}");
    }
    assert!(!page.contains("innerHTML"));
}
