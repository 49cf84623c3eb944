import type { LocalBrainApi } from '../../shared/api';
import type { MessageType, ReplyValue, Request } from '../../shared/contract';
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

/** Sends a request and returns its value, or throws a ReplyError carrying the error payload. */
export async function request<T extends MessageType>(message: Request<T>): Promise<ReplyValue<T>> {
  const reply = await api().invoke(message);
  if (!reply.ok) throw new ReplyError(reply.error);
  return reply.value;
}
