import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeTelegram } from "./fake-telegram.js";

/**
 * Serves the fake Bot API over real HTTP on a loopback port, so that a bot running in
 * another process (with TELEGRAM_API_ROOT pointing here) talks to it like to Telegram:
 * long polling, sends, edits, uploads.
 */
export async function startFakeBotApiServer(fake: FakeTelegram): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      fake
        .fetch(`http://127.0.0.1${req.url ?? "/"}`, {
          method: req.method ?? "POST",
          headers,
          body: Buffer.concat(chunks),
          signal: controller.signal,
        })
        .then(async (response) => {
          res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
