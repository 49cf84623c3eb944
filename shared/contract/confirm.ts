import { z } from 'zod';
import { defineMessage } from './define';
import { terminalCommandReplySchema } from './terminal';
import { voiceCommandReplySchema, voicePlanSchema } from './voice';

/** What a confirmation approves: one terminal command, or a whole spoken plan. */
export const confirmationKindSchema = z.enum(['TerminalCommand', 'VoicePlan']);
export type ConfirmationKind = z.infer<typeof confirmationKindSchema>;

/** The `details` of a ConfirmationRequired error: what to show the person and the token that approves it. */
export const confirmationDetailsSchema = z.object({
  token: z.string(),
  /** What will run, for the prompt, e.g. `apt-get install jq`. */
  action: z.string(),
  reason: z.string(),
  expiresAt: z.number(),
  /** Absent on confirmations issued before kinds existed: those are TerminalCommand. */
  kind: confirmationKindSchema.optional(),
  /** For a VoicePlan: every step, so the person sees what will run, where and with which arguments. */
  plan: voicePlanSchema.optional(),
  /** For a VoicePlan: the intent and the sentence to say while asking. */
  intent: z.string().optional(),
  say: z.string().optional(),
});
export type ConfirmationDetails = z.infer<typeof confirmationDetailsSchema>;

export const confirmMessages = {
  /** Redeems a one-time token from a ConfirmationRequired error and runs what it approved. */
  Confirm: defineMessage(
    z.strictObject({ token: z.string().min(16).max(128) }),
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('TerminalCommand'), value: terminalCommandReplySchema }),
      z.object({ type: z.literal('VoicePlan'), value: voiceCommandReplySchema }),
    ]),
  ),
  /** Drops a pending confirmation (the person chose Cancel); nothing it approved runs. */
  ConfirmCancel: defineMessage(z.strictObject({ token: z.string().min(16).max(128) }), z.object({ dropped: z.boolean() })),
} as const;
