/*! chasitor: a chat widget for websites (Salesforce Chat REST API). The loader.
 *
 * Embed with one tag, on a page of any origin:
 *   <script src="https://HOST/PATH/chasitor.js" data-endpoint="/chat/rest"
 *     data-org-id="00D..." data-deployment-id="572..." data-button-id="573..." async></script>
 *
 * It paints the launcher at once (a few KB: this file), then finds the widget's hashed files next
 * to itself (relative to its own src) and loads them when the page is idle, when the visitor
 * reaches for the launcher, at once when this tab has a chat to resume or the page calls the API
 * (data-load="intent": only then, never at idle). It calls boot() with the settings: the script
 * tag's data-* attributes, then the keys of window.ChasitorConfig (set before the tag); when both
 * name a setting, the attribute wins.
 * Its only global is window.Chasitor: { version, ready, open, close, toggle, endChat,
 * sendCustomEvent, setPrechat, on, off }. Until the widget has loaded, the methods are stubs that
 * queue the calls (in Chasitor.q, like the snippets of other widgets); the widget replays them.
 * A page may also create the queue itself before this tag:
 *   window.Chasitor = window.Chasitor || { q: [] };  Chasitor.q.push(["open", []]);
 *
 * This file is a template: scripts/make-loader.sh (a trunk post_build hook) fills in the names,
 * the launcher's stylesheet (style/launcher.css), its label (labels.rs) and its icon (ui/app.rs).
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
  ["open", "close", "toggle", "endChat", "sendCustomEvent", "setPrechat", "on", "off", "destroy"].forEach(
    function (name) {
      if (typeof api[name] === "function") return;
      api[name] = function () {
        queue.push([name, Array.prototype.slice.call(arguments)]);
        if (document.body) load(); // a call before the widget is here loads it
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

  // Settings by their plain name ("org-id"), as the widget reads them (config.rs normalize_name):
  // "data-org-id", "orgId" and "org_id" are all "org-id"; the first one given wins.
  var plain = {};
  Object.keys(settings).forEach(function (key) {
    var name = key
      .trim()
      .replace(/^data-/, "")
      .replace(/_/g, "-")
      .replace(/([^-])([A-Z])/g, "$1-$2")
      .toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(plain, name)) plain[name] = settings[key];
  });
  function setting(name) {
    var v = plain[name];
    return typeof v === "string" ? v.trim() : v == null ? "" : v;
  }

  // ----- The early launcher -----
  // The launcher is painted here, before the wasm: the same markup and styles (style/launcher.css)
  // the widget renders for its closed launcher, so the page shows it at once and the visitor can
  // use it. The wasm loads when the page is idle, when the visitor shows intent (pointer, focus,
  // click), at once when this tab has a chat to resume, or when the page calls the API; the widget
  // then takes over this host element (boot() sees data-chasitor-early).
  var LAUNCHER_CSS = __CHASITOR_LAUNCHER_CSS__;
  var LABELS = { en: __CHASITOR_LABEL_EN__, de: __CHASITOR_LABEL_DE__ };
  var ICON_PATH = __CHASITOR_ICON_PATH__;
  var SVG = "http://www.w3.org/2000/svg";
  var host = null;
  var early = null;
  var clicked = false;

  function launcherText() {
    var labels = setting("labels");
    if (typeof labels === "string" && labels) {
      try {
        labels = JSON.parse(labels);
      } catch (e) {
        labels = null;
      }
    }
    if (labels && typeof labels.launcher === "string") return labels.launcher;
    var language = String(setting("language") || navigator.language || "en");
    return language.split(/[-_]/)[0].toLowerCase() === "de" ? LABELS.de : LABELS.en;
  }

  // As the widget decides it (ui/features.rs dir, labels.rs for_language).
  function direction() {
    var forced = String(setting("dir")).toLowerCase();
    if (forced === "ltr" || forced === "rtl") return forced;
    var page =
      (document.body && document.body.getAttribute("dir")) ||
      document.documentElement.getAttribute("dir");
    page = String(page || "").toLowerCase();
    if (page === "ltr" || page === "rtl") return page;
    var language = String(setting("language") || navigator.language || "en");
    var primary = language.split(/[-_]/)[0].toLowerCase();
    return /^(ar|he|iw|fa|ur|ps|sd|yi|dv|ckb)$/.test(primary) ? "rtl" : "ltr";
  }

  // The look settings as custom properties on the host (config/extras.rs css_properties; values
  // that could leave their declaration are left to the widget, which reports them).
  function lookProperties(style) {
    function plainCss(v) {
      return v && v.length <= 200 && !/[;{}\\<>\u0000-\u001f]|url\(|expression\(/i.test(v);
    }
    var accent = String(setting("accent"));
    if (plainCss(accent)) {
      style.setProperty("--chasitor-accent", accent);
      style.setProperty("--chasitor-accent-hover", "color-mix(in srgb, " + accent + " 82%, black)");
    }
    var font = String(setting("font"));
    if (plainCss(font)) style.setProperty("--chasitor-font", font);
    var radius = String(setting("radius"));
    if (plainCss(radius)) style.setProperty("--chasitor-radius", radius);
    var size = /^\d+(px)?$/.test(String(setting("launcher-size"))) ? parseInt(setting("launcher-size"), 10) : 0;
    if (size >= 40 && size <= 96) style.setProperty("--chasitor-launcher-size", size + "px");
    var z = String(setting("z-index"));
    if (/^[-+]?\d{1,10}$/.test(z)) style.setProperty("--chasitor-z", String(parseInt(z, 10)));
  }

  function paintLauncher() {
    if (document.getElementById("chasitor-host")) return; // a widget is on the page already
    host = document.createElement("div");
    host.id = "chasitor-host";
    host.setAttribute("data-chasitor-early", "");
    var hs = host.style;
    // As boot() does: the page's CSS reaches the host element itself; keep it out of the layout.
    [
      ["display", "block"], ["position", "static"], ["width", "0"], ["height", "0"],
      ["margin", "0"], ["padding", "0"], ["border", "0"], ["visibility", "visible"],
      ["opacity", "1"], ["transform", "none"], ["filter", "none"], ["contain", "none"],
    ].forEach(function (p) {
      hs.setProperty(p[0], p[1], "important");
    });
    lookProperties(hs);
    var shadow = host.attachShadow({ mode: "open" });
    try {
      // A constructed stylesheet: no inline <style>, so a strict CSP needs no 'unsafe-inline'.
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(LAUNCHER_CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = document.createElement("style");
      style.textContent = LAUNCHER_CSS;
      shadow.appendChild(style);
    }
    var root = document.createElement("div");
    root.className = "chasitor";
    root.setAttribute("data-position", String(setting("position")).toLowerCase() === "left" ? "left" : "right");
    root.setAttribute("data-theme", String(setting("theme")).toLowerCase() || "light");
    root.setAttribute("dir", direction());
    root.setAttribute("data-open", "false");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "launcher";
    button.setAttribute("part", "launcher");
    button.setAttribute("aria-expanded", "false");
    var svg = document.createElementNS(SVG, "svg");
    [["class", "icon"], ["viewBox", "0 0 24 24"], ["width", "24"], ["height", "24"],
      ["aria-hidden", "true"], ["focusable", "false"]].forEach(function (a) {
      svg.setAttribute(a[0], a[1]);
    });
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", ICON_PATH);
    svg.appendChild(path);
    var label = document.createElement("span");
    label.className = "launcher-label";
    label.textContent = launcherText();
    button.appendChild(svg);
    button.appendChild(label);
    button.addEventListener("click", function () {
      // Opened before the widget is here: say it is on its way; the widget opens when it is.
      clicked = true;
      button.setAttribute("aria-busy", "true");
      load();
    });
    ["pointerenter", "focus", "touchstart"].forEach(function (type) {
      button.addEventListener(type, load, { once: true, passive: true });
    });
    root.appendChild(button);
    shadow.appendChild(root);
    document.body.appendChild(host);
    early = button;
    if (window.performance && performance.mark) performance.mark("chasitor:launcher-ready");
  }

  // ----- Loading the widget -----
  var resolveReady;
  var ready = new Promise(function (resolve) {
    resolveReady = resolve;
  });
  var loading = null;

  function load() {
    if (loading) return loading;
    if (!base) return Promise.resolve(false);
    var jsUrl = new URL(JS_FILE, base).href;
    var wasmUrl = new URL(WASM_FILE, base).href;
    loading = import(jsUrl)
      .then(function (mod) {
        return mod.default({ module_or_path: wasmUrl }).then(function () {
          var hadFocus = !!(host && early && host.shadowRoot.activeElement === early);
          mod.boot(settings);
          takeOver(hadFocus);
          return true;
        });
      })
      .catch(function (e) {
        console.error("chasitor: could not load the chat widget from " + base.href + ": " + e);
        if (early) early.removeAttribute("aria-busy");
        loading = null; // the visitor's next intent tries again
        return false;
      });
    var attempt = loading;
    attempt.then(resolveReady); // the first outcome settles Chasitor.ready
    return attempt;
  }

  // The widget has replaced the early launcher: give its launcher the focus the early one had, and
  // the visitor's click.
  function takeOver(hadFocus) {
    if (!host || !host.shadowRoot) return;
    var launcher = host.shadowRoot.querySelector("[part~=launcher]");
    if (!launcher) return;
    if (clicked && launcher.getAttribute("aria-expanded") === "false") launcher.click();
    else if (hadFocus) launcher.focus();
  }

  // A chat of this tab to resume (the widget's sessionStorage keys start with "chasitor:").
  function hasChat() {
    try {
      var s = window.sessionStorage;
      for (var i = 0; i < s.length; i++) {
        if (String(s.key(i)).indexOf("chasitor:") === 0) return true;
      }
    } catch (e) {
      /* no sessionStorage: nothing to resume */
    }
    return false;
  }

  function whenIdle() {
    if (window.requestIdleCallback) requestIdleCallback(load, { timeout: 2000 });
    else setTimeout(load, 200);
  }

  function begin() {
    paintLauncher();
    // data-load="intent": only on the visitor's intent (or an API call or a chat to resume).
    var onIntentOnly = String(setting("load")).toLowerCase() === "intent";
    if (queue.length || hasChat() || !host) load();
    else if (!onIntentOnly) {
      if (document.readyState === "complete") whenIdle();
      else window.addEventListener("load", whenIdle, { once: true });
    }
  }

  api.ready = ready;
  if (document.body) begin();
  else document.addEventListener("DOMContentLoaded", begin, { once: true });
})();
