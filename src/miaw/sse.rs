//! A sans-IO `text/event-stream` parser (WHATWG HTML, "Server-sent events", "Parsing an event
//! stream" and "Interpreting an event stream").
//!
//! Bytes go in as they arrive ([`SseParser::feed`], split anywhere: inside a UTF-8 sequence,
//! between CR and LF); events and comments come out ([`SseParser::poll`]). The parser never
//! reads a socket or a clock: the driver feeds it the body of a fetch and reconnects with
//! [`SseParser::last_event_id`] after [`SseParser::retry`] (or its own backoff).
//!
//! Memory is bounded: a line longer than the limit, or an event whose data grows past it, is
//! reported once as [`SseError::TooLong`] and that event is dropped; parsing goes on after it.

use std::collections::VecDeque;
use std::fmt;

/// The default limit on a line and on an event's data: 1 MiB.
pub const DEFAULT_MAX_LEN: usize = 1 << 20;

/// A dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or "message" when there was none.
    pub event: String,
    /// The `data` fields joined with '\n'.
    pub data: String,
    /// The last event id when the event was dispatched; `None` while it is empty (never set, or
    /// reset by an `id` field with no value).
    pub id: Option<String>,
}

/// What the stream carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SseItem {
    Event(SseEvent),
    /// One or more comment lines (`: ...`) since the last item: the server's keep-alive.
    Comment,
}

/// Why part of the stream was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SseError {
    /// A line, or an event's data, is longer than the limit (in bytes): the event it belongs to
    /// is dropped. A server that does this keeps doing it: reconnect or give up.
    TooLong { limit: usize },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let SseError::TooLong { limit } = self;
        write!(
            f,
            "an event-stream line or event is longer than {limit} bytes and was dropped: \
             reconnect (with the last event id) if the server keeps sending such events"
        )
    }
}

impl std::error::Error for SseError {}

/// The parser: feed it bytes, poll it for items.
#[derive(Clone, Debug)]
pub struct SseParser {
    limit: usize,
    /// The bytes of the current line, without its terminator.
    line: Vec<u8>,
    /// The last byte fed was a CR: a LF right after it ends nothing.
    after_cr: bool,
    /// No line ended yet on this connection: a BOM at the start of the next one is dropped.
    at_start: bool,
    /// The current line or event went past the limit: drop the rest of the line and the event.
    broken_line: bool,
    broken_event: bool,
    error: Option<SseError>,
    data: String,
    event: String,
    /// The `id` field as last set; becomes `last_event_id` at the next blank line.
    id: String,
    last_event_id: String,
    retry: Option<u64>,
    items: VecDeque<SseItem>,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::new(DEFAULT_MAX_LEN)
    }
}

impl SseParser {
    /// A parser for one stream; `limit` bounds a line and an event's data, in bytes.
    pub fn new(limit: usize) -> SseParser {
        SseParser {
            limit,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            broken_line: false,
            broken_event: false,
            error: None,
            data: String::new(),
            event: String::new(),
            id: String::new(),
            last_event_id: String::new(),
            retry: None,
            items: VecDeque::new(),
        }
    }

    /// The next chunk of the body. Complete events become items for [`SseParser::poll`]; an
    /// `Err` says something was dropped (the rest of the chunk is still parsed).
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), SseError> {
        while let Some((&first, rest)) = bytes.split_first() {
            if std::mem::take(&mut self.after_cr) && first == b'\n' {
                bytes = rest;
                continue;
            }
            match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.push(&bytes[..end]);
                    self.after_cr = bytes[end] == b'\r';
                    self.end_line();
                    bytes = &bytes[end + 1..];
                }
                None => {
                    self.push(bytes);
                    break;
                }
            }
        }
        self.error.take().map_or(Ok(()), Err)
    }

    /// The next event or comment, oldest first.
    pub fn poll(&mut self) -> Option<SseItem> {
        self.items.pop_front()
    }

    /// The next event, skipping comments.
    pub fn poll_event(&mut self) -> Option<SseEvent> {
        while let Some(item) = self.items.pop_front() {
            if let SseItem::Event(event) = item {
                return Some(event);
            }
        }
        None
    }

    /// The id to send as `Last-Event-Id` when reconnecting, if any: the last `id` field as of
    /// the last blank line (also one that dispatched nothing).
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.last_event_id.as_str()).filter(|id| !id.is_empty())
    }

    /// Resume after `id` (e.g. the token answer's `lastEventId`), as if the stream had set it.
    pub fn set_last_event_id(&mut self, id: &str) {
        id.clone_into(&mut self.id);
        id.clone_into(&mut self.last_event_id);
    }

    /// The reconnection time the server asked for (`retry`), in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// A new connection: the line, the pending event and the BOM rule start afresh; the last
    /// event id, the retry time and items not yet polled are kept.
    pub fn reconnect(&mut self) {
        let items = std::mem::take(&mut self.items);
        *self = SseParser {
            id: self.last_event_id.clone(),
            last_event_id: std::mem::take(&mut self.last_event_id),
            retry: self.retry,
            items,
            ..SseParser::new(self.limit)
        };
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.broken_line {
            return;
        }
        if self.line.len() + bytes.len() > self.limit {
            self.too_long();
            self.broken_line = true;
            self.line = Vec::new();
        } else {
            self.line.extend_from_slice(bytes);
        }
    }

    fn too_long(&mut self) {
        if !self.broken_event {
            self.error = Some(SseError::TooLong { limit: self.limit });
        }
        self.broken_event = true;
        self.data = String::new();
    }

    fn end_line(&mut self) {
        let mut line = std::mem::take(&mut self.line);
        let at_start = std::mem::take(&mut self.at_start);
        if !std::mem::take(&mut self.broken_line) {
            let text = match line.strip_prefix(b"\xEF\xBB\xBF") {
                Some(rest) if at_start => rest,
                _ => &line,
            };
            self.interpret(text);
        }
        line.clear();
        self.line = line;
    }

    /// One complete line, without its terminator.
    fn interpret(&mut self, line: &[u8]) {
        match line.iter().position(|&b| b == b':') {
            _ if line.is_empty() => self.dispatch(),
            Some(0) => {
                if self.items.back() != Some(&SseItem::Comment) {
                    self.items.push_back(SseItem::Comment);
                }
            }
            Some(colon) => {
                let value = &line[colon + 1..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                self.field(&line[..colon], &String::from_utf8_lossy(value));
            }
            None => self.field(line, ""),
        }
    }

    fn field(&mut self, name: &[u8], value: &str) {
        match name {
            b"event" => value.clone_into(&mut self.event),
            b"data" if !self.broken_event => {
                if self.data.len() + value.len() + 1 > self.limit {
                    self.too_long();
                } else {
                    self.data.push_str(value);
                    self.data.push('\n');
                }
            }
            b"id" if !value.contains('\0') => value.clone_into(&mut self.id),
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // All digits but too big for u64: as good as "never", keep the largest.
                self.retry = Some(value.parse().unwrap_or(u64::MAX));
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        self.last_event_id.clone_from(&self.id);
        let mut data = std::mem::take(&mut self.data);
        let event = std::mem::take(&mut self.event);
        if std::mem::take(&mut self.broken_event) || data.is_empty() {
            return;
        }
        data.pop(); // the '\n' after the last data line
        self.items.push_back(SseItem::Event(SseEvent {
            event: if event.is_empty() {
                "message".to_string()
            } else {
                event
            },
            data,
            id: self.last_event_id().map(str::to_string),
        }));
    }
}
