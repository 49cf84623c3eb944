import { z } from 'zod';
import type { Envelope } from '../envelope';
import { auditMessages } from './audit';
import { confirmMessages } from './confirm';
import type { MessageSpec } from './define';
import { fileEvents, fileMessages } from './files';
import { healthMessages } from './health';
import { ptyEvents, ptyMessages } from './pty';
import { sessionMessages } from './session';
import { settingsMessages } from './settings';
import { terminalEvents, terminalMessages } from './terminal';
import { voiceMessages } from './voice';
import { workspaceMessages } from './workspace';

/**
 * Every request type LocalBrain understands. Each domain declares its messages in its own
 * file; this map is the single list that the router, the preload and the renderer derive from.
 */
export const messageSpecs = {
  ...voiceMessages,
  ...fileMessages,
  ...workspaceMessages,
  ...terminalMessages,
  ...ptyMessages,
  ...confirmMessages,
  ...healthMessages,
  ...auditMessages,
  ...settingsMessages,
  ...sessionMessages,
} as const satisfies Record<string, MessageSpec>;

/** Every event main pushes to a window, by name: the schema of its `data`. */
export const eventSpecs = {
  ...ptyEvents,
  ...terminalEvents,
  ...fileEvents,
} as const satisfies Record<string, z.ZodType>;

type Specs = typeof messageSpecs;
export type MessageType = keyof Specs;
export type MessageData<T extends MessageType> = z.infer<Specs[T]['data']>;
export type ReplyValue<T extends MessageType> = z.infer<Specs[T]['reply']>;
export type Request<T extends MessageType = MessageType> = { [K in T]: { type: K; data: MessageData<K> } }[T];
export type Reply<T extends MessageType> = Envelope<ReplyValue<T>>;

type Events = typeof eventSpecs;
export type EventType = keyof Events;
export type EventData<T extends EventType> = z.infer<Events[T]>;
export type AppEvent<T extends EventType = EventType> = { [K in T]: { type: K; data: EventData<K> } }[T];

export const messageTypes = Object.keys(messageSpecs) as MessageType[];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(messageSpecs, value);
}

/** The outer shape of every request: a tag and its content, like serde's `tag = "type", content = "data"`. */
export const requestFrameSchema = z.strictObject({ type: z.string().max(64), data: z.unknown() });

function variant<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({ type: z.literal(type), data });
}

/** The whole request union as one schema, for callers that want a single parse. */
export const requestSchema = z.discriminatedUnion(
  'type',
  Object.entries(messageSpecs).map(([type, spec]) => variant(type, spec.data)) as unknown as [
    ReturnType<typeof variant>,
    ...ReturnType<typeof variant>[],
  ],
) as unknown as z.ZodType<Request>;

export const eventSchema = z.discriminatedUnion(
  'type',
  Object.entries(eventSpecs).map(([type, data]) => variant(type, data)) as unknown as [
    ReturnType<typeof variant>,
    ...ReturnType<typeof variant>[],
  ],
) as unknown as z.ZodType<AppEvent>;

export type ParseResult = { ok: true; request: Request } | { ok: false; type: string | undefined; issues: z.core.$ZodIssue[] };

/**
 * Parses a request in two steps so the error names the problem precisely: first the
 * `{type, data}` frame and a known type, then that type's own `data` schema.
 */
export function parseRequest(input: unknown): ParseResult {
  const frame = requestFrameSchema.safeParse(input);
  if (!frame.success) {
    const type = typeof input === 'object' && input !== null && 'type' in input ? input.type : undefined;
    return { ok: false, type: typeof type === 'string' ? type : undefined, issues: frame.error.issues };
  }
  const { type, data } = frame.data;
  if (!isMessageType(type)) {
    return {
      ok: false,
      type,
      issues: [{ code: 'custom', path: ['type'], message: `unknown message type "${type}"`, input: type }],
    };
  }
  const parsed = messageSpecs[type].data.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      type,
      issues: parsed.error.issues.map((issue) => ({ ...issue, path: ['data', ...issue.path] })),
    };
  }
  return { ok: true, request: { type, data: parsed.data } as Request };
}
