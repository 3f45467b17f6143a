import type { FlowDefinition } from "../index.js";
import { cekamanAnswerFlow } from "./answer.js";
import { cekamanSetupFlow } from "./setup.js";

export { CEKAMAN_ANSWER, type CekamanAnswerArgs } from "./answer.js";
export { CEKAMAN_SETUP } from "./setup.js";

/** The Cek Aman conversations (issue 15). */
export const cekamanFlows: FlowDefinition[] = [cekamanSetupFlow, cekamanAnswerFlow];
