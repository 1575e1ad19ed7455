//! Small real files the simulator makes: PNG images (a coloured card, 8-bit indexed, zlib
//! "stored" blocks) and PDFs of lines of text (one page for the agent's rich messages, several
//! for a conversation's transcript). Both are valid files a browser shows; no image or PDF library
//! is needed for that.

/// CRC-32 (IEEE, as PNG chunks use it).
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A zlib stream of stored (uncompressed) blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// Card colours, one per index (cycled).
const COLOURS: [[u8; 3]; 6] = [
    [0x25, 0x63, 0xeb],
    [0xdc, 0x26, 0x26],
    [0x16, 0xa3, 0x4a],
    [0xd9, 0x77, 0x06],
    [0x93, 0x33, 0xea],
    [0x08, 0x91, 0xb2],
];

/// A `width` × `height` PNG: a card in colour `colour` (any index) with a darker border and a
/// light disc in the middle.
pub fn png(width: u32, height: u32, colour: usize) -> Vec<u8> {
    let base = COLOURS[colour % COLOURS.len()];
    let dark = base.map(|c| c / 2);
    let light = base.map(|c| c / 4 + 190);
    let mut raw = Vec::with_capacity(((width + 1) * height) as usize);
    let (cx, cy) = (width as i64 / 2, height as i64 / 2);
    let r = i64::from(width.min(height)) / 4;
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let border = x < 4 || y < 4 || x + 4 >= width || y + 4 >= height;
            let (dx, dy) = (i64::from(x) - cx, i64::from(y) - cy);
            raw.push(if border {
                1
            } else if dx * dx + dy * dy <= r * r {
                2
            } else {
                0
            });
        }
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]); // 8 bits, indexed colour
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"PLTE", &[base, dark, light].concat());
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Where and how big a PDF page's text is: font size and line distance, the first baseline's
/// position (points from the bottom left of an A4 page, 595 × 842).
pub struct TextLayout {
    pub size: u32,
    pub leading: u32,
    pub left: u32,
    pub top: u32,
}

/// A one-page PDF (A4) showing `lines` of text in 18-point Helvetica (Latin-1; other characters
/// become `?`).
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let page: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let layout = TextLayout {
        size: 18,
        leading: 24,
        left: 72,
        top: 770,
    };
    pdf_pages(&[page], &layout)
}

/// `text` as the inside of a PDF literal string: `(`, `)` and `\` escaped, Latin-1 characters
/// beyond ASCII as octal escapes (the font's encoding is WinAnsi, the same there), anything else
/// (control characters, characters beyond Latin-1) as `?`.
fn pdf_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push('?'),
        }
    }
    out
}

/// An A4 PDF with one page per entry of `pages`, each showing its lines of text in Helvetica
/// (see [`pdf_string`] for the characters shown). The cross-reference table gives each object's
/// byte offset.
pub fn pdf_pages(pages: &[Vec<String>], layout: &TextLayout) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, then each page and its content stream.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    for (i, lines) in pages.iter().enumerate() {
        let mut text = format!(
            "BT /F1 {} Tf {} {} Td {} TL\n",
            layout.size, layout.left, layout.top, layout.leading
        );
        for line in lines {
            text.push_str(&format!("({}) Tj T*\n", pdf_string(line)));
        }
        text.push_str("ET\n");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{text}endstream",
            text.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        table.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_match_known_values() {
        assert_eq!(crc32(&[b"123456789"]), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_has_its_signature_chunks_and_size() {
        let p = png(40, 30, 1);
        assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&p[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(p[16..20].try_into().unwrap()), 40);
        assert_eq!(u32::from_be_bytes(p[20..24].try_into().unwrap()), 30);
        assert!(p.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]));
    }

    #[test]
    fn pdf_strings_escape_and_keep_latin_1_only() {
        assert_eq!(pdf_string("a (b) \\ c"), "a \\(b\\) \\\\ c");
        assert_eq!(pdf_string("caf\u{e9} \u{a0}"), "caf\\351 \\240");
        assert_eq!(pdf_string("\u{2014}\u{1f600}\t\u{85}"), "????");
    }

    #[test]
    fn pdf_pages_lists_each_page() {
        let pages = vec![vec!["one".to_string()], vec!["two".to_string()]];
        let layout = TextLayout {
            size: 10,
            leading: 12,
            left: 50,
            top: 780,
        };
        let p = String::from_utf8_lossy(&pdf_pages(&pages, &layout)).into_owned();
        assert!(p.contains("/Kids [4 0 R 6 0 R] /Count 2"));
        assert!(p.contains("/Contents 7 0 R"));
        assert!(p.contains("(two) Tj"));
        // The one-page PDF of the rich messages: its xref is checked by the integration
        // tests (`check_pdf`), with the transcripts'.
        assert!(String::from_utf8_lossy(&pdf(&["x"])).contains("/Count 1"));
    }
}
