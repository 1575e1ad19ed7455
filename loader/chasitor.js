/*! chasitor: a chat widget for websites (Salesforce Chat REST API). The loader.
 *
 * Embed with one tag, on a page of any origin:
 *   <script src="https://HOST/PATH/chasitor.js" data-endpoint="/chat/rest"
 *     data-org-id="00D..." data-deployment-id="572..." data-button-id="573..." async></script>
 *
 * It paints the launcher at once (a few KB: this file), then finds the widget's hashed files next
 * to itself (relative to its own src) and loads them when the page is idle, when the visitor
 * reaches for the launcher, at once when this tab has a chat to resume or the page calls the API
 * (data-load="intent": only then, never at idle). A click (or Chasitor.open()) before the widget is
 * here opens the window's frame at once, saying the chat is loading (or, if the files cannot be
 * loaded, saying so with a "Try again" button). It calls boot() with the settings: the script
 * tag's data-* attributes, then the keys of window.ChasitorConfig (set before the tag); when both
 * name a setting, the attribute wins.
 * Its only global is window.Chasitor: { version, ready, open, close, toggle, endChat,
 * sendCustomEvent, setPrechat, on, off }. Until the widget has loaded, the methods are stubs that
 * queue the calls (in Chasitor.q, like the snippets of other widgets); the widget replays them.
 * A page may also create the queue itself before this tag:
 *   window.Chasitor = window.Chasitor || { q: [] };  Chasitor.q.push(["open", []]);
 *
 * This file is a template: scripts/make-loader.sh (a trunk post_build hook) fills in the names,
 * the stylesheet of the launcher and the window's frame (style/launcher.css, style/window.css), the
 * labels they show (labels.rs, labels/de.rs) and the icons (ui/app.rs).
 */
(function () {
  "use strict";
  // Benchmark mark (bench/run.mjs): the script tag starts here.
  if (window.performance && performance.mark) performance.mark("chasitor:loader-start");
  // The widget with both APIs, and (when the build made them: scripts/build.sh) the one with Live
  // Agent only and the one with Enhanced Chat only, which a page of that API loads instead: it pays
  // nothing for the other API.
  var JS_FILE = "__CHASITOR_JS__";
  var WASM_FILE = "__CHASITOR_WASM__";
  var LIVE_AGENT_JS_FILE = "__CHASITOR_LA_JS__";
  var LIVE_AGENT_WASM_FILE = "__CHASITOR_LA_WASM__";
  var MIAW_JS_FILE = "__CHASITOR_MIAW_JS__";
  var MIAW_WASM_FILE = "__CHASITOR_MIAW_WASM__";
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
        if (/^(open|close|toggle)$/.test(name)) setOpen(name === "open" || (name === "toggle" && !wanted));
        if (document.body) load(true); // a call before the widget is here loads it
      };
    }
  );
  api.version = VERSION;
  window.Chasitor = api;
  // Open or minimised, as the visitor (or the page) left the window shell; null: untouched. Calls
  // the page queued before this tag count: the shell shows what they ask for.
  var wanted = null;
  queue.forEach(function (call) {
    if (/^(open|close|toggle)$/.test(call[0])) wanted = call[0] === "open" || (call[0] === "toggle" && !wanted);
  });

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

  // The API, as the widget reads it (config.rs): data-api, else Enhanced Chat when a developer name
  // is given. A Live Agent page gets the Live Agent-only build, an Enhanced Chat page the Enhanced
  // Chat-only one; any other (an unknown data-api, so the widget can name the mistake) the one
  // with both APIs.
  var chatApi = String(setting("api")).toLowerCase();
  var miaw = chatApi ? chatApi === "miaw" : !!setting("es-developer-name");
  if (LIVE_AGENT_JS_FILE && (chatApi ? chatApi === "liveagent" : !miaw)) {
    JS_FILE = LIVE_AGENT_JS_FILE;
    WASM_FILE = LIVE_AGENT_WASM_FILE;
  } else if (MIAW_JS_FILE && miaw) {
    JS_FILE = MIAW_JS_FILE;
    WASM_FILE = MIAW_WASM_FILE;
  }

  // ----- The early launcher and the window shell -----
  // The launcher is painted here, before the wasm: the same markup and styles (style/launcher.css)
  // the widget renders for its closed launcher, so the page shows it at once and the visitor can
  // use it. A click before the widget is here opens the window's frame at once (the widget's own
  // markup and styles, style/window.css) with a loading state in its body; the widget, once booted,
  // takes over this host element (boot() sees data-chasitor-early) and renders the same frame in the
  // same box. The wasm loads when the page is idle, when the visitor shows intent (pointer, focus,
  // touch, click), at once when this tab has a chat to resume, or when the page calls the API.
  var CSS = __CHASITOR_CSS__;
  var LABELS = __CHASITOR_LABELS__;
  var ICONS = __CHASITOR_ICONS__;
  var SVG = "http://www.w3.org/2000/svg";
  var host = null;
  var early = null; // the early launcher
  var shell = null; // the window shell
  var failed = false; // the last load failed: the shell says so
  var text = null;

  function language() {
    return String(setting("language") || navigator.language || "en").split(/[-_]/)[0].toLowerCase();
  }

  // The labels the loader shows: the language's table, then data-labels (as labels.rs, config.rs).
  function labels() {
    if (text) return text;
    var own = setting("labels");
    if (typeof own === "string" && own) {
      try {
        own = JSON.parse(own);
      } catch (e) {
        own = null;
      }
    }
    var de = language() === "de";
    text = {};
    Object.keys(LABELS.en).forEach(function (k) {
      text[k] = own && typeof own[k] === "string" ? own[k] : (de && LABELS.de[k]) || LABELS.en[k];
    });
    return text;
  }

  // As the widget decides it (ui/app.rs dir, labels.rs for_language).
  function direction() {
    var forced = String(setting("dir")).toLowerCase();
    if (forced === "ltr" || forced === "rtl") return forced;
    var page =
      (document.body && document.body.getAttribute("dir")) ||
      document.documentElement.getAttribute("dir");
    page = String(page || "").toLowerCase();
    if (page === "ltr" || page === "rtl") return page;
    return /^(ar|he|iw|fa|ur|ps|sd|yi|dv|ckb)$/.test(language()) ? "rtl" : "ltr";
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

  // An element with attributes and children (strings are text).
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs).forEach(function (k) {
      e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  // One of the widget's icons (ui/app.rs ChatIcon, CloseIcon): its <svg> and <path> attributes.
  function icon(name) {
    var svg = document.createElementNS(SVG, "svg");
    var path = document.createElementNS(SVG, "path");
    [svg, path].forEach(function (e, i) {
      var a = ICONS[name][i];
      Object.keys(a).forEach(function (k) {
        e.setAttribute(k, a[k]);
      });
    });
    svg.appendChild(path);
    return svg;
  }

  // Whether the focus is on `node` or in it.
  function within(node) {
    var a = host && host.shadowRoot.activeElement;
    return !!(a && node && node.contains(a));
  }

  // The launcher as the widget renders it: closed (icon and label) or open (the minimise icon).
  function launcherLook(open) {
    early.parentNode.setAttribute("data-open", String(open));
    early.setAttribute("aria-expanded", String(open));
    if (open) early.setAttribute("aria-label", labels().launcherClose);
    else early.removeAttribute("aria-label");
    early.textContent = "";
    if (open) early.appendChild(icon("close"));
    else {
      early.appendChild(icon("chat"));
      early.appendChild(el("span", { class: "launcher-label" }, [labels().launcher]));
    }
  }

  // The window's frame as the widget renders it (ui/app.rs ChatWindow): a dialog, the header with
  // the title and the minimise button; in the body, the loading state (or the failure).
  function makeShell() {
    var L = labels();
    var minimise = el("button", {
      type: "button", class: "header-button icon-button", part: "close", "aria-label": L.minimise, title: L.minimise,
    }, [icon("close")]);
    minimise.addEventListener("click", function () {
      setOpen(false);
    });
    shell = el("section", {
      class: "window", part: "window", role: "dialog", "aria-modal": "false", "aria-labelledby": "chasitor-title",
    }, [
      el("header", { class: "header", part: "header" }, [
        el("div", { class: "header-text" }, [el("h2", { id: "chasitor-title", class: "title" }, [L.title]), el("p", { class: "subtitle" })]),
        minimise,
      ]),
      el("div", { class: "body" }),
    ]);
    shell.addEventListener("keydown", function (e) {
      if (e.key === "Escape") setOpen(false);
    });
    early.parentNode.insertBefore(shell, early);
    shellBody();
  }

  // The shell's body: "Loading the chat…" (part loading), or the failure with "Try again".
  function shellBody() {
    if (!shell) return;
    var L = labels();
    var body = shell.lastChild;
    var focused = within(shell);
    body.textContent = "";
    if (failed) {
      var retry = el("button", { type: "button", class: "primary", part: "retry" }, [L.tryAgain]);
      retry.addEventListener("click", function () {
        load(true);
      });
      body.appendChild(el("div", { class: "load-failed", part: "load-failed", role: "alert" }, [el("p", {}, [L.loadFailed]), retry]));
    } else {
      body.appendChild(el("div", { class: "loading", part: "loading", role: "status" }, [
        el("span", { class: "spinner", "aria-hidden": "true" }),
        el("p", {}, [L.loading]),
      ]));
    }
    if (focused) focusShell();
  }

  // Into the shell, as the widget's window takes the focus when it opens: "Try again" after a
  // failure, else the minimise button (the shell has nothing else to focus).
  function focusShell() {
    var t = shell.querySelector("[part~=retry]") || shell.querySelector("[part~=close]");
    t.focus();
  }

  // Opens or minimises the shell (the visitor's click, the page's Chasitor.open()/close()): the
  // widget ends in the same state when it takes over (see load()).
  function setOpen(open) {
    wanted = open;
    if (!early) return; // not painted yet: painted open
    var focused = within(early.parentNode);
    launcherLook(open);
    if (open) {
      if (!shell) makeShell();
      shell.hidden = false;
      focusShell();
    } else if (shell) {
      shell.hidden = true;
      if (focused) early.focus(); // as the widget does when its window closes
    }
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
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      shadow.appendChild(el("style", {}, [CSS]));
    }
    early = el("button", { type: "button", class: "launcher", part: "launcher" });
    var root = el("div", {
      class: "chasitor",
      "data-position": String(setting("position")).toLowerCase() === "left" ? "left" : "right",
      "data-theme": String(setting("theme")).toLowerCase() || "light",
      dir: direction(),
    }, [early]);
    launcherLook(false);
    early.addEventListener("click", function (e) {
      // The second click of a double click: the first one opened the chat, keep it open (and the
      // focus in it, which the press gave the launcher).
      if (e.detail > 1 && wanted) return focusShell();
      early.setAttribute("aria-busy", "true"); // the widget is on its way
      setOpen(!wanted);
      load(true);
    });
    ["pointerenter", "focus", "touchstart"].forEach(function (type) {
      early.addEventListener(type, function () {
        load(true);
      }, { once: true, passive: true });
    });
    shadow.appendChild(root);
    document.body.appendChild(host);
    if (wanted) setOpen(true); // the page called Chasitor.open() before this
    if (window.performance && performance.mark) performance.mark("chasitor:launcher-ready");
  }

  // ----- Loading the widget -----
  var resolveReady;
  var ready = new Promise(function (resolve) {
    resolveReady = resolve;
  });
  var loading = null;
  var widgetModule = null;
  var attempts = 0;

  // An error that names the file it is about.
  function about(url) {
    return function (e) {
      throw new Error(url + ": " + (e && e.message ? e.message : e));
    };
  }

  // Fetches the module and the wasm side by side (the module would only ask for the wasm once it
  // has run), the wasm with a high priority when the visitor reaches for the chat (`urgent`).
  function load(urgent) {
    if (loading) return loading;
    if (!base) return Promise.resolve(false);
    if (failed) {
      failed = false;
      shellBody();
    }
    var jsUrl = new URL(JS_FILE, base).href;
    var wasmUrl = new URL(WASM_FILE, base).href;
    var wasm = fetch(wasmUrl, { priority: urgent ? "high" : "auto" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + r.statusText);
        return r;
      })
      .catch(about(wasmUrl));
    // A failed import() is remembered for its URL: a retry asks for the module under another one.
    widgetModule = widgetModule || import(jsUrl + (attempts++ ? "?retry=" + attempts : "")).catch(function (e) {
      widgetModule = null;
      about(jsUrl)(e);
    });
    loading = Promise.all([widgetModule, wasm])
      .then(function (files) {
        var mod = files[0];
        return mod.default({ module_or_path: files[1] }).catch(about(wasmUrl)).then(function () {
          var launcherFocused = within(early);
          var shellFocused = within(shell);
          // What the visitor (or the page) did with the shell meanwhile, after the page's calls:
          // the widget replays the queue at boot and ends open or minimised as the shell was.
          if (wanted !== null) queue.push([wanted ? "open" : "close", []]);
          mod.boot(settings);
          takeOver(launcherFocused, shellFocused);
          return true;
        });
      })
      .catch(function (e) {
        console.error("chasitor: could not load the chat widget: " + (e && e.message ? e.message : e));
        if (early) early.removeAttribute("aria-busy");
        loading = null; // "Try again", or the visitor's next intent, tries again
        failed = true;
        shellBody();
        return false;
      });
    var attempt = loading;
    attempt.then(resolveReady); // the first outcome settles Chasitor.ready
    return attempt;
  }

  // The widget has replaced the early launcher and the shell: the focus they had goes to the
  // widget's launcher, or into its window (the first pre-chat field), once the queue is replayed.
  function takeOver(launcherFocused, shellFocused) {
    if (!host || !host.shadowRoot) return;
    var root = host.shadowRoot;
    var launcher = root.querySelector("[part~=launcher]");
    if (launcherFocused && launcher) launcher.focus();
    else if (shellFocused) {
      requestAnimationFrame(function () {
        var w = "[part~=window]:not([hidden]) ";
        var t = root.querySelector(w + "input:not([type=hidden])," + w + "textarea," + w + "[part~=new-chat]") ||
          root.querySelector(w + "button");
        var a = root.activeElement;
        if (t && !(a && /^(INPUT|TEXTAREA)$/.test(a.tagName))) t.focus();
      });
    }
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
    var idle = function () {
      load(false);
    };
    if (window.requestIdleCallback) requestIdleCallback(idle, { timeout: 2000 });
    else setTimeout(idle, 200);
  }

  function begin() {
    paintLauncher();
    // data-load="intent": only on the visitor's intent (or an API call or a chat to resume).
    var onIntentOnly = String(setting("load")).toLowerCase() === "intent";
    if (queue.length || hasChat() || !host) load(true);
    else if (!onIntentOnly) {
      if (document.readyState === "complete") whenIdle();
      else window.addEventListener("load", whenIdle, { once: true });
    }
  }

  api.ready = ready;
  if (document.body) begin();
  else document.addEventListener("DOMContentLoaded", begin, { once: true });
})();
