/// The CSS without its comments and the spaces CSS does not need, by the loader's rules
/// (`scripts/make-loader.sh`): runs of white space become one space; none around `{`, `}`, `;`
/// and `,`; none after a colon (a space before one is kept: `.a :hover` is not `.a:hover`); no
/// `;` before a `}`.
pub fn minify_css(css: &str) -> String {
    // Comments out, white space runs as one space.
    let mut plain = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        plain.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    plain.push_str(rest);
    let mut out = String::with_capacity(plain.len());
    let mut space = false;
    for c in plain.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight = matches!(c, '{' | '}' | ';' | ',');
        let after_tight = out.ends_with(['{', '}', ';', ',', ':']);
        if space && !tight && !after_tight && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}
