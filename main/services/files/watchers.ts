import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { FileChange } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { onAbort } from '../../ports/abort-fanout';
import type { Sender } from '../../ports/sender';
import { isInside } from '../workspace/inside';
import { skippedFolders } from './search';

/** Changes are gathered this long before one event goes out: an editor's save is several file system events. */
const batchMs = 75;
/** Open folders watched per window: a tree with every folder expanded rarely needs more. */
const maxWatchesPerSender = 256;

interface Watch {
  readonly id: string;
  readonly sender: Sender;
  readonly root: string;
  readonly folder: string;
  readonly watcher: FSWatcher;
  pending: FileChange[];
  timer: NodeJS.Timeout | undefined;
  readonly stopOnClose: () => void;
}

/**
 * Watches the folders a window has open (one level each, like the tree shows them) with
 * chokidar, which uses the OS's notifications rather than polling, and pushes batched
 * FileChanged events to that window only. A window's watches end when it closes.
 */
export class FolderWatchers {
  readonly #watches = new Map<string, Watch>();

  constructor(private readonly logger: Logger) {}

  async add(sender: Sender, root: string, folder: string): Promise<string> {
    if (sender.closed.aborted) throw new LocalBrainError('Unavailable', 'The client went away.');
    const owned = [...this.#watches.values()].filter((existing) => existing.sender === sender);
    const same = owned.find((existing) => existing.folder === folder);
    if (same) return same.id;
    if (owned.length >= maxWatchesPerSender) {
      throw new LocalBrainError('ValidationFailed', `At most ${maxWatchesPerSender} folders can be watched at once.`);
    }
    const watcher = watch(folder, {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (candidate: string) => skippedFolders.has(path.basename(candidate)),
    });
    const id = randomBytes(9).toString('base64url');
    // Through the shared fan-out, not a listener per watch on the window's signal (Node warns past ten).
    const stopOnClose = onAbort(sender.closed, () => void this.remove(id));
    const entry: Watch = { id, sender, root, folder, watcher, pending: [], timer: undefined, stopOnClose };
    this.#watches.set(id, entry);
    const push = (kind: FileChange['kind']) => (changed: string) => {
      if (!isInside(root, changed)) return;
      entry.pending.push({ kind, path: path.relative(root, changed).split(path.sep).join('/') });
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        const changes = entry.pending;
        entry.pending = [];
        if (changes.length > 0) sender.emit({ type: 'FileChanged', data: { watchId: id, root, changes } });
      }, batchMs);
    };
    watcher
      .on('add', push('add'))
      .on('addDir', push('addDir'))
      .on('change', push('change'))
      .on('unlink', push('unlink'))
      .on('unlinkDir', push('unlinkDir'));
    watcher.on('error', (error) => this.logger.warn({ err: error, folder }, 'folder watch failed'));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return id;
  }

  async remove(id: string, sender?: Sender): Promise<boolean> {
    const entry = this.#watches.get(id);
    if (entry === undefined || (sender !== undefined && entry.sender !== sender)) return false;
    this.#watches.delete(id);
    clearTimeout(entry.timer);
    entry.stopOnClose();
    await entry.watcher.close();
    return true;
  }

  /** Ends every watch inside a root that was just revoked. */
  async removeUnder(root: string): Promise<void> {
    await Promise.all(
      [...this.#watches.values()].filter((entry) => isInside(root, entry.folder)).map((entry) => this.remove(entry.id)),
    );
  }

  get size(): number {
    return this.#watches.size;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#watches.keys()].map((id) => this.remove(id)));
  }
}
