import { z } from 'zod';
import { defineMessage } from './define';
import { pathStringSchema } from './terminal';

/** Files a window may ask to have reopened: the Files view shows a handful at most. */
const maxOpenFiles = 64;

export const sessionMessages = {
  /** What the window had open when the layout was last saved (terminal tabs come back through PtyList). */
  SessionLayoutGet: defineMessage(z.strictObject({}), z.object({ openFiles: z.array(z.string()) })),
  /** The files the window has open now (absolute paths inside granted roots); saved with the terminal layout within seconds. */
  SessionLayoutSet: defineMessage(z.strictObject({ openFiles: z.array(pathStringSchema).max(maxOpenFiles) }), z.object({})),
} as const;
