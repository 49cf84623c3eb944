import { z } from 'zod';
import { limits } from '../limits';
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
  /** For a symlink: what it leads to. `outside` links are listed but every operation through them is refused. */
  linkTarget: z.enum(['file', 'directory', 'other', 'outside', 'broken']).optional(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** Limits of the files domain, each with the reason for its number (the general ones are in shared/limits.ts). */
export const fileLimits = {
  /** Search results per request: more than a person reads, few enough to stream in a second. */
  maxSearchResults: 10_000,
  /** Default search cap when the request names none. */
  defaultSearchResults: 1_000,
  /** Files larger than this are skipped by a content search; minified bundles and logs beyond it are noise. */
  maxSearchFileBytes: 8 * 1024 * 1024,
  /** A search may run this long before its deadline; the person can cancel sooner. */
  searchDeadlineMs: 120_000,
  /** Characters of a matching line kept as its preview. */
  maxPreviewChars: 200,
} as const;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'sha256 must be 64 lowercase hex digits' });

/** Text encodings a read can detect and a write can produce; anything else is read as base64. */
export const textCharsetSchema = z.enum(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be']);
export type TextCharset = z.infer<typeof textCharsetSchema>;

/** Content carried in a request: the router's 1 MiB message limit bounds it further. */
const contentSchema = z.string().max(limits.maxMessageBytes);

export const searchQuerySchema = z
  .strictObject({
    /** Glob over the path relative to the workspace root (`*`, `?`, `[a-z]`, `**`, `{a,b}`; see main/services/files/glob.ts); without a `/` it matches the file name. No glob matches every file. */
    names: z.string().min(1).max(512).optional(),
    /** Text to find inside files; without it only names are matched. */
    text: z.string().min(1).max(1024).optional(),
    regex: z.boolean().optional(),
    caseSensitive: z.boolean().optional(),
  })
  .refine((query) => query.names !== undefined || query.text !== undefined, {
    error: 'a search needs names, text or both',
  });
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Chosen by the client so it can match streamed results and cancel before the reply arrives. */
export const searchIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'searchId must be 1–64 letters, digits, _ or -' });

export const fileOpSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('stat') }),
  z.strictObject({ kind: z.literal('list'), includeHidden: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('read') }),
  z.strictObject({
    kind: z.literal('write'),
    content: contentSchema,
    /** `utf8` (default): content is text, saved in `charset`; `base64`: content is raw bytes. */
    encoding: z.enum(['utf8', 'base64']).optional(),
    charset: textCharsetSchema.optional(),
    /** The sha256 of the file as the editor last read it; a different file on disk is a Conflict. */
    expectedSha256: sha256Schema.optional(),
    /** Fail with Conflict if the file already exists (new file). */
    createOnly: z.boolean().optional(),
    /**
     * Save over a file whose permission bits make it read-only for this user. Without it such a
     * save is PermissionDenied with `details.reason: 'read-only'`; the editor asks the person first.
     */
    force: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('diff'), content: contentSchema, context: z.number().int().min(0).max(100).optional() }),
  z.strictObject({ kind: z.literal('mkdir') }),
  z.strictObject({ kind: z.literal('rename'), to: pathStringSchema }),
  z.strictObject({ kind: z.literal('copy'), to: pathStringSchema }),
  z.strictObject({ kind: z.literal('delete') }),
  z.strictObject({
    kind: z.literal('search'),
    searchId: searchIdSchema,
    query: searchQuerySchema,
    includeHidden: z.boolean().optional(),
    maxResults: z.number().int().min(1).max(fileLimits.maxSearchResults).optional(),
  }),
]);
export type FileOp = z.infer<typeof fileOpSchema>;
export type FileOpKind = FileOp['kind'];

/** Operations that change something on disk: their audit entry is durable before the reply. */
export const mutatingFileOps: ReadonlySet<FileOpKind> = new Set(['write', 'mkdir', 'rename', 'copy', 'delete']);

export const fileOperationDataSchema = z.strictObject({
  op: fileOpSchema,
  /** Relative to the first workspace root, or absolute inside a granted root. */
  path: pathStringSchema,
});

export const searchMatchSchema = z.object({
  /** Relative to the workspace root, `/`-separated. */
  path: z.string(),
  /** 1-based; absent for a name match. */
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  /** The matching line, cut to a readable length. */
  preview: z.string().optional(),
});
export type SearchMatch = z.infer<typeof searchMatchSchema>;

export const trashedSchema = z.object({
  /** `os`: the desktop's trash; `data-dir`: serve mode's own trash folder, restorable with FileTrashRestore. */
  where: z.enum(['os', 'data-dir']),
  id: z.string().optional(),
});

export const fileOperationReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stat'), entry: fileEntrySchema }),
  z.object({ kind: z.literal('list'), entries: z.array(fileEntrySchema), truncated: z.boolean() }),
  z.object({
    kind: z.literal('read'),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
    size: z.number(),
    /** For text: the encoding it was decoded from, so a save writes it back the same way. */
    charset: textCharsetSchema.optional(),
    sha256: z.string().optional(),
  }),
  z.object({ kind: z.literal('write'), entry: fileEntrySchema, sha256: z.string() }),
  z.object({
    kind: z.literal('diff'),
    /** Unified diff of the file on disk (a) against the proposed content (b). */
    patch: z.string(),
    additions: z.number().int(),
    deletions: z.number().int(),
    identical: z.boolean(),
    /**
     * True when the texts were too different to compare line by line within the time budget:
     * the patch then removes every old line and adds every new one (a whole-file replacement).
     */
    replaced: z.boolean().optional(),
    /** sha256 of the file the diff was made against, to pass back as `expectedSha256`; absent for a new file. */
    baseSha256: z.string().optional(),
  }),
  z.object({ kind: z.literal('mkdir'), entry: fileEntrySchema }),
  z.object({ kind: z.literal('rename'), entry: fileEntrySchema }),
  z.object({ kind: z.literal('copy'), entry: fileEntrySchema }),
  z.object({ kind: z.literal('delete'), trashed: trashedSchema }),
  z.object({
    kind: z.literal('search'),
    searchId: z.string(),
    matches: z.number().int(),
    filesScanned: z.number().int(),
    truncated: z.boolean(),
    cancelled: z.boolean(),
  }),
]);
export type FileOperationReply = z.infer<typeof fileOperationReplySchema>;

export const watchIdSchema = z.string().min(1).max(64);

export const trashItemSchema = z.object({
  id: z.string(),
  /** Where it was, absolute. */
  originalPath: z.string(),
  deletedAt: z.number(),
  type: fileEntryTypeSchema,
});
export type TrashItem = z.infer<typeof trashItemSchema>;

export const fileMessages = {
  FileOperation: defineMessage(fileOperationDataSchema, fileOperationReplySchema),
  /** Stops a running search early; its FileOperation reply then says `cancelled: true`. */
  FileSearchCancel: defineMessage(z.strictObject({ searchId: searchIdSchema }), z.object({ cancelled: z.boolean() })),
  /** Watches one folder (not its subfolders' contents) and pushes FileChanged events to this sender. */
  FileWatch: defineMessage(z.strictObject({ path: pathStringSchema }), z.object({ watchId: watchIdSchema })),
  FileUnwatch: defineMessage(z.strictObject({ watchId: watchIdSchema }), z.object({ closed: z.boolean() })),
  /** Serve mode's trash folder (the desktop app uses the OS trash, which has its own UI). */
  FileTrashList: defineMessage(z.strictObject({}), z.object({ items: z.array(trashItemSchema) })),
  FileTrashRestore: defineMessage(
    z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
    z.object({ entry: fileEntrySchema }),
  ),
} as const;

export const fileChangeSchema = z.object({
  kind: z.enum(['add', 'addDir', 'change', 'unlink', 'unlinkDir']),
  /** Relative to the workspace root, `/`-separated. */
  path: z.string(),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const fileEvents = {
  /** A batch of search results for one running search. */
  FileSearchResults: z.object({ searchId: z.string(), matches: z.array(searchMatchSchema) }),
  /** A batch of changes in a watched folder. */
  FileChanged: z.object({ watchId: watchIdSchema, root: z.string(), changes: z.array(fileChangeSchema) }),
} as const;
