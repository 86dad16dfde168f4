// The live feed of /hubs/city: one SignalR connection that, after any drop, subscribes again with the
// last seq it received, so the server replays exactly what was missed. Needs signalr.min.js (global signalR).
// Events are not in seq order (a transaction that began earlier may commit later), so "seq <= last"
// is no test for "seen"; the server sends each event once per subscription, and the few recent seqs
// kept here only guard the moment of re-subscribing (an event in flight on the old subscription).
export function connectLive({ street, onEvent, onResync, onStatus }) {
  let lastSeq = null;
  const recent = new Set();
  let follow = street || null;
  const conn = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/city")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** ctx.previousRetryCount, 10000) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  conn.on("event", (e) => {
    if (recent.has(e.seq)) return;
    recent.add(e.seq);
    if (recent.size > 1000) recent.delete(recent.values().next().value);
    lastSeq = e.seq;
    onEvent(e);
  });
  conn.on("resync", (r) => {
    lastSeq = r.lastSeq;
    onResync();
  });
  conn.onreconnecting(() => onStatus("reconnecting"));
  conn.onreconnected(() => subscribe().catch(() => onStatus("reconnecting")));
  conn.onclose(() => { onStatus("reconnecting"); setTimeout(start, 3000); });

  async function subscribe() {
    const r = await conn.invoke("Subscribe", { afterSeq: lastSeq, street: follow });
    if (lastSeq === null) lastSeq = r.fromSeq;
    onStatus("live");
    return r;
  }

  let started;
  async function start() {
    try {
      onStatus("connecting");
      await conn.start();
      await subscribe();
    } catch {
      onStatus("reconnecting");
      setTimeout(start, 3000);
    }
  }
  started = start();

  return {
    ready: started,
    get lastSeq() { return lastSeq; },
    /** Follow another street (null: the whole area) from the current position on. */
    async follow(street) {
      follow = street || null;
      if (conn.state === signalR.HubConnectionState.Connected) await subscribe();
    },
  };
}
