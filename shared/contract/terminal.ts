import { z } from 'zod';
import { limits } from '../limits';
import { defineMessage } from './define';

const noNul = (value: string) => !value.includes('\0');

export const pathStringSchema = z
  .string()
  .min(1, { error: 'path must not be empty' })
  .max(limits.maxPathChars)
  .refine(noNul, { error: 'path must not contain NUL' });

/** Chosen by the client; unique among its own running commands. */
export const commandStreamIdSchema = z.string().min(1).max(64);

export const terminalCommandDataSchema = z.strictObject({
  cmd: z.string().min(1).max(limits.maxPathChars).refine(noNul, { error: 'cmd must not contain NUL' }),
  args: z
    .array(z.string().max(limits.maxCommandArgChars).refine(noNul, { error: 'an argument must not contain NUL' }))
    .max(limits.maxCommandArgs),
  cwd: pathStringSchema.optional(),
  timeoutMs: z.number().int().min(1).max(limits.maxCommandTimeoutMs).optional(),
  /** When given, output is also pushed as CommandOutput events while the command runs, and CommandCancel with this id stops it. */
  streamId: commandStreamIdSchema.optional(),
});

export const terminalCommandReplySchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
  /** True when CommandCancel stopped the command. */
  cancelled: z.boolean().optional(),
});

export const terminalEvents = {
  /** A piece of a streaming command's output, in order, up to the output cap. */
  CommandOutput: z.object({ streamId: commandStreamIdSchema, stream: z.enum(['stdout', 'stderr']), data: z.string() }),
} as const;

export const terminalMessages = {
  TerminalCommand: defineMessage(terminalCommandDataSchema, terminalCommandReplySchema),
  CommandCancel: defineMessage(z.strictObject({ streamId: commandStreamIdSchema }), z.object({ cancelled: z.boolean() })),
} as const;
