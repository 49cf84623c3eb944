import { z } from 'zod';

/** A client's WebSocket frame in serve mode: `{ id, message }`. */
export const clientFrameSchema = z.object({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  message: z.unknown(),
});
export type ClientFrame = z.infer<typeof clientFrameSchema>;
