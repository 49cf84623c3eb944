import { z } from 'zod';
import { defineMessage } from './define';
import { terminalCommandReplySchema } from './terminal';
import { voiceCommandReplySchema, voicePlanSchema } from './voice';

/**
 * What a confirmation approves: one terminal command (the command policy asked), a whole
 * spoken plan, or one message of any type that a capability's `ask` permission held back.
 */
export const confirmationKindSchema = z.enum(['TerminalCommand', 'VoicePlan', 'Message']);
export type ConfirmationKind = z.infer<typeof confirmationKindSchema>;

/** The `details` of a ConfirmationRequired error: what to show the person and the token that approves it. */
export const confirmationDetailsSchema = z.object({
  /**
   * What waits for the person: one terminal command or a whole spoken plan; the dialog
   * switches on it. Absent on confirmations issued before kinds existed: those are TerminalCommand.
   */
  kind: confirmationKindSchema.optional(),
  /** Who asks: the actor the token is bound to (`window:1`, `serve:2`), or the plugin whose ask came through `via`. */
  asker: z.string().optional(),
  /**
   * For a plugin's ask: the sender that ran the plugin's command (`window:1`, `voice:window:1`).
   * The token is bound to this sender, never to the plugin.
   */
  via: z.string().optional(),
  /** For a plugin's ask: the plugin and the command that is waiting for the answer. */
  plugin: z.object({ id: z.string(), command: z.string() }).optional(),
  /** Exactly what would run, for a TerminalCommand (or a held TerminalCommand message). */
  command: z.object({ cmd: z.string(), args: z.array(z.string()), cwd: z.string().optional() }).optional(),
  /** For a Message: the type of the message held back, e.g. `FileOperation`. */
  message: z.string().optional(),
  /** For a held FileOperation: the operation and the paths it touches (relative to its workspace root). */
  file: z.object({ op: z.string(), paths: z.array(z.string()) }).optional(),
  /** For a held SettingsSet: the keys it changes. */
  keys: z.array(z.string()).optional(),
  /** For a Message: what "always allow" keeps for this sender kind, in words. */
  always: z.string().optional(),
  token: z.string(),
  /** What will run, for the prompt, e.g. `apt-get install jq`. */
  action: z.string(),
  reason: z.string(),
  /** The policy rule that asked, e.g. `write-outside`, `runs-command`, `unknown-program`. */
  rule: z.string().optional(),
  expiresAt: z.number(),
  /** For a VoicePlan: every step, so the person sees what will run, where and with which arguments. */
  plan: voicePlanSchema.optional(),
  /** For a VoicePlan: the intent and the sentence to say while asking. */
  intent: z.string().optional(),
  say: z.string().optional(),
});
export type ConfirmationDetails = z.infer<typeof confirmationDetailsSchema>;

export const confirmDecisionSchema = z.enum(['once', 'always', 'deny']);
export type ConfirmDecision = z.infer<typeof confirmDecisionSchema>;

export const confirmMessages = {
  /** Redeems a one-time token from a ConfirmationRequired error and runs what it approved. */
  Confirm: defineMessage(
    z.strictObject({
      token: z.string().min(16).max(128),
      /**
       * `once` (the default) runs it this time; `always` also keeps a standing grant for this
       * sender kind, program and arguments (for a terminal command; refused, token kept, when the policy asked
       * about a plugin's command); `deny` refuses it and uses the token up.
       */
      decision: confirmDecisionSchema.optional(),
    }),
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('TerminalCommand'), value: terminalCommandReplySchema }),
      z.object({ type: z.literal('VoicePlan'), value: voiceCommandReplySchema }),
      /** A held message ran: its type and its own reply value. */
      z.object({ type: z.literal('Message'), value: z.object({ type: z.string(), value: z.unknown() }) }),
      /** A plugin's held message ran and the plugin's command went on to finish: the command's return value (PluginRun's reply). */
      z.object({ type: z.literal('PluginRun'), value: z.unknown() }),
    ]),
  ),
  /** Drops a pending confirmation (the person chose Cancel); nothing it approved runs. */
  ConfirmCancel: defineMessage(z.strictObject({ token: z.string().min(16).max(128) }), z.object({ dropped: z.boolean() })),
} as const;
