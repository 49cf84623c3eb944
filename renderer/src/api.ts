import type { LocalBrainApi } from '../../shared/api';
import type { MessageType, ReplyValue, Request } from '../../shared/contract';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../shared/contract/confirm';
import type { ErrorPayload } from '../../shared/errors';

declare global {
  interface Window {
    readonly localbrain: LocalBrainApi;
  }
}

export function api(): LocalBrainApi {
  return window.localbrain;
}

/** A failed reply, kept as data so views switch on `code`. */
export class ReplyError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}

/**
 * Puts a confirmation to the person and sends their decision: resolves with Confirm's reply,
 * rejects with a ReplyError (their "deny" is PermissionDenied with `declined`).
 */
export type ConfirmationAsker = (details: ConfirmationDetails) => Promise<ReplyValue<'Confirm'>>;

let asker: ConfirmationAsker | undefined;

/** The app's one confirmation dialog registers here; the returned function unregisters it. */
export function setConfirmationAsker(next: ConfirmationAsker): () => void {
  asker = next;
  return () => {
    if (asker === next) asker = undefined;
  };
}

/**
 * The confirmations the app-wide dialog answers: a terminal command the policy asked about,
 * and a message a capability's `ask` permission held back. Spoken plans have their own prompt.
 */
export function dialogConfirmation(error: ErrorPayload): ConfirmationDetails | undefined {
  if (error.code !== 'ConfirmationRequired') return undefined;
  const parsed = confirmationDetailsSchema.safeParse(error.details);
  if (!parsed.success) return undefined;
  const kind = parsed.data.kind ?? 'TerminalCommand';
  return kind === 'TerminalCommand' || kind === 'Message' ? parsed.data : undefined;
}

/** The reply of the request the person confirmed, out of Confirm's reply. */
function confirmedValue(reply: ReplyValue<'Confirm'>): unknown {
  return reply.type === 'Message' ? reply.value.value : reply.value;
}

/**
 * Sends a request and returns its value, or throws a ReplyError carrying the error payload.
 * A request that needs the person's confirmation waits for their answer in the app's dialog
 * and returns what then ran (or throws their "deny" as PermissionDenied).
 */
export async function request<T extends MessageType>(message: Request<T>): Promise<ReplyValue<T>> {
  const reply = await api().invoke(message);
  if (reply.ok) return reply.value;
  const details = dialogConfirmation(reply.error);
  const ask = asker;
  if (details && ask) return confirmedValue(await ask(details)) as ReplyValue<T>;
  throw new ReplyError(reply.error);
}
