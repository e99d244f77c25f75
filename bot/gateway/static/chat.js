// kefu web chat: a small widget on /ws/chat. Every text the bot or the user sent is put
// on the page with textContent (never parsed as HTML), so it can never become markup.
(function () {
  "use strict";
  var MAX_CHARS = 2000;
  var STORE_KEY = "kefu.chat.session";
  var UI = {
    en: { title: "Customer service", placeholder: "Type your message…", send: "Send",
          help: "Help center",
          queued: "You are number {n} in the queue.", joined: "{name} has joined the chat.",
          closed: "The conversation has ended.", rate: "Please rate this conversation:",
          thanks: "Thank you for your rating!",
          offline: "Connection lost, reconnecting…", tooLong: "Your message is too long (max " + MAX_CHARS + " characters)." },
    zh: { title: "在线客服", placeholder: "请输入消息…", send: "发送", help: "帮助中心",
          queued: "您前面还有 {n} 位。", joined: "{name} 已加入对话。",
          closed: "对话已结束。", rate: "请为本次服务打分：", thanks: "感谢您的评价！",
          offline: "连接已断开，正在重连…", tooLong: "消息过长（最多 " + MAX_CHARS + " 个字符）。" }
  };
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff]/;
  var host = window.kefuChat || {};  // a host site may set {metadata: {customer_token}}
  var log = document.getElementById("kefu-log");
  var typing = document.getElementById("kefu-typing");
  var errorBox = document.getElementById("kefu-error");
  var status = document.getElementById("kefu-status");
  var form = document.getElementById("kefu-form");
  var input = document.getElementById("kefu-text");
  var ws = null, retry = 0, lang = (navigator.language || "en").indexOf("zh") === 0 ? "zh" : "en";
  var queue = [], waitingForSession = true;

  function setLanguage(next) {
    if (next !== "zh" && next !== "en") { return; }
    lang = next;
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var strings = UI[lang];
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = strings[el.getAttribute("data-i18n")];
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.setAttribute("placeholder", strings[el.getAttribute("data-i18n-placeholder")]);
    });
  }

  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function addMessage(role, text, buttons) {
    var item = document.createElement("li");
    item.className = "kefu-msg " + role;
    item.setAttribute("data-role", role);
    var body = document.createElement("div");
    body.className = "kefu-text";
    body.textContent = text || "";
    item.appendChild(body);
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "kefu-buttons";
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () {
          row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          send(b.payload, b.title);
        });
        row.appendChild(btn);
      });
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  // The agent's rating question: 1-5 buttons sending a "csat" frame (not a chat message).
  function addRating() {
    addMessage("system", UI[lang].rate);
    var row = document.createElement("div");
    row.className = "kefu-buttons";
    [1, 2, 3, 4, 5].forEach(function (score) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = String(score);
      btn.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        if (ws && ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: "csat", score: score }));
        }
      });
      row.appendChild(btn);
    });
    log.lastChild.appendChild(row);
  }

  function send(text, shown) {
    showError("");
    if (text.length > MAX_CHARS) { showError(UI[lang].tooLong); return false; }
    if (CJK.test(shown || text)) { setLanguage("zh"); }
    addMessage("user", shown || text);
    var frame = JSON.stringify({ type: "message", text: text });
    if (ws && ws.readyState === WebSocket.OPEN && !waitingForSession) {
      ws.send(frame);
    } else {
      queue.push({ frame: frame, shown: shown || text });
    }
    return true;
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "session") {
      localStorage.setItem(STORE_KEY, frame.session_id);
      log.textContent = "";
      (frame.history || []).forEach(function (m) {
        addMessage(m.role === "user" ? "user" : "bot",
                   m.text,
                   m.role === "bot" ? m.buttons : null);
      });
      waitingForSession = false;
      while (queue.length) {
        var pending = queue.shift();
        addMessage("user", pending.shown);  // sent while offline: not in the history yet
        ws.send(pending.frame);
      }
    } else if (frame.type === "typing") {
      typing.hidden = !frame.on;
    } else if (frame.type === "bot") {
      if (frame.language) { setLanguage(frame.language); }
      addMessage("bot", frame.text, frame.buttons);
    } else if (frame.type === "error") {
      showError(frame.error && frame.error.message);
    } else if (frame.type === "queued") {
      addMessage("system", UI[lang].queued.replace("{n}", String(frame.position || 1)));
    } else if (frame.type === "agent_joined") {
      addMessage("system", UI[lang].joined.replace("{name}", frame.agent_name || "An agent"));
    } else if (frame.type === "agent") {
      addMessage("agent", (frame.agent_name ? frame.agent_name + ": " : "") + (frame.text || ""));
    } else if (frame.type === "closed") {
      addMessage("system", UI[lang].closed);
    } else if (frame.type === "csat_request") {
      addRating();
    } else if (frame.type === "csat_ok") {
      addMessage("system", UI[lang].thanks);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws/chat");
    status.setAttribute("data-state", "connecting");
    ws.addEventListener("open", function () {
      retry = 0;
      waitingForSession = true;
      status.setAttribute("data-state", "online");
      showError("");
      ws.send(JSON.stringify({ type: "hello", session_id: localStorage.getItem(STORE_KEY),
                               metadata: host.metadata || {} }));
    });
    ws.addEventListener("message", onFrame);
    ws.addEventListener("close", function () {
      status.setAttribute("data-state", "offline");
      typing.hidden = true;
      showError(UI[lang].offline);
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));  // back off up to ~16 s
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (text && send(text)) { input.value = ""; }
  });
  setLanguage(lang);
  connect();
}());
