import { AsyncLocalStorage } from "node:async_hooks";
import type { Locale } from "../config.js";

/**
 * Facts about the update being processed, visible to code that has no outside context
 * (plugins inside conversations). Only used for message texts, never for control flow, so
 * it cannot make a conversation replay differently.
 */
export interface UpdateScope {
  locale: Locale;
}

export const updateScope = new AsyncLocalStorage<UpdateScope>();
