// A TCP proxy a test puts between a process and a service (Postgres) so that it can cut the connection (every open
// socket reset, new ones refused) and restore it, the way a network partition or a database restart looks.
import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Resets every open connection and refuses new ones until restore(). */
  cut(): void;
  /**
   * Cuts (as cut()) the moment a client has sent `text` for the `occurrence`-th time, e.g. an SQL statement:
   * the outage lands at a chosen point of the work rather than by timing. Resolves when it has cut.
   */
  cutOn(text: string, occurrence?: number): Promise<void>;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let cut = false;
  const open = new Set<net.Socket>();
  let trigger: { text: string; left: number; fire: () => void } | undefined;
  const cutAll = () => {
    cut = true;
    for (const s of open) s.resetAndDestroy();
    open.clear();
  };
  const server = net.createServer((client) => {
    if (cut) return client.resetAndDestroy();
    const upstream = net.connect(targetPort, targetHost);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    // The tail of the previous chunk is kept so that a text split across two chunks is still seen.
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      if (!trigger) return;
      const seen = tail + chunk.toString("latin1");
      tail = seen.slice(1 - trigger.text.length);
      let at = seen.indexOf(trigger.text);
      while (at !== -1 && trigger) {
        if (--trigger.left === 0) {
          const fire = trigger.fire;
          trigger = undefined;
          cutAll();
          fire();
          return;
        }
        at = seen.indexOf(trigger.text, at + 1);
      }
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: cutAll,
    cutOn: (text, occurrence = 1) => new Promise<void>((fire) => (trigger = { text, left: occurrence, fire })),
    restore() {
      cut = false;
    },
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
