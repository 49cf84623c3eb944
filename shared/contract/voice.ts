import { z } from 'zod';
import { limits } from '../limits';
import { defineMessage } from './define';

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
};

/** Text is counted in Unicode code points, so 10,000 emoji are as allowed as 10,000 letters. */
export const commandTextSchema = z
  .string()
  .max(limits.maxCommandTextChars * 2, { error: `text must be at most ${limits.maxCommandTextChars} characters` })
  .refine((text) => codePoints(text) <= limits.maxCommandTextChars, {
    error: `text must be at most ${limits.maxCommandTextChars} characters`,
  })
  .refine((text) => text.trim().length > 0, { error: 'text must not be empty' });

export const voiceCommandDataSchema = z.strictObject({
  text: commandTextSchema,
  metadata: z.strictObject({
    source: z.enum(['voice', 'keyboard', 'plugin']),
    confidence: z.number().min(0).max(1).optional(),
    /** A BCP 47 tag such as `en` or `en-GB`. */
    language: z
      .string()
      .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, { error: 'language must be a BCP 47 tag' })
      .max(35)
      .optional(),
    durationMs: z.number().int().min(0).max(3_600_000).optional(),
  }),
});

export const voiceIntentSchema = z.enum(['help', 'list_files', 'open_terminal', 'unknown']);
export type VoiceIntent = z.infer<typeof voiceIntentSchema>;

export const voiceCommandReplySchema = z.object({
  intent: voiceIntentSchema,
  understood: z.boolean(),
  /** What the app says back, suitable for speech or a status line. */
  say: z.string(),
});

export const voiceMessages = {
  VoiceCommand: defineMessage(voiceCommandDataSchema, voiceCommandReplySchema),
} as const;
