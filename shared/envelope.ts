import { z } from 'zod';
import { errorPayloadSchema, type ErrorPayload } from './errors';

/** Every reply crosses the boundary as one of these; nothing is thrown across it. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export function envelopeSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: errorPayloadSchema }),
  ]);
}

export function okEnvelope<T>(value: T): Envelope<T> {
  return { ok: true, value };
}

export function errorEnvelope(error: ErrorPayload): Envelope<never> {
  return { ok: false, error };
}
