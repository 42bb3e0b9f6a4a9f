"use strict";
const id = location.pathname.split("/").filter(Boolean).pop();
const api = (path, init) => fetch(new URL(`../api/v1/${path}`, location.href), {
  ...init, headers: { "Authorization": `Bearer ${localStorage.getItem("railguard.token") || ""}`,
                      "Content-Type": "application/json" } });
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
function row(table, ...cells) { const tr = el("tr"); cells.forEach((c, i) => tr.append(el(i ? "td" : "th", c))); table.append(tr); }

async function load() {
  const resp = await api(`incidents/${encodeURIComponent(id)}`);
  if (resp.status === 401) { document.getElementById("login").hidden = false; return; }
  const body = await resp.json();
  if (!resp.ok) { document.getElementById("error").textContent = body.error ? body.error.message : resp.statusText; return; }
  render(body);
}

function render(i) {
  document.title = `${i.title} · Railguard`;
  document.getElementById("title").textContent = i.title;
  const status = document.getElementById("status");
  status.textContent = i.status; status.className = `status ${i.status}`;
  document.getElementById("summary").textContent =
    `${i.event_count} events · last seen ${new Date(i.last_seen).toLocaleString()} · ${i.environments.join(", ")}`;
  const facts = document.getElementById("facts"); facts.replaceChildren();
  row(facts, "Level", i.level);
  row(facts, "First seen", new Date(i.first_seen).toLocaleString());
  row(facts, "Commits", `${i.first_commit || "unknown"} → ${i.latest_commit || "unknown"}`);
  if (i.top_frame) row(facts, "Where", `${i.top_frame.path || i.top_frame.original_path}:${i.top_frame.line}`);
  if (i.resolved_at) row(facts, "Resolved", `${new Date(i.resolved_at).toLocaleString()} at ${i.resolved_commit || "unknown commit"}`);
  if (i.regression_count) row(facts, "Regressions", String(i.regression_count));
  const stack = document.getElementById("stack"); stack.replaceChildren();
  [...i.stack].reverse().forEach((f) => {
    const box = el("div", undefined, "frame");
    box.append(el("div", `${f.function || "?"} — ${f.path || f.original_path || "?"}:${f.line ?? "?"}`, `loc${f.in_app ? " inapp" : ""}`));
    if (f.context_line) box.append(el("pre", [...f.pre_context, f.context_line, ...f.post_context].join("\n")));
    stack.append(box);
  });
  const events = document.getElementById("events"); events.replaceChildren();
  (i.recent_events || []).forEach((e) => row(events, new Date(e.occurred_at).toLocaleString(), e.environment, e.commit_sha || "no commit", e.message));
  const actions = document.getElementById("actions"); actions.replaceChildren();
  const verbs = i.status === "open" ? ["resolve", "acknowledge", "ignore"] : ["reopen"];
  verbs.forEach((verb) => {
    const b = el("button", verb[0].toUpperCase() + verb.slice(1));
    b.onclick = async () => { const r = await api(`incidents/${id}/${verb}`, { method: "POST", body: "{}" }); if (r.ok) load(); };
    actions.append(b);
  });
  document.getElementById("incident").hidden = false;
}

document.getElementById("save").onclick = () => {
  localStorage.setItem("railguard.token", document.getElementById("token").value.trim());
  document.getElementById("login").hidden = true; load();
};
load();
