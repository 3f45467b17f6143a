import type { FlowDefinition } from "./index.js";

/** Every flow of the bot (ids are persisted: never rename one without bumping FLOWS_VERSION). */
export const ALL_FLOWS: FlowDefinition[] = [];
