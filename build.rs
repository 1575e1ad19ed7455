//! The widget's stylesheet for the wasm: style/launcher.css, style/window.css and
//! style/widget.css in that order, minified (comments and needless spaces out) into OUT_DIR, where
//! `src/ui/mount.rs` includes it; style/rich.css (Enhanced Chat's rich messages and files) beside
//! it, included by Enhanced Chat builds only.

#[path = "build/minify_css.rs"]
mod minify_css;

use std::{env, fs, path::Path};

const SHEETS: [&str; 3] = ["style/launcher.css", "style/window.css", "style/widget.css"];

fn main() {
    println!("cargo:rerun-if-changed=build/minify_css.rs");
    let mut css = String::new();
    for sheet in SHEETS {
        println!("cargo:rerun-if-changed={sheet}");
        let text = fs::read_to_string(sheet).unwrap_or_else(|e| panic!("cannot read {sheet}: {e}"));
        css.push_str(&text);
        css.push('\n');
    }
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out_dir).join("widget.css");
    fs::write(&out, minify_css::minify_css(&css))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    // Enhanced Chat's rich messages and files: only its builds include it.
    let rich = "style/rich.css";
    println!("cargo:rerun-if-changed={rich}");
    let text = fs::read_to_string(rich).unwrap_or_else(|e| panic!("cannot read {rich}: {e}"));
    let out = Path::new(&out_dir).join("rich.css");
    fs::write(&out, minify_css::minify_css(&text))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
