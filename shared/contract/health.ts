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

/** One message type over the last minute. */
export const recentTypeStatsSchema = latencySummarySchema.extend({
  /** Share of replies that were errors, 0–1. */
  errorRate: z.number(),
  errors: z.partialRecord(errorCodeSchema, z.number()),
});
export type RecentTypeStats = z.infer<typeof recentTypeStatsSchema>;

export const memoryFiguresSchema = z.object({
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  heapTotalBytes: z.number(),
  externalBytes: z.number(),
  arrayBuffersBytes: z.number(),
});

export const eventLoopFiguresSchema = z.object({
  /** Delay percentiles over the last sampling interval (perf_hooks.monitorEventLoopDelay). */
  delayP50Ms: z.number(),
  delayP99Ms: z.number(),
  delayMaxMs: z.number(),
  /** Event-loop utilization over the last interval, 0–1. */
  utilization: z.number(),
});

export const healthWarningSchema = z.object({
  time: z.number(),
  kind: z.enum(['event-loop', 'heap', 'error-rate', 'cleanup', 'storage']),
  message: z.string(),
});
export type HealthWarning = z.infer<typeof healthWarningSchema>;

/** One point of the 10-minute history the Health view charts. */
export const healthSampleSchema = z.object({
  time: z.number(),
  loopDelayP99Ms: z.number(),
  loopDelayMaxMs: z.number(),
  utilization: z.number(),
  heapUsedBytes: z.number(),
  rssBytes: z.number(),
  messagesPerSecond: z.number(),
});
export type HealthSample = z.infer<typeof healthSampleSchema>;

export const healthSnapshotSchema = z.object({
  time: z.number(),
  eventLoop: eventLoopFiguresSchema,
  memory: memoryFiguresSchema,
  /** Active libuv handles and requests by type (process.getActiveResourcesInfo). */
  resources: z.record(z.string(), z.number()),
  sessions: z.object({ count: z.number(), scrollbackBytes: z.number() }),
  watchers: z.number(),
  audit: z.object({
    backlog: z.number(),
    lastFlushAt: z.number().nullable(),
    lastCheckpointAt: z.number().nullable(),
    databaseBytes: z.number(),
    walBytes: z.number(),
  }),
  recent: z.record(z.string(), recentTypeStatsSchema),
});
export type HealthSnapshot = z.infer<typeof healthSnapshotSchema>;

export const healthReportSchema = z.object({
  version: z.string(),
  uptimeMs: z.number(),
  transport: z.enum(['electron', 'serve']),
  /** Memory now (also in `current.memory`, which is as of the last sample). */
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
  /** Per type since start. */
  messages: z.record(z.string(), typeStatsSchema),
  /** The latest sample, taken off the request path every few seconds. */
  current: healthSnapshotSchema,
  /** Oldest first: up to 10 minutes of samples. */
  history: z.array(healthSampleSchema),
  /** Newest last; thresholds crossed and cleanups run. */
  warnings: z.array(healthWarningSchema),
  /** Background services and their state. */
  services: z.array(z.object({ name: z.string(), state: z.enum(['starting', 'running', 'stopping', 'stopped', 'failed']) })),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const healthMessages = {
  HealthReport: defineMessage(z.strictObject({}), healthReportSchema),
  /** Writes a diagnostics file (versions, health history, settings without secrets) under the data dir. */
  DiagnosticsExport: defineMessage(z.strictObject({}), z.object({ path: z.string(), bytes: z.number() })),
} as const;
