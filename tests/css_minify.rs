#![cfg(not(target_arch = "wasm32"))] // native test of build.rs's CSS minifier
//! The stylesheet the wasm carries is minified at build time (build.rs): what the minifier drops
//! and what it must keep.

#[path = "../build/minify_css.rs"]
mod minify_css;
use minify_css::minify_css;

#[test]
fn comments_and_needless_spaces_go() {
    let css = "/* a comment\n spanning lines */\n.a ,\n.b  {\n  color : red ;\n  margin: 0 10px  4px;\n}\n";
    assert_eq!(minify_css(css), ".a,.b{color :red;margin:0 10px 4px}");
}

#[test]
fn a_space_that_means_something_stays() {
    // A descendant selector, a space before a pseudo-class, spaces inside values.
    assert_eq!(
        minify_css(".a .b :hover { box-shadow: 0 1px 2px rgba(0, 0, 0, 0.2) }"),
        ".a .b :hover{box-shadow:0 1px 2px rgba(0,0,0,0.2)}"
    );
    assert_eq!(
        minify_css("@media (max-width: 479px) { .w { inset: 0 } }"),
        "@media (max-width:479px){.w{inset:0}}"
    );
}

#[test]
fn the_widgets_stylesheet_keeps_every_rule_and_gets_smaller() {
    let css: String = ["style/launcher.css", "style/window.css", "style/widget.css"]
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let min = minify_css(&css);
    let rules = |s: &str| s.matches('{').count();
    let no_comments = {
        let mut t = css.clone();
        while let Some(i) = t.find("/*") {
            let j = t[i..].find("*/").map_or(t.len(), |j| i + j + 2);
            t.replace_range(i..j, "");
        }
        t
    };
    assert_eq!(rules(&min), rules(&no_comments));
    assert_eq!(min.matches('}').count(), no_comments.matches('}').count());
    assert!(!min.contains("/*") && !min.contains('\n'));
    assert!(
        min.len() * 10 < css.len() * 7,
        "{} of {} bytes",
        min.len(),
        css.len()
    );
}
