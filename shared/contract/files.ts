import { z } from 'zod';
import { defineMessage } from './define';
import { pathStringSchema } from './terminal';

export const fileEntryTypeSchema = z.enum(['file', 'directory', 'symlink', 'other']);

export const fileEntrySchema = z.object({
  name: z.string(),
  /** Path relative to the workspace root, with `/` separators. */
  path: z.string(),
  type: fileEntryTypeSchema,
  size: z.number(),
  mtimeMs: z.number(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const fileOpSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('stat') }),
  z.strictObject({ kind: z.literal('list'), includeHidden: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('read') }),
]);
export type FileOp = z.infer<typeof fileOpSchema>;

export const fileOperationDataSchema = z.strictObject({
  op: fileOpSchema,
  /** Relative to the first workspace root, or absolute inside a granted root. */
  path: pathStringSchema,
});

export const fileOperationReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stat'), entry: fileEntrySchema }),
  z.object({ kind: z.literal('list'), entries: z.array(fileEntrySchema), truncated: z.boolean() }),
  z.object({
    kind: z.literal('read'),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
    size: z.number(),
  }),
]);
export type FileOperationReply = z.infer<typeof fileOperationReplySchema>;

export const fileMessages = {
  FileOperation: defineMessage(fileOperationDataSchema, fileOperationReplySchema),
} as const;
