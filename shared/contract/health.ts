import { z } from 'zod';
import { errorCodeSchema } from '../errors';
import { defineMessage } from './define';

export const latencySummarySchema = z.object({
  count: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  maxMs: z.number(),
});

export const typeStatsSchema = z.object({
  latency: latencySummarySchema,
  outcomes: z.partialRecord(z.union([z.literal('ok'), errorCodeSchema]), z.number()),
});
export type TypeStats = z.infer<typeof typeStatsSchema>;

export const healthReportSchema = z.object({
  version: z.string(),
  uptimeMs: z.number(),
  transport: z.enum(['electron', 'serve']),
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
  messages: z.record(z.string(), typeStatsSchema),
  /** Main's event-loop delay since the previous report (a stalled loop delays every window and client). */
  eventLoopDelay: z.object({ maxMs: z.number(), p99Ms: z.number(), meanMs: z.number() }).optional(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const healthMessages = {
  HealthReport: defineMessage(z.strictObject({}), healthReportSchema),
} as const;
