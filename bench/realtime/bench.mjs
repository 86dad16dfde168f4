// Real-time channel benchmark (not a test): N SignalR clients follow the whole city while one
// operator makes a steady stream of case changes (report, then register, alternating) through the
// REST API. Prints delivered/sent, delivery latency percentiles (event time on the server -> receipt
// in the client, same machine clock) and the server's memory, for each N.
//
//   node bench.mjs [--url http://127.0.0.1:5091] [--clients 100,1000] [--rate 50] [--seconds 20]
//                  [--user operator] [--password Grid@2026]
// Needs a server with the demo city (scripts/run-demo.sh).
import * as signalR from "@microsoft/signalr";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const base = args.url || "http://127.0.0.1:5091";
const sizes = (args.clients || "100,1000").split(",").map(Number);
const rate = Number(args.rate || 50);
const seconds = Number(args.seconds || 20);
const user = args.user || "operator";
const password = args.password || "Grid@2026";

async function login() {
  const res = await fetch(`${base}/api/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: user, password }) });
  if (!res.ok) throw new Error(`login ${res.status}: ${await res.text()}`);
  return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

const cookie = await login();
const get = async (path) => (await fetch(base + path, { headers: { Cookie: cookie } })).json();
const post = (path, body) => fetch(base + path, { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/json" }, body: JSON.stringify(body) });

const categories = (await get("/api/categories")).filter((c) => c.kind === "event");
const cells = (await get("/api/cells")).features.map((f) => {
  const ring = f.geometry.coordinates[0][0];
  const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length, lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  return { lat, lon };
});

async function connectClients(n) {
  const clients = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, async () => {
      const received = [];
      const conn = new signalR.HubConnectionBuilder()
        .withUrl(`${base}/hubs/city`, { headers: { Cookie: cookie }, transport: signalR.HttpTransportType.WebSockets })
        .configureLogging(signalR.LogLevel.Error).build();
      conn.on("event", (e) => { received.push([e.payload.caseId, e.payload.action, Date.now() - Date.parse(e.at)]); });
      await conn.start();
      await conn.invoke("Subscribe", { afterSeq: null, street: null });
      return { conn, received };
    }));
    clients.push(...batch);
  }
  return clients;
}

async function stream() {
  const ours = new Set();
  let sent = 0, failed = 0, inflight = 0;
  const toRegister = [];
  const total = rate * seconds;
  const start = Date.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight++;
    const id = i % 2 === 1 ? toRegister.shift() : undefined;
    const request = id !== undefined
      ? post(`/api/cases/${id}/register`, {})
      : post("/api/cases", { ...cells[i % cells.length], categoryCode: categories[i % categories.length].code, description: "bench", source: "hotline" });
    request.then(async (res) => {
      if (res.ok) {
        const v = await res.json();
        sent++;
        ours.add(v.id);
        if (id === undefined) toRegister.push(v.id);
      } else { failed++; await res.text(); }
    }).catch(() => failed++).finally(() => inflight--);
  }
  while (inflight > 0) await new Promise((r) => setTimeout(r, 20));
  return { sent, failed, ours, elapsed: (Date.now() - start) / 1000 };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mb = (b) => (b / 1048576).toFixed(0) + " MiB";

console.log(`GridCity real-time benchmark: ${base}, ${rate} changes/s for ${seconds} s, clients ${sizes.join(", ")}`);
for (const n of sizes) {
  const clients = await connectClients(n);
  const before = await get("/api/realtime/status");
  const { sent, failed, ours, elapsed } = await stream();
  const expected = sent * n;
  const deadline = Date.now() + 15000;
  const delivered = () => clients.reduce((s, c) => s + c.received.filter((r) => ours.has(r[0])).length, 0);
  while (delivered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const after = await get("/api/realtime/status");
  const latencies = clients.flatMap((c) => c.received.filter((r) => ours.has(r[0])).map((r) => r[2])).sort((a, b) => a - b);
  console.log(`N=${n}: sent ${sent} changes in ${elapsed.toFixed(1)} s (${failed} failed requests); delivered ${delivered()}/${expected}` +
    ` (${((100 * delivered()) / Math.max(1, expected)).toFixed(2)}%); latency p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms,` +
    ` p99 ${pct(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms; server memory: working set ${mb(before.workingSetBytes)} -> ${mb(after.workingSetBytes)},` +
    ` managed ${mb(after.managedBytes)}; subscribers ${after.subscribers}, dropped-then-replayed ${after.dropped}`);
  await Promise.all(clients.map((c) => c.conn.stop()));
}
process.exit(0);
