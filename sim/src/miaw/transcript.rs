//! `GET …/conversation/{id}/transcript`: the conversation's transcript as a PDF (what the SDKs
//! call "returns a PDF"; only when the deployment allows transcript downloads). One line per
//! transcript line, `HH:MM:SS Name: text` (UTC), the visitor's and the agent's or bot's messages,
//! files by name; long lines wrapped, as many A4 pages as needed.

use super::assets::{pdf_pages, TextLayout};
use super::state::{Conversation, Line, Miaw, Reject};
use axum::http::StatusCode;
use serde_json::Value;

/// Characters per printed line (10-point Helvetica in a 483-point wide column).
pub const WRAP_COLUMNS: usize = 84;
/// Printed lines per page.
pub const LINES_PER_PAGE: usize = 54;

const LAYOUT: TextLayout = TextLayout {
    size: 10,
    leading: 13,
    left: 56,
    top: 786,
};

/// `HH:MM:SS` (UTC) of a Unix time in ms.
fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time in ms (the civil calendar from day numbers).
fn date_time(ms: u64) -> String {
    let days = (ms / 86_400_000) as i64;
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {} UTC", clock(ms))
}

/// One transcript line as printed: `HH:MM:SS Name: text`, a file message's file names after its
/// text, a transfer as such.
fn printed(line: &Line, visitor_name: &str) -> String {
    let time = clock(line.timestamp);
    if line.kind == "OperatorTransferred" {
        return format!("{time} Transferred to {}", line.name);
    }
    let name = if line.kind == "Chasitor" {
        visitor_name
    } else {
        &line.name
    };
    let names: Vec<&str> = line
        .detail
        .get("files")
        .and_then(Value::as_array)
        .map(|files| files.iter().filter_map(|f| f["name"].as_str()).collect())
        .unwrap_or_default();
    let files = names.join(", ");
    let text = match (line.content.as_str(), files.as_str()) {
        (content, "") => content.to_string(),
        (content, files) if content.is_empty() || content == files => format!("[files: {files}]"),
        (content, files) => format!("{content} [files: {files}]"),
    };
    format!("{time} {name}: {text}")
}

const INDENT: &str = "    ";

/// `text` in lines of at most `width` characters (more than 5), broken at spaces where it can
/// (a word longer than a line is cut); continuation lines are indented by 4 spaces. Line breaks
/// in the text start new lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(INDENT.len() + 1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        // The line's length in characters, and whether a word is on it yet.
        let (mut len, mut empty) = (0, true);
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let sep = usize::from(!empty);
                if len + sep + word.len() <= width {
                    if !empty {
                        line.push(' ');
                    }
                    line.extend(&word);
                    len += sep + word.len();
                    empty = false;
                    break;
                }
                let room = width.saturating_sub(len + sep);
                let fits_next_line = INDENT.len() + word.len() <= width;
                if (empty || !fits_next_line) && room > 0 {
                    // Too long for any line: cut it to fill this one.
                    if !empty {
                        line.push(' ');
                    }
                    line.extend(word.drain(..room));
                }
                out.push(std::mem::replace(&mut line, INDENT.to_string()));
                (len, empty) = (INDENT.len(), true);
            }
        }
        out.push(line);
    }
    out
}

/// The printed lines of a conversation's transcript (a title block, then the messages).
fn document(c: &Conversation, es_developer_name: &str) -> Vec<String> {
    let visitor_name = c.visitor_name().unwrap_or_else(|| "Guest".to_string());
    let mut lines = vec![
        "Conversation transcript".to_string(),
        format!("Conversation: {}", c.id),
        format!("Deployment: {es_developer_name}"),
        format!("Started: {}", date_time(c.created_ms)),
    ];
    if let Some(closed) = c.closed_ms {
        lines.push(format!("Closed: {}", date_time(closed)));
    }
    lines.push(String::new());
    if c.transcript.is_empty() {
        lines.push("No messages.".to_string());
    }
    for l in &c.transcript {
        lines.extend(wrap(&printed(l, &visitor_name), WRAP_COLUMNS));
    }
    lines
}

/// A PDF of `lines`, [`LINES_PER_PAGE`] to a page.
pub fn render(lines: &[String]) -> Vec<u8> {
    let pages: Vec<Vec<String>> = lines
        .chunks(LINES_PER_PAGE)
        .map(<[String]>::to_vec)
        .collect();
    let pages = if pages.is_empty() {
        vec![Vec::new()]
    } else {
        pages
    };
    pdf_pages(&pages, &LAYOUT)
}

impl Miaw {
    /// The visitor's conversation's transcript as a PDF: 400 without the token's
    /// `esDeveloperName` or for a conversation id that is not a lowercase UUID, 404 for another
    /// visitor's or an unknown conversation, 403 when the deployment does not allow transcript
    /// downloads. Closed conversations too.
    pub fn transcript_pdf(
        &mut self,
        visitor: &str,
        id: &str,
        es: Option<&str>,
    ) -> Result<Vec<u8>, Reject> {
        self.check_es_name(visitor, es)?;
        let dep = self.visitors[visitor].dep;
        let es = self.deployments[dep].es_developer_name.clone();
        let allowed = self.deployments[dep].allow_transcript_download;
        let c = self.own(visitor, id)?;
        if !allowed {
            return Err(Reject::new(
                StatusCode::FORBIDDEN,
                "Transcript download is not allowed for this deployment",
            ));
        }
        Ok(render(&document(c, &es)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_date_are_utc() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(date_time(0), "1970-01-01 00:00:00 UTC");
        // 2024-02-29 13:45:07 UTC
        assert_eq!(date_time(1_709_214_307_000), "2024-02-29 13:45:07 UTC");
        assert_eq!(date_time(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a b c", 10), ["a b c"]);
        assert_eq!(wrap("aaaa bbbb cccc", 9), ["aaaa bbbb", "    cccc"]);
        let long = "x".repeat(25);
        let lines = wrap(&long, 10);
        assert!(lines.iter().all(|l| l.chars().count() <= 10), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), long);
        assert_eq!(wrap("one\ntwo", 10), ["one", "two"]);
        assert_eq!(wrap("", 10), [""]);
        let text = "the quick brown fox jumps over the lazy dog ".repeat(10);
        for l in wrap(&text, 20) {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
    }

    #[test]
    fn render_makes_a_page_per_54_lines() {
        let lines: Vec<String> = (0..120).map(|i| format!("line {i}")).collect();
        let pdf = String::from_utf8_lossy(&render(&lines)).to_string();
        assert!(pdf.contains("/Count 3"));
        assert!(pdf.contains("(line 119) Tj"));
        assert!(String::from_utf8_lossy(&render(&[])).contains("/Count 1"));
    }
}
