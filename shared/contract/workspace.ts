import { z } from 'zod';
import { defineMessage } from './define';
import { pathStringSchema } from './terminal';

export const workspaceRootSchema = z.object({
  /** The real absolute path of the granted folder. */
  path: z.string(),
  /** Its folder name, for display. */
  name: z.string(),
});
export type WorkspaceRoot = z.infer<typeof workspaceRootSchema>;

export const workspaceMessages = {
  WorkspaceList: defineMessage(z.strictObject({}), z.object({ roots: z.array(workspaceRootSchema) })),
  /**
   * Asks the person to pick a folder with the OS dialog. The renderer cannot name the folder:
   * an XSS could otherwise grant `/`. `root` is null when the person cancelled.
   */
  WorkspaceGrant: defineMessage(z.strictObject({}), z.object({ root: workspaceRootSchema.nullable() })),
  WorkspaceRevoke: defineMessage(z.strictObject({ path: pathStringSchema }), z.object({ revoked: z.boolean() })),
} as const;
