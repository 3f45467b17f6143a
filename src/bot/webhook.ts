import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { webhookCallback, type Bot } from "grammy";
import { sql, type Kysely } from "kysely";
import { isSchemaCurrent } from "../db/migrate.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { BotContext } from "./context.js";
import { describeError } from "./errors.js";
import { ALLOWED_UPDATES } from "./polling.js";

export interface WebhookOptions {
  port: number;
  /** Interface to listen on (default all). */
  host?: string;
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token; requests without it get 401. */
  secret: string;
  /** Public https URL; when set, setWebhook is called at start-up and only its path takes updates. */
  url?: string;
  /**
   * Longest time a request waits for its update before answering 200 anyway (default 20 s).
   * Must exceed the database pool's connection timeout (5 s): see update-tx.ts on ordering.
   */
  ackAfterMs?: number;
  /** How long a stop waits for updates in flight (default 30 s). */
  drainMs?: number;
  /** Simultaneous connections Telegram may open to this webhook (setWebhook max_connections). */
  maxConnections?: number;
}

export interface WebhookServer {
  server: Server;
  port: number;
  /** Updates being handled right now. */
  inFlight(): number;
  /** Stops accepting, lets in-flight updates finish, closes the server. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Ready = the database answers and every migration has run (a load balancer's readiness probe). */
export async function checkReadiness(db: Kysely<Database>, timeoutMs = 3_000): Promise<{ ok: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: "database timeout" }), timeoutMs);
  });
  const check = (async () => {
    try {
      await sql`select 1`.execute(db);
    } catch {
      return { ok: false, reason: "database unreachable" };
    }
    try {
      return (await isSchemaCurrent(db)) ? { ok: true } : { ok: false, reason: "migrations pending" };
    } catch {
      return { ok: false, reason: "cannot read migrations" };
    }
  })();
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Webhook mode: an HTTP server (put it behind a TLS reverse proxy) that takes Telegram's
 * updates through grammY's webhook adapter and serves health checks:
 *
 * - `POST <path of WEBHOOK_URL>` (any path when WEBHOOK_URL is not set): an update. Without the
 *   right `X-Telegram-Bot-Api-Secret-Token` → 401. Answered 200 once the update's transaction
 *   committed, so Telegram sends the chat's next update only then (see update-tx.ts); a
 *   request still running after `ackAfterMs` is answered 200 anyway and finishes in the
 *   background (a redelivery would be skipped by `processed_update`). An update that failed
 *   in a way the bot could not handle → 500, and Telegram delivers it again.
 * - `GET /healthz`: 200 while the process runs (liveness).
 * - `GET /readyz`: 200 when the database answers and migrations are done, else 503; 503 while
 *   shutting down, so that a load balancer stops sending.
 *
 * Slow work (broadcasts, exports, digests) is never done inside a request: features enqueue
 * jobs, which the job worker runs (once across processes).
 */
export async function startWebhook(bot: Bot<BotContext>, db: Kysely<Database>, logger: Logger, opts: WebhookOptions): Promise<WebhookServer> {
  const webhookPath = opts.url ? new URL(opts.url).pathname : undefined;
  const pending = new Set<Promise<unknown>>();
  let stopping = false;

  // Track every update being handled, including those answered early, for a clean stop.
  const handleUpdate = bot.handleUpdate.bind(bot);
  bot.handleUpdate = (update, envelope) => {
    const task = handleUpdate(update, envelope);
    pending.add(task);
    void task.then(
      () => pending.delete(task),
      () => pending.delete(task),
    );
    return task;
  };

  const callback = webhookCallback(bot, "http", {
    secretToken: opts.secret,
    timeoutMilliseconds: opts.ackAfterMs ?? 20_000,
    onTimeout: () => logger.warn("update still running at the webhook deadline; answered Telegram, finishing in the background"),
  });

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { ok: false });
      return send(res, 200, { ok: true });
    }
    if (path === "/readyz") {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { ok: false });
      if (stopping) return send(res, 503, { ok: false, reason: "shutting down" });
      const ready = await checkReadiness(db);
      return send(res, ready.ok ? 200 : 503, ready);
    }
    if (req.method !== "POST" || (webhookPath !== undefined && path !== webhookPath)) {
      return send(res, 404, { ok: false });
    }
    if (stopping) {
      // Telegram retries; another process (or this one after the restart) takes it.
      res.setHeader("retry-after", "1");
      return send(res, 503, { ok: false, reason: "shutting down" });
    }
    try {
      await callback(req, res);
    } catch (err) {
      if (err instanceof SyntaxError) {
        logger.warn("webhook request with a malformed body");
        return send(res, 400, { ok: false });
      }
      logger.error({ err: describeError(err) }, "webhook update failed; Telegram will deliver it again");
      send(res, 500, { ok: false });
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      logger.error({ err: describeError(err) }, "webhook request failed");
      send(res, 500, { ok: false });
    });
  });
  // Telegram keeps connections alive; do not let an idle one hold a shutdown.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, path: webhookPath ?? "(any)" }, "webhook server listening");

  if (opts.url) {
    await bot.api.setWebhook(opts.url, {
      secret_token: opts.secret,
      allowed_updates: [...ALLOWED_UPDATES],
      drop_pending_updates: false,
      ...(opts.maxConnections ? { max_connections: opts.maxConnections } : {}),
    });
    logger.info({ host: new URL(opts.url).host }, "webhook registered with Telegram");
  }

  return {
    server,
    port,
    inFlight: () => pending.size,
    async stop() {
      if (stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + (opts.drainMs ?? 30_000);
      while (pending.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), sleep(Math.max(0, deadline - Date.now()))]);
      }
      if (pending.size > 0) logger.warn({ inFlight: pending.size }, "stopped with updates still in flight");
      server.closeAllConnections();
      await closed;
    },
  };
}
