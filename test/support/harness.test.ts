import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Bot, GrammyError, InlineKeyboard, InputFile, Keyboard, type Context } from "grammy";
import { conversations, createConversation, type Conversation, type ConversationFlavor } from "@grammyjs/conversations";
import { botInfo } from "./bot-info.js";
import { parseTelegramHtml, validateCall } from "./bot-api-spec.js";
import { createChatDriver, type ChatDriver } from "./chat.js";
import { createFakeTelegram, type FakeTelegram } from "./fake-telegram.js";

type BotContext = ConversationFlavor<Context>;
type FlowContext = Context;

/** JSON-round-tripping conversation storage (like a database would be). */
function jsonStorage() {
  const rows = new Map<string, string>();
  return {
    rows,
    storage: {
      read: (key: string) => {
        const raw = rows.get(key);
        return raw === undefined ? undefined : JSON.parse(raw);
      },
      write: (key: string, state: unknown) => {
        rows.set(key, JSON.stringify(state));
      },
      delete: (key: string) => {
        rows.delete(key);
      },
    },
  };
}

async function askName(conversation: Conversation<BotContext, FlowContext>, ctx: FlowContext): Promise<void> {
  await ctx.reply("What is your <b>name</b>?", { parse_mode: "HTML" });
  const answer = await conversation.waitFor("message:text");
  await answer.reply(`Hi ${answer.message.text}`, {
    reply_markup: new InlineKeyboard().text("Confirm", "name:confirm").text("Cancel", "name:cancel"),
  });
}

function makeBot(fake: FakeTelegram) {
  const { rows, storage } = jsonStorage();
  const bot = new Bot<BotContext>("123:TEST", { botInfo, client: { fetch: fake.fetch } });
  bot.use(conversations({ storage }));
  bot.use(createConversation(askName, "askName"));
  bot.command("ask", (ctx) => ctx.conversation.enter("askName"));
  bot.command("start", (ctx) => ctx.reply(`start payload: ${ctx.match}`));
  bot.callbackQuery("name:confirm", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Saved" });
    await ctx.editMessageText("Name confirmed ✅");
  });
  bot.callbackQuery("name:cancel", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.deleteMessage();
  });
  bot.command("csv", (ctx) => ctx.replyWithDocument(new InputFile(Buffer.from("a,b\n1,2\n"), "x.csv"), { caption: "Export <i>ready</i>", parse_mode: "HTML" }));
  bot.command("phone", (ctx) =>
    ctx.reply("Please share your phone", {
      reply_markup: new Keyboard().requestContact("Share phone").row().text("Skip").resized().oneTime(),
    }),
  );
  bot.on("message:contact", (ctx) =>
    ctx.reply(`Got ${ctx.message.contact.phone_number} (own: ${String(ctx.message.contact.user_id === ctx.from.id)})`, {
      reply_markup: { remove_keyboard: true },
    }),
  );
  bot.hears("Skip", (ctx) => ctx.reply("Skipped"));
  bot.command("bad", async (ctx) => {
    await ctx.reply("too long data", { reply_markup: new InlineKeyboard().text("X", "x".repeat(65)) });
    await ctx.reply("<b>x", { parse_mode: "HTML" });
    await ctx.reply("a < b", { parse_mode: "HTML" });
    await ctx.api.raw.sendMessage({ chat_id: ctx.chat.id, text: "typo", dissable_notification: true } as unknown as { chat_id: number; text: string });
  });
  bot.command("twice", async (ctx) => {
    const sent = await ctx.reply("same");
    await ctx.api.editMessageText(ctx.chat.id, sent.message_id, "same");
  });
  bot.command("silent", (ctx) => ctx.reply("Press", { reply_markup: new InlineKeyboard().text("Nothing", "nothing") }));
  bot.callbackQuery("nothing", () => {
    // deliberately does not answer the callback query
  });
  bot.on("edited_message:text", (ctx) => ctx.reply(`edited to ${ctx.editedMessage.text}`));
  bot.on("message:photo", (ctx) => ctx.reply(`photo ${ctx.message.photo.length} sizes`));
  bot.on("message:location", (ctx) => ctx.reply(`at ${ctx.message.location.latitude}`));
  bot.on("message:text", (ctx) => ctx.reply(`echo ${ctx.message.text} @${ctx.message.date}`));
  return { bot, rows };
}

describe("fake Telegram + chat driver", () => {
  let fake: FakeTelegram;
  let driver: ChatDriver<BotContext>;
  let rows: Map<string, string>;

  beforeEach(() => {
    fake = createFakeTelegram();
    const made = makeBot(fake);
    rows = made.rows;
    driver = createChatDriver({ bot: made.bot, fake, botInfo });
  });

  afterEach(() => {
    fake.assertNoViolations();
  });

  it("captures calls made inside a conversation, and a tap reaches the callback handler", async () => {
    const ani = driver.user({ id: 1001, firstName: "Ani", languageCode: "id" });
    await ani.send("/ask");
    expect(ani.newTexts()).toEqual(["What is your name?"]);
    expect(ani.lastMessage()).toMatchObject({ entities: [{ type: "bold", offset: 13, length: 4 }] });
    expect(rows.size).toBe(1);

    await ani.send("Ani");
    expect(ani.newTexts()).toEqual(["Hi Ani"]);
    expect(ani.buttons()).toEqual(["Confirm", "Cancel"]);
    expect(fake.callsOf("sendMessage").map((c) => c.payload["chat_id"])).toEqual([1001, 1001]);
    expect(rows.size).toBe(0);

    await ani.tap("Confirm");
    expect(ani.lastCallbackAnswer()).toMatchObject({ text: "Saved" });
    expect(ani.newTexts()).toEqual(["Name confirmed ✅"]);
    expect(ani.texts()).toEqual(["What is your name?", "Name confirmed ✅"]);
    expect(ani.buttons()).toEqual([]);
    const edited = ani.lastMessage();
    expect(edited?.edit_date).toBeTypeOf("number");
  });

  it("tracks deletions and unique increasing ids", async () => {
    const budi = driver.user({ id: 1002, firstName: "Budi" });
    const u1 = await budi.send("/ask");
    const u2 = await budi.send("Budi");
    expect(u2.update_id).toBeGreaterThan(u1.update_id);
    const ids = fake.messages(1002, { includeUser: true }).map((m) => m.message_id);
    expect(ids).toEqual([1, 2, 3, 4]);
    const keyboardMessage = budi.lastMessage();
    await budi.tap(/cancel/i);
    expect(budi.deletedMessageIds()).toEqual([keyboardMessage?.message_id]);
    expect(budi.texts()).toEqual(["What is your name?"]);
  });

  it("reports bad callback_data, invalid HTML and unknown parameters as violations", async () => {
    const cici = driver.user({ id: 1003, firstName: "Cici" });
    await cici.send("/bad");
    const problems = fake.violations.flatMap((v) => v.problems);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/callback_data: 65 bytes/),
        expect.stringMatching(/invalid HTML: unclosed tag <b>/),
        expect.stringMatching(/invalid HTML: unescaped "<"/),
        expect.stringMatching(/unknown parameter "dissable_notification"/),
      ]),
    );
    expect(() => fake.assertNoViolations()).toThrow(/Bot API violations/);
    fake.clearViolations();
  });

  it("records multipart uploads with their content", async () => {
    const dedi = driver.user({ id: 1004, firstName: "Dedi" });
    await dedi.send("/csv");
    expect(fake.uploads).toHaveLength(1);
    const upload = fake.uploads[0];
    expect(upload).toMatchObject({ method: "sendDocument", field: "document", filename: "x.csv", size: 8 });
    expect(upload?.content.toString("utf8")).toBe("a,b\n1,2\n");
    const call = fake.last("sendDocument");
    expect(call?.payload).toMatchObject({ chat_id: 1004, caption: "Export <i>ready</i>", parse_mode: "HTML" });
    expect(dedi.lastText()).toBe("Export ready");
    const doc = (dedi.lastMessage() as { document?: { file_name?: string; file_id: string } }).document;
    expect(doc?.file_name).toBe("x.csv");
    expect(fake.file(doc?.file_id ?? "")?.content?.toString("utf8")).toBe("a,b\n1,2\n");
  });

  it("records media-group uploads and serves file downloads", async () => {
    await driver.bot.api.sendMediaGroup(1004, [
      { type: "document", media: new InputFile(Buffer.from([0x89, 0x50, 0x4e, 0x47]), "chart.png"), caption: "<b>Chart</b>", parse_mode: "HTML" },
      { type: "document", media: new InputFile(Buffer.from("x;y\n"), "data.csv") },
    ]);
    expect(fake.uploads.map((u) => [u.field, u.filename, u.size])).toEqual([
      ["media[0].media", "chart.png", 4],
      ["media[1].media", "data.csv", 4],
    ]);
    const sent = fake.messages(1004);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.media_group_id).toBe(sent[1]?.media_group_id);
    expect(sent[0]?.caption).toBe("Chart");

    const fileId = sent[1]?.document?.file_id ?? "";
    const file = await driver.bot.api.getFile(fileId);
    const res = await fake.fetch(`https://api.telegram.org/file/bot123:TEST/${file.file_path ?? ""}`);
    expect(await res.text()).toBe("x;y\n");
  });

  it("taps reply-keyboard buttons, including contact requests", async () => {
    const eka = driver.user({ id: 1005, firstName: "Eka", phone: "+628111" });
    await eka.send("/phone");
    expect(eka.replyKeyboard()).toEqual(["Share phone", "Skip"]);
    await eka.tap("Skip");
    expect(eka.newTexts()).toEqual(["Skipped"]);
    await eka.tap("Share phone");
    expect(eka.newTexts()).toEqual(["Got +628111 (own: true)"]);
    expect(eka.replyKeyboard()).toEqual([]);
    await expect(eka.tap("Share phone")).rejects.toThrow(/No button/);
  });

  it("builds commands with entities, dates, edits, locations and photos", async () => {
    const fajar = driver.user({ id: 1006, firstName: "Fajar" });
    await fajar.send("/start reg_42");
    expect(fajar.lastText()).toBe("start payload: reg_42");
    await fajar.send("late", { date: 1_600_000_000 });
    expect(fajar.lastText()).toBe("echo late @1600000000");
    await fajar.editLastText("later");
    expect(fajar.newTexts()).toEqual(["edited to later"]);
    await fajar.sendLocation(-6.9, 107.6);
    expect(fajar.lastText()).toBe("at -6.9");
    await fajar.sendPhoto();
    expect(fajar.lastText()).toBe("photo 2 sizes");
    await fajar.sendSticker();
    await fajar.sendVoice();
    await fajar.sendDocument();
  });

  it("answers 'message is not modified' and lets responders inject errors", async () => {
    const gita = driver.user({ id: 1007, firstName: "Gita" });
    await expect(gita.send("/twice")).rejects.toThrow(/message is not modified/);

    fake.respond("sendMessage", (payload) =>
      payload["chat_id"] === 1007 ? { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" } : undefined,
    );
    const err = await gita.send("hello").catch((e: unknown) => e);
    expect((err as { error?: unknown }).error).toBeInstanceOf(GrammyError);
    expect(((err as { error: GrammyError }).error).error_code).toBe(403);

    const hana = driver.user({ id: 1008, firstName: "Hana" });
    fake.respond("sendMessage", () => ({ ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } }), { once: true });
    const err2 = await hana.send("hello").then(
      () => undefined,
      (e: unknown) => (e as { error: GrammyError }).error,
    );
    expect(err2?.parameters.retry_after).toBe(3);
    await hana.send("again");
    expect(hana.lastText()).toMatch(/^echo again/);
  });

  it("flags callback queries the bot never answers", async () => {
    const ida = driver.user({ id: 1009, firstName: "Ida" });
    await ida.send("/silent");
    await ida.tap("Nothing");
    expect(fake.violations.flatMap((v) => v.problems)).toEqual([expect.stringMatching(/was not answered/)]);
    fake.clearViolations();
  });

  it("supports group chats and blocked users", async () => {
    const group = driver.group({ id: -1001234567890, title: "Alerts" });
    const member = group.member({ id: 2001, firstName: "Joko" });
    await member.send("hi all");
    expect(group.newTexts()).toEqual([expect.stringMatching(/^echo hi all/)]);
    expect(group.chat.type).toBe("supergroup");

    const kiki = driver.user({ id: 1010, firstName: "Kiki" });
    await kiki.block();
    await expect(driver.bot.api.sendMessage(1010, "anyone?")).rejects.toThrow(/blocked by the user/);
  });

  it("serves getUpdates for bot.start()", async () => {
    const bot = new Bot("123:TEST", { botInfo, client: { fetch: fake.fetch } });
    bot.on("message:text", (ctx) => ctx.reply("polled"));
    fake.registerChat({ id: 1011, type: "private", first_name: "Lia" });
    fake.queueUpdate({
      update_id: 500,
      message: { message_id: 1, date: 1, chat: { id: 1011, type: "private", first_name: "Lia" }, from: { id: 1011, is_bot: false, first_name: "Lia" }, text: "hi" },
    });
    const done = new Promise<void>((resolve) => {
      fake.respond("sendMessage", () => {
        resolve();
        return undefined;
      });
    });
    const running = bot.start();
    await done;
    await bot.stop();
    await running;
    expect(fake.messages(1011).map((m) => m.text)).toEqual(["polled"]);
  });
});

describe("validateCall", () => {
  it("checks methods, parameters and required parameters", () => {
    expect(validateCall("sendMesage", { chat_id: 1, text: "x" })).toEqual(['unknown method "sendMesage"']);
    expect(validateCall("sendMessage", { chat_id: 1 })).toEqual(['missing required parameter "text"']);
    expect(validateCall("sendMessage", { chat_id: 1, text: "ok" })).toEqual([]);
    expect(validateCall("sendMessage", { chat_id: "1", text: 5 })).toEqual(["text: expected String, got number"]);
  });

  it("checks text length after entity parsing", () => {
    const long = "x".repeat(4096);
    expect(validateCall("sendMessage", { chat_id: 1, text: `<b>${long}</b>`, parse_mode: "HTML" })).toEqual([]);
    expect(validateCall("sendMessage", { chat_id: 1, text: `${long}!` })).toEqual([expect.stringMatching(/4097 characters/)]);
    expect(validateCall("sendMessage", { chat_id: 1, text: "&amp;".repeat(4096), parse_mode: "HTML" })).toEqual([]);
    expect(validateCall("sendMessage", { chat_id: 1, text: "<b> </b>", parse_mode: "HTML" })).toEqual([expect.stringMatching(/non-empty/)]);
    expect(validateCall("sendPhoto", { chat_id: 1, photo: "id", caption: "c".repeat(1025) })).toEqual([expect.stringMatching(/maximum is 1024/)]);
    expect(validateCall("answerCallbackQuery", { callback_query_id: "1", text: "t".repeat(201) })).toEqual([expect.stringMatching(/at most 200/)]);
  });

  it("checks parse modes and Telegram HTML", () => {
    expect(validateCall("sendMessage", { chat_id: 1, text: "x", parse_mode: "html" })).toEqual([expect.stringMatching(/invalid parse mode/)]);
    const ok = '<b>b</b> <strong>s</strong> <i>i</i> <u>u</u> <s>s</s> <span class="tg-spoiler">sp</span> <tg-spoiler>t</tg-spoiler> ' +
      '<a href="https://x.test/?a=1&b=2">link</a> <code>c</code> <pre><code class="language-ts">p</code></pre> ' +
      '<blockquote expandable>q</blockquote> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x41;';
    expect(validateCall("sendMessage", { chat_id: 1, text: ok, parse_mode: "HTML" })).toEqual([]);
    const bad = (text: string): string[] => validateCall("sendMessage", { chat_id: 1, text, parse_mode: "HTML" });
    expect(bad("<b>x")).toEqual([expect.stringMatching(/unclosed tag <b>/)]);
    expect(bad("a < b")).toEqual([expect.stringMatching(/unescaped "<"/)]);
    expect(bad("a > b")).toEqual([expect.stringMatching(/unescaped ">"/)]);
    expect(bad("Tom & Jerry")).toEqual([expect.stringMatching(/unescaped "&"/)]);
    expect(bad("&nbsp;")).toEqual([expect.stringMatching(/unescaped "&"/)]);
    expect(bad("<b><i>x</b></i>")[0]).toMatch(/does not match/);
    expect(bad("<div>x</div>")[0]).toMatch(/unsupported tag/);
    expect(bad("<span>x</span>")[0]).toMatch(/tg-spoiler/);
    expect(bad("line<br/>break")[0]).toMatch(/unsupported tag/);
    expect(parseTelegramHtml("<b>a &amp; b</b>")).toEqual({ text: "a & b", entities: [{ type: "bold", offset: 0, length: 5 }], errors: [] });
  });

  it("checks keyboards recursively against the spec types", () => {
    const send = (reply_markup: unknown): string[] => validateCall("sendMessage", { chat_id: 1, text: "x", reply_markup });
    expect(send({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] })).toEqual([]);
    expect(send({ keyboard: [[{ text: "A", request_contact: true }], ["B"]], resize_keyboard: true })).toEqual([]);
    expect(send({ remove_keyboard: true })).toEqual([]);
    expect(send({ force_reply: true, input_field_placeholder: "..." })).toEqual([]);
    expect(send({ inline_keyboard: [[{ text: "A", callback: "a" }]] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/inline_keyboard\[0\]\[0\]\.callback: unknown field of InlineKeyboardButton/)]),
    );
    expect(send({ inline_keyboard: [[{ text: "", callback_data: "a" }]] })).toEqual([expect.stringMatching(/non-empty/)]);
    expect(send({ inline_keyboard: [[{ text: "A", callback_data: "" }]] })).toEqual([expect.stringMatching(/0 bytes/)]);
    expect(send({ inline_keyboard: [[{ text: "A", callback_data: "é".repeat(33) }]] })).toEqual([expect.stringMatching(/66 bytes/)]);
    expect(send({ keyboard: [[{ text: "A", request_phone: true }]] })).toEqual([expect.stringMatching(/request_phone: unknown field of KeyboardButton/)]);
    expect(send({ remove_keyboard: "yes" })).toEqual([expect.stringMatching(/remove_keyboard: expected Boolean/)]);
  });

  it("accepts mixed photo/video albums but not documents mixed with photos", () => {
    const album = (media: unknown[]): string[] => validateCall("sendMediaGroup", { chat_id: 1, media });
    expect(album([{ type: "photo", media: "a" }, { type: "video", media: "b" }])).toEqual([]);
    expect(album([{ type: "document", media: "a" }, { type: "document", media: "b" }])).toEqual([]);
    expect(album([{ type: "photo", media: "a" }, { type: "document", media: "b" }])).toHaveLength(1);
  });

  it("checks bot commands", () => {
    expect(validateCall("setMyCommands", { commands: [{ command: "start", description: "Mulai" }] })).toEqual([]);
    expect(validateCall("setMyCommands", { commands: [{ command: "Start", description: "" }] })).toEqual([
      expect.stringMatching(/must match/),
      expect.stringMatching(/1-256/),
    ]);
    expect(validateCall("setMyCommands", { commands: [{ command: "a", description: "b" }], scope: { type: "chat", chat_id: 5 } })).toEqual([]);
    expect(validateCall("setMyCommands", { commands: [{ command: "a", description: "b" }], scope: { type: "chats" } })[0]).toMatch(/scope/);
  });
});
