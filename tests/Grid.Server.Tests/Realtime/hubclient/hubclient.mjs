// One SignalR client of /hubs/city for the server tests, driven through stdin/stdout:
//   node hubclient.mjs <baseUrl> <cookie header> <afterSeq|none> [street]
// Prints one JSON object per line: {"type":"subscribed",...}, {"type":"event",...}, {"type":"resync",...},
// {"type":"error","message":...}. Reads "quit" (or end of input) on stdin to disconnect and exit.
import * as signalR from "@microsoft/signalr";
import * as readline from "node:readline";

const [baseUrl, cookie, after, street] = process.argv.slice(2);
const out = (o) => { process.stdout.write(JSON.stringify(o) + "\n"); };

const connection = new signalR.HubConnectionBuilder()
  .withUrl(new URL("/hubs/city", baseUrl).toString(), {
    headers: { Cookie: cookie },
    transport: signalR.HttpTransportType.WebSockets,
  })
  .configureLogging(signalR.LogLevel.Error)
  .build();

connection.on("event", (e) => out({ type: "event", ...e }));
connection.on("resync", (r) => out({ type: "resync", ...r }));
connection.onclose((err) => { out({ type: "closed", message: err ? String(err) : null }); process.exit(0); });

let quitting = false;
async function quit() {
  if (quitting) return;
  quitting = true;
  try { await connection.stop(); } catch { /* already gone */ }
  process.exit(0);
}
readline.createInterface({ input: process.stdin }).on("line", (l) => { if (l.trim() === "quit") quit(); }).on("close", quit);

try {
  await connection.start();
  const result = await connection.invoke("Subscribe", { afterSeq: after === "none" ? null : Number(after), street: street || null });
  out({ type: "subscribed", ...result });
} catch (err) {
  out({ type: "error", message: String(err && err.message ? err.message : err) });
  process.exit(2);
}
