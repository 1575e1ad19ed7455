#!/usr/bin/env sh
# trunk post_build hook: writes the stable-named loader chasitor.js next to the hashed files trunk
# built, with their names filled in (loader/chasitor.js is the template), and the early launcher's
# parts taken from the widget's own sources, so the two launchers cannot drift apart:
# style/launcher.css (comments and indentation dropped), the English and German launcher labels
# (src/labels.rs, src/labels/de.rs) and the chat icon (src/ui/app.rs, ChatIcon); then minifies it
# with terser. Run by trunk, which sets TRUNK_STAGING_DIR and TRUNK_SOURCE_DIR.
set -eu
staging=${TRUNK_STAGING_DIR:?run me as a trunk post_build hook (TRUNK_STAGING_DIR is not set)}
source_dir=${TRUNK_SOURCE_DIR:-.}

js=""
wasm=""
for f in "$staging"/chasitor-*.js; do
  [ -e "$f" ] || continue
  js=$(basename "$f")
done
for f in "$staging"/chasitor-*_bg.wasm; do
  [ -e "$f" ] || continue
  wasm=$(basename "$f")
done
if [ -z "$js" ] || [ -z "$wasm" ]; then
  echo "make-loader: no hashed chasitor-*.js / chasitor-*_bg.wasm in $staging (is filehash on?)" >&2
  exit 1
fi

JS="$js" WASM="$wasm" SRC="$source_dir" OUT="$staging/chasitor.js" node -e '
const fs = require("fs");
const path = require("path");
const { JS, WASM, SRC, OUT } = process.env;
const read = (f) => fs.readFileSync(path.join(SRC, f), "utf8");
const one = (text, re, what) => {
  const m = text.match(re);
  if (!m) { console.error(`make-loader: cannot find ${what}`); process.exit(1); }
  return m[1];
};
const version = one(read("Cargo.toml"), /^version = "(.*)"$/m, "the version in Cargo.toml");
const css = read("style/launcher.css")
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/\s*\n\s*/g, "\n")
  .replace(/\n+/g, "\n")
  .trim();
const en = one(read("src/labels.rs"), /launcher: "launcher" => "((?:[^"\\]|\\.)*)"/, "the English launcher label in src/labels.rs");
const de = one(read("src/labels/de.rs"), /\("launcher", "((?:[^"\\]|\\.)*)"\)/, "the German launcher label in src/labels/de.rs");
const icon = one(read("src/ui/app.rs"), /fn ChatIcon\(\)[\s\S]*?\bd="([^"]+)"/, "the ChatIcon path in src/ui/app.rs");
const fill = {
  __CHASITOR_JS__: JS,
  __CHASITOR_WASM__: WASM,
  __CHASITOR_VERSION__: version,
  __CHASITOR_LAUNCHER_CSS__: JSON.stringify(css),
  __CHASITOR_LABEL_EN__: JSON.stringify(en),
  __CHASITOR_LABEL_DE__: JSON.stringify(de),
  __CHASITOR_ICON_PATH__: JSON.stringify(icon),
};
let out = read("loader/chasitor.js");
for (const [k, v] of Object.entries(fill)) {
  if (!out.includes(k)) { console.error(`make-loader: ${k} is not in loader/chasitor.js`); process.exit(1); }
  out = out.split(k).join(v);
}
// Minified (terser, from scripts/setup.sh): the readable source is loader/chasitor.js.
let terser;
try {
  terser = require(path.resolve(SRC, "node_modules", "terser"));
} catch (e) {
  console.error("make-loader: terser is missing: run scripts/setup.sh"); process.exit(1);
}
terser
  .minify(out, {
    ecma: 2017,
    compress: { passes: 2 },
    format: { comments: false, preamble: `/*! chasitor ${version}: the loader (source: loader/chasitor.js) */` },
  })
  .then((r) => fs.writeFileSync(OUT, r.code + "\n"))
  .catch((e) => { console.error(`make-loader: terser failed: ${e}`); process.exit(1); });
'
echo "make-loader: chasitor.js -> $js, $wasm"
