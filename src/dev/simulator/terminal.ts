/**
 * The simulator's screen: lines for the current chat in full, a one-line notice (and a queue
 * to read later) for messages that reach other simulated people.
 *
 * @module
 */
import { Painter, stripAnsi, truncate } from "./render.js";
import type { World } from "./world.js";

/** Where the simulator writes: process.stdout or anything with `write` (tests). */
export interface SimulatorOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export class Terminal {
  readonly painter: Painter;
  private readonly unread = new Map<number, string[]>();

  constructor(
    private readonly output: SimulatorOutput,
    private readonly world: World,
    color: boolean,
  ) {
    this.painter = new Painter(color);
  }

  out(line = ""): void {
    this.output.write(`${line}\n`);
  }

  /** A dimmed line: what the simulator itself says (not the bot). */
  note(s: string): void {
    this.out(this.painter.dim(s));
  }

  dim(s: string): string {
    return this.painter.dim(s);
  }

  bold(s: string): string {
    return this.painter.bold(s);
  }

  /** A bot event: in full for the current chat, as a one-line notice (and queued) for others. */
  show(chatId: number, lines: string[]): void {
    if (chatId === this.world.currentChatId()) {
      for (const l of lines) this.out(l);
      return;
    }
    this.unread.set(chatId, [...(this.unread.get(chatId) ?? []), lines.join("\n")]);
    const first = stripAnsi((lines[0] ?? "").replace(/^🤖 /, ""));
    const hint = this.world.switchHint(chatId);
    this.out(`📨 untuk ${this.bold(this.world.chatLabel(chatId))}: ${truncate(first, 70)}${hint !== "" ? this.dim(` — ${hint} untuk membaca`) : ""}`);
  }

  /** Prints what reached a chat while the developer was elsewhere. */
  showUnread(chatId: number): void {
    const blocks = this.unread.get(chatId) ?? [];
    if (blocks.length === 0) return;
    this.note(`── ${blocks.length} pesan belum dibaca ──`);
    for (const block of blocks) this.out(block);
    this.unread.delete(chatId);
  }
}
