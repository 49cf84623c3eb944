import picomatch from 'picomatch';
import type { MessageData, MessageType, Request } from '../../../shared/contract';
import type { CommandGrant, Permission } from '../../../shared/contract/permissions';

/** Paths of a FileOperation relative to their workspace roots, after the real-path check. */
export interface FileTargets {
  readonly relative: readonly string[];
}

/** Compiled globs and patterns, by their source text; permissions are few, so this stays small. */
const maxCached = 1_024;
const globCache = new Map<string, (path: string) => boolean>();
const patternCache = new Map<string, RegExp>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  const found = cache.get(key);
  if (found !== undefined) return found;
  if (cache.size >= maxCached) cache.clear();
  const made = make();
  cache.set(key, made);
  return made;
}

export function globMatches(glob: string, relative: string): boolean {
  if (glob === '**') return true;
  // Dot files (.git, .env) match only a glob that names them: a plugin asking for `docs/**` does not get `docs/.secrets`.
  return cached(globCache, glob, () => picomatch(glob, { dot: false, strictSlashes: true }))(relative);
}

/** Whether a standing command grant covers this program and these arguments. */
export function commandGrantMatches(grant: CommandGrant, cmd: string, args: readonly string[]): boolean {
  if (grant.cmd !== cmd) return false;
  if (grant.args !== undefined) return grant.args.length === args.length && grant.args.every((arg, index) => arg === args[index]);
  if (grant.argsPattern !== undefined) {
    const { argsPattern } = grant;
    return cached(patternCache, argsPattern, () => new RegExp(`^(?:${argsPattern})$`, 'u')).test(args.join(' '));
  }
  return true;
}

/** True when the permission names every path in the list (FileOperation's `paths` scope). */
function pathsCovered(globs: readonly string[], targets: FileTargets | undefined): boolean {
  if (globs.includes('**')) return true;
  if (!targets) return false;
  return targets.relative.every((relative) => globs.some((glob) => globMatches(glob, relative)));
}

/** Whether a permission covers a request: the same message type and, where it has one, inside its scope. */
export function permissionMatches(permission: Permission, request: Request, targets?: FileTargets): boolean {
  if (permission.message !== request.type) return false;
  switch (request.type) {
    case 'FileOperation': {
      if (!('ops' in permission)) return false;
      const data = request.data;
      return permission.ops.includes(data.op.kind) && pathsCovered(permission.paths, targets);
    }
    case 'TerminalCommand': {
      if (!('commands' in permission)) return false;
      const data = request.data;
      return permission.commands === '*' || permission.commands.some((grant) => commandGrantMatches(grant, data.cmd, data.args));
    }
    case 'SettingsSet': {
      if (!('keys' in permission)) return false;
      const { keys } = permission;
      return keys.includes('*') || Object.keys(request.data.values).every((key) => keys.includes(key));
    }
    default:
      return true;
  }
}

/** Whether matching this permission needs the request's paths resolved (a narrower scope than every path). */
export function needsFileTargets(permission: Permission): boolean {
  return permission.message === 'FileOperation' && 'paths' in permission && !permission.paths.includes('**');
}

/** The request's own paths: the target and, for rename and copy, the destination. */
export function requestedPaths(data: MessageData<'FileOperation'>): string[] {
  return data.op.kind === 'rename' || data.op.kind === 'copy' ? [data.path, data.op.to] : [data.path];
}

/** A plain-words name of a permission, for refusals, the consent screen and the Permissions view. */
export function describePermission(permission: Permission): string {
  if ('ops' in permission) return `FileOperation ${permission.ops.join('/')} on ${permission.paths.join(', ')}`;
  if ('commands' in permission) {
    if (permission.commands === '*') return 'TerminalCommand (any program the command policy allows)';
    return `TerminalCommand ${permission.commands.map(describeCommandGrant).join('; ')}`;
  }
  if ('keys' in permission) return `SettingsSet of ${permission.keys.join(', ')}`;
  return permission.message;
}

export function describeCommandGrant(grant: CommandGrant): string {
  if (grant.args !== undefined) return [grant.cmd, ...grant.args].join(' ');
  if (grant.argsPattern !== undefined) return `${grant.cmd} /${grant.argsPattern}/`;
  return `${grant.cmd} (any arguments)`;
}

/** What a request would need, named for a PermissionDenied message. */
export function describeRequest(request: Request, targets?: FileTargets): string {
  switch (request.type) {
    case 'FileOperation':
      return `FileOperation ${request.data.op.kind} on ${(targets?.relative ?? requestedPaths(request.data)).join(', ')}`;
    case 'TerminalCommand':
      return `TerminalCommand ${[request.data.cmd, ...request.data.args].join(' ')}`;
    case 'SettingsSet':
      return `SettingsSet of ${Object.keys(request.data.values).join(', ')}`;
    default:
      return request.type satisfies MessageType;
  }
}
