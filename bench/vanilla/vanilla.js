/* A minimal plain-JavaScript chat client of the same Chat REST API, written only as the benchmark's
 * floor (bench/run.mjs): launcher, pre-chat form, one long-poll loop, transcript, composer. No
 * typing indicators, queue view, retries, reconnects, storage or end-of-chat: the least a client can
 * do. Same shadow-root parts and performance marks as the widget, so the same harness measures it.
 *
 *   <script src="vanilla.js" data-endpoint="/chat/rest" data-org-id=".." data-deployment-id=".."
 *     data-button-id=".." async></script>
 */
(function () {
  "use strict";
  performance.mark("chasitor:loader-start");
  var tag = document.currentScript;
  var cfg = {};
  ["endpoint", "org-id", "deployment-id", "button-id"].forEach(function (k) { cfg[k] = tag.getAttribute("data-" + k); });
  var api = cfg.endpoint;
  var session = null;
  var seq = 0;

  var host = document.createElement("div");
  host.id = "chasitor-host";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>:host{all:initial}.w{position:fixed;right:16px;bottom:16px;font:14px system-ui,sans-serif}" +
    "button{font:inherit;border:0;border-radius:8px;padding:10px 14px;background:#0b5cad;color:#fff;cursor:pointer}" +
    ".box{width:320px;height:420px;display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:8px;margin-bottom:8px}" +
    "ol{flex:1;overflow:auto;margin:0;padding:8px;list-style:none}li{margin:4px 0}" +
    "li[data-author=visitor]{text-align:right}textarea,input{font:inherit;box-sizing:border-box;width:100%}" +
    "[hidden]{display:none!important}</style>" +
    '<div class="w"><div class="box" part="window" hidden>' +
    '<form part="prechat"><input name="firstName" placeholder="First name" required>' +
    '<input name="lastName" placeholder="Last name" required><input name="email" type="email" placeholder="Email" required>' +
    '<button part="start">Start chat</button></form>' +
    '<ol part="transcript" role="log" hidden></ol><textarea part="composer" rows="2" hidden></textarea></div>' +
    '<button part="launcher" aria-expanded="false">Chat</button></div>';
  var $ = function (p) { return root.querySelector("[part~=" + p + "]"); };
  var win = $("window"), form = $("prechat"), list = $("transcript"), box = $("composer"), launcher = $("launcher");

  launcher.onclick = function () {
    win.hidden = !win.hidden;
    launcher.setAttribute("aria-expanded", String(!win.hidden));
  };

  function row(author, text) {
    var li = document.createElement("li");
    li.setAttribute("part", "message");
    li.setAttribute("data-author", author);
    var t = document.createElement("div");
    t.setAttribute("part", "text");
    t.textContent = text;
    li.appendChild(t);
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  function call(method, path, body) {
    var h = { "X-LIVEAGENT-API-VERSION": "56", "X-LIVEAGENT-AFFINITY": session ? session.affinityToken : "null" };
    if (session) h["X-LIVEAGENT-SESSION-KEY"] = session.key;
    if (body) {
      h["X-LIVEAGENT-SEQUENCE"] = String(++seq);
      h["Content-Type"] = "application/json";
    }
    return fetch(api + path, { method: method, headers: h, body: body && JSON.stringify(body), cache: "no-store" });
  }

  function poll(ack) {
    call("GET", "/System/Messages?ack=" + ack).then(function (r) {
      if (r.status === 204) return poll(ack);
      if (r.status !== 200) return;
      return r.json().then(function (m) {
        m.messages.forEach(function (x) {
          if (x.type === "ChatMessage") row("agent", x.message.text);
          if (x.type === "ChatEstablished") box.hidden = false;
        });
        poll(m.sequence);
      });
    }, function () { setTimeout(function () { poll(ack); }, 1000); });
  }

  form.onsubmit = function (e) {
    e.preventDefault();
    var f = form.elements;
    form.hidden = true;
    list.hidden = false;
    call("GET", "/System/SessionId").then(function (r) { return r.json(); }).then(function (s) {
      session = s;
      call("POST", "/Chasitor/ChasitorInit", {
        organizationId: cfg["org-id"], deploymentId: cfg["deployment-id"], buttonId: cfg["button-id"],
        sessionId: s.id, userAgent: navigator.userAgent, language: navigator.language,
        screenResolution: screen.width + "x" + screen.height, visitorName: f.firstName.value,
        prechatDetails: [
          { label: "First Name", value: f.firstName.value, transcriptFields: [], displayToAgent: true },
          { label: "Last Name", value: f.lastName.value, transcriptFields: [], displayToAgent: true },
          { label: "Email", value: f.email.value, transcriptFields: [], displayToAgent: true },
        ],
        prechatEntities: [], receiveQueueUpdates: true, isPost: true,
      }).then(function () { poll(-1); });
    });
  };

  box.onkeydown = function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    e.preventDefault();
    var text = box.value.trim();
    if (!text) return;
    box.value = "";
    row("visitor", text);
    call("POST", "/Chasitor/ChatMessage", { text: text });
  };

  function mount() {
    document.body.appendChild(host);
    performance.mark("chasitor:launcher-ready");
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
