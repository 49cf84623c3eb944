import { z } from 'zod';
import { defineMessage } from './define';
import { pathStringSchema } from './terminal';

/** Limits of the PTY messages; each carries the reason for its number. */
export const ptyLimits = {
  /** One PtyWrite: a large paste still fits, and a runaway renderer cannot queue megabytes per message. */
  maxWriteChars: 64 * 1024,
  /** Terminal size: xterm.js and the kernel's winsize take 16-bit values; 2,000 is far beyond any screen. */
  maxCols: 2_000,
  maxRows: 1_000,
  /** A tab title the person typed or the shell set. */
  maxTitleChars: 256,
} as const;

export const sessionIdSchema = z.string().min(1).max(64);

const colsSchema = z.number().int().min(1).max(ptyLimits.maxCols);
const rowsSchema = z.number().int().min(1).max(ptyLimits.maxRows);

export const ptySessionInfoSchema = z.object({
  sessionId: sessionIdSchema,
  pid: z.number().int(),
  shell: z.string(),
  cwd: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  title: z.string(),
  createdAt: z.number(),
  /** True when the session's window went away and no one has attached since. */
  orphaned: z.boolean(),
  /** True when the session belongs to the sender that asked. */
  mine: z.boolean(),
  /** Started again from the saved layout after a restart (or crash); false once a window attaches. */
  restored: z.boolean().optional(),
});
export type PtySessionInfo = z.infer<typeof ptySessionInfoSchema>;

export const ptyEvents = {
  /**
   * Output, decoded on UTF-8 character boundaries and batched. `replay` marks the scrollback
   * sent once on PtyAttach. The receiver acknowledges `data.length` with PtyAck once drawn.
   */
  PtyData: z.object({ sessionId: sessionIdSchema, data: z.string(), replay: z.boolean().optional() }),
  /** Sent once per session, after its last PtyData. */
  PtyExit: z.object({ sessionId: sessionIdSchema, exitCode: z.number().int().nullable(), signal: z.number().int().nullable() }),
  /** The session was attached by another window; this one no longer receives its output. */
  PtyDetached: z.object({ sessionId: sessionIdSchema }),
} as const;

export const ptyMessages = {
  PtySpawn: defineMessage(
    z.strictObject({
      cols: colsSchema,
      rows: rowsSchema,
      cwd: pathStringSchema.optional(),
      /** Must be one of the shells listed in /etc/shells (or the configured default). */
      shell: pathStringSchema.optional(),
      title: z.string().max(ptyLimits.maxTitleChars).optional(),
    }),
    z.object({ sessionId: sessionIdSchema, pid: z.number().int(), shell: z.string(), cwd: z.string() }),
  ),
  PtyWrite: defineMessage(
    z.strictObject({ sessionId: sessionIdSchema, data: z.string().min(1).max(ptyLimits.maxWriteChars) }),
    z.object({}),
  ),
  PtyResize: defineMessage(z.strictObject({ sessionId: sessionIdSchema, cols: colsSchema, rows: rowsSchema }), z.object({})),
  PtyKill: defineMessage(z.strictObject({ sessionId: sessionIdSchema }), z.object({})),
  /** `bytes` counts the characters (UTF-16 code units) of PtyData.data the receiver has processed. */
  PtyAck: defineMessage(
    z.strictObject({ sessionId: sessionIdSchema, bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
    z.object({}),
  ),
  PtyList: defineMessage(z.strictObject({}), z.object({ sessions: z.array(ptySessionInfoSchema) })),
  /** Takes a session over for this sender and replays its scrollback as one PtyData with `replay: true`. */
  PtyAttach: defineMessage(z.strictObject({ sessionId: sessionIdSchema }), ptySessionInfoSchema),
  PtyRename: defineMessage(
    z.strictObject({ sessionId: sessionIdSchema, title: z.string().min(1).max(ptyLimits.maxTitleChars) }),
    z.object({}),
  ),
} as const;
