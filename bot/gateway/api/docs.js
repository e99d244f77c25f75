"use strict";
document.getElementById("login").onsubmit = async (event) => {
  event.preventDefault();
  const status = document.getElementById("login-status");
  const resp = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: document.getElementById("email").value, password: document.getElementById("password").value }) });
  const body = await resp.json();
  if (resp.ok) { document.getElementById("token").value = body.access_token; status.textContent = "signed in as " + body.agent.email + " (" + body.agent.role + ")"; }
  else status.textContent = body.error.message;
};
const clean = (text) => String(text).replace(/\.$/, "");
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const kid of kids) node.append(kid);
  return node;
};
let schemas = {};
const refName = (ref) => ref.split("/").pop();
function typeOf(s) {
  if (!s) return "any";
  if (s.$ref) return refName(s.$ref);
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.enum) return s.enum.map(v => JSON.stringify(v)).join(" | ");
  if (s.type === "array") return typeOf(s.items) + "[]";
  return (s.type || "object") + (s.format ? " (" + s.format + ")" : "");
}
function schemaTable(schema) {
  if (schema.$ref) schema = schemas[refName(schema.$ref)] || {};
  const props = schema.properties || {};
  const req = new Set(schema.required || []);
  const table = el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "notes")));
  for (const [name, p] of Object.entries(props)) {
    const notes = [req.has(name) ? "required" : "", clean(p.description || ""),
      p.maximum !== undefined ? "max " + p.maximum : "", p.maxLength ? "max length " + p.maxLength : ""]
      .filter(Boolean).join("; ");
    table.append(el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, typeOf(p)), el("td", {}, notes)));
  }
  return table;
}
function tryIt(path, method, params) {
  const box = el("div");
  if (method !== "get") return box;
  const url = el("input", { value: path, size: 60 });
  const out = el("pre", { class: "out" });
  const btn = el("button", {}, "Try it");
  btn.onclick = async () => {
    const resp = await fetch(url.value, { headers: { Authorization: "Bearer " + document.getElementById("token").value.trim() } });
    out.textContent = resp.status + "\n" + JSON.stringify(await resp.json(), null, 2);
  };
  box.append(el("p", {}, url, " ", btn), out);
  return box;
}
function renderOp(path, method, op) {
  const role = (op.description || "").match(/role \*\*(\w+)\*\*/);
  const head = el("summary", {}, el("span", { class: "m " + method }, method.toUpperCase()), " ",
    el("code", {}, path), " ", op.summary || "", el("span", { class: "role" }, role ? "(" + role[1] + "+)" : "(no token)"));
  const body = el("div", { class: "body" }, el("p", {}, (op.description || "").replace(/\*\*/g, "")));
  if ((op.parameters || []).length) {
    const t = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "notes")));
    for (const p of op.parameters) {
      const notes = [p.required ? "required" : "", clean(p.description || ""),
        p.schema && p.schema.default !== undefined ? "default " + p.schema.default : ""].filter(Boolean).join("; ");
      t.append(el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, typeOf(p.schema)), el("td", {}, notes)));
    }
    body.append(el("h4", {}, "Parameters"), t);
  }
  if (op.requestBody) {
    const s = op.requestBody.content["application/json"].schema;
    body.append(el("h4", {}, "Body: " + typeOf(s)), schemaTable(s));
  }
  const rs = el("ul");
  for (const [code, r] of Object.entries(op.responses || {})) {
    const s = r.content && r.content["application/json"].schema;
    let shape = s ? typeOf(s) : "";
    if (s && s.properties && s.properties.items) shape = "{items: " + typeOf(s.properties.items) + ", total, limit, offset}";
    rs.append(el("li", {}, el("b", {}, code), " " + r.description + (shape ? " — " : ""), el("code", {}, shape)));
  }
  body.append(el("h4", {}, "Responses"), rs, tryIt(path, method, op.parameters));
  return el("details", { class: "op" }, head, body);
}
fetch("/api/openapi.json").then(r => r.json()).then(doc => {
  schemas = doc.components.schemas;
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("intro").textContent = doc.info.description;
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops))
      (byTag[(op.tags || ["other"])[0]] ||= []).push(renderOp(path, method, op));
  const root = document.getElementById("ops");
  root.textContent = "";
  for (const [tag, nodes] of Object.entries(byTag)) root.append(el("h2", {}, tag), ...nodes);
  const models = el("div");
  for (const name of Object.keys(schemas).sort())
    models.append(el("details", { class: "op", id: "schema-" + name }, el("summary", {}, el("code", {}, name)), el("div", { class: "body" }, schemaTable(schemas[name]))));
  root.append(el("h2", {}, "Schemas"), models);
}).catch(err => { document.getElementById("ops").textContent = "Could not load the API document: " + err; });
