import { z } from 'zod';

export const sessionIdSchema = z.string().min(1).max(64);

export const ptyEvents = {
  PtyData: z.object({ sessionId: sessionIdSchema, data: z.string() }),
  PtyExit: z.object({ sessionId: sessionIdSchema, exitCode: z.number().int().nullable(), signal: z.number().int().nullable() }),
} as const;

export const ptyMessages = {} as const;
