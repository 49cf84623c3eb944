import path from 'node:path';
import { isInside } from '../workspace/inside';
import { allow, ask, deny, type PolicyContext, type PolicyDecision } from './decision';

/** Device files that are safe to read or write: sinks, sources of bytes and the process's own streams. */
const harmlessDevices = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
]);

/**
 * The command's own process information (`ls -l /proc/self/fd`): judged lexically, because
 * in main `/proc/self` would resolve to main's own process, not the command's.
 */
const ownProcessInfo = /^\/proc\/(self|thread-self)\/(fd|fdinfo|status|stat|statm|limits|cmdline|environ)(\/\d+)?$/;

/** Shown form of an argument list, for reasons: backquoted, long lists shortened. */
export function shown(argv: readonly string[]): string {
  const text = argv.join(' ');
  return `\`${text.length > 120 ? `${text.slice(0, 117)}…` : text}\``;
}

/**
 * What a program's grammar may ask about its arguments: where a path leads and whether
 * reading or writing it stays inside the roots, and what a command it would run is worth.
 */
export class Scope {
  constructor(
    readonly context: PolicyContext,
    /** Judges a command that the one being judged would run (set by the policy, which owns the table). */
    readonly judgeCommand: (argv: readonly string[], scope: Scope) => PolicyDecision,
    readonly depth = 0,
  ) {}

  /**
   * Where an argument points, lexically, then through symlinks. There is no shell, so `~`
   * and `$HOME` are not expanded by anyone; they are still read as the home folder, erring
   * on the side of caution.
   */
  resolve(arg: string): string {
    const { home, cwd } = this.context;
    let absolute: string;
    if (arg === '~' || arg === '$HOME' || arg === '${HOME}') absolute = home;
    else if (arg.startsWith('~/')) absolute = path.join(home, arg.slice(2));
    else if (arg.startsWith('$HOME/')) absolute = path.join(home, arg.slice(6));
    else if (arg.startsWith('${HOME}/')) absolute = path.join(home, arg.slice(8));
    else absolute = path.resolve(cwd, arg);
    return this.context.realPath ? this.context.realPath(absolute) : absolute;
  }

  inside(real: string): boolean {
    if (this.context.allows) return this.context.allows(real);
    return this.context.roots.some((root) => isInside(root, real));
  }

  /** Reading inside the roots (or a harmless device) is allowed; anywhere else asks. */
  read(arg: string, via: string): PolicyDecision {
    if (ownProcessInfo.test(path.resolve(this.context.cwd, arg)))
      return allow('read-own-process', `${via} reads the command's own process information.`);
    const target = this.resolve(arg);
    if (harmlessDevices.has(target) || this.inside(target)) return allow('read-inside', `${via} reads inside the workspace.`);
    return ask('read-outside', `${via} reads ${target}, outside the workspace.`);
  }

  /** Writing, creating, moving or deleting inside the roots is allowed; outside asks; a device other than a sink is refused. */
  write(arg: string, via: string): PolicyDecision {
    const target = this.resolve(arg);
    if (harmlessDevices.has(target)) return allow('write-device', `${via} writes to ${target}.`);
    if (target.startsWith('/dev/')) return deny('write-device', `${via} would write to the device ${target}.`);
    if (this.inside(target)) return allow('write-inside', `${via} writes inside the workspace.`);
    return ask('write-outside', `${via} writes, creates, moves or deletes ${target}, outside the workspace.`);
  }

  /** The same scope with another working folder (`env -C`, `git -C`): later relative paths resolve against it. */
  withCwd(real: string): Scope {
    return new Scope({ ...this.context, cwd: real }, this.judgeCommand, this.depth);
  }

  /** A command this one runs: judged by the same table, its reason prefixed with who runs it. */
  command(argv: readonly string[], via: string): PolicyDecision {
    if (argv.length === 0) return ask('runs-command', `${via} runs a command the policy cannot see.`);
    const inner = this.judgeCommand(argv, new Scope(this.context, this.judgeCommand, this.depth + 1));
    if (inner.verdict === 'allow') return allow(inner.rule, `${via} runs ${shown(argv)}, which the policy allows.`);
    return { verdict: inner.verdict, rule: inner.rule, reason: `${via} runs ${shown(argv)}: ${inner.reason}` };
  }
}
