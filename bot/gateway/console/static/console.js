// kefu agent console: plain JS, no framework. Talks to /api/v1/auth/login, /console/api/*
// and the /console/ws WebSocket. User-provided text is always inserted with textContent.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const state = { token: null, agent: null, ws: null, tasks: {}, current: null, queueTimer: null };

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function status(text) { $("status").textContent = text; }

  async function api(method, path, body) {
    const resp = await fetch(path, {
      method, headers: Object.assign({ "Content-Type": "application/json" },
        state.token ? { Authorization: "Bearer " + state.token } : {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error((data.error && data.error.message) || resp.statusText);
    return data;
  }

  // --- sign in -------------------------------------------------------------------------
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      const data = await api("POST", "/api/v1/auth/login",
        { email: $("email").value, password: $("password").value });
      state.token = data.access_token;
      state.agent = data.agent;
      start();
    } catch (err) { $("login-error").textContent = err.message; }
  });

  async function start() {
    $("login").hidden = true;
    $("desk").hidden = false;
    $("presence-box").hidden = false;
    $("whoami").textContent = state.agent.name + " (" + state.agent.role + ")";
    if (state.agent.role !== "agent") $("supervisor").hidden = false;
    const canned = await api("GET", "/console/api/canned");
    for (const item of canned) {
      const option = el("option", item.title);
      option.value = item.text;
      $("canned").appendChild(option);
    }
    connect();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/console/ws");
    state.ws = ws;
    // The token goes in the first frame, never in the URL (URLs end up in logs).
    ws.onopen = () => { ws.send(JSON.stringify({ type: "auth", token: state.token })); status("connected"); };
    ws.onclose = () => { status("disconnected"); };
    ws.onmessage = (msg) => handle(JSON.parse(msg.data));
  }

  function send(frame) { state.ws.send(JSON.stringify(frame)); }

  // --- frames from the server ----------------------------------------------------------
  function handle(frame) {
    if (frame.type === "hello") {
      for (const task of frame.tasks) state.tasks[task.task_id] = task;
      renderTasks(); refreshQueue();
    } else if (frame.type === "routing") {
      routing(frame);
    } else if (frame.type === "customer") {
      if (frame.task_id === state.current) addMessage("customer", frame.text);
      else status("new message in " + frame.task_id);
    } else if (frame.type === "ok") {
      ok(frame);
    } else if (frame.type === "error") {
      status("error: " + frame.error.message);
    }
  }

  function routing(frame) {
    const id = frame.task_id;
    if (frame.event === "offered" && frame.task) {
      state.tasks[id] = frame.task;
    } else if (["expired", "declined", "requeued", "finished", "transferred"].includes(frame.event)) {
      delete state.tasks[id];
      if (state.current === id) select(null);
    } else if (frame.event === "csat") {
      status("CSAT " + frame.score + "/5 for " + id);
    }
    if (frame.event === "queue_changed") scheduleQueue(); else renderTasks();
  }

  function ok(frame) {
    if (frame.request === "accept") {
      state.tasks[frame.result.task_id] = frame.result;
      renderTasks(); select(frame.result.task_id);
    } else if (frame.request === "message") {
      addMessage("agent", frame.result.text);
    } else if (frame.request === "note") {
      addMessage("note", frame.result.text);
    } else if (frame.request === "resolve" || frame.request === "transfer") {
      delete state.tasks[frame.result.task_id];
      select(null); renderTasks();
    }
  }

  // --- lists ---------------------------------------------------------------------------
  function renderTasks() {
    const offers = $("offers"), mine = $("mine");
    offers.replaceChildren(); mine.replaceChildren();
    for (const task of Object.values(state.tasks)) {
      const label = (task.customer_id ? "customer " + task.customer_id : task.sender_id || task.task_id) +
        " · " + task.channel + " · " + task.tier + (task.topic ? " · " + task.topic : "");
      const item = el("li", label);
      item.dataset.task = task.task_id;
      if (task.status === "offered") {
        const accept = el("button", "Accept"); accept.className = "accept";
        accept.onclick = () => send({ type: "accept", task_id: task.task_id });
        const decline = el("button", "Decline");
        decline.onclick = () => send({ type: "decline", task_id: task.task_id });
        item.append(" ", accept, " ", decline);
        offers.appendChild(item);
      } else {
        if (task.task_id === state.current) item.classList.add("selected");
        item.onclick = () => select(task.task_id);
        mine.appendChild(item);
      }
    }
  }

  function scheduleQueue() {
    if (state.queueTimer) return;
    state.queueTimer = setTimeout(() => { state.queueTimer = null; refreshQueue(); }, 300);
  }

  async function refreshQueue() {
    const data = await api("GET", "/console/api/queue");
    $("queue-length").textContent = "(" + data.queue_length + ")";
    const list = $("queue"); list.replaceChildren();
    for (const task of data.waiting) {
      list.appendChild(el("li", task.tier + " · " + task.language + " · waited " +
        Math.round(task.waited_seconds) + "s · priority " + task.priority));
    }
    if (data.agents) renderSupervisor(data);
  }

  function renderSupervisor(data) {
    $("sup-figures").textContent = "Waiting " + data.queue_length + ", longest wait " +
      Math.round(data.longest_wait_seconds) + "s, offered " + data.offered + ", in conversation " + data.assigned;
    const body = $("agents").querySelector("tbody"); body.replaceChildren();
    for (const a of data.agents) {
      const row = el("tr");
      const load = Object.entries(a.load).map(([k, v]) => k + " " + v + "/" + (a.capacity[k] || 0)).join(", ");
      row.append(el("td", a.name), el("td", a.presence), el("td", load || "-"),
        el("td", Math.round(a.utilisation * 100) + "%"));
      body.appendChild(row);
    }
    const breaches = $("breaches"); breaches.replaceChildren();
    for (const id of data.sla_breaches) breaches.appendChild(el("li", id));
  }

  // --- the selected conversation -------------------------------------------------------
  async function select(taskId) {
    state.current = taskId;
    $("transcript").replaceChildren();
    $("customer").replaceChildren();
    renderTasks();
    if (!taskId) { $("chat-title").textContent = "No conversation selected"; return; }
    const task = state.tasks[taskId];
    $("chat-title").textContent = "Conversation " + (task.conversation_id || taskId);
    const lines = await api("GET", "/console/api/tasks/" + encodeURIComponent(taskId) + "/transcript");
    for (const line of lines) addMessage(line.role, line.text);
    if (task.customer_id) showCustomer(task.customer_id);
    else $("customer").appendChild(el("p", "Visitor not identified.", "muted"));
  }

  function addMessage(role, text) {
    const box = el("div", null, "msg " + role);
    box.append(el("span", role, "who"), el("span", text));
    $("transcript").appendChild(box);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  async function showCustomer(customerId) {
    const data = await api("GET", "/console/api/customers/" + customerId);
    const box = $("customer"); box.replaceChildren();
    const c = data.customer;
    box.append(el("p", c.name + " · " + c.tier), el("p", [c.email, c.phone, c.country].filter(Boolean).join(" · "), "muted"));
    if (data.insight) {
      const i = data.insight;
      box.append(el("p", "Segment " + i.segment + (i.clv_12m !== null ? " · 12-month value " + i.clv_12m : "") +
        (i.churn_risk !== null ? " · churn risk " + Math.round(i.churn_risk * 100) + "%" : "")));
      for (const reason of i.churn_reasons || []) box.append(el("p", reason, "muted"));
    }
    box.append(el("h3", "Orders"));
    const orders = el("ul");
    for (const o of data.orders) orders.appendChild(el("li", o.number + " · " + o.status + " · " + o.total + " " + o.currency));
    box.append(orders, el("h3", "Open tickets"));
    const tickets = el("ul");
    for (const t of data.tickets) tickets.appendChild(el("li", t.number + " · " + t.status + " · " + t.subject));
    box.append(tickets, el("h3", "Earlier conversations (sentiment)"));
    const convs = el("ul");
    for (const conv of data.conversations) {
      const item = el("li", conv.started_at.slice(0, 16) + " · " + conv.channel + " ");
      if (conv.mean_sentiment !== null) {
        const bar = el("span", null, "bar" + (conv.mean_sentiment < 0 ? " neg" : ""));
        bar.style.width = Math.round(Math.abs(conv.mean_sentiment) * 60) + "px";
        bar.title = "mean sentiment " + conv.mean_sentiment;
        item.appendChild(bar);
      }
      convs.appendChild(item);
    }
    box.appendChild(convs);
  }

  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text || !state.current) return;
    send({ type: "message", task_id: state.current, text });
    $("reply").value = "";
  });
  $("canned").addEventListener("change", () => {
    if ($("canned").value) $("reply").value = $("canned").value;
    $("canned").value = "";
  });
  $("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("note").value.trim();
    if (!text || !state.current) return;
    send({ type: "note", task_id: state.current, text });
    $("note").value = "";
  });
  $("resolve").addEventListener("click", () => {
    if (state.current) send({ type: "resolve", task_id: state.current });
  });
  $("transfer").addEventListener("click", () => {
    if (!state.current) return;
    const frame = { type: "transfer", task_id: state.current };
    if ($("transfer-agent").value) frame.to_agent = Number($("transfer-agent").value);
    if ($("transfer-topic").value) frame.topic = $("transfer-topic").value;
    send(frame);
  });
  $("presence").addEventListener("change", () => send({ type: "presence", presence: $("presence").value }));
})();
