import { z } from 'zod';
import { errorCodeSchema } from '../errors';
import { defineMessage } from './define';

/** Most entries one AuditQuery returns: a screenful many times over, small enough to render at once. */
const maxQueryLimit = 500;
/** Most entries one AuditExport page carries: about 3 MB of JSON Lines. */
const maxExportLimit = 10_000;

export const auditOutcomeSchema = z.union([z.literal('ok'), errorCodeSchema]);

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  actor: z.string(),
  type: z.string(),
  summary: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  outcome: z.string(),
  durationMs: z.number(),
  prevHash: z.string(),
  hash: z.string(),
  /** HMAC-SHA256 of `hash` under the audit key (derived from the database key); absent on entries from before schema 2. */
  mac: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQueryDataSchema = z.strictObject({
  limit: z.number().int().min(1).max(maxQueryLimit).optional(),
  /** Return entries older than this sequence number (the `nextBefore` of the previous page). */
  before: z.number().int().min(1).optional(),
  type: z.string().min(1).max(64).optional(),
  outcome: z.union([auditOutcomeSchema, z.literal('error')]).optional(),
});

/** The newest entry of the chain: a person notes it to check later that nothing before it was cut or rewritten. */
export const auditHeadSchema = z.object({ seq: z.number().int(), hash: z.string() });
export type AuditHeadValue = z.infer<typeof auditHeadSchema>;

export const auditVerifyReplySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** Sequence number of the first entry whose link or hash does not hold. */
  brokenAt: z.number().int().optional(),
  reason: z.string().optional(),
  /** The head the walk went up to (optional: older builds did not send it). */
  head: auditHeadSchema.optional(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifyReplySchema>;

export const auditMessages = {
  AuditQuery: defineMessage(
    auditQueryDataSchema,
    z.object({ entries: z.array(auditEntrySchema), nextBefore: z.number().int().optional() }),
  ),
  AuditVerify: defineMessage(z.strictObject({}), auditVerifyReplySchema),
  /** One page of the log as JSON Lines, oldest first; call again with `after` = `lastSeq` until `done`. */
  AuditExport: defineMessage(
    z.strictObject({
      after: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(maxExportLimit).optional(),
    }),
    z.object({ jsonl: z.string(), count: z.number().int(), lastSeq: z.number().int(), done: z.boolean() }),
  ),
} as const;
