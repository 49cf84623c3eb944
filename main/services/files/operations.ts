import { lstat, open, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { MessageData, ReplyValue } from '../../../shared/contract';
import type { FileEntry } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import type { WorkspaceRoots } from '../workspace/roots';

type FileReply = ReplyValue<'FileOperation'>;

function typeOf(stats: Stats): FileEntry['type'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

function entryOf(name: string, relative: string, stats: Stats): FileEntry {
  return { name, path: relative, type: typeOf(stats), size: stats.size, mtimeMs: stats.mtimeMs };
}

function ioError(error: unknown, shown: string): LocalBrainError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new LocalBrainError('NotFound', `No such file or folder: ${shown}`, { path: shown });
  if (code === 'EACCES' || code === 'EPERM')
    return new LocalBrainError('PermissionDenied', `The system refused access to ${shown}.`, { path: shown });
  if (code === 'EISDIR') return new LocalBrainError('ValidationFailed', `${shown} is a folder, not a file.`, { path: shown });
  if (code === 'ENOTDIR') return new LocalBrainError('ValidationFailed', `${shown} is not a folder.`, { path: shown });
  return new LocalBrainError('Io', `Could not access ${shown}.`, { path: shown, errno: code }, { cause: error });
}

/** Looks like text when there is no NUL byte and it decodes as UTF-8 without replacement. */
function looksLikeText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  return !new TextDecoder('utf-8', { fatal: false }).decode(bytes).includes('\uFFFD');
}

export class FileOperations {
  constructor(private readonly roots: WorkspaceRoots) {}

  async run({ op, path: requested }: MessageData<'FileOperation'>): Promise<FileReply> {
    const target = await this.roots.resolveExisting(requested);
    switch (op.kind) {
      case 'stat': {
        const stats = await lstat(target.absolute).catch((error: unknown) => Promise.reject(ioError(error, requested)));
        return { kind: 'stat', entry: entryOf(path.basename(target.absolute), target.relative, stats) };
      }
      case 'list':
        return this.#list(target.absolute, target.relative, requested, op.includeHidden ?? false);
      case 'read':
        return this.#read(target.absolute, requested);
    }
  }

  async #list(absolute: string, relative: string, shown: string, includeHidden: boolean): Promise<FileReply> {
    const dirents = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) =>
      Promise.reject(ioError(error, shown)),
    );
    const visible = dirents.filter((dirent) => includeHidden || !dirent.name.startsWith('.'));
    const truncated = visible.length > limits.maxListEntries;
    const chosen = visible.slice(0, limits.maxListEntries);
    const entries = await Promise.all(
      chosen.map(async (dirent) => {
        const childRelative = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
        try {
          return entryOf(dirent.name, childRelative, await lstat(path.join(absolute, dirent.name)));
        } catch {
          // The entry vanished between readdir and lstat; leave it out rather than fail the listing.
          return undefined;
        }
      }),
    );
    const present = entries.filter((entry): entry is FileEntry => entry !== undefined);
    present.sort((a, b) =>
      (a.type === 'directory') === (b.type === 'directory') ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1,
    );
    return { kind: 'list', entries: present, truncated };
  }

  async #read(absolute: string, shown: string): Promise<FileReply> {
    const handle = await open(absolute, 'r').catch((error: unknown) => Promise.reject(ioError(error, shown)));
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw ioError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), shown);
      if (stats.size > limits.maxReadBytes) {
        throw new LocalBrainError(
          'ValidationFailed',
          `${shown} is ${stats.size} bytes; files over ${limits.maxReadBytes} bytes cannot be opened here.`,
          {
            path: shown,
            size: stats.size,
            limit: limits.maxReadBytes,
          },
        );
      }
      const bytes = await handle.readFile();
      return looksLikeText(bytes)
        ? { kind: 'read', encoding: 'utf8', content: bytes.toString('utf8'), size: bytes.length }
        : { kind: 'read', encoding: 'base64', content: bytes.toString('base64'), size: bytes.length };
    } finally {
      await handle.close();
    }
  }
}
