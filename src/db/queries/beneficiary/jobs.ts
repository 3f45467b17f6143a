/** Background work of the beneficiary feature (handlers in src/bot/beneficiary/jobs.ts). */
export const BENEFICIARY_JOBS = {
  /** `{ historyId, chatId }`: tell one subscriber about a status change. */
  statusNotify: "status.notify",
  /** `{ requestId }`: tell the area's coordinators about a new data-subject request. */
  dsrNotify: "dsr.notify",
  /** `{ requestId }`: tell the requester the outcome and update the coordinators' messages. */
  dsrOutcome: "dsr.outcome",
  /** `{ requestId }`: redraw the coordinators' messages about a request (e.g. after an erasure). */
  dsrRefresh: "dsr.refresh",
  /** `{ chatId, messageId }`: remove a message that shows a family's data or a PIN. */
  deleteMessage: "dsr.delete_message",
} as const;

/** The topic of the coordinators' messages about one request (see bot/notices.ts). */
export const dsrTopic = (requestId: number) => `dsr:${requestId}`;
