/**
 * Callback data of the household list and card ("hh:"): a page of /keluarga with its search
 * text, how to search, open a card, edit a household. The handlers check visibility again.
 *
 * @module
 */
import { callbackCodec } from "../callback-data.js";

export const HH = callbackCodec("hh", {
  list: ["page", "q:text"],
  search: [],
  open: ["id"],
  edit: ["id"],
});
