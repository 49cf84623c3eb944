import type { z } from 'zod';

/** One request type: the schema of its `data` and the schema of its reply value. */
export interface MessageSpec<D extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly data: D;
  readonly reply: R;
}

export function defineMessage<D extends z.ZodType, R extends z.ZodType>(data: D, reply: R): MessageSpec<D, R> {
  return { data, reply };
}
