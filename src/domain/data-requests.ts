/**
 * Rules of data-subject requests (UU PDP Pasal 32–34): deadlines and how long a copy of the
 * data stays in the chat. The queries are in src/db/queries/beneficiary/requests.ts.
 *
 * @module
 */

/** UU PDP: data-subject requests are answered within 3×24 hours. */
export const DSR_DEADLINE_MS = 72 * 60 * 60 * 1000;

/** How long a copy of a family's data (masked, or with full numbers) stays in the chat. */
export const ACCESS_COPY_TTL_MS = 24 * 60 * 60 * 1000;

/** The deadline of a request made at `createdAt`. */
export function dsrDueAt(createdAt: Date): Date {
  return new Date(createdAt.getTime() + DSR_DEADLINE_MS);
}
