import { callbackCodec } from "../../ui/callback-data.js";

/**
 * The dashboard's buttons in the chat ("db:"): `link` asks for a one-time login link for a
 * desktop browser ("Buka di komputer").
 */
export const dashboardCallbacks = callbackCodec("db", { link: [] });
