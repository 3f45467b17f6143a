/**
 * Callback data of /bahasa: "lang:<locale>".
 *
 * @module
 */
import type { Locale } from "../../config.js";
import { callbackCodec, type CallbackValues } from "../callback-data.js";

const LOCALE_FIELD = "locale=id|en";

export const LANG = callbackCodec("lang", { _set: [LOCALE_FIELD] });

// Compile-time check that the words above are exactly LOCALES: a new locale fails here until it is listed.
type Listed = CallbackValues<[typeof LOCALE_FIELD]>["locale"];
const everyLocale: [Locale] extends [Listed] ? ([Listed] extends [Locale] ? true : never) : never = true;
void everyLocale;
