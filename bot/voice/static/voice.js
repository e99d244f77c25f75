// kefu voice button for the web chat: hold a conversation by speaking.
// Records with MediaRecorder (webm/opus in most browsers), POSTs to /voice/turn, shows the
// transcript and the bot's replies in the chat log (textContent only, never HTML) and plays
// the spoken answer. Include after chat.js:  <script src="/voice/static/voice.js"></script>
(function () {
  "use strict";
  var form = document.getElementById("kefu-form");
  var log = document.getElementById("kefu-log");
  var errorBox = document.getElementById("kefu-error");
  if (!form || !log || !window.MediaRecorder || !navigator.mediaDevices) { return; }
  var MAX_MS = 20000;  // the server refuses turns longer than its voice_max_seconds
  var LABELS = { en: ["Speak", "Stop"], zh: ["说话", "停止"] };
  var lang = (document.documentElement.lang || "en").indexOf("zh") === 0 ? "zh" : "en";
  var button = document.createElement("button");
  button.type = "button";
  button.id = "kefu-mic";
  button.className = "kefu-mic";
  button.setAttribute("aria-pressed", "false");
  button.textContent = "\uD83C\uDFA4";
  button.setAttribute("aria-label", LABELS[lang][0]);
  form.insertBefore(button, form.querySelector("button[type=submit]"));
  var recorder = null, chunks = [], timer = null;

  function senderId() {
    var raw = window.localStorage && localStorage.getItem("kefu.chat.session");
    if (!raw) { return ""; }
    try {
      var parsed = JSON.parse(raw);
      return typeof parsed === "string" ? parsed : (parsed.session_id || parsed.id || "");
    } catch (e) { return raw; }
  }

  function say(role, text) {
    var item = document.createElement("li");
    item.className = "kefu-msg " + role;
    item.setAttribute("data-role", role);
    var body = document.createElement("div");
    body.className = "kefu-text";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function showError(text) {
    if (!errorBox) { return; }
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function upload(blob) {
    var data = new FormData();
    data.append("audio", blob, "turn.webm");
    data.append("language", lang);
    var id = senderId();
    if (id) { data.append("sender_id", id); }
    button.disabled = true;
    fetch("/voice/turn", { method: "POST", body: data })
      .then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) { throw new Error((body.error && body.error.message) || resp.statusText); }
          return body;
        });
      })
      .then(function (body) {
        if (body.transcript && body.transcript.text) { say("user", body.transcript.text); }
        (body.messages || []).forEach(function (m) { if (m.text) { say("bot", m.text); } });
        if (body.audio && body.audio.base64) {
          new Audio("data:" + body.audio.content_type + ";base64," + body.audio.base64).play()
            .catch(function () { /* autoplay refused: the text is on the page anyway */ });
        }
      })
      .catch(function (err) { showError(String(err.message || err)); })
      .then(function () { button.disabled = false; });
  }

  function stop() {
    if (recorder && recorder.state === "recording") { recorder.stop(); }
    clearTimeout(timer);
  }

  function start() {
    showError("");
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        button.setAttribute("aria-pressed", "false");
        button.setAttribute("aria-label", LABELS[lang][0]);
        if (chunks.length) { upload(new Blob(chunks, { type: recorder.mimeType || "audio/webm" })); }
      });
      recorder.start();
      button.setAttribute("aria-pressed", "true");
      button.setAttribute("aria-label", LABELS[lang][1]);
      timer = setTimeout(stop, MAX_MS);
    }).catch(function (err) { showError(String(err.message || err)); });
  }

  button.addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { stop(); } else { start(); }
  });
})();
