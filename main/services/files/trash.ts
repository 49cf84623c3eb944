import { randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { TrashItem } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { typeOf } from './entries';

/** Where a deleted entry goes. The desktop app gives the OS trash; serve mode keeps its own. */
export interface Trash {
  readonly where: 'os' | 'data-dir';
  /** Moves the entry at `source` (a path inside a verified folder) away; `original` is its real path, for restoring. */
  put(source: string, original: string): Promise<{ id?: string }>;
}

/** Electron's `shell.trashItem`, injected by main/index.ts so services never import electron. */
export type TrashItemFn = (absolutePath: string) => Promise<void>;

export class OsTrash implements Trash {
  readonly where = 'os' as const;

  constructor(private readonly trashItem: TrashItemFn) {}

  async put(_source: string, original: string): Promise<{ id?: string }> {
    // The OS trash records where the item came from, so it is given the real path.
    await this.trashItem(original);
    return {};
  }
}

const metaSchema = z.object({
  originalPath: z.string(),
  deletedAt: z.number(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
});
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Serve mode's trash: `<data dir>/trash/<id>/item` plus `meta.json` naming where it was.
 * These are the person's own files, already plaintext in their workspace, so they are kept
 * as they were rather than encrypted; the folder is private to the user (0700).
 */
export class DataDirTrash implements Trash {
  readonly where = 'data-dir' as const;
  readonly folder: string;

  constructor(dataDir: string) {
    this.folder = path.join(dataDir, 'trash');
  }

  async put(source: string, original: string): Promise<{ id?: string }> {
    const stats = await lstat(source);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const slot = path.join(this.folder, id);
    await mkdir(slot, { mode: 0o700 });
    try {
      const meta = { originalPath: original, deletedAt: Date.now(), type: typeOf(stats) };
      await writeFile(path.join(slot, 'meta.json'), JSON.stringify(meta), { mode: 0o600 });
      await moveAcrossDevices(source, path.join(slot, 'item'));
    } catch (error) {
      // Nothing was moved: leave no entry that names an item the trash does not hold.
      await rm(slot, { recursive: true, force: true });
      throw error;
    }
    return { id };
  }

  async list(): Promise<TrashItem[]> {
    const ids = await readdir(this.folder).catch(() => [] as string[]);
    const items: TrashItem[] = [];
    for (const id of ids) {
      const meta = await this.#meta(id).catch(() => undefined);
      if (meta) items.push({ id, ...meta });
    }
    return items.sort((a, b) => b.deletedAt - a.deletedAt);
  }

  async #meta(id: string): Promise<z.infer<typeof metaSchema>> {
    if (!idPattern.test(id)) throw new LocalBrainError('ValidationFailed', 'Not a trash item id.');
    const text = await readFile(path.join(this.folder, id, 'meta.json'), 'utf8').catch(() => {
      throw new LocalBrainError('NotFound', `Nothing in the trash has the id ${id}.`, { id });
    });
    const parsed = metaSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new LocalBrainError('Io', `The trash entry ${id} is damaged.`, { id });
    return parsed.data;
  }

  /** The original path of an item, for the caller to check against the roots before `restoreTo`. */
  async originalPath(id: string): Promise<string> {
    return (await this.#meta(id)).originalPath;
  }

  /** Moves the item back to `destination` (a path inside a verified folder that must not exist yet). */
  async restoreTo(id: string, destination: string): Promise<void> {
    const slot = path.join(this.folder, id);
    await moveAcrossDevices(path.join(slot, 'item'), destination, { noReplace: true });
    await rm(slot, { recursive: true, force: true });
  }
}

/** rename(2), or copy then remove when the trash lives on another file system. */
async function moveAcrossDevices(from: string, to: string, options: { noReplace?: boolean } = {}): Promise<void> {
  if (options.noReplace) {
    const exists = await lstat(to).then(
      () => true,
      () => false,
    );
    if (exists) throw new LocalBrainError('Conflict', `${to} exists again; move or rename it first.`, { path: to });
  }
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
}
