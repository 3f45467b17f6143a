import type { Feature } from "../features.js";
import { dashboardHandlers } from "./handlers.js";

/**
 * The coordinator dashboard (issue 14), chat side: /dasbor (open the Mini App, or get a
 * one-time login link for a computer) and the "db:" buttons. The dashboard itself — page,
 * API, sessions — is served by the same process from src/web/.
 */
export const dashboardFeature: Feature = {
  name: "dashboard",
  composer: dashboardHandlers,
};
