import { ptyDataFrame, type PtyDataPayload } from '../../shared/wire';

/**
 * One PtyData event as serve mode's binary frame (layout in shared/wire.ts): the output is
 * UTF-8 encoded once, straight into the frame, instead of JSON-escaped and then encoded.
 */
export function encodePtyDataFrame(payload: PtyDataPayload): Buffer {
  const idBytes = Buffer.byteLength(payload.sessionId, 'utf8');
  if (idBytes > ptyDataFrame.maxSessionIdBytes) throw new RangeError('session id too long for a binary frame');
  const dataStart = ptyDataFrame.headerBytes + idBytes;
  const frame = Buffer.allocUnsafe(dataStart + Buffer.byteLength(payload.data, 'utf8'));
  frame[0] = ptyDataFrame.kind;
  frame[1] = payload.replay === true ? ptyDataFrame.replayFlag : 0;
  frame[2] = idBytes;
  frame.write(payload.sessionId, ptyDataFrame.headerBytes, 'utf8');
  frame.write(payload.data, dataStart, 'utf8');
  return frame;
}
