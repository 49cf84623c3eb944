import { z } from 'zod';
import { limits } from '../limits';
import { defineMessage } from './define';

const noNul = (value: string) => !value.includes('\0');

export const pathStringSchema = z
  .string()
  .min(1, { error: 'path must not be empty' })
  .max(limits.maxPathChars)
  .refine(noNul, { error: 'path must not contain NUL' });

export const terminalCommandDataSchema = z.strictObject({
  cmd: z.string().min(1).max(limits.maxPathChars).refine(noNul, { error: 'cmd must not contain NUL' }),
  args: z
    .array(z.string().max(limits.maxCommandArgChars).refine(noNul, { error: 'an argument must not contain NUL' }))
    .max(limits.maxCommandArgs),
  cwd: pathStringSchema.optional(),
  timeoutMs: z.number().int().min(1).max(limits.maxCommandTimeoutMs).optional(),
});

export const terminalCommandReplySchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
});

export const terminalMessages = {
  TerminalCommand: defineMessage(terminalCommandDataSchema, terminalCommandReplySchema),
} as const;
