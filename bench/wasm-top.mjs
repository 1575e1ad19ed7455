// What the widget's wasm is made of: the code section's function bodies, summed by crate (the
// first path segment of each function's name in the wasm "name" section), and the largest
// functions. Read it on the wasm as rustc/wasm-bindgen leave it, before wasm-opt strips the names:
//
//   cargo build --release --target wasm32-unknown-unknown --lib
//   node bench/wasm-top.mjs target/wasm32-unknown-unknown/release/chasitor.wasm [top N]
//
// Sizes are before wasm-opt (which shrinks the total by about a fifth and inlines across crates);
// the shares are what to read. Generic code is listed under the crate that defines it (serde_json's
// deserializer for a protocol type counts as serde_json, or serde for the derive's visitors).

import fs from 'node:fs';

const [file, topArg, onlyCrate] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/wasm-top.mjs FILE.wasm [N [CRATE]]\n');
  process.exit(2);
}
const top = Number(topArg || 25);
const buf = fs.readFileSync(file);
let pos = 8; // magic + version

function leb(at) {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const b = buf[p++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [result, p];
  }
}

let imported = 0;
const bodies = []; // sizes of defined functions, in order
const names = new Map(); // function index -> name
const sections = [];
let dataBytes = 0;

while (pos < buf.length) {
  const id = buf[pos];
  const [size, start] = leb(pos + 1);
  const end = start + size;
  let label = String(id);
  if (id === 0) {
    const [nlen, p] = leb(start);
    label = `custom:${buf.subarray(p, p + nlen).toString('utf8')}`;
    if (label === 'custom:name') readNames(p + nlen, end);
  } else if (id === 2) {
    let [count, p] = leb(start);
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = leb(p); p += len; // module
      [len, p] = leb(p); p += len; // field
      const kind = buf[p++];
      if (kind === 0) { imported++; [, p] = leb(p); }
      else if (kind === 1) { p++; const [flags, q] = leb(p); p = q; [, p] = leb(p); if (flags & 1) [, p] = leb(p); }
      else if (kind === 2) { const [flags, q] = leb(p); p = q; [, p] = leb(p); if (flags & 1) [, p] = leb(p); }
      else if (kind === 3) { p += 2; }
      else if (kind === 4) { p++; [, p] = leb(p); }
    }
  } else if (id === 10) {
    let [count, p] = leb(start);
    for (let i = 0; i < count; i++) {
      const [len, q] = leb(p);
      bodies.push(len + (q - p));
      p = q + len;
    }
  } else if (id === 11) {
    dataBytes = size;
  }
  sections.push([({ 1: 'type', 2: 'import', 3: 'function', 5: 'memory', 6: 'global', 7: 'export', 9: 'element', 10: 'code', 11: 'data' })[id] || label, size]);
  pos = end;
}

function readNames(from, to) {
  let p = from;
  while (p < to) {
    const kind = buf[p];
    const [size, start] = leb(p + 1);
    if (kind === 1) {
      let [count, q] = leb(start);
      for (let i = 0; i < count; i++) {
        let idx; let len;
        [idx, q] = leb(q);
        [len, q] = leb(q);
        names.set(idx, buf.subarray(q, q + len).toString('utf8'));
        q += len;
      }
    }
    p = start + size;
  }
}

/** `_ZN..` (legacy) or `_R..` (v0) mangled Rust symbol -> a readable path, roughly. */
function demangle(name) {
  if (name.startsWith('_R')) {
    // v0: the first crate root is `C` [s<disambiguator>_] <len><name>.
    const m = name.match(/C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/);
    return m ? `${m[2].slice(0, Number(m[1]))}::${name}` : name;
  }
  if (!name.startsWith('_ZN')) return name;
  const parts = [];
  let p = 3;
  while (p < name.length && name[p] !== 'E') {
    const m = name.slice(p).match(/^(\d+)/);
    if (!m) break;
    p += m[1].length;
    parts.push(name.slice(p, p + Number(m[1])));
    p += Number(m[1]);
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .join('::')
    .replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$RF\$/g, '&').replace(/\$BP\$/g, '*')
    .replace(/\$u20\$/g, ' ').replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}')
    .replace(/\$LP\$/g, '(').replace(/\$RP\$/g, ')').replace(/\$u5b\$/g, '[').replace(/\$u5d\$/g, ']').replace(/\$u27\$/g, "'").replace(/\.\./g, '::')
    .replace(/^_</, '<');
}

/** The crate of a demangled name: `<&mut serde_json::de::Deserializer<R> as ...>::f` -> serde_json. */
function crateOf(name) {
  const n = name.replace(/^[<&*\s]+/, '').replace(/^(dyn|impl|mut)\s+/, '').replace(/^[<&*\s]+/, '');
  const m = n.match(/^([A-Za-z_][A-Za-z0-9_]*)(::|<|$)/);
  if (!m) return name.startsWith('__wbg') || name.startsWith('__wbindgen') ? 'wasm-bindgen glue' : '(other)';
  if (m[1].startsWith('__wbg') || m[1].startsWith('__wbindgen')) return 'wasm-bindgen glue';
  return m[1];
}

const byCrate = new Map();
const fns = [];
let codeTotal = 0;
bodies.forEach((size, i) => {
  const name = demangle(names.get(imported + i) || `func[${imported + i}]`);
  const crate = crateOf(name);
  byCrate.set(crate, (byCrate.get(crate) || 0) + size);
  if (!onlyCrate || crate === onlyCrate) fns.push([size, name]);
  codeTotal += size;
});

const kb = (x) => `${(x / 1024).toFixed(1)} KB`;
const pct = (x) => `${((100 * x) / codeTotal).toFixed(1)}%`;
console.log(`${file}: ${kb(buf.length)}; code ${kb(codeTotal)} in ${bodies.length} functions; data ${kb(dataBytes)}; ${names.size ? 'names present' : 'NO name section (build without wasm-opt/strip)'}`);
console.log('\nsections:');
for (const [name, size] of sections) console.log(`  ${name.padEnd(28)} ${kb(size).padStart(10)}`);
console.log('\ncode by crate:');
for (const [c, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`  ${c.padEnd(28)} ${kb(size).padStart(10)} ${pct(size).padStart(7)}`);
}
console.log(`\nlargest ${top} functions${onlyCrate ? ` of ${onlyCrate}` : ''}:`);
for (const [size, name] of fns.sort((a, b) => b[0] - a[0]).slice(0, top)) {
  console.log(`  ${kb(size).padStart(9)}  ${name.slice(0, 150)}`);
}
