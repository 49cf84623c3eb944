import { z } from 'zod';
import { errorPayloadSchema } from '../errors';
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

/** Limits of the voice domain, each with the reason for its number. */
export const voiceLimits = {
  /** What OpenAI's transcription endpoint accepts, and what whisper.cpp's server is usually run with. */
  maxClipBytes: 25 * 1024 * 1024,
  /** Push-to-talk is for commands; two minutes is far longer than any sentence. */
  maxClipMs: 2 * 60_000,
  /** One VoiceClipAppend chunk: well under the router's 1 MiB message limit once base64-encoded. */
  maxClipChunkBytes: 512 * 1024,
  /** Suggestions shown under the command bar: a glance, not a list to scroll. */
  maxSuggestions: 8,
  /** History entries kept: years of commands for one person, still scanned in well under a millisecond per keystroke. */
  maxHistoryEntries: 5_000,
} as const;

/**
 * An intent's id, such as `open_terminal`. Plugins add their own, so this is a checked
 * string and not a closed enum; `unknown` is the reply to a sentence nobody understood.
 */
export const voiceIntentSchema = z.string().min(1).max(64);
export type VoiceIntent = z.infer<typeof voiceIntentSchema>;

/** The message types a plan may contain: ordinary requests, each run through the router by itself. */
export const planStepTypes = [
  'PtySpawn',
  'PtyAttach',
  'PtyKill',
  'PtyList',
  'TerminalCommand',
  'FileOperation',
  'AuditQuery',
  'AuditVerify',
  'HealthReport',
  'SettingsGet',
  'SettingsSet',
  'PluginRun',
] as const;
export type PlanStepType = (typeof planStepTypes)[number];

export const planStepSchema = z.object({
  /** The request as the router will receive it; its data is checked there like any other. */
  message: z.object({ type: z.enum(planStepTypes), data: z.unknown() }),
  /** One line for the person: what will run, where, with which arguments. */
  describe: z.string(),
  /** True when this step always asks first (deletes), whatever the policy says about the rest. */
  confirm: z.boolean().optional(),
});

export const voicePlanSchema = z.object({
  /** Written into each step's audit summary as `planId`. */
  id: z.string(),
  steps: z.array(planStepSchema),
});
export type VoicePlan = z.infer<typeof voicePlanSchema>;

export const stepResultSchema = z.object({
  /** Index of the step in the plan. */
  step: z.number().int(),
  type: z.string(),
  ok: z.boolean(),
  value: z.unknown().optional(),
  error: errorPayloadSchema.optional(),
});
export type StepResult = z.infer<typeof stepResultSchema>;

/** Where the renderer should take the person after the reply: a view, a file, a terminal. */
export const voiceShowSchema = z.object({
  view: z.enum(['command', 'terminals', 'files', 'audit', 'health', 'settings']),
  /** A file to open in the viewer, or a folder to show. */
  path: z.string().optional(),
  /** True when `path` is a folder (reveal it) rather than a file (open it). */
  folder: z.boolean().optional(),
  /** A terminal to open or focus. */
  sessionId: z.string().optional(),
});
export type VoiceShow = z.infer<typeof voiceShowSchema>;

export const voiceCommandReplySchema = z.object({
  intent: voiceIntentSchema,
  understood: z.boolean(),
  /** One short sentence, suitable for speech or a status line. */
  say: z.string(),
  plan: voicePlanSchema,
  /** What each step that ran returned, in order. */
  results: z.array(stepResultSchema),
  /** For a sentence not understood: up to three things the person could say instead. */
  suggestions: z.array(z.string()).max(3).optional(),
  show: voiceShowSchema.optional(),
  /** True when VoiceCancel stopped the plan. */
  cancelled: z.boolean().optional(),
});
export type VoiceCommandReply = z.infer<typeof voiceCommandReplySchema>;

export const voiceSuggestionSchema = z.object({
  text: z.string(),
  /** `history`: something the person said before; `grammar`: an example of an intent. */
  source: z.enum(['history', 'grammar']),
  intent: z.string().optional(),
});
export type VoiceSuggestion = z.infer<typeof voiceSuggestionSchema>;

export const voiceHistoryEntrySchema = z.object({
  text: z.string(),
  intent: z.string(),
  /** `ok` or the error code of the last time it was said. */
  outcome: z.string(),
  count: z.number().int(),
  lastUsedAt: z.number(),
});
export type VoiceHistoryEntry = z.infer<typeof voiceHistoryEntrySchema>;

/** base64 without line breaks; the chunk limit is checked on the decoded bytes in main. */
const base64Schema = z
  .string()
  .max(Math.ceil(voiceLimits.maxClipChunkBytes / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'data must be base64' });
const clipIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'clipId must be 1–64 letters, digits, _ or -' });

export const voiceMessages = {
  VoiceCommand: defineMessage(voiceCommandDataSchema, voiceCommandReplySchema),
  /** The kill switch: stops this sender's running plans (or one of them) and the commands they started. */
  VoiceCancel: defineMessage(
    z.strictObject({ planId: z.string().min(1).max(64).optional() }),
    z.object({ cancelled: z.number().int() }),
  ),
  /** Suggestions for what is typed so far: the person's history by frecency, then the grammar. */
  VoiceSuggest: defineMessage(
    z.strictObject({
      text: z.string().max(1_000),
      limit: z.number().int().min(1).max(voiceLimits.maxSuggestions).optional(),
    }),
    z.object({ suggestions: z.array(voiceSuggestionSchema) }),
  ),
  /** Recent commands with their outcomes, newest first (↑/↓ in the command bar, the Command view's list). */
  VoiceHistory: defineMessage(
    z.strictObject({ limit: z.number().int().min(1).max(500).optional() }),
    z.object({ entries: z.array(voiceHistoryEntrySchema) }),
  ),
  /** One piece of a recorded WAV clip; pieces arrive in order. */
  VoiceClipAppend: defineMessage(
    z.strictObject({ clipId: clipIdSchema, data: base64Schema }),
    z.object({ bytes: z.number().int() }),
  ),
  /** Sends the clip to the configured speech-to-text endpoint and returns the transcript (the clip is then forgotten). */
  VoiceTranscribe: defineMessage(
    z.strictObject({ clipId: clipIdSchema, language: z.string().max(35).optional() }),
    z.object({
      text: z.string(),
      language: z.string().optional(),
      confidence: z.number().min(0).max(1).optional(),
      durationMs: z.number().int().min(0),
    }),
  ),
  /** Drops a clip without sending it (the person let go of push-to-talk with Escape). */
  VoiceClipDiscard: defineMessage(z.strictObject({ clipId: clipIdSchema }), z.object({ discarded: z.boolean() })),
} as const;
