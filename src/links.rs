//! The web addresses in a message's text, to show as links: `http://` and `https://` only, each
//! shown as written; everything else stays plain text (pure, no DOM).
//!
//! An address runs to the next space (or `<`, `>`, `"`); punctuation that ends a sentence after
//! it (`.`, `,`, `!`, `?`, quotes) is not part of it, nor a closing bracket it did not open:
//! "(see https://example.com/a_(b))." links `https://example.com/a_(b)`.

/// A piece of a message's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// An http(s) address, as written.
    Link(&'a str),
}

/// The text in pieces, in order; one `Text` piece when it has no address.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut from, mut at) = (0, 0);
    while at < bytes.len() {
        // A scheme starts with an ASCII `h`, never inside a multi-byte character.
        let len = match bytes[at] {
            b'h' | b'H' => link_at(text, at),
            _ => None,
        };
        match len {
            Some(len) => {
                if from < at {
                    out.push(Piece::Text(&text[from..at]));
                }
                out.push(Piece::Link(&text[at..at + len]));
                at += len;
                from = at;
            }
            None => at += 1,
        }
    }
    if from < text.len() || out.is_empty() {
        out.push(Piece::Text(&text[from..]));
    }
    out
}

/// The length of the address starting at byte `at`, if one does.
fn link_at(text: &str, at: usize) -> Option<usize> {
    // Not the tail of a word ("xhttp://").
    if at > 0 && text.as_bytes()[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let rest = &text[at..];
    let scheme = ["https://", "http://"].into_iter().find(|s| {
        rest.get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    })?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c.is_ascii_control() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(rest.len());
    let mut link = &rest[..end];
    while let Some(last) = link.chars().next_back() {
        // Brackets are ASCII: counted in bytes.
        let count = |b: u8| link.bytes().filter(|c| *c == b).count();
        let unopened = |open: u8| count(open) < count(last as u8);
        let trailing = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => unopened(b'('),
            ']' => unopened(b'['),
            '}' => unopened(b'{'),
            _ => false,
        };
        if !trailing {
            break;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
    // A host after the scheme: "https://" alone is text. (Any non-ASCII letter may start one:
    // no Unicode tables for this.)
    let host = &link[scheme.len()..];
    host.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[' || !c.is_ascii())
        .then_some(link.len())
}

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Text};
    use super::*;

    #[test]
    fn text_without_an_address_is_one_piece() {
        assert_eq!(pieces("Hello there"), [Text("Hello there")]);
        assert_eq!(pieces(""), [Text("")]);
        assert_eq!(
            pieces("see http:// or https://"),
            [Text("see http:// or https://")]
        );
    }

    #[test]
    fn addresses_are_links_as_written_and_the_rest_text() {
        assert_eq!(
            pieces("Track it at https://shop.example/track?id=42&x=1#top, then reply."),
            [
                Text("Track it at "),
                Link("https://shop.example/track?id=42&x=1#top"),
                Text(", then reply."),
            ]
        );
        assert_eq!(
            pieces("HTTP://EXAMPLE.COM and http://a.b/c"),
            [
                Link("HTTP://EXAMPLE.COM"),
                Text(" and "),
                Link("http://a.b/c")
            ]
        );
        assert_eq!(pieces("https://x.io"), [Link("https://x.io")]);
        assert_eq!(
            pieces("line\nhttps://x.io/é?q=ü\tnext"),
            [Text("line\n"), Link("https://x.io/é?q=ü"), Text("\tnext")]
        );
    }

    #[test]
    fn sentence_punctuation_and_unopened_brackets_are_not_part_of_an_address() {
        assert_eq!(
            pieces("(see https://example.com/a_(b))."),
            [Text("(see "), Link("https://example.com/a_(b)"), Text(").")]
        );
        assert_eq!(
            pieces("Is it https://example.com/faq?!"),
            [Text("Is it "), Link("https://example.com/faq"), Text("?!")]
        );
        assert_eq!(
            pieces("'https://example.com/x' [https://example.com/y]"),
            [
                Text("'"),
                Link("https://example.com/x"),
                Text("' ["),
                Link("https://example.com/y"),
                Text("]"),
            ]
        );
        assert_eq!(
            pieces("<https://example.com/z>\"https://a.b\""),
            [
                Text("<"),
                Link("https://example.com/z"),
                Text(">\""),
                Link("https://a.b"),
                Text("\""),
            ]
        );
    }

    #[test]
    fn other_schemes_and_word_tails_are_text() {
        for text in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "xhttps://example.com",
            "ftp://example.com",
            "https://.example.com",
            "//example.com",
        ] {
            assert_eq!(pieces(text), [Text(text)], "{text}");
        }
    }

    #[test]
    fn the_pieces_put_together_are_the_text() {
        for text in [
            "a https://b.c/(d) e.",
            "ünïcödé https://ü.example/ü ü",
            "https://a.b https://c.d",
            "hhttps://x.y http://",
        ] {
            let joined: String = pieces(text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}
