#!/usr/bin/env node
// Minifies wasm-bindgen's JS glue of a release build (chasitor-<hash>.js, and the one-API builds'
// chasitor-liveagent-<hash>.js and chasitor-miaw-<hash>.js) with terser: trunk 0.21 leaves it as
// wasm-bindgen writes it (60 KB with comments and long names; 10 KB gzip, 7.2 KB once minified). Then the integrity
// (sha384) that trunk wrote for it in index.html is made that of the minified file, so the demo
// page's `<link rel=modulepreload integrity=…>` still matches. The exported names (`boot`, the
// default `init`) stay: only what the module keeps to itself is renamed.
//
//   node scripts/minify-glue.mjs DIR
//
// DIR: the trunk post_build hook's staging directory (scripts/post-build.sh runs it on release
// builds, before the .br/.gz copies are written).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const dir = path.resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist');
const require = createRequire(path.resolve(process.env.TRUNK_SOURCE_DIR || '.', 'package.json'));
let terser;
try {
  terser = require('terser');
} catch {
  console.error('minify-glue: terser is missing: run scripts/setup.sh');
  process.exit(1);
}

const sri = (buf) => `sha384-${crypto.createHash('sha384').update(buf).digest('base64')}`;
const glue = fs.readdirSync(dir).filter((f) => /^chasitor-.+\.js$/.test(f));
if (glue.length === 0) {
  console.error(`minify-glue: no chasitor-*.js in ${dir}`);
  process.exit(1);
}
const indexPath = path.join(dir, 'index.html');
let index = fs.existsSync(indexPath) ? fs.readFileSync(indexPath, 'utf8') : null;
// wasm-streams (linked by Leptos' server functions, which the widget does not use) exports three
// classes to JavaScript; index.html's wasm-opt pass drops their exports from the wasm
// (`--remove-exports`), and here their glue goes: each class, its dispose hook and its
// finalization registry (wasm-bindgen 0.2.130's layout; if it changes, nothing is removed).
const STREAM_CLASSES = [
  /^export class (IntoUnderlying\w+) \{[\s\S]*?^\}\n(?:if \(Symbol\.dispose\) \1\.prototype\[Symbol\.dispose\] = \1\.prototype\.free;\n)?/gm,
  /^const IntoUnderlying\w+Finalization = [\s\S]*?\);\n/gm,
];

for (const name of glue) {
  const file = path.join(dir, name);
  const before = fs.readFileSync(file);
  let source = before.toString('utf8');
  for (const re of STREAM_CLASSES) source = source.replace(re, '');
  const out = await terser.minify(source, {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  if (!out.code) {
    console.error(`minify-glue: terser gave nothing for ${name}`);
    process.exit(1);
  }
  const after = Buffer.from(out.code);
  fs.writeFileSync(file, after);
  if (index !== null) index = index.split(sri(before)).join(sri(after));
  console.log(`minify-glue: ${name} ${before.length} -> ${after.length} bytes`);
}
if (index !== null) fs.writeFileSync(indexPath, index);
