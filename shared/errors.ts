import { z } from 'zod';

/** The fixed set of error codes; the UI switches on these, never on message text. */
export const errorCodes = [
  'ValidationFailed',
  'PermissionDenied',
  'ConfirmationRequired',
  'NotFound',
  'Conflict',
  'Timeout',
  'Io',
  'Database',
  'Serialization',
  'Unavailable',
  'Internal',
] as const;

export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorPayloadSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

/** A failure with a code, thrown inside a process and turned into an envelope at the boundary. */
export class LocalBrainError extends Error {
  override readonly name = 'LocalBrainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isLocalBrainError(value: unknown): value is LocalBrainError {
  return value instanceof LocalBrainError;
}
