// The command-center page: loads cells, cases and staff positions over the REST API, keeps them
// current from the hub, and runs operator actions through the same per-action routes as any client.
import { connectLive } from "./live.js";
import { createMap, fmt } from "./map.js";

const root = document.getElementById("command");
const texts = JSON.parse(document.getElementById("cc-texts").textContent);
const t = (k, ...a) => fmt(texts[k] ?? k, ...a);
const en = root.dataset.lang === "en";
const OPEN = ["reported", "registered", "dispatched", "in_progress", "on_hold", "returned", "resolved"];
const OPERATOR_ACTIONS = ["register", "cancel", "dispatch", "return", "extend", "hold", "resume", "reopen"];
const NEEDS_REASON = new Set(["cancel", "return", "hold", "extend", "reopen", "supervise", "spam"]);
// Cases whose reporter is a citizen: their steps may carry a public note (what the citizen is told).
const CITIZEN_SOURCES = new Set(["open311", "citizen", "web", "hotline"]);
const CAN_SUPERVISE = root.dataset.canSupervise === "true";

const els = {
  status: document.getElementById("cc-status"), filters: document.getElementById("cc-filters"),
  counts: document.getElementById("cc-counts"), list: document.getElementById("cc-list"),
  shown: document.getElementById("cc-shown"), detail: document.getElementById("cc-detail"),
};
const cases = new Map();
const categories = new Map();
let selected = null;
let cellsTimer = null;

const map = createMap(document.getElementById("cc-map"), {
  tileUrl: root.dataset.tiles, attribution: root.dataset.attribution, texts, onCaseClick: (id) => openDetail(id),
});

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: "same-origin", headers: { "Content-Type": "application/json", Accept: "application/json" }, ...options });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const detail = body?.detail || (body?.errors ? Object.values(body.errors).flat().join(" ") : null) || `${res.status} ${res.statusText}`;
    throw new Error(detail);
  }
  return body;
}

const filters = () => Object.fromEntries(new FormData(els.filters).entries());
const catName = (code) => { const c = categories.get(code); return c ? (en ? c.nameEn : c.nameZh) : code; };
const isOverdue = (c) => (c.state === "dispatched" || c.state === "in_progress") && c.deadline && new Date(c.deadline) < new Date();
const label = (c) => `${c.caseNo} · ${texts["Command.State." + c.state]} · ${catName(c.categoryCode)}`;

function matches(c, f = filters()) {
  if (f.state === "open" ? !OPEN.includes(c.state) : f.state && c.state !== f.state) return false;
  if (f.category && c.categoryCode !== f.category) return false;
  if (f.street && !c.cellCode.startsWith(f.street)) return false;
  if (f.cell && c.cellCode !== f.cell.trim()) return false;
  if (f.source && c.source !== f.source) return false;
  if (f.overdue && !isOverdue(c)) return false;
  return true;
}

function fromView(v) {
  return { id: v.id, caseNo: v.caseNo, state: v.state, lat: v.lat, lon: v.lon, categoryCode: v.categoryCode, source: v.source,
    priority: v.priority, cellCode: v.cellCode, address: v.address, deadline: v.deadline, version: v.version, createdAt: v.createdAt };
}

function upsert(c, flash) {
  const prev = cases.get(c.id);
  if (prev && prev.version > c.version) return;
  const merged = { ...prev, ...c };
  if (!matches(merged)) {
    cases.delete(c.id);
    map.removeCase(c.id);
  } else {
    cases.set(c.id, merged);
    map.upsertCase(merged, label(merged));
  }
  render(flash ? c.id : null);
}

function render(flashId) {
  const sorted = [...cases.values()].sort((a, b) => (b.createdAt > a.createdAt ? 1 : b.createdAt < a.createdAt ? -1 : b.id - a.id)).slice(0, 200);
  const items = sorted.map((c) => {
    const li = document.createElement("li");
    if (c.id === flashId) li.className = "flash";
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.id = c.id;
    if (c.id === selected) b.setAttribute("aria-current", "true");
    b.innerHTML = `<span class="badge st-${c.state}"></span><span class="no"></span><span class="state"></span><span class="meta"></span>`;
    b.querySelector(".no").textContent = c.caseNo;
    b.querySelector(".state").textContent = texts["Command.State." + c.state] + (isOverdue(c) ? " ⚠" : "");
    if (isOverdue(c)) b.querySelector(".state").classList.add("over");
    b.querySelector(".meta").textContent = `${catName(c.categoryCode)} · ${c.address || c.cellCode}`;
    b.setAttribute("aria-label", label(c) + (isOverdue(c) ? " ⚠" : ""));
    b.addEventListener("click", () => openDetail(c.id));
    li.append(b);
    return li;
  });
  els.list.replaceChildren(...items);
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "cc-shown";
    li.textContent = t("Command.List.Empty");
    els.list.append(li);
  }
  els.shown.textContent = t("Command.List.Shown", items.length);
}

// Counts per state are totals from the server (with the other filters), not just the loaded page.
async function loadCounts() {
  const f = filters();
  const base = new URLSearchParams({ pageSize: "1" });
  for (const k of ["category", "street", "cell"]) if (f[k]) base.set(k, f[k].trim());
  if (f.overdue) base.set("overdue", "true");
  await Promise.all([...els.counts.children].map(async (li) => {
    const q = new URLSearchParams(base);
    q.set("state", li.dataset.state);
    const page = await api(`/api/cases?${q}`);
    // Past the server's cap the total only says "at least" (the list does not count a whole city).
    li.querySelector("b").textContent = page.totalCapped ? `${page.total}+` : String(page.total);
  }));
}

async function loadCases() {
  const f = filters();
  const q = new URLSearchParams({ pageSize: "200" });
  q.set("state", f.state === "open" ? OPEN.join(",") : f.state || "");
  if (!q.get("state")) q.delete("state");
  for (const k of ["category", "street", "cell"]) if (f[k]) q.set(k, f[k].trim());
  if (f.overdue) q.set("overdue", "true");
  const page = await api(`/api/cases?${q}`);
  cases.clear();
  map.clearCases();
  for (const v of page.items) {
    const c = fromView(v);
    if (!matches(c, f)) continue;
    cases.set(c.id, c);
    map.upsertCase(c, label(c));
  }
  render();
  await loadCounts();
}

async function loadCells() {
  const street = filters().street || root.dataset.street;
  map.setCells(await api(`/api/cells${street ? `?street=${encodeURIComponent(street)}` : ""}`));
}

function refreshCellsSoon() {
  clearTimeout(cellsTimer);
  cellsTimer = setTimeout(() => Promise.all([loadCells(), loadCounts()]).catch(() => {}), 1500);
}

async function onEvent(e) {
  if (e.kind === "staff_position") {
    map.upsertStaff({ ...e.payload, at: e.at });
    return;
  }
  const p = e.payload;
  if (e.kind === "case_reported" || !cases.has(p.caseId)) {
    try { upsert(fromView(await api(`/api/cases/${p.caseId}`)), true); } catch { /* no longer visible */ }
  } else {
    upsert({ id: p.caseId, caseNo: p.caseNo, state: p.state, lat: p.lat, lon: p.lon, categoryCode: p.categoryCode, source: p.source,
      priority: p.priority, cellCode: p.cellCode, deadline: p.deadline, version: p.version }, true);
  }
  refreshCellsSoon();
  if (selected === p.caseId && !els.detail.querySelector(".cc-form")) openDetail(p.caseId, true);
}

// ---- Case detail and operator actions ----
function remaining(clock) {
  if (clock.remainingSeconds == null) return t("Command.Remaining.None");
  const s = Math.abs(clock.remainingSeconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const text = (d ? `${d}d ` : "") + `${h}h ${String(m).padStart(2, "0")}m`;
  if (clock.paused) return t("Command.Remaining.Paused", text);
  return clock.overdue ? t("Command.Remaining.Overdue", text) : t("Command.Remaining.Left", text);
}

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
const when = (iso) => (iso ? new Date(iso).toLocaleString(en ? "en-GB" : "zh-CN", { hour12: false }) : "—");

// Evidence is "photo:<sha256>" of a photo uploaded through the API (thumbnail shown, original on click);
// anything else (older data) is shown as text and never loaded, so no address from data reaches an <img>.
function photoHtml(p) {
  const sha = /^photo:([0-9a-f]{64})$/.exec(String(p));
  if (sha) return `<a href="/api/photos/${sha[1]}" target="_blank" rel="noopener"><img src="/api/photos/${sha[1]}/thumb" data-full="/api/photos/${sha[1]}" alt="${esc(String(p).slice(0, 18))}"></a>`;
  return `<span>${esc(p)}</span>`;
}

async function openDetail(id, quiet) {
  selected = id;
  let v;
  try { v = await api(`/api/cases/${id}`); } catch (err) { showDetailError(err); return; }
  const photos = (v.history || []).flatMap((h) => (Array.isArray(h.evidence) ? h.evidence : []));
  els.detail.hidden = false;
  els.detail.innerHTML = `
    <h2><span>${esc(v.caseNo)} · <span class="badge st-${esc(v.state)}"></span> ${esc(texts["Command.State." + v.state])}</span>
      <button type="button" data-close>${esc(t("Command.Detail.Close"))}</button></h2>
    <dl>
      <dt>${esc(t("Command.Field.Category"))}</dt><dd>${esc(en ? v.categoryNameEn : v.categoryNameZh)} (${esc(v.categoryCode)})</dd>
      <dt>${esc(t("Command.Field.Address"))}</dt><dd>${esc(v.address || "—")}</dd>
      <dt>${esc(t("Command.Field.Cell"))}</dt><dd>${esc(v.cellName)} (${esc(v.cellCode)})</dd>
      <dt>${esc(t("Command.Field.Source"))}</dt><dd>${esc(texts["Command.Source." + v.source] ?? v.source)}</dd>
      <dt>${esc(t("Command.Field.Priority"))}</dt><dd>${esc(t(v.priority === "urgent" ? "Command.Field.Urgent" : "Command.Field.Normal"))}</dd>
      <dt>${esc(t("Command.Field.Unit"))}</dt><dd>${esc(v.assignedUnitName || "—")}</dd>
      <dt>${esc(t("Command.Field.Assignee"))}</dt><dd>${esc(v.assigneeName || "—")}</dd>
      <dt>${esc(t("Command.Field.Deadline"))}</dt><dd>${esc(when(v.deadline))}</dd>
      <dt>${esc(t("Command.Field.Remaining"))}</dt><dd class="${v.clock.overdue ? "over" : ""}" data-remaining>${esc(remaining(v.clock))}</dd>
      <dt>${esc(t("Command.Field.Description"))}</dt><dd>${esc(v.description)}</dd>
    </dl>
    ${CITIZEN_SOURCES.has(v.source) ? `<label class="cc-public">${esc(t("Command.PublicNote"))}<textarea data-public-note rows="2" maxlength="1000"></textarea></label>` : ""}
    <div class="cc-actions" role="group" aria-label="${esc(t("Command.Detail"))}"></div>
    <div data-form></div>
    <div data-msg></div>
    <strong>${esc(t("Command.Field.Photos"))}</strong>
    <div class="photos">${photos.length ? photos.map(photoHtml).join(" ") : esc(t("Command.Field.NoPhotos"))}</div>
    <strong>${esc(t("Command.Field.History"))}</strong>
    <ol>${(v.history || []).map((h) => `<li>${esc(when(h.at))}${h.actorName ? ` · ${esc(h.actorName)}` : ""} · ${esc(texts["Command.History." + h.action] ?? h.action)}
      → ${esc(texts["Command.State." + h.toState] ?? h.toState)}${h.reason ? ` · ${esc(h.reason)}` : ""}${h.publicNote ? ` · <q class="public-note">${esc(t("Command.PublicNote.Shown", h.publicNote))}</q>` : ""}</li>`).join("")}</ol>`;
  els.detail.querySelector("[data-close]").addEventListener("click", closeDetail);
  // A photo sent without a thumbnail: show the photo itself.
  for (const img of els.detail.querySelectorAll("img[data-full]")) img.addEventListener("error", () => { img.src = img.dataset.full; }, { once: true });
  if (CITIZEN_SOURCES.has(v.source)) addPublishButtons(v);
  const bar = els.detail.querySelector(".cc-actions");
  for (const a of v.actions.filter((x) => OPERATOR_ACTIONS.includes(x))) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = texts["Command.Action." + a];
    b.addEventListener("click", () => startAction(v, a));
    bar.append(b);
  }
  // Spam (a citizen report that is advertising or abuse): cancelled with the reason and hidden from public views.
  if (CITIZEN_SOURCES.has(v.source) && (v.actions.includes("cancel") || v.state === "cancelled")) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = texts["Command.Action.spam"];
    b.addEventListener("click", () => startAction(v, "spam"));
    bar.append(b);
  }
  // 督办 is not a lifecycle step: it is offered to supervisors and shift leads on every open case.
  if (CAN_SUPERVISE && !["closed", "cancelled"].includes(v.state)) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = texts["Command.Action.supervise"];
    b.addEventListener("click", () => startAction(v, "supervise"));
    bar.append(b);
  }
  for (const b of els.list.querySelectorAll("button")) b.toggleAttribute("aria-current", Number(b.dataset.id) === id);
  const c = cases.get(id);
  if (c && !quiet) map.focusCase(c);
  if (!quiet) els.detail.querySelector("h2 span").setAttribute("tabindex", "-1");
}

function closeDetail() {
  const id = selected;
  selected = null;
  els.detail.hidden = true;
  els.list.querySelector(`button[data-id="${id}"]`)?.focus();
}

function showDetailError(err) {
  els.detail.hidden = false;
  els.detail.innerHTML = `<p class="cc-msg err" role="alert">${esc(t("Command.Error", err.message))}</p>`;
}

function message(kind, text) {
  const box = els.detail.querySelector("[data-msg]");
  box.innerHTML = `<p class="cc-msg ${kind}" role="${kind === "err" ? "alert" : "status"}">${esc(text)}</p>`;
}

// Each photo of a citizen's case can be shown on the citizen's tracking page, as "before" or "after".
function addPublishButtons(v) {
  for (const a of els.detail.querySelectorAll(".photos a")) {
    const sha = /\/api\/photos\/([0-9a-f]{64})$/.exec(a.getAttribute("href") || "");
    if (!sha) continue;
    for (const kind of ["before", "after"]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "publish";
      b.textContent = t("Command.Publish." + kind);
      b.addEventListener("click", async () => {
        try {
          await api(`/api/cases/${v.id}/publish-photo`, { method: "POST", body: JSON.stringify({ photo: "photo:" + sha[1], kind }) });
          message("ok", t("Command.Published"));
        } catch (err) { message("err", t("Command.Error", err.message)); }
      });
      a.after(b);
    }
  }
}

async function startAction(v, action) {
  if (!NEEDS_REASON.has(action) && action !== "dispatch") return runAction(v, action, {});
  const holder = els.detail.querySelector("[data-form]");
  const form = document.createElement("form");
  form.className = "cc-form";
  form.setAttribute("aria-label", texts["Command.Action." + action]);
  let html = "";
  if (action === "dispatch") {
    html += `<p class="hint" data-suggested></p>
      <label>${esc(t("Command.Action.Unit"))}<select name="unitId" required></select></label>
      <label>${esc(t("Command.Action.Assignee"))}<select name="assigneeId"><option value="">${esc(t("Command.Action.NoAssignee"))}</option></select></label>`;
  }
  if (action === "extend") {
    const d = new Date(Date.now() + 3 * 86400000);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    html += `<label>${esc(t("Command.Action.NewDeadline"))}<input type="datetime-local" name="deadline" required value="${d.toISOString().slice(0, 16)}"></label>`;
  }
  if (NEEDS_REASON.has(action)) html += `<label>${esc(t("Command.Action.Reason"))}<textarea name="reason" rows="2" required maxlength="1000"></textarea></label>`;
  html += `<div class="cc-actions"><button type="submit">${esc(t("Command.Action.Confirm"))} · ${esc(texts["Command.Action." + action])}</button>
    <button type="button" data-back>${esc(t("Command.Action.Back"))}</button></div>`;
  form.innerHTML = html;
  holder.replaceChildren(form);
  form.querySelector("[data-back]").addEventListener("click", () => holder.replaceChildren());
  if (action === "dispatch") {
    try {
      const [suggestion, units, cell] = await Promise.all([
        api(`/api/cases/${v.id}/dispatch-suggestion`), api("/api/units"), api(`/api/cells/${encodeURIComponent(v.cellCode)}`)]);
      const unitSel = form.querySelector("[name=unitId]");
      for (const u of units) unitSel.add(new Option(en ? u.nameEn : u.nameZh, u.id, false, u.id === suggestion.unitId));
      const personSel = form.querySelector("[name=assigneeId]");
      const seen = new Set();
      for (const m of cell.team) {
        if (seen.has(m.personId)) continue;
        seen.add(m.personId);
        personSel.add(new Option(`${m.displayName} (${texts["Command.Role." + m.role] ?? m.role})`, m.personId, false, m.personId === suggestion.assigneeId));
      }
      if (suggestion.assigneeId && !seen.has(suggestion.assigneeId))
        personSel.add(new Option(suggestion.assigneeName, suggestion.assigneeId, true, true));
      const unitName = units.find((u) => u.id === suggestion.unitId);
      form.querySelector("[data-suggested]").textContent = t("Command.Action.Suggested",
        `${unitName ? (en ? unitName.nameEn : unitName.nameZh) : suggestion.unitId}${suggestion.assigneeName ? " / " + suggestion.assigneeName : ""} · ${t("Command.Field.Deadline")} ${when(suggestion.deadline)}`);
    } catch (err) { message("err", t("Command.Error", err.message)); }
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const body = {};
    if (data.reason) body.reason = data.reason;
    if (data.unitId) body.unitId = data.unitId;
    if (data.assigneeId) body.assigneeId = data.assigneeId;
    if (data.deadline) body.deadline = new Date(data.deadline).toISOString();
    runAction(v, action, body);
  });
  (form.querySelector("select, textarea, input") || form.querySelector("button")).focus();
}

async function runAction(v, action, body) {
  try {
    if (action === "supervise") {
      await api(`/api/cases/${v.id}/supervise`, { method: "POST", body: JSON.stringify({ note: body.reason }) });
      await openDetail(v.id, true);
      message("ok", t("Command.Action.Done", texts["Command.Action.supervise"]));
      return;
    }
    if (action === "spam") {
      const marked = await api(`/api/cases/${v.id}/spam`, { method: "POST", body: JSON.stringify({ reason: body.reason, version: v.version }) });
      upsert(fromView(marked), true);
      await openDetail(v.id, true);
      message("ok", t("Command.Action.Done", texts["Command.Action.spam"]));
      return;
    }
    // The note for the citizen, typed above the buttons, goes with whichever step is taken next.
    const publicNote = els.detail.querySelector("[data-public-note]")?.value.trim();
    if (publicNote) body = { ...body, publicNote };
    const updated = await api(`/api/cases/${v.id}/${action.replace("_", "-")}`, { method: "POST", body: JSON.stringify({ ...body, version: v.version }) });
    upsert(fromView(updated), true);
    await openDetail(v.id, true);
    message("ok", t("Command.Action.Done", texts["Command.Action." + action]));
    els.detail.querySelector(".cc-actions button")?.focus();
  } catch (err) {
    message("err", t("Command.Error", err.message));
  }
}

// ---- Start ----
const statusText = { connecting: "Command.Status.Connecting", live: "Command.Status.Live", reconnecting: "Command.Status.Reconnecting", resync: "Command.Status.Resync" };
function setStatus(s) {
  els.status.dataset.state = s;
  els.status.textContent = t(statusText[s]);
}

// Subscribe first and hold events until the list is loaded, so nothing between the two is missed.
let buffer = [];
const live = connectLive({
  street: root.dataset.street,
  onEvent: (e) => (buffer ? buffer.push(e) : onEvent(e)),
  onResync: () => { setStatus("resync"); Promise.all([loadCases(), loadCells()]).then(() => setStatus("live")); },
  onStatus: setStatus,
});

els.filters.addEventListener("change", async (ev) => {
  if (ev.target.name === "street") {
    await live.follow(ev.target.value || root.dataset.street || null);
    await loadCells();
  }
  await loadCases();
});
els.filters.addEventListener("submit", (ev) => ev.preventDefault());
// The remaining time in an open detail keeps counting down (unless a form is being filled in).
// Only the text changes, so keyboard focus stays where it is; the server counts working time.
setInterval(async () => {
  const dd = els.detail.hidden ? null : els.detail.querySelector("[data-remaining]");
  if (!selected || !dd) return;
  try {
    const v = await api(`/api/cases/${selected}`);
    dd.textContent = remaining(v.clock);
    dd.classList.toggle("over", v.clock.overdue);
  } catch { /* the next event or click refreshes it */ }
}, 60000);
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && !els.detail.hidden) closeDetail(); });

const [cats, cells] = await Promise.all([api("/api/categories"), api(`/api/cells${root.dataset.street ? `?street=${root.dataset.street}` : ""}`), live.ready]);
for (const c of cats) categories.set(c.code, c);
const catSel = els.filters.querySelector("[name=category]");
for (const c of cats) catSel.add(new Option(`${c.code} ${en ? c.nameEn : c.nameZh}`, c.code));
const streetSel = els.filters.querySelector("[name=street]");
const streets = new Map(cells.features.map((f) => [f.properties.streetCode, f.properties.streetName]));
for (const [code, name] of [...streets].sort()) streetSel.add(new Option(`${name} (${code})`, code));
map.setCells(cells);
await loadCases();
try {
  const positions = await api("/api/staff/positions");
  for (const p of positions) map.upsertStaff(p);
} catch { /* positions are optional decoration */ }
const pending = buffer;
buffer = null;
for (const e of pending) await onEvent(e);
// /command?case=ID (a link from the inbox or a figure) opens that case's detail.
const linked = Number(new URLSearchParams(location.search).get("case"));
if (linked > 0) await openDetail(linked);
root.dataset.ready = "true";
