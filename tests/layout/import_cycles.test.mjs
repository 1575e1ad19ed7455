// The source tree's layout: no import circle among the modules of the widget or the simulator
// (scripts/import-cycles.mjs), and the checker itself finds the circles it is meant to find.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCircles } from '../../scripts/import-cycles.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A crate made of `files` ({path: text}) in a fresh folder; returns the folder. */
function crate(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chasitor-layout-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

test('the widget has no import circle', () => {
  assert.deepEqual(findCircles(path.join(root, 'src')), []);
});

test('the simulator has no import circle', () => {
  assert.deepEqual(findCircles(path.join(root, 'sim/src')), []);
});

test('the checker finds circles between files and between folders, not between a module and its parts', () => {
  const dir = crate({
    'lib.rs': 'mod api;\nmod driver;\nmod shared;\nmod other;\n',
    // A module split over files: the parts name their parent and the parent its parts.
    'shared/mod.rs': 'mod part;\npub use part::Thing;\npub struct Engine;\n',
    'shared/part.rs': 'use super::Engine;\npub struct Thing;\n',
    // Two sibling files that name each other, one through a use tree.
    'driver/mod.rs': 'pub mod shell;\npub mod site;\n',
    'driver/shell.rs': 'use super::{site::Listeners, shell::Command as C};\npub enum Command {}\n',
    'driver/site.rs': '// use super::nothing;\nfn f() { let _ = super::shell::Command::X; }\npub struct Listeners;\n',
    // Two folders: a file deep in one names the other, and the other names the first folder.
    'api/mod.rs': 'pub mod wire;\n',
    'api/wire.rs': 'use crate::other::Loose;\n',
    'other.rs': 'use crate::api::wire;\npub struct Loose;\n#[cfg(test)]\nmod tests {\n    use crate::shared::Engine;\n}\n',
  });
  const circles = findCircles(dir).map((c) => `${c.level}: ${[...c.circle].sort().join(' ')}`).sort();
  assert.deepEqual(circles, ['crate: api other', 'driver: shell site']);
  fs.rmSync(dir, { recursive: true, force: true });
});
