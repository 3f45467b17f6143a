import type { Locale } from "../config.js";
import type { I18n } from "../i18n.js";

type Tree = { [key: string]: string | Tree };

function pick(tree: Tree, path: string[]): Tree | string | undefined {
  let node: Tree | string | undefined = tree;
  for (const key of path) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[key];
  }
  return node;
}

/**
 * The texts the dashboard's front end shows, from locales/*.json: its own namespace
 * "dashboard", and the bot's vocabulary (statuses, PPKS categories, urgency, visit conditions
 * and referrals) so that both say the same words. The front end hardcodes no visible text.
 */
export function clientStrings(i18n: I18n, locale: Locale): Tree {
  const bundle = (i18n.instance.getResourceBundle(locale, "translation") ?? {}) as Tree;
  const out: Tree = {};
  const dashboard = pick(bundle, ["dashboard"]);
  const vocab = pick(bundle, ["vocab"]);
  if (typeof dashboard === "object") out["dashboard"] = dashboard;
  if (typeof vocab === "object") out["vocab"] = vocab;
  const condition = pick(bundle, ["visit", "condition"]);
  const referral = pick(bundle, ["visit", "referral"]);
  out["visit"] = {
    ...(typeof condition === "object" ? { condition } : {}),
    ...(typeof referral === "object" ? { referral } : {}),
  };
  return out;
}
