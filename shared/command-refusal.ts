import { z } from 'zod';
import { confirmationDetailsSchema } from './contract/confirm';
import type { ErrorPayload } from './errors';

const refusalDetailsSchema = z.object({ rule: z.string(), reason: z.string() });

/**
 * The text a view shows for a failed request: a command that needs confirmation or was
 * refused shows the policy's reason and the rule that decided, read from the reply's
 * details (never parsed out of the message text); anything else shows code and message.
 */
export function describeReplyError({ code, message, details }: ErrorPayload): string {
  if (code === 'ConfirmationRequired') {
    const confirmation = confirmationDetailsSchema.safeParse(details);
    if (confirmation.success) {
      const { action, reason, rule } = confirmation.data;
      return `Needs your confirmation to run \`${action}\`: ${reason}${rule === undefined ? '' : ` (rule: ${rule})`}`;
    }
  }
  if (code === 'PermissionDenied') {
    const refusal = refusalDetailsSchema.safeParse(details);
    if (refusal.success) return `Refused: ${refusal.data.reason} (rule: ${refusal.data.rule})`;
  }
  return `${code}: ${message}`;
}
