#!/usr/bin/env node
// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9) next to every file of a build,
// for a static host that serves them as they are (nginx's `gzip_static` and `brotli_static`, see
// deploy/nginx/chasitor.conf), and prints the Subresource Integrity of the loader chasitor.js for a
// `<script integrity="sha384-...">` tag. Node's own zlib: no dependency.
//
//   node scripts/precompress.mjs [DIR]
//
// DIR: the trunk post_build hook's staging directory ($TRUNK_STAGING_DIR, see scripts/post-build.sh),
// else dist/. A compressed copy that is not smaller than its file is not written (the server then
// sends the file itself). Files that are already .br or .gz are left alone.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = path.resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist');
if (!fs.existsSync(path.join(dir, 'chasitor.js'))) {
  console.error(`precompress: ${path.join(dir, 'chasitor.js')} is missing (build the widget first)`);
  process.exit(1);
}

function* files(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile() && !/\.(br|gz)$/.test(e.name)) yield p;
  }
}

const brotli = (buf) => zlib.brotliCompressSync(buf, {
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
    [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
  },
});
const gzip = (buf) => zlib.gzipSync(buf, { level: zlib.constants.Z_BEST_COMPRESSION, memLevel: 9 });

const started = Date.now();
const rows = [];
for (const file of [...files(dir)].sort()) {
  const raw = fs.readFileSync(file);
  const row = { name: path.relative(dir, file), raw: raw.length };
  for (const [ext, compress] of [['br', brotli], ['gz', gzip]]) {
    const out = `${file}.${ext}`;
    const packed = compress(raw);
    if (packed.length < raw.length) {
      fs.writeFileSync(out, packed);
      // The same modification time as the file: nginx's Last-Modified and ETag then do not depend
      // on which copy it sent.
      const { atime, mtime } = fs.statSync(file);
      fs.utimesSync(out, atime, mtime);
      row[ext] = packed.length;
    } else {
      fs.rmSync(out, { force: true });
      row[ext] = null;
    }
  }
  rows.push(row);
}

const w = Math.max(30, ...rows.map((r) => r.name.length));
const num = (n) => String(n ?? '-').padStart(10);
console.log(`precompress: ${dir} in ${Date.now() - started} ms`);
console.log(`  ${'file'.padEnd(w)} ${num('raw')} ${num('.br')} ${num('.gz')}`);
for (const r of rows) console.log(`  ${r.name.padEnd(w)} ${num(r.raw)} ${num(r.br)} ${num(r.gz)}`);

const sri = `sha384-${crypto.createHash('sha384').update(fs.readFileSync(path.join(dir, 'chasitor.js'))).digest('base64')}`;
console.log(`precompress: chasitor.js integrity ${sri}`);
console.log(`  <script src=".../chasitor.js" integrity="${sri}" crossorigin="anonymous" ...>`);
