import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { MAX_WEBHOOK_BODY_BYTES } from "../domain/limits.js";
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
  /** Largest request body accepted (default 1 MB; Telegram's updates are a few kilobytes): larger → 413. */
  maxBodyBytes?: number;
  /** Time a client has to send the request line and headers (default 10 s). */
  headersTimeoutMs?: number;
  /** The coordinator dashboard (src/web/server.ts), served under /app/; resolves true when it answered. */
  web?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
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
 * updates and serves health checks:
 *
 * - `POST <path of WEBHOOK_URL>` (any path when WEBHOOK_URL is not set): an update. Without the
 *   right `X-Telegram-Bot-Api-Secret-Token` → 401 (the body is not read). A body over 1 MB →
 *   413; a body not received by the update's deadline (`ackAfterMs`, counted from the
 *   request's arrival) → 408; headers must arrive within 10 s. Answered 200 once the update's transaction
 *   committed and its replies were sent (their message ids stored), so Telegram sends the
 *   chat's next update only then (see update-tx.ts and outbox.ts); a
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

  const ackAfterMs = opts.ackAfterMs ?? 20_000;
  const maxBody = opts.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const secret = Buffer.from(opts.secret, "utf8");

  /** Constant-time comparison of the secret header. */
  function authorized(req: IncomingMessage): boolean {
    const raw = req.headers["x-telegram-bot-api-secret-token"];
    const given = Buffer.from(Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? ""), "utf8");
    return given.length === secret.length && timingSafeEqual(given, secret);
  }

  /**
   * Reads the body within the request's deadline and the size limit. Resolves to the body, or
   * to the status to answer: 413 (too large: refused before reading when Content-Length says
   * so, else as soon as the limit is passed) or 408 (not received by the deadline).
   */
  function readBody(req: IncomingMessage, deadline: number): Promise<Buffer | 408 | 413> {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBody) return Promise.resolve(413);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (value: Buffer | 408 | 413) => {
        clearTimeout(timer);
        req.removeAllListeners("data");
        resolve(value);
      };
      const timer = setTimeout(() => finish(408), Math.max(0, deadline - Date.now()));
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) finish(413);
        else chunks.push(chunk);
      });
      req.once("end", () => finish(Buffer.concat(chunks)));
      req.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /**
   * One update: 401 without the right secret (nothing read), the body within the deadline and
   * the size limit, then the update is handled; answered when it is stored, or at the deadline
   * — which counts from the moment the request arrived, so a slowly sent body eats into it.
   */
  async function handleWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deadline = Date.now() + ackAfterMs;
    if (!authorized(req)) {
      // Nothing of the body is read; the connection closes once the answer is out.
      res.writeHead(401, { connection: "close" }).end("secret token is wrong", () => req.destroy());
      return;
    }
    const body = await readBody(req, deadline);
    if (body === 408 || body === 413) {
      logger.warn({ status: body }, body === 413 ? "webhook request body too large; refused" : "webhook request body not received in time; refused");
      res.writeHead(body, { connection: "close", "content-type": "application/json" }).end(JSON.stringify({ ok: false }), () => req.destroy());
      return;
    }
    let update: Update;
    try {
      update = JSON.parse(body.toString("utf8")) as Update;
    } catch {
      logger.warn("webhook request with a malformed body");
      return send(res, 400, { ok: false });
    }
    if (update === null || typeof update !== "object" || typeof update.update_id !== "number") {
      logger.warn("webhook request without an update");
      return send(res, 400, { ok: false });
    }
    if (!bot.isInited()) await bot.init();
    const task = bot.handleUpdate(update);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()))));
    try {
      const first = await Promise.race([task.then(() => "done" as const), late]);
      if (first === "late") {
        logger.warn("update still running at the webhook deadline; answered Telegram, finishing in the background");
        task.catch((err: unknown) => logger.error({ err: describeError(err) }, "webhook update failed after the deadline; Telegram will not deliver it again"));
      }
      send(res, 200, { ok: true });
    } finally {
      clearTimeout(timer);
    }
  }

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
    if (opts.web && (await opts.web(req, res))) return;
    if (req.method !== "POST" || (webhookPath !== undefined && path !== webhookPath)) {
      return send(res, 404, { ok: false });
    }
    if (stopping) {
      // Telegram retries; another process (or this one after the restart) takes it.
      res.setHeader("retry-after", "1");
      return send(res, 503, { ok: false, reason: "shutting down" });
    }
    try {
      await handleWebhook(req, res);
    } catch (err) {
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
  // Slow clients: the request line and headers must arrive quickly; the whole request (body
  // included) by the update's deadline (enforced per request in handleWebhook, this is the
  // backstop for every other path).
  server.headersTimeout = opts.headersTimeoutMs ?? 10_000;
  server.requestTimeout = ackAfterMs + 5_000;
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
