/** Serve mode's fixed names (DESIGN.md "Serve mode"); zod-free so the browser bridge stays small. */
export const serveUrlPrefix = 'LOCALBRAIN_URL=';
export const wsPath = '/ipc';

/**
 * Serve mode's one binary server frame: a session's PTY output, pushed without JSON (the
 * wire bench showed encoding and parsing 64 Ki-character strings as JSON in both processes).
 *
 * byte 0: kind (1 = PtyData) · byte 1: flags (bit 0 = replay) · byte 2: n, the session id's
 * length in bytes · bytes 3…3+n: the session id (UTF-8) · the rest: the output (UTF-8).
 *
 * The output is whole characters (main decodes the PTY's bytes on character boundaries), so
 * each frame decodes on its own and the receiver counts the same UTF-16 code units for
 * `PtyAck` as main sent.
 */
export const ptyDataFrame = { kind: 1, replayFlag: 1, headerBytes: 3, maxSessionIdBytes: 255 } as const;

export interface PtyDataPayload {
  readonly sessionId: string;
  readonly data: string;
  readonly replay?: boolean;
}

/** Reads a binary server frame; undefined when it is not one this version knows. */
export function decodePtyDataFrame(bytes: Uint8Array, decoder: TextDecoder): PtyDataPayload | undefined {
  if (bytes.length < ptyDataFrame.headerBytes || bytes[0] !== ptyDataFrame.kind) return undefined;
  const flags = bytes[1] ?? 0;
  const idEnd = ptyDataFrame.headerBytes + (bytes[2] ?? 0);
  if (idEnd > bytes.length) return undefined;
  const sessionId = decoder.decode(bytes.subarray(ptyDataFrame.headerBytes, idEnd));
  const data = decoder.decode(bytes.subarray(idEnd));
  return (flags & ptyDataFrame.replayFlag) !== 0 ? { sessionId, data, replay: true } : { sessionId, data };
}
