/*! chasitor: a chat widget for websites (Salesforce Chat REST API). The loader.
 *
 * Embed with one tag, on a page of any origin:
 *   <script src="https://HOST/PATH/chasitor.js" data-endpoint="/chat/rest"
 *     data-org-id="00D..." data-deployment-id="572..." data-button-id="573..." async></script>
 *
 * It finds the widget's hashed files next to itself (relative to its own src), loads them and
 * calls boot() with the settings: the script tag's data-* attributes, then the keys of
 * window.ChasitorConfig (set before the tag); when both name a setting, the attribute wins.
 * Its only global is window.Chasitor: { version, ready, open, close, toggle, endChat,
 * sendCustomEvent, setPrechat, on, off }. Until the widget has loaded, the methods are stubs that
 * queue the calls (in Chasitor.q, like the snippets of other widgets); the widget replays them.
 * A page may also create the queue itself before this tag:
 *   window.Chasitor = window.Chasitor || { q: [] };  Chasitor.q.push(["open", []]);
 *
 * This file is a template: scripts/make-loader.sh (a trunk post_build hook) fills in the names.
 */
(function () {
  "use strict";
  // Benchmark mark (bench/run.mjs): the script tag starts here.
  if (window.performance && performance.mark) performance.mark("chasitor:loader-start");
  var JS_FILE = "__CHASITOR_JS__";
  var WASM_FILE = "__CHASITOR_WASM__";
  var VERSION = "__CHASITOR_VERSION__";

  // Only available while this script first runs (also with async): capture it now.
  var script = document.currentScript;
  if (window.Chasitor && window.Chasitor.ready) return; // the tag is on the page twice

  // The site owner's API: stubs that queue calls until the widget replaces them.
  var api = window.Chasitor && typeof window.Chasitor === "object" ? window.Chasitor : {};
  var queue = Array.isArray(api.q) ? api.q : [];
  api.q = queue;
  ["open", "close", "toggle", "endChat", "sendCustomEvent", "setPrechat", "on", "off"].forEach(
    function (name) {
      if (typeof api[name] === "function") return;
      api[name] = function () {
        queue.push([name, Array.prototype.slice.call(arguments)]);
      };
    }
  );
  api.version = VERSION;
  window.Chasitor = api;

  var base;
  try {
    base = new URL(".", script && script.src ? script.src : document.baseURI);
  } catch (e) {
    console.error("chasitor: cannot tell where the widget's files are: " + e);
    return;
  }

  // Settings: the script tag's data-* attributes first (they win), then window.ChasitorConfig.
  var settings = {};
  if (script) {
    for (var i = 0; i < script.attributes.length; i++) {
      var attr = script.attributes[i];
      if (attr.name.indexOf("data-") === 0) settings[attr.name] = attr.value;
    }
  }
  var global = window.ChasitorConfig;
  if (global && typeof global === "object") {
    Object.keys(global).forEach(function (key) {
      if (!Object.prototype.hasOwnProperty.call(settings, key)) settings[key] = global[key];
    });
  }

  function start() {
    var jsUrl = new URL(JS_FILE, base).href;
    var wasmUrl = new URL(WASM_FILE, base).href;
    return import(jsUrl)
      .then(function (mod) {
        return mod.default({ module_or_path: wasmUrl }).then(function () {
          mod.boot(settings);
          return true;
        });
      })
      .catch(function (e) {
        console.error("chasitor: could not load the chat widget from " + base.href + ": " + e);
        return false;
      });
  }

  var ready =
    document.body
      ? start()
      : new Promise(function (resolve) {
          document.addEventListener("DOMContentLoaded", function () {
            resolve(start());
          });
        });
  api.ready = ready;
})();
