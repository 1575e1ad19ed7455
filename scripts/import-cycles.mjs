#!/usr/bin/env node
// Finds import circles in a Rust crate's module tree: `node scripts/import-cycles.mjs src sim/src`
// prints every circle (exit 1) or "no import circles" (exit 0) for each crate folder given.
//
// Every path a file names (`use` trees, and `crate::…`, `super::…`, `self::…` paths in code; not in
// comments or `#[cfg(test)]` modules) is resolved to the module file it reaches (the longest
// prefix that is a module of the tree). A reference from file A to module B is a dependency
// between the two sibling modules under their deepest common parent that hold A and B: `a/x.rs`
// naming `crate::b::Y` makes `a` depend on `b` at the crate's top. A module naming its own parent
// or child is no dependency (that is how a module is split over files). Then, among each set of
// siblings, a circle of dependencies is reported with the references that make it.
import fs from 'node:fs';
import path from 'node:path';

/** The module files of the crate in `dir`, from lib.rs or main.rs: by file, its module path (["a","b"]) and its text without noise. */
function moduleFiles(dir) {
  const files = new Map();
  const walk = (file, modPath) => {
    const text = stripNoise(fs.readFileSync(file, 'utf8'));
    files.set(file, { modPath, text });
    const own = path.basename(file) === 'mod.rs' || modPath.length === 0;
    const base = own ? path.dirname(file) : file.slice(0, -3);
    for (const m of text.matchAll(/^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;/gm)) {
      const name = m[1];
      const candidates = [path.join(base, `${name}.rs`), path.join(base, name, 'mod.rs')];
      const found = candidates.find((c) => fs.existsSync(c));
      if (found) walk(found, [...modPath, name]);
    }
  };
  const root = ['lib.rs', 'main.rs'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!root) throw new Error(`${dir}: no lib.rs or main.rs`);
  walk(root, []);
  return files;
}

/** The text without comments and `#[cfg(test)]` modules (their imports are the tests'). */
export function stripNoise(text) {
  let out = text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
  for (;;) {
    const m = /#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{/.exec(out);
    if (!m) break;
    let depth = 0;
    let end = out.length;
    for (let i = m.index + m[0].length - 1; i < out.length; i++) {
      if (out[i] === '{') depth++;
      else if (out[i] === '}' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    out = out.slice(0, m.index) + out.slice(end);
  }
  return out;
}

/** `a::{b::C, d}` → ["a::b::C", "a::d"]. */
function expandUseTree(tree) {
  tree = tree.replace(/\s+/g, '');
  const brace = tree.indexOf('{');
  if (brace < 0) return [tree.replace(/as\w+$/, '')];
  const prefix = tree.slice(0, brace);
  const inner = tree.slice(brace + 1, tree.lastIndexOf('}'));
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if ((c === ',' || i === inner.length) && depth === 0) {
      if (i > start) parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  return parts.flatMap((p) => expandUseTree(prefix + p)).map((p) => p.replace(/::self$/, ''));
}

/** Every path the file names, as written: use trees expanded, and paths in code. */
function namedPaths(text) {
  const paths = [];
  const uses = /\buse\s+([^;]+);/g;
  for (const m of text.matchAll(uses)) paths.push(...expandUseTree(m[1].replace(/\bas\s+\w+/g, '')));
  const rest = text.replace(uses, '');
  for (const m of rest.matchAll(/\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+/g)) paths.push(m[0]);
  return paths;
}

/** The absolute module path a path starts from, or null when it leaves the crate. */
function absolute(p, modPath, children) {
  const segs = p.split('::').filter((s) => s && s !== '*');
  let base;
  if (segs[0] === 'crate') {
    base = [];
    segs.shift();
  } else if (segs[0] === 'self') {
    base = [...modPath];
    segs.shift();
  } else if (segs[0] === 'super') {
    base = [...modPath];
    while (segs[0] === 'super') {
      base.pop();
      segs.shift();
    }
  } else if (children.has(segs[0])) {
    base = [...modPath];
  } else {
    return null;
  }
  return [...base, ...segs];
}

/** Circles among siblings, per crate folder: [{level, circle: [names], why: [lines]}]. */
export function findCircles(dir) {
  const files = moduleFiles(dir);
  const byPath = new Map([...files].map(([f, { modPath }]) => [modPath.join('::'), f]));
  // level (parent path) → Map(from child → Map(to child → [reasons]))
  const levels = new Map();
  for (const [file, { modPath, text }] of files) {
    const children = new Set(
      [...files.values()]
        .map((f) => f.modPath)
        .filter((m) => m.length === modPath.length + 1 && modPath.every((seg, i) => m[i] === seg))
        .map((m) => m[m.length - 1]),
    );
    for (const p of namedPaths(text)) {
      const abs = absolute(p, modPath, children);
      if (!abs) continue;
      let target = null;
      for (let n = abs.length; n >= 0 && target === null; n--) {
        if (byPath.has(abs.slice(0, n).join('::'))) target = abs.slice(0, n);
      }
      let common = 0;
      while (common < modPath.length && common < target.length && modPath[common] === target[common]) common++;
      if (common === modPath.length || common === target.length) continue; // itself, a parent or a child
      const level = modPath.slice(0, common).join('::') || 'crate';
      const from = modPath[common];
      const to = target[common];
      if (!levels.has(level)) levels.set(level, new Map());
      const edges = levels.get(level);
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, []);
      edges.get(from).get(to).push(`${path.relative(process.cwd(), file)} names ${p}`);
    }
  }
  const circles = [];
  for (const [level, edges] of levels) {
    // Tarjan's strongly connected components.
    let index = 0;
    const idx = new Map();
    const low = new Map();
    const stack = [];
    const on = new Set();
    const visit = (v) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of (edges.get(v) || new Map()).keys()) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v), low.get(w)));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
      }
      if (low.get(v) === idx.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          on.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) {
          const inComp = new Set(comp);
          const why = [];
          for (const a of comp) {
            for (const [b, reasons] of edges.get(a) || []) {
              if (inComp.has(b)) why.push(`${a} -> ${b}: ${reasons[0]}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ''}`);
            }
          }
          circles.push({ level, circle: comp.reverse(), why });
        }
      }
    };
    for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  }
  return circles;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    console.error('usage: node scripts/import-cycles.mjs CRATE_SRC_DIR...');
    process.exit(2);
  }
  let found = 0;
  for (const dir of dirs) {
    const circles = findCircles(dir);
    if (circles.length === 0) console.log(`${dir}: no import circles`);
    for (const c of circles) {
      found++;
      console.log(`${dir}: circle in ${c.level}: ${c.circle.join(' <-> ')}`);
      for (const w of c.why) console.log(`    ${w}`);
    }
  }
  process.exit(found ? 1 : 0);
}
