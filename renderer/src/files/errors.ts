import { ReplyError } from '../api';

/** A message for a failed file request, by error code (never by parsing the text). */
export function describeFileError(error: unknown): string {
  if (!(error instanceof ReplyError)) return 'The request could not be sent.';
  const { code, message } = error.payload;
  if (isReadOnly(error)) return `Read-only: ${message}`;
  switch (code) {
    case 'PermissionDenied':
      return `Refused: LocalBrain only opens files inside the folders you granted. ${message}`;
    case 'NotFound':
      return `Not found: ${message}`;
    case 'Conflict':
      return `Conflict: ${message}`;
    case 'ValidationFailed':
      return `Not possible: ${message}`;
    case 'Unavailable':
      return message;
    default:
      return `${code}: ${message}`;
  }
}

export function isConflict(error: unknown): boolean {
  return error instanceof ReplyError && error.payload.code === 'Conflict';
}

/** A save refused because the file's permissions make it read-only: the person may choose to save anyway. */
export function isReadOnly(error: unknown): boolean {
  if (!(error instanceof ReplyError) || error.payload.code !== 'PermissionDenied') return false;
  const details: unknown = error.payload.details;
  return typeof details === 'object' && details !== null && (details as { reason?: unknown }).reason === 'read-only';
}
