import type { Api, RawApi } from "grammy";

/** Telegram lets bots download files up to 20 MB; evidence photos are far smaller. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(
    message: string,
    readonly reason: "too_large" | "failed",
  ) {
    super(message);
  }
}

/**
 * Downloads a file the bot received: `getFile` for its path, then the file URL
 * (`<api root>/file/bot<token>/<path>`) with the same HTTP client grammY uses (tests and the
 * simulator inject theirs). Error messages never contain the URL (it holds the token).
 */
export async function downloadTelegramFile(
  api: Api<RawApi>,
  fileId: string,
  opts: { maxBytes?: number } = {},
): Promise<{ content: Buffer; path: string }> {
  const max = opts.maxBytes ?? MAX_DOWNLOAD_BYTES;
  const file = await api.getFile(fileId);
  if (!file.file_path) throw new DownloadError("Telegram gave no file path", "failed");
  if (file.file_size !== undefined && file.file_size > max) throw new DownloadError("file too large", "too_large");
  const root = (api.options?.apiRoot ?? "https://api.telegram.org").replace(/\/+$/, "");
  const fetchFn = (api.options?.fetch ?? globalThis.fetch) as typeof globalThis.fetch;
  let res: Response;
  try {
    res = await fetchFn(`${root}/file/bot${api.token}/${file.file_path}`);
  } catch {
    throw new DownloadError("file download failed (network)", "failed");
  }
  if (!res.ok) throw new DownloadError(`file download failed (HTTP ${res.status})`, "failed");
  const content = Buffer.from(await res.arrayBuffer());
  if (content.length > max) throw new DownloadError("file too large", "too_large");
  return { content, path: file.file_path };
}

/** "photos/file_3.jpg" → ".jpg" (".jpg" when the path has no extension). */
export function extensionOf(path: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(path);
  return m ? `.${m[1]!.toLowerCase()}` : ".jpg";
}
