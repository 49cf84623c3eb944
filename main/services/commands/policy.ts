import path from 'node:path';

/** What the policy says about one command: run it, ask the person first, or refuse. */
export type PolicyDecision = { readonly verdict: 'allow' } | { readonly verdict: 'ask' | 'deny'; readonly reason: string };

export interface PolicyContext {
  /** Real absolute working directory, already checked to be inside a workspace root. */
  readonly cwd: string;
  /** Real absolute workspace roots. */
  readonly roots: readonly string[];
  /** The person's home folder. */
  readonly home: string;
}

const allow: PolicyDecision = { verdict: 'allow' };
const deny = (reason: string): PolicyDecision => ({ verdict: 'deny', reason });
const ask = (reason: string): PolicyDecision => ({ verdict: 'ask', reason });

/** Commands that gain privileges or switch user: never from LocalBrain. */
const privilegeCommands = new Set(['sudo', 'sudoedit', 'su', 'doas', 'pkexec', 'runuser', 'machinectl']);
/** Commands that stop or restart the machine. */
const powerCommands = new Set(['shutdown', 'reboot', 'halt', 'poweroff', 'telinit', 'init', 'kexec']);
const powerVerbs = new Set([
  'poweroff',
  'reboot',
  'halt',
  'kexec',
  'suspend',
  'hibernate',
  'hybrid-sleep',
  'rescue',
  'emergency',
]);
/** Commands that format or repartition disks. */
const diskCommands = new Set([
  'mke2fs',
  'mkswap',
  'wipefs',
  'fdisk',
  'sfdisk',
  'cfdisk',
  'gdisk',
  'sgdisk',
  'parted',
  'blkdiscard',
]);
/** System package managers: every use installs or removes software for the whole machine. */
const systemPackageManagers = new Set([
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'rpm',
  'yum',
  'dnf',
  'zypper',
  'pacman',
  'apk',
  'emerge',
  'brew',
  'port',
  'snap',
  'flatpak',
  'nix-env',
]);
/** Language package managers: asked about when they change what is installed. */
const languagePackageManagers = new Set([
  'npm',
  'pnpm',
  'yarn',
  'bun',
  'pip',
  'pip3',
  'pipx',
  'gem',
  'cargo',
  'go',
  'composer',
  'conda',
  'mamba',
  'uv',
]);
const installVerbs = new Set([
  'install',
  'i',
  'add',
  'ci',
  'remove',
  'rm',
  'uninstall',
  'un',
  'unlink',
  'update',
  'upgrade',
  'up',
  'link',
  'publish',
  'get',
]);
/** Programs that run another program given after their own options. */
const wrappers = new Set([
  'env',
  'nice',
  'nohup',
  'timeout',
  'time',
  'command',
  'exec',
  'stdbuf',
  'ionice',
  'chrt',
  'setsid',
  'xargs',
  'taskset',
]);
/** Options of those wrappers that take a separate value. */
const wrapperValueOptions = new Set([
  '-u',
  '--unset',
  '-C',
  '--chdir',
  '-n',
  '--adjustment',
  '-s',
  '--signal',
  '-k',
  '--kill-after',
  '-c',
  '--class',
  '-p',
  '--pid',
  '-i',
  '-o',
  '-e',
  '-a',
  '-d',
  '-E',
  '-L',
  '-P',
  '-I',
]);
/** Shells and interpreters that take a program as an argument: the policy cannot read inside it. */
const shells = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'rbash']);
const interpreters = new Set(['python', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'Rscript', 'osascript']);

function baseName(cmd: string): string {
  return path.basename(cmd);
}

/** Splits arguments into options and operands, honouring `--`. */
function operands(args: readonly string[]): string[] {
  const result: string[] = [];
  let afterDashes = false;
  for (const arg of args) {
    if (!afterDashes && arg === '--') afterDashes = true;
    else if (afterDashes || !arg.startsWith('-') || arg === '-') result.push(arg);
  }
  return result;
}

function hasShortFlag(args: readonly string[], letters: string): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (/^-[A-Za-z]+$/.test(arg) && letters.split('').some((letter) => arg.includes(letter))) return true;
  }
  return false;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Where an argument points. There is no shell, so `~` and `$HOME` are not expanded by
 * anyone; they are still read as the home folder, erring on the side of caution.
 */
function resolveArg(arg: string, context: PolicyContext): string {
  if (arg === '~' || arg === '$HOME' || arg === '${HOME}') return context.home;
  if (arg.startsWith('~/')) return path.join(context.home, arg.slice(2));
  if (arg.startsWith('$HOME/')) return path.join(context.home, arg.slice(6));
  return path.resolve(context.cwd, arg);
}

function outsideWorkspace(arg: string, context: PolicyContext): boolean {
  const target = resolveArg(arg, context);
  return !context.roots.some((root) => isInside(root, target));
}

/** `/`, a top-level folder such as `/usr`, the home folder or anything above it. */
function isRootOrHome(arg: string, context: PolicyContext): boolean {
  const target = resolveArg(arg, context);
  if (target === '/' || path.dirname(target) === '/') return true;
  return isInside(target, context.home);
}

function describe(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].join(' ');
}

/** Strips wrappers such as `env FOO=1 nice -n 5 timeout 10 cmd …` down to the command they run. */
function unwrap(cmd: string, args: readonly string[]): { cmd: string; args: readonly string[] } | undefined {
  let name = baseName(cmd);
  let rest = [...args];
  let depth = 0;
  while (wrappers.has(name) && depth < 16) {
    depth += 1;
    let index = 0;
    let skippedDuration = name !== 'timeout';
    while (index < rest.length) {
      const arg = rest[index] ?? '';
      if (arg === '--') {
        index += 1;
        break;
      }
      if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) index += 1;
      else if (arg.startsWith('-') && arg !== '-') index += wrapperValueOptions.has(arg) ? 2 : 1;
      else if (!skippedDuration) {
        skippedDuration = true;
        index += 1;
      } else break;
    }
    const next = rest[index];
    if (next === undefined) return undefined;
    cmd = next;
    name = baseName(next);
    rest = rest.slice(index + 1);
  }
  return { cmd, args: rest };
}

function gitPushIsForced(args: readonly string[]): boolean {
  let index = 0;
  while (index < args.length) {
    const arg = args[index] ?? '';
    if (arg === '-C' || arg === '-c' || arg === '--git-dir' || arg === '--work-tree') index += 2;
    else if (arg.startsWith('-')) index += 1;
    else break;
  }
  if (args[index] !== 'push') return false;
  return args
    .slice(index + 1)
    .some(
      (arg) =>
        arg === '-f' ||
        arg === '--force' ||
        arg.startsWith('--force-with-lease') ||
        arg === '--force-if-includes' ||
        arg === '--mirror' ||
        arg === '--delete' ||
        arg === '-d' ||
        (/^-[a-zA-Z]+$/.test(arg) && arg.includes('f')) ||
        (arg.startsWith('+') && arg.length > 1),
    );
}

/** The destination of cp/mv/ln/install/rsync: `-t DIR`, `--target-directory=DIR`, or the last operand. */
function destination(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '-t' || arg === '--target-directory') return args[index + 1];
    if (arg.startsWith('--target-directory=')) return arg.slice('--target-directory='.length);
  }
  const found = operands(args);
  return found.length >= 2 ? found[found.length - 1] : undefined;
}

function ddTarget(args: readonly string[]): string | undefined {
  const of = args.find((arg) => arg.startsWith('of='));
  return of?.slice(3);
}

/** Device files that are safe to write: sinks and the process's own streams. */
const harmlessDevices = new Set(['/dev/null', '/dev/zero', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/**
 * Decides allow / ask / deny for a TerminalCommand. Deny by default for privilege,
 * power, disk formatting, writes to devices and recursive deletes of a root or home;
 * ask for deletes and overwrites outside the workspace, package managers, forced pushes
 * and command lines handed to a shell; allow the rest (the cwd is already inside a
 * workspace). Paths are judged lexically: the policy is a guard rail before the
 * command, not a sandbox around it.
 */
export function evaluateCommand(cmd: string, args: readonly string[], context: PolicyContext): PolicyDecision {
  const unwrapped = unwrap(cmd, args);
  if (!unwrapped) return allow;
  const name = baseName(unwrapped.cmd);
  const rest = unwrapped.args;
  const shown = describe(unwrapped.cmd, rest);

  if (privilegeCommands.has(name)) return deny(`${name} changes user or gains privileges; LocalBrain never runs it.`);
  if (powerCommands.has(name)) return deny(`${name} stops or restarts the machine.`);
  if (name === 'systemctl' && rest.some((arg) => powerVerbs.has(arg)))
    return deny('systemctl would stop or restart the machine.');
  if (name === 'mkfs' || name.startsWith('mkfs.') || diskCommands.has(name))
    return deny(`${name} formats or repartitions disks.`);
  if (name === 'dd') {
    const target = ddTarget(rest);
    if (target !== undefined) {
      const resolved = resolveArg(target, context);
      if (harmlessDevices.has(resolved)) return allow;
      if (resolved.startsWith('/dev/')) return deny(`dd would write to the device ${resolved}.`);
      if (outsideWorkspace(target, context)) return ask(`dd would overwrite ${target}, outside the workspace.`);
    }
    return allow;
  }
  if (name === 'rm') {
    const targets = operands(rest);
    const recursive = hasShortFlag(rest, 'rR') || rest.includes('--recursive');
    if (rest.includes('--no-preserve-root')) return deny('rm --no-preserve-root is never run.');
    if (recursive && targets.some((target) => isRootOrHome(target, context))) {
      return deny('rm -r of the root, a top-level folder or the home folder is never run.');
    }
    if (targets.some((target) => outsideWorkspace(target, context))) return ask(`${shown} deletes outside the workspace.`);
    return allow;
  }
  if (['rmdir', 'unlink', 'shred', 'truncate', 'tee'].includes(name)) {
    if (operands(rest).some((target) => outsideWorkspace(target, context))) {
      return ask(`${shown} deletes or overwrites outside the workspace.`);
    }
    return allow;
  }
  if (name === 'mv') {
    const found = operands(rest);
    const target = destination(rest);
    if (
      found.some((operand) => outsideWorkspace(operand, context)) ||
      (target !== undefined && outsideWorkspace(target, context))
    ) {
      return ask(`${shown} moves files across the workspace boundary.`);
    }
    return allow;
  }
  if (['cp', 'ln', 'install', 'rsync', 'scp'].includes(name)) {
    const target = destination(rest);
    if (target !== undefined && outsideWorkspace(target, context)) return ask(`${shown} writes outside the workspace.`);
    return allow;
  }
  if (['chmod', 'chown', 'chgrp'].includes(name)) {
    if (
      operands(rest)
        .slice(1)
        .some((target) => outsideWorkspace(target, context))
    ) {
      return ask(`${shown} changes files outside the workspace.`);
    }
    return allow;
  }
  if (name === 'find' && rest.some((arg) => ['-delete', '-exec', '-execdir', '-ok', '-okdir'].includes(arg))) {
    const starts = rest.slice(
      0,
      Math.max(
        0,
        rest.findIndex((arg) => arg.startsWith('-')),
      ),
    );
    const roots = starts.length === 0 ? ['.'] : starts;
    if (roots.some((start) => outsideWorkspace(start, context)))
      return ask(`${shown} deletes or runs commands outside the workspace.`);
    return allow;
  }
  if (systemPackageManagers.has(name)) return ask(`${name} installs or removes software for the whole machine.`);
  if (languagePackageManagers.has(name)) {
    const verb = operands(rest)[0];
    if (verb !== undefined && installVerbs.has(verb)) return ask(`${shown} changes installed packages.`);
    return allow;
  }
  if (name === 'git' && gitPushIsForced(rest)) return ask('A forced push rewrites history on the remote.');
  if (shells.has(name) && rest.some((arg) => arg === '-c' || (/^-[a-z]+$/.test(arg) && arg.includes('c')))) {
    return ask(`${name} -c runs a command line the policy cannot check.`);
  }
  if (interpreters.has(name) && rest.some((arg) => arg === '-c' || arg === '-e' || arg === '--eval')) {
    return ask(`${name} would run inline code the policy cannot check.`);
  }
  return allow;
}
