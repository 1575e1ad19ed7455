#!/usr/bin/env sh
# trunk post_build hook: writes the stable-named loader chasitor.js next to the hashed files trunk
# built, with their names filled in (loader/chasitor.js is the template), and the early launcher's
# and the window shell's parts taken from the widget's own sources, so the loader's launcher and
# window cannot drift apart from the widget's: style/launcher.css then style/window.css (comments and
# needless spaces dropped), the labels they show in English and German (src/labels.rs,
# src/labels/de.rs) and the chat and minimise icons (src/ui/app.rs, ChatIcon and CloseIcon); then
# minifies it with terser. Run by trunk, which sets TRUNK_STAGING_DIR and TRUNK_SOURCE_DIR.
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

# The one-API builds (scripts/build.sh builds them first, with the cargo feature live-agent or miaw
# only, and names their folders in CHASITOR_LIVE_AGENT_DIST and CHASITOR_MIAW_DIST): their two
# files join this build as chasitor-liveagent-<hash>.js / _bg.wasm and chasitor-miaw-<hash>.js /
# _bg.wasm (nothing refers to them by name but the loader), and the loader gives them to the pages
# of their API. Sets <prefix>_js and <prefix>_wasm.
one_api() { # one_api VAR-PREFIX NAME-PREFIX DIR WHAT
  j=""; w=""
  for f in "$3"/chasitor-*.js; do
    [ -e "$f" ] || continue
    j="chasitor-$2-$(basename "$f" | sed 's/^chasitor-//')"
    cp "$f" "$staging/$j"
  done
  for f in "$3"/chasitor-*_bg.wasm; do
    [ -e "$f" ] || continue
    w="chasitor-$2-$(basename "$f" | sed 's/^chasitor-//')"
    cp "$f" "$staging/$w"
  done
  if [ -z "$j" ] || [ -z "$w" ]; then
    echo "make-loader: no $4 build in $3" >&2
    exit 1
  fi
  eval "$1_js=\$j; $1_wasm=\$w"
}
la_js=""; la_wasm=""; miaw_js=""; miaw_wasm=""
if [ -n "${CHASITOR_LIVE_AGENT_DIST:-}" ]; then
  one_api la liveagent "$CHASITOR_LIVE_AGENT_DIST" "Live Agent-only"
fi
if [ -n "${CHASITOR_MIAW_DIST:-}" ]; then
  one_api miaw miaw "$CHASITOR_MIAW_DIST" "Enhanced Chat-only"
fi

JS="$js" WASM="$wasm" LA_JS="$la_js" LA_WASM="$la_wasm" MIAW_JS="$miaw_js" MIAW_WASM="$miaw_wasm" SRC="$source_dir" OUT="$staging/chasitor.js" node -e '
const fs = require("fs");
const path = require("path");
const { JS, WASM, LA_JS, LA_WASM, MIAW_JS, MIAW_WASM, SRC, OUT } = process.env;
const read = (f) => fs.readFileSync(path.join(SRC, f), "utf8");
const one = (text, re, what) => {
  const m = text.match(re);
  if (!m) { console.error(`make-loader: cannot find ${what}`); process.exit(1); }
  return m[1];
};
const version = one(read("Cargo.toml"), /^version = "(.*)"$/m, "the version in Cargo.toml");
// Comments and the spaces CSS does not need dropped (none in a selector is touched but after a
// comma, and no space before a colon: ".a :hover" stays as it is).
const css = (read("style/launcher.css") + "\n" + read("style/window.css"))
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/\s+/g, " ")
  .replace(/ ?([{};,]) ?/g, "$1")
  .replace(/: /g, ":")
  .replace(/;}/g, "}")
  .trim();
// The labels the loader shows (the launcher, the window shell), by their data-labels key.
const KEYS = ["launcher", "launcherClose", "title", "minimise", "loading", "loadFailed", "tryAgain"];
const rustText = (t, where) => {
  try { return JSON.parse(`"${t}"`); } catch (e) { console.error(`make-loader: cannot read the label text ${t} in ${where}`); process.exit(1); }
};
const table = (text, re, where) => {
  const all = {};
  for (const m of text.matchAll(re)) all[m[1]] = rustText(m[2], where);
  return all;
};
const enAll = table(read("src/labels.rs"), /^\s*\w+: "(\w+)" => "((?:[^"\\]|\\.)*)",$/gm, "src/labels.rs");
const deAll = table(read("src/labels/de.rs"), /\(\s*"(\w+)",\s*"((?:[^"\\]|\\.)*)",?\s*\)/g, "src/labels/de.rs");
const labels = { en: {}, de: {} };
for (const k of KEYS) {
  if (!(k in enAll)) { console.error(`make-loader: cannot find the English label ${k} in src/labels.rs`); process.exit(1); }
  labels.en[k] = enAll[k];
  if (k in deAll && deAll[k] !== enAll[k]) labels.de[k] = deAll[k]; // else English
}
// An icon of src/ui/app.rs as the attributes of its <svg> and its <path>.
const app = read("src/ui/app.rs");
const attrs = (tag) => Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
const icon = (name) => {
  const m = app.match(new RegExp(`fn ${name}\\(\\)[\\s\\S]*?<svg([^>]*)>[\\s\\S]*?<path([\\s\\S]*?)/>`));
  if (!m) { console.error(`make-loader: cannot find the ${name} svg in src/ui/app.rs`); process.exit(1); }
  return [attrs(m[1]), attrs(m[2])];
};
const fill = {
  __CHASITOR_JS__: JS,
  __CHASITOR_WASM__: WASM,
  __CHASITOR_LA_JS__: LA_JS,
  __CHASITOR_LA_WASM__: LA_WASM,
  __CHASITOR_MIAW_JS__: MIAW_JS,
  __CHASITOR_MIAW_WASM__: MIAW_WASM,
  __CHASITOR_VERSION__: version,
  __CHASITOR_CSS__: JSON.stringify(css),
  __CHASITOR_LABELS__: JSON.stringify(labels),
  __CHASITOR_ICONS__: JSON.stringify({ chat: icon("ChatIcon"), close: icon("CloseIcon") }),
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
echo "make-loader: chasitor.js -> $js, $wasm${la_js:+; Live Agent pages: $la_js, $la_wasm}${miaw_js:+; Enhanced Chat pages: $miaw_js, $miaw_wasm}"
