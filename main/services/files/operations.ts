import { constants, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { cp, link as linkFile, lstat, mkdir, open, rename as renameFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { MessageData, ReplyValue } from '../../../shared/contract';
import { fileLimits, type FileEntry, type FileOp, type SearchMatch } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import type { Sender } from '../../ports/sender';
import { ConfinedDir, openFlags, openInDir, openVerified } from '../workspace/confined';
import type { ResolvedChild, ResolvedPath, WorkspaceRoots } from '../workspace/roots';
import { writeAtomic, writeInPlace } from './atomic-write';
import { textDiff } from './diff';
import { childPath, entryOf, ioError, sortEntries } from './entries';
import { PathLocks } from './path-locks';
import { currentUser, mayKeepOwner, mayWrite, modeText, type UserIdentity } from './permissions';
import { searchTree } from './search';
import { TimeSlicer } from './slices';
import { decodeText, encodeText, sha256 } from './text';
import type { Trash } from './trash';

type FileReply = ReplyValue<'FileOperation'>;
type Op<K extends FileOp['kind']> = Extract<FileOp, { kind: K }>;

export interface OperationContext {
  readonly sender?: Sender;
  readonly signal?: AbortSignal;
  /** Receives streamed search results; the handler passes one that emits events to the sender. */
  readonly onSearchResults?: (searchId: string, matches: SearchMatch[]) => void;
}

function lstatOrUndefined(target: string) {
  return lstat(target).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
}

interface DirEntryRef {
  readonly dir: ConfinedDir;
  readonly name: string;
}

/** For rename and copy: the source must exist and the destination must not (neither replaces a file). */
async function sourceWithFreeDestination(from: DirEntryRef, into: DirEntryRef, requested: string, to: string) {
  const source = await lstatOrUndefined(from.dir.join(from.name));
  if (source === undefined) throw new LocalBrainError('NotFound', `No such file or folder: ${requested}`, { path: requested });
  if ((await lstatOrUndefined(into.dir.join(into.name))) !== undefined) {
    throw new LocalBrainError('Conflict', `${to} already exists.`, { path: to });
  }
  return source;
}

function readlinkOrUndefined(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}

/** The file system calls a move makes, replaceable so a test can stand in for a second file system. */
export interface MoveCalls {
  readonly link: (from: string, to: string) => Promise<void>;
  readonly rename: (from: string, to: string) => Promise<void>;
}

const systemMoveCalls: MoveCalls = { link: linkFile, rename: renameFile };

function isCrossDevice(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EXDEV';
}

/**
 * Moves a file so that it never replaces one created at the destination meanwhile: link(2)
 * fails if the name exists, then the old name is removed (Node has no renameat2
 * RENAME_NOREPLACE). 'rename' when the file system has no hard links (the caller then
 * renames), 'copy' when the destination is on another file system.
 */
async function moveFileWithoutReplacing(
  calls: MoveCalls,
  from: string,
  to: string,
  shown: string,
): Promise<'moved' | 'rename' | 'copy'> {
  try {
    await calls.link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new LocalBrainError('Conflict', `${shown} already exists.`, { path: shown });
    if (code === 'EXDEV') return 'copy';
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') return 'rename';
    throw error;
  }
  await unlink(from);
  return 'moved';
}

/**
 * A move to another file system, as mv(1) does it: copy (never over an existing name,
 * symlinks as links, timestamps kept), make a copied file durable, then remove the source.
 * If the removal fails the copy stays and the error says both exist.
 */
async function moveAcrossFileSystems(from: string, to: string, isDirectory: boolean, shown: string): Promise<void> {
  await cp(from, to, {
    recursive: isDirectory,
    errorOnExist: true,
    force: false,
    verbatimSymlinks: true,
    preserveTimestamps: true,
    ...(isDirectory ? {} : { mode: constants.COPYFILE_EXCL }),
  });
  if (!isDirectory) {
    const copied = await open(to, constants.O_RDONLY | openFlags.noFollow).catch(() => undefined);
    await copied?.sync().catch(() => undefined);
    await copied?.close();
  }
  await rm(from, { recursive: isDirectory }).catch((error: unknown) => {
    throw new LocalBrainError(
      'Io',
      `${shown} was copied to the other file system, but the original could not be removed; both now exist.`,
      { path: shown, errno: (error as NodeJS.ErrnoException).code },
      { cause: error },
    );
  });
}

/** Runs one resolver and turns a file system error into a coded one naming the request's path. */
async function guarded<T>(shown: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw ioError(error, shown);
  }
}

export interface FileOperationsOptions {
  /** Whose permission bits a save checks; this process's user by default (a test may name another). */
  readonly user?: UserIdentity;
  /** The link and rename calls of a move (a test stands in a cross-device failure here). */
  readonly moveCalls?: MoveCalls;
}

/** Sandboxed file operations on the granted roots: every path resolved, every open verified. */
export class FileOperations {
  readonly #searches = new Map<string, { sender: Sender | undefined; root: string; controller: AbortController }>();
  /** Saves of one file run one at a time, so `expectedSha256` is checked against the last save. */
  readonly #writeLocks = new PathLocks();
  readonly #user: UserIdentity | undefined;
  readonly #moveCalls: MoveCalls;

  constructor(
    private readonly roots: WorkspaceRoots,
    private readonly trash: Trash,
    options: FileOperationsOptions = {},
  ) {
    this.#user = options.user ?? currentUser();
    this.#moveCalls = options.moveCalls ?? systemMoveCalls;
  }

  async run({ op, path: requested }: MessageData<'FileOperation'>, context: OperationContext = {}): Promise<FileReply> {
    return guarded(requested, async () => {
      switch (op.kind) {
        case 'stat':
          return this.#stat(requested);
        case 'list':
          return this.#list(requested, op.includeHidden ?? false, context.signal);
        case 'read':
          return this.#read(requested);
        case 'write':
          return this.#write(requested, op, context.signal);
        case 'diff':
          return this.#diff(requested, op);
        case 'mkdir':
          return this.#mkdir(requested);
        case 'rename':
          return this.#rename(requested, op.to);
        case 'copy':
          return this.#copy(requested, op.to);
        case 'delete':
          return this.#delete(requested);
        case 'search':
          return this.#search(requested, op, context);
      }
    });
  }

  /** Cancels a running search started by the same sender. */
  cancelSearch(searchId: string, sender?: Sender): boolean {
    const running = this.#searches.get(searchId);
    if (running === undefined || running.sender !== sender) return false;
    running.controller.abort(new LocalBrainError('Unavailable', 'The search was cancelled.'));
    return true;
  }

  /** Opens the folder holding an entry, verified, for work by name inside it. */
  async #parent(target: ResolvedChild | ResolvedPath, shown: string): Promise<DirEntryRef> {
    const parent = 'parent' in target ? target.parent : path.dirname(target.absolute);
    const name = 'name' in target ? target.name : path.basename(target.absolute);
    return { dir: await ConfinedDir.open(parent, this.roots, shown), name };
  }

  async #stat(requested: string): Promise<FileReply> {
    const target = await this.roots.resolveExisting(requested);
    const handle = await openVerified(target.absolute, constants.O_RDONLY | openFlags.nonBlock, this.roots, requested);
    try {
      return { kind: 'stat', entry: entryOf(path.basename(target.absolute), target.relative, await handle.stat()) };
    } finally {
      await handle.close();
    }
  }

  async #list(requested: string, includeHidden: boolean, signal: AbortSignal | undefined): Promise<FileReply> {
    const target = await this.roots.resolveExisting(requested);
    const dir = await ConfinedDir.open(target.absolute, this.roots, requested);
    try {
      const dirents = dir.readEntriesNow();
      const visible = dirents.filter((dirent) => includeHidden || !dirent.name.startsWith('.'));
      const truncated = visible.length > limits.maxListEntries;
      const chosen = visible.slice(0, limits.maxListEntries);
      const entries: FileEntry[] = [];
      const slicer = new TimeSlicer();
      for (const dirent of chosen) {
        await slicer.pause(signal);
        // The entry may vanish between readdir and lstat; it is left out rather than failing the listing.
        const stats = lstatSync(dir.join(dirent.name), { throwIfNoEntry: false });
        if (stats === undefined) continue;
        const entry = entryOf(dirent.name, childPath(target.relative, dirent.name), stats);
        entries.push(stats.isSymbolicLink() ? { ...entry, linkTarget: this.#linkTarget(dir, dirent.name) } : entry);
      }
      return { kind: 'list', entries: sortEntries(entries), truncated };
    } finally {
      await dir.close();
    }
  }

  /** What a listed symlink leads to, without following one that leads out of the roots any further. */
  #linkTarget(dir: ConfinedDir, name: string): NonNullable<FileEntry['linkTarget']> {
    let real: string;
    try {
      real = realpathSync(dir.join(name));
    } catch {
      const written = readlinkOrUndefined(dir.join(name));
      const lexical = written === undefined ? undefined : path.resolve(dir.realPath, written);
      return lexical !== undefined && this.roots.allows(lexical) ? 'broken' : 'outside';
    }
    if (!this.roots.allows(real)) return 'outside';
    const stats = statSync(real, { throwIfNoEntry: false });
    return stats === undefined ? 'broken' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
  }

  /** Reads a regular file through a verified descriptor, refusing folders, devices and oversize files. */
  async #readBytes(target: ResolvedPath, shown: string): Promise<Buffer> {
    const handle = await openVerified(target.absolute, constants.O_RDONLY | openFlags.nonBlock, this.roots, shown);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory())
        throw new LocalBrainError('ValidationFailed', `${shown} is a folder, not a file.`, { path: shown });
      if (!stats.isFile()) throw new LocalBrainError('ValidationFailed', `${shown} is not a regular file.`, { path: shown });
      if (stats.size > limits.maxReadBytes) {
        throw new LocalBrainError(
          'ValidationFailed',
          `${shown} is ${stats.size} bytes; files over ${limits.maxReadBytes} bytes cannot be opened here.`,
          { path: shown, size: stats.size, limit: limits.maxReadBytes },
        );
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async #read(requested: string): Promise<FileReply> {
    const bytes = await this.#readBytes(await this.roots.resolveExisting(requested), requested);
    const decoded = decodeText(bytes);
    const hash = sha256(bytes);
    return decoded.kind === 'text'
      ? { kind: 'read', encoding: 'utf8', content: decoded.text, size: bytes.length, charset: decoded.charset, sha256: hash }
      : { kind: 'read', encoding: 'base64', content: bytes.toString('base64'), size: bytes.length, sha256: hash };
  }

  /**
   * Where a write lands: an existing file by its real path (so a symlink inside the
   * workspace is written through, not replaced), or a new name in an existing folder.
   */
  async #writeTarget(requested: string): Promise<{ target: ResolvedPath | ResolvedChild; exists: boolean }> {
    try {
      return { target: await this.roots.resolveExisting(requested), exists: true };
    } catch (error) {
      if (!(error instanceof LocalBrainError) || error.code !== 'NotFound') throw error;
      return { target: await this.roots.resolveChild(requested), exists: false };
    }
  }

  async #write(requested: string, op: Op<'write'>, signal: AbortSignal | undefined): Promise<FileReply> {
    const { target, exists } = await this.#writeTarget(requested);
    if (exists && op.createOnly) throw new LocalBrainError('Conflict', `${requested} already exists.`, { path: requested });
    const data = op.encoding === 'base64' ? Buffer.from(op.content, 'base64') : encodeText(op.content, op.charset ?? 'utf-8');
    // Keyed by the real path, so a save through a symlink waits for one through its target.
    return this.#writeLocks.run(target.absolute, async () => {
      // A save whose request timed out while it waited must not land afterwards.
      signal?.throwIfAborted();
      const { dir, name } = await this.#parent(target, requested);
      try {
        const current = await lstatOrUndefined(dir.join(name));
        if (current?.isDirectory())
          throw new LocalBrainError('ValidationFailed', `${requested} is a folder, not a file.`, { path: requested });
        if (current !== undefined && !current.isFile()) {
          throw new LocalBrainError('ValidationFailed', `${requested} is not a regular file.`, { path: requested });
        }
        // Created by another save while this one waited for the lock.
        if (current !== undefined && op.createOnly)
          throw new LocalBrainError('Conflict', `${requested} already exists.`, { path: requested });
        if (current !== undefined && !op.force && !mayWrite(current, this.#user)) {
          throw new LocalBrainError(
            'PermissionDenied',
            `${requested} is read-only (mode ${modeText(current.mode)}); save it anyway only if you mean to.`,
            { path: requested, reason: 'read-only', mode: modeText(current.mode) },
          );
        }
        if (op.expectedSha256 !== undefined) {
          const onDisk = current === undefined ? undefined : sha256(await this.#readInDir(dir, name, requested));
          if (onDisk !== op.expectedSha256) {
            throw new LocalBrainError('Conflict', `${requested} changed on disk since it was opened.`, {
              path: requested,
              expectedSha256: op.expectedSha256,
              actualSha256: onDisk ?? null,
            });
          }
        }
        if (current === undefined) await writeAtomic(dir, name, data, { signal });
        else if (current.nlink > 1 || !mayKeepOwner(current, this.#user)) {
          // A rename would break the hard link, or hand the file to this user: write into the file itself.
          await guarded(requested, () => writeInPlace(dir, name, data, current, { signal }));
        } else {
          await writeAtomic(dir, name, data, {
            mode: current.mode & 0o7777,
            ...(this.#user === undefined ? {} : { owner: { uid: current.uid, gid: current.gid } }),
            signal,
          });
        }
        const stats = await lstat(dir.join(name));
        return { kind: 'write', entry: entryOf(name, target.relative, stats), sha256: sha256(data) };
      } finally {
        await dir.close();
      }
    });
  }

  async #readInDir(dir: ConfinedDir, name: string, shown: string): Promise<Buffer> {
    const handle = await openInDir(dir, name, constants.O_RDONLY | openFlags.nonBlock, shown);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async #diff(requested: string, op: Op<'diff'>): Promise<FileReply> {
    const { target, exists } = await this.#writeTarget(requested);
    let before = '';
    let baseSha256: string | undefined;
    if (exists) {
      const bytes = await this.#readBytes(target, requested);
      const decoded = decodeText(bytes);
      if (decoded.kind === 'binary') {
        throw new LocalBrainError('ValidationFailed', `${requested} is a binary file; it has no text diff.`, { path: requested });
      }
      before = decoded.text;
      baseSha256 = sha256(bytes);
    }
    const name = target.relative === '' ? path.basename(target.absolute) : target.relative;
    return {
      kind: 'diff',
      ...textDiff({ before, after: op.content, name, existed: exists, context: op.context ?? 3 }),
      ...(baseSha256 === undefined ? {} : { baseSha256 }),
    };
  }

  async #mkdir(requested: string): Promise<FileReply> {
    const target = await this.roots.resolveChild(requested);
    const { dir, name } = await this.#parent(target, requested);
    try {
      await mkdir(dir.join(name), { mode: 0o777 });
      await dir.sync();
      return { kind: 'mkdir', entry: entryOf(name, target.relative, await lstat(dir.join(name))) };
    } finally {
      await dir.close();
    }
  }

  /** Both ends of a move or copy, each in its own verified folder; the destination must not exist. */
  async #pair(requested: string, to: string, action: 'rename' | 'copy') {
    const source = await this.roots.resolveChild(requested, action);
    const destination = await this.roots.resolveChild(to, 'replace');
    const from = await this.#parent(source, requested);
    try {
      const into = await this.#parent(destination, to);
      return { source, destination, from, into };
    } catch (error) {
      await from.dir.close();
      throw error;
    }
  }

  async #rename(requested: string, to: string): Promise<FileReply> {
    const { destination, from, into } = await this.#pair(requested, to, 'rename');
    try {
      const source = await sourceWithFreeDestination(from, into, requested, to);
      const fromPath = from.dir.join(from.name);
      const toPath = into.dir.join(into.name);
      let outcome = source.isFile() ? await moveFileWithoutReplacing(this.#moveCalls, fromPath, toPath, to) : 'rename';
      if (outcome === 'rename') {
        outcome = await this.#moveCalls.rename(fromPath, toPath).then(
          () => 'moved' as const,
          (error: unknown) => (isCrossDevice(error) ? ('copy' as const) : Promise.reject(ioError(error, to))),
        );
      }
      if (outcome === 'copy') await guarded(to, () => moveAcrossFileSystems(fromPath, toPath, source.isDirectory(), to));
      await Promise.all([from.dir.sync(), into.dir.sync()]);
      return { kind: 'rename', entry: entryOf(into.name, destination.relative, await lstat(into.dir.join(into.name))) };
    } finally {
      await Promise.all([from.dir.close(), into.dir.close()]);
    }
  }

  async #copy(requested: string, to: string): Promise<FileReply> {
    const { destination, from, into } = await this.#pair(requested, to, 'copy');
    try {
      const source = await sourceWithFreeDestination(from, into, requested, to);
      const sourcePath = path.join(from.dir.realPath, from.name);
      const destinationPath = path.join(into.dir.realPath, into.name);
      if (source.isDirectory() && (destinationPath + path.sep).startsWith(sourcePath + path.sep)) {
        throw new LocalBrainError('ValidationFailed', `${requested} cannot be copied into itself.`, { path: requested });
      }
      // Symlinks are copied as links, never followed: a link pointing out stays a link that reads refuse.
      await guarded(to, () =>
        source.isDirectory()
          ? cp(from.dir.join(from.name), into.dir.join(into.name), {
              recursive: true,
              errorOnExist: true,
              force: false,
              verbatimSymlinks: true,
            })
          : cp(from.dir.join(from.name), into.dir.join(into.name), {
              errorOnExist: true,
              force: false,
              verbatimSymlinks: true,
              mode: constants.COPYFILE_EXCL,
            }),
      );
      await into.dir.sync();
      return { kind: 'copy', entry: entryOf(into.name, destination.relative, await lstat(into.dir.join(into.name))) };
    } finally {
      await Promise.all([from.dir.close(), into.dir.close()]);
    }
  }

  async #delete(requested: string): Promise<FileReply> {
    const target = await this.roots.resolveChild(requested, 'delete');
    const { dir, name } = await this.#parent(target, requested);
    try {
      if ((await lstatOrUndefined(dir.join(name))) === undefined) {
        throw new LocalBrainError('NotFound', `No such file or folder: ${requested}`, { path: requested });
      }
      const { id } = await this.trash.put(dir.join(name), target.absolute);
      await dir.sync();
      return { kind: 'delete', trashed: id === undefined ? { where: this.trash.where } : { where: this.trash.where, id } };
    } finally {
      await dir.close();
    }
  }

  async #search(requested: string, op: Op<'search'>, context: OperationContext): Promise<FileReply> {
    if (this.#searches.has(op.searchId)) {
      throw new LocalBrainError('Conflict', `A search with the id ${op.searchId} is already running.`, { searchId: op.searchId });
    }
    const target = await this.roots.resolveExisting(requested);
    const controller = new AbortController();
    const onAbort = () => controller.abort(context.signal?.reason);
    if (context.signal?.aborted) onAbort();
    else context.signal?.addEventListener('abort', onAbort, { once: true });
    this.#searches.set(op.searchId, { sender: context.sender, root: target.root, controller });
    const dir = await ConfinedDir.open(target.absolute, this.roots, requested).catch((error: unknown) => {
      this.#searches.delete(op.searchId);
      throw error;
    });
    try {
      const outcome = await searchTree(dir, target.relative, {
        query: op.query,
        includeHidden: op.includeHidden ?? false,
        maxResults: op.maxResults ?? fileLimits.defaultSearchResults,
        scope: this.roots,
        signal: controller.signal,
        onResults: (matches) => context.onSearchResults?.(op.searchId, matches),
      });
      return { kind: 'search', searchId: op.searchId, ...outcome };
    } finally {
      this.#searches.delete(op.searchId);
      context.signal?.removeEventListener('abort', onAbort);
      await dir.close();
    }
  }

  /** Stops the searches running in a root that was just revoked. */
  cancelSearchesIn(root: string): void {
    for (const { root: searched, controller } of this.#searches.values()) {
      if (searched === root)
        controller.abort(new LocalBrainError('PermissionDenied', 'The folder was removed from the workspace.'));
    }
  }

  /** Stops every running search (shutdown). */
  dispose(): void {
    for (const { controller } of this.#searches.values())
      controller.abort(new LocalBrainError('Unavailable', 'LocalBrain is shutting down.'));
    this.#searches.clear();
  }
}
