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

  // A non-JSON answer (PNG, CSV) as a Blob; errors still carry the JSON error message.
  async function fetchBlob(path) {
    const resp = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
    if (!resp.ok) {
      const data = await resp.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || resp.statusText);
    }
    return { blob: await resp.blob(), headers: resp.headers };
  }

  async function start() {
    $("login").hidden = true;
    $("desk").hidden = false;
    $("presence-box").hidden = false;
    $("whoami").textContent = state.agent.name + " (" + state.agent.role + ")";
    const supervisor = state.agent.role !== "agent";
    if (supervisor) $("supervisor").hidden = false;
    $("nav").hidden = !supervisor;
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
    if (data.insight) showInsight(box, data.insight);
    if (data.recommendations) showRecommendations(box, data.recommendations);
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

  function showInsight(box, i) {
    const insight = el("div"); insight.id = "insight";
    insight.append(el("h3", "Segment, value, churn risk"));
    insight.append(el("p", "Segment " + i.segment + (i.clv_12m !== null ? " · 12-month value " + i.clv_12m.toFixed(2) : "") +
      (i.churn_risk !== null ? " · churn risk " + Math.round(i.churn_risk * 100) + "%" : "")));
    if (i.segment_why) insight.append(el("p", "Why this segment: " + i.segment_why, "muted"));
    if (i.value_why) insight.append(el("p", "Value: " + i.value_why, "muted"));
    if (i.churn_risk === null && i.segment !== "not_computed") {
      insight.append(el("p", "Churn risk: not scored at the last refresh (too little purchase history to train the model).", "muted"));
    } else if (i.churn_risk !== null) {
      const reasons = i.churn_reasons || [];
      insight.append(el("p", reasons.length ? "Churn risk driven by:" : "Churn risk: no strong risk factors stored (low risk).", "muted"));
      const list = el("ul");
      for (const reason of reasons) list.appendChild(el("li", reason));
      insight.append(list);
    }
    box.append(insight);
  }

  function showRecommendations(box, r) {
    const recs = el("div", null, "recs"); recs.id = "recommendations";
    recs.append(el("h3", "Recommendations"), el("p", r.note, "muted"));
    const list = el("ul");
    for (const item of r.items) {
      const li = el("li", item.name + " ");
      li.append(el("span", "— " + item.explanation, "why"));
      list.appendChild(li);
    }
    if (!r.items.length) list.appendChild(el("li", "Nothing to suggest.", "muted"));
    recs.append(list);
    box.append(recs);
  }

  // --- supervisor pages ----------------------------------------------------------------
  function showPage(id) {
    for (const page of ["desk", "staffing-page", "report-page"]) $(page).hidden = page !== id;
    for (const b of $("nav").querySelectorAll("button")) b.classList.toggle("current", b.dataset.page === id);
    if (id === "report-page" && !$("rp-from").value) {
      const to = new Date(); const from = new Date(to.getTime() - 29 * 86400000);
      $("rp-to").value = to.toISOString().slice(0, 10);
      $("rp-from").value = from.toISOString().slice(0, 10);
    }
  }
  for (const b of $("nav").querySelectorAll("button")) b.addEventListener("click", () => showPage(b.dataset.page));

  function setImage(img, blob) {
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(blob);
    img.hidden = false;
  }

  function staffingQuery() {
    return new URLSearchParams({
      service_level: $("st-level").value, answer_within: $("st-within").value,
      shrinkage: $("st-shrinkage").value, days: $("st-days").value,
      shift_hours: $("st-hours").value, timezone: $("st-zone").value,
    }).toString();
  }

  $("staffing-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = $("staffing-message"), body = $("staffing-table").querySelector("tbody");
    message.textContent = ""; $("staffing-summary").textContent = "Planning…";
    body.replaceChildren(); $("staffing-table").hidden = true; $("staffing-chart").hidden = true;
    const query = staffingQuery();
    try {
      const plan = await api("GET", "/console/api/staffing?" + query);
      $("staffing-summary").textContent = "Plan " + plan.status + " · cost " + plan.cost +
        " agent-hours · shortfall " + plan.shortfall_agent_intervals + " agent-intervals · solved in " +
        plan.solve_seconds + " s";
      for (const i of plan.intervals) {
        if (!i.required && !i.planned) continue;
        const row = el("tr");
        const gap = i.planned - i.required;
        const gapCell = el("td", (gap > 0 ? "+" : "") + gap);
        if (gap < 0) gapCell.className = "short";
        row.append(el("td", i.start.replace("T", " ").slice(0, 16)), el("td", i.arrivals),
          el("td", Math.round(i.aht_seconds)), el("td", i.agents), el("td", i.required),
          el("td", i.planned), gapCell);
        body.appendChild(row);
      }
      $("staffing-table").hidden = false;
      setImage($("staffing-chart"), (await fetchBlob("/console/api/staffing/chart.png?" + query)).blob);
    } catch (err) {
      $("staffing-summary").textContent = "";
      message.textContent = err.message;
    }
  });

  function reportQuery() {
    return new URLSearchParams({ from: $("rp-from").value, to: $("rp-to").value, by: $("rp-by").value }).toString();
  }

  const REPORT_COLUMNS = ["dimension", "key", "conversations", "containment_rate", "handoffs", "tickets",
    "first_response_mean_min", "first_response_p90_min", "resolution_mean_h", "resolution_p90_h",
    "first_response_sla", "resolution_sla", "csat_mean", "csat_score", "csat_response_rate"];

  $("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("report-message").textContent = "";
    const table = $("report-table");
    table.querySelector("thead").replaceChildren(); table.querySelector("tbody").replaceChildren();
    $("report-reasons").replaceChildren();
    const query = reportQuery();
    try {
      const report = await api("GET", "/console/api/reports/service?" + query);
      const head = el("tr");
      for (const col of REPORT_COLUMNS) head.appendChild(el("th", col.replace(/_/g, " ")));
      table.querySelector("thead").appendChild(head);
      for (const r of report.rows) {
        const row = el("tr");
        for (const col of REPORT_COLUMNS) row.appendChild(el("td", r[col] === null ? "-" : r[col]));
        table.querySelector("tbody").appendChild(row);
      }
      for (const [reason, n] of Object.entries(report.handoff_reasons)) $("report-reasons").appendChild(el("li", n + " × " + reason));
      setImage($("report-chart"), (await fetchBlob("/console/api/reports/service.png?" + query)).blob);
    } catch (err) { $("report-message").textContent = err.message; }
  });

  $("rp-csv").addEventListener("click", async () => {
    $("report-message").textContent = "";
    try {
      const { blob, headers } = await fetchBlob("/console/api/reports/service.csv?" + reportQuery());
      const match = /filename="([^"]+)"/.exec(headers.get("Content-Disposition") || "");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : "service-report.csv";
      document.body.appendChild(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) { $("report-message").textContent = err.message; }
  });

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
