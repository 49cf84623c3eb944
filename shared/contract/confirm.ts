import { z } from 'zod';
import { defineMessage } from './define';
import { terminalCommandReplySchema } from './terminal';

/** The `details` of a ConfirmationRequired error: what to show the person and the token that approves it. */
export const confirmationDetailsSchema = z.object({
  token: z.string(),
  /** What will run, for the prompt, e.g. `apt-get install jq`. */
  action: z.string(),
  reason: z.string(),
  /** The policy rule that asked, e.g. `write-outside`, `runs-command`, `unknown-program`. */
  rule: z.string().optional(),
  expiresAt: z.number(),
});
export type ConfirmationDetails = z.infer<typeof confirmationDetailsSchema>;

export const confirmMessages = {
  /** Redeems a one-time token from a ConfirmationRequired error and runs what it approved. */
  Confirm: defineMessage(
    z.strictObject({ token: z.string().min(16).max(128) }),
    z.discriminatedUnion('type', [z.object({ type: z.literal('TerminalCommand'), value: terminalCommandReplySchema })]),
  ),
} as const;
