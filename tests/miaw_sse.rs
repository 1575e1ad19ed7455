#![cfg(not(target_arch = "wasm32"))]
//! The `text/event-stream` parser against the WHATWG HTML spec ("Server-sent events"). Every
//! stream is fed whole, in every two-chunk split and byte by byte, and must give the same items,
//! last event id, retry time and error (or none) each way.

use chasitor::miaw::sse::{SseError, SseEvent, SseItem, SseParser, DEFAULT_MAX_LEN};

#[derive(Debug, PartialEq)]
struct Parsed {
    items: Vec<SseItem>,
    last_event_id: Option<String>,
    retry: Option<u64>,
    /// Some `feed` reported something dropped (how many calls did depends on the chunking).
    dropped: bool,
}

fn feed_chunks(limit: usize, chunks: &[&[u8]]) -> Parsed {
    let mut parser = SseParser::new(limit);
    let dropped = chunks.iter().filter(|c| parser.feed(c).is_err()).count() > 0;
    Parsed {
        items: std::iter::from_fn(|| parser.poll()).collect(),
        last_event_id: parser.last_event_id().map(str::to_string),
        retry: parser.retry(),
        dropped,
    }
}

/// Parses `stream` whole, split in two at every point, and byte by byte; all must agree.
fn parse_with(limit: usize, stream: &[u8]) -> Parsed {
    let whole = feed_chunks(limit, &[stream]);
    for at in 0..=stream.len() {
        let (a, b) = stream.split_at(at);
        assert_eq!(feed_chunks(limit, &[a, b]), whole, "split at {at}");
    }
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(feed_chunks(limit, &bytes), whole, "byte by byte");
    whole
}

fn parse(stream: &str) -> Parsed {
    parse_with(DEFAULT_MAX_LEN, stream.as_bytes())
}

fn events(stream: &str) -> Vec<SseEvent> {
    parse(stream)
        .items
        .into_iter()
        .filter_map(|item| match item {
            SseItem::Event(e) => Some(e),
            SseItem::Comment => None,
        })
        .collect()
}

fn event(name: &str, data: &str, id: Option<&str>) -> SseEvent {
    SseEvent {
        event: name.to_string(),
        data: data.to_string(),
        id: id.map(str::to_string),
    }
}

fn message(data: &str) -> SseEvent {
    event("message", data, None)
}

fn datas(stream: &str) -> Vec<String> {
    events(stream).into_iter().map(|e| e.data).collect()
}

// ------------------------------------------------------------------ the spec's examples

#[test]
fn spec_multi_line_data_is_joined_with_newlines() {
    assert_eq!(
        events("data: YHOO\ndata: +2\ndata: 10\n\n"),
        [message("YHOO\n+2\n10")]
    );
}

#[test]
fn spec_test_stream_with_comment_and_ids() {
    let parsed = parse(
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
    );
    assert_eq!(
        parsed.items,
        [
            SseItem::Comment,
            SseItem::Event(event("message", "first event", Some("1"))),
            SseItem::Event(message("second event")),
            SseItem::Event(message(" third event")),
        ]
    );
    assert_eq!(parsed.last_event_id, None, "an empty id resets it");
}

#[test]
fn spec_empty_data_lines_and_an_unterminated_block() {
    // The first block fires an event with empty data, the middle one with a single newline;
    // the last is not followed by a blank line, so it is discarded.
    assert_eq!(datas("data\n\ndata\ndata\n\ndata:"), ["", "\n"]);
}

#[test]
fn spec_one_space_after_the_colon_is_dropped() {
    assert_eq!(datas("data:test\n\ndata: test\n\n"), ["test", "test"]);
}

#[test]
fn spec_event_types() {
    assert_eq!(
        events("event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"),
        [
            event("add", "73857293", None),
            event("remove", "2153", None),
            event("add", "113411", None),
        ]
    );
}

#[test]
fn spec_introduction_messages() {
    assert_eq!(
        datas(
            "data: This is the first message.\n\ndata: This is the second message, it\n\
             data: has two lines.\n\ndata: This is the third message.\n\n"
        ),
        [
            "This is the first message.",
            "This is the second message, it\nhas two lines.",
            "This is the third message.",
        ]
    );
}

// ------------------------------------------------------------------ line endings

#[test]
fn crlf_lf_and_cr_line_endings_are_alike() {
    let lf = "event: a\nid: 1\ndata: x\ndata: y\n\n: c\ndata: z\n\n";
    let expected = parse(lf);
    assert_eq!(expected.items.len(), 3);
    assert_eq!(parse(&lf.replace('\n', "\r\n")), expected);
    assert_eq!(parse(&lf.replace('\n', "\r")), expected);
    // Mixed in one stream.
    assert_eq!(
        parse("event: a\r\nid: 1\rdata: x\ndata: y\r\n\r: c\ndata: z\r\r"),
        expected
    );
}

#[test]
fn a_cr_then_a_lf_in_the_next_chunk_is_one_line_end() {
    let parsed = feed_chunks(
        DEFAULT_MAX_LEN,
        &[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"],
    );
    assert_eq!(parsed.items, [SseItem::Event(message("a\nb"))]);
}

#[test]
fn two_crs_are_two_line_ends() {
    assert_eq!(datas("data: a\r\rdata: b\r\r"), ["a", "b"]);
}

// ------------------------------------------------------------------ fields

#[test]
fn comments_are_keep_alives_coalesced_until_polled() {
    let parsed = parse(":\n: ping\n:ping\n\ndata: a\n\n: after\n");
    assert_eq!(
        parsed.items,
        [
            SseItem::Comment,
            SseItem::Event(message("a")),
            SseItem::Comment
        ]
    );
    let mut parser = SseParser::default();
    parser.feed(b": one\n").unwrap();
    assert_eq!(parser.poll(), Some(SseItem::Comment));
    parser.feed(b": two\n").unwrap();
    assert_eq!(parser.poll(), Some(SseItem::Comment));
    assert_eq!(parser.poll(), None);
}

#[test]
fn poll_event_skips_comments() {
    let mut parser = SseParser::default();
    parser.feed(b": hi\ndata: a\n\n: bye\n").unwrap();
    assert_eq!(parser.poll_event(), Some(message("a")));
    assert_eq!(parser.poll_event(), None);
    assert_eq!(parser.poll(), None);
}

#[test]
fn a_field_without_a_colon_has_an_empty_value() {
    assert_eq!(events("event\ndata\n\n"), [message("")]);
    let parsed = parse("data: a\nid\n\n");
    assert_eq!(parsed.last_event_id, None);
}

#[test]
fn only_one_space_after_the_colon_is_dropped_and_colons_in_values_stay() {
    assert_eq!(
        datas("data:  two\n\ndata:\tx\n\ndata: {\"a\": \"b:c\"}\n\n"),
        [" two", "\tx", "{\"a\": \"b:c\"}"]
    );
}

#[test]
fn an_event_without_data_is_not_dispatched_and_resets_the_type() {
    assert_eq!(events("event: ping\n\ndata: x\n\n"), [message("x")]);
    assert_eq!(events("event: ping\nid: 3\n\n"), []);
}

#[test]
fn unknown_and_miscased_fields_are_ignored() {
    assert_eq!(
        events("foo: bar\nData: no\nEVENT: no\ndata: yes\nretry-after: 1\n\n"),
        [message("yes")]
    );
}

#[test]
fn the_last_event_name_and_id_in_a_block_win() {
    assert_eq!(
        events("event: a\nid: 1\nevent: b\nid: 2\ndata: x\n\n"),
        [event("b", "x", Some("2"))]
    );
}

#[test]
fn ids_persist_until_changed_and_update_without_an_event() {
    let parsed = parse("id: 7\ndata: a\n\ndata: b\n\nid: 8\n\n");
    assert_eq!(
        parsed.items,
        [
            SseItem::Event(event("message", "a", Some("7"))),
            SseItem::Event(event("message", "b", Some("7"))),
        ]
    );
    assert_eq!(parsed.last_event_id.as_deref(), Some("8"));
}

#[test]
fn an_id_counts_only_at_the_blank_line() {
    let mut parser = SseParser::default();
    parser.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n").unwrap();
    assert_eq!(parser.last_event_id(), Some("1"));
    parser.feed(b"\n").unwrap();
    assert_eq!(parser.last_event_id(), Some("2"));
}

#[test]
fn an_id_with_nul_is_ignored() {
    let parsed = parse("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");
    assert_eq!(
        parsed.items,
        [
            SseItem::Event(event("message", "a", Some("1"))),
            SseItem::Event(event("message", "b", Some("1"))),
        ]
    );
    assert_eq!(parsed.last_event_id.as_deref(), Some("1"));
}

#[test]
fn retry_takes_digits_only() {
    assert_eq!(parse("retry: 3000\n").retry, Some(3000));
    assert_eq!(parse("retry:0\n").retry, Some(0));
    assert_eq!(
        parse("retry: 10\nretry: 3s\nretry: -1\nretry:\nretry: 1.5\n").retry,
        Some(10)
    );
    assert_eq!(parse("retry: +5\nretry:  5\nretry\n").retry, None);
    assert_eq!(
        parse("retry: 99999999999999999999999\n").retry,
        Some(u64::MAX)
    );
    // A retry field alone dispatches nothing.
    assert_eq!(parse("retry: 5\n\n").items, []);
}

// ------------------------------------------------------------------ bytes and text

#[test]
fn a_bom_at_the_very_start_is_dropped_once() {
    assert_eq!(datas("\u{FEFF}data: a\n\n"), ["a"]);
    // A second BOM is part of the first field's name, which is then unknown.
    assert_eq!(datas("\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n"), ["b"]);
    // Not at the start: the same.
    assert_eq!(datas("data: a\n\n\u{FEFF}data: b\n\n"), ["a"]);
    // A BOM in a value stays.
    assert_eq!(datas("data: \u{FEFF}a\n\n"), ["\u{FEFF}a"]);
}

#[test]
fn utf8_split_across_chunks_decodes_whole() {
    // Every split point runs through multi-byte sequences of 2, 3 and 4 bytes.
    assert_eq!(
        events("event: é\nid: ü€\ndata: héllo € 😀\n\n"),
        [event("é", "héllo € 😀", Some("ü€"))]
    );
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let parsed = parse_with(DEFAULT_MAX_LEN, b"data: a\xFFb\xE2\x82\n\n");
    assert_eq!(
        parsed.items,
        [SseItem::Event(message("a\u{FFFD}b\u{FFFD}"))]
    );
}

#[test]
fn a_salesforce_frame() {
    let parsed = parse(
        "id: 1711111111111-0\nevent: CONVERSATION_MESSAGE\ndata: {\"conversationId\":\"c\"}\n\n",
    );
    assert_eq!(
        parsed.items,
        [SseItem::Event(event(
            "CONVERSATION_MESSAGE",
            "{\"conversationId\":\"c\"}",
            Some("1711111111111-0")
        ))]
    );
}

// ------------------------------------------------------------------ bounds and reconnection

#[test]
fn a_line_over_the_limit_is_an_error_and_drops_its_event() {
    let parsed = parse_with(
        16,
        b"data: short\n\nevent: x\ndata: this line is far too long\ndata: more\n\ndata: ok\n\n",
    );
    assert_eq!(
        parsed.items,
        [
            SseItem::Event(message("short")),
            SseItem::Event(message("ok"))
        ]
    );
    assert!(parsed.dropped);
}

#[test]
fn a_line_exactly_at_the_limit_is_fine() {
    let parsed = parse_with(16, b"data: 0123456789\n\n");
    assert_eq!(parsed.items, [SseItem::Event(message("0123456789"))]);
    assert!(!parsed.dropped);
}

#[test]
fn data_growing_over_the_limit_is_an_error() {
    let parsed = parse_with(
        16,
        b"data: 0123456\ndata: 0123456\ndata: 0123456\n\ndata: ok\n\n",
    );
    assert_eq!(parsed.items, [SseItem::Event(message("ok"))]);
    assert!(parsed.dropped);
}

#[test]
fn an_endless_line_is_reported_once_and_not_kept() {
    let mut parser = SseParser::new(1024);
    let chunk = [b'x'; 4096];
    assert_eq!(parser.feed(&chunk), Err(SseError::TooLong { limit: 1024 }));
    for _ in 0..1000 {
        assert_eq!(parser.feed(&chunk), Ok(()));
    }
    parser.feed(b"\n\ndata: after\n\n").unwrap();
    assert_eq!(parser.poll(), Some(SseItem::Event(message("after"))));
    assert!(SseError::TooLong { limit: 1024 }
        .to_string()
        .contains("1024 bytes"));
}

#[test]
fn reconnect_drops_the_partial_event_and_keeps_the_id_and_retry() {
    let mut parser = SseParser::default();
    parser
        .feed(b"retry: 500\nid: 1\ndata: a\n\nid: 2\nevent: x\ndata: partial")
        .unwrap();
    parser.reconnect();
    assert_eq!(parser.last_event_id(), Some("1"));
    assert_eq!(parser.retry(), Some(500));
    // A new connection may start with a BOM again.
    parser.feed(b"\xEF\xBB\xBFdata: b\n\n").unwrap();
    assert_eq!(
        parser.poll(),
        Some(SseItem::Event(event("message", "a", Some("1"))))
    );
    assert_eq!(
        parser.poll(),
        Some(SseItem::Event(event("message", "b", Some("1"))))
    );
    assert_eq!(parser.poll(), None);
}

#[test]
fn the_last_event_id_can_be_seeded() {
    let mut parser = SseParser::default();
    parser.set_last_event_id("41");
    assert_eq!(parser.last_event_id(), Some("41"));
    parser.feed(b"data: a\n\nid: 42\ndata: b\n\n").unwrap();
    assert_eq!(parser.poll_event(), Some(event("message", "a", Some("41"))));
    assert_eq!(parser.poll_event(), Some(event("message", "b", Some("42"))));
    assert_eq!(parser.last_event_id(), Some("42"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Streams made of the pieces that matter: field names, colons, spaces, every line ending,
    /// multi-byte UTF-8, a BOM, NUL and invalid bytes.
    fn stream() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            &b"data"[..],
            b"event",
            b"id",
            b"retry",
            b":",
            b" ",
            b"\n",
            b"\r",
            b"\r\n",
            b"12",
            b"x",
            "é€😀".as_bytes(),
            b"\xEF\xBB\xBF",
            b"\0",
            b"\xFF",
        ]);
        prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn any_chunking_gives_what_the_whole_gives(
            stream in stream(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
            limit in prop::sample::select(vec![8usize, 64, DEFAULT_MAX_LEN]),
        ) {
            let whole = feed_chunks(limit, &[&stream]);
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            at.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in at {
                chunks.push(&stream[start..cut]);
                start = cut;
            }
            chunks.push(&stream[start..]);
            prop_assert_eq!(feed_chunks(limit, &chunks), whole);
        }
    }
}
