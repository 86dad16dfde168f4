// The live feed of /hubs/city: one SignalR connection that, after any drop, subscribes again with the
// last seq it received, so the server replays exactly what was missed. Needs signalr.min.js (global signalR).
export function connectLive({ street, onEvent, onResync, onStatus }) {
  let lastSeq = null;
  let follow = street || null;
  const conn = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/city")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** ctx.previousRetryCount, 10000) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  conn.on("event", (e) => {
    if (lastSeq !== null && e.seq <= lastSeq) return;
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
