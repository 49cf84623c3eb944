import path from 'node:path';
import { allow, ask, deny, type CommandGrant, type PolicyContext, type PolicyDecision } from './decision';
import { judgeByTable } from './grammar';
import { programs } from './programs';
import { Scope, shown } from './scope';

export type { CommandGrant, PolicyContext, PolicyDecision, Verdict } from './decision';

/** How deep wrappers and program-running options may nest before the policy stops reading and asks. */
const maxDepth = 16;
/** Folders whose programs are the system's own: a program named by a path elsewhere is a file the table cannot know. */
const systemBinFolders = new Set(['/bin', '/usr/bin', '/usr/local/bin', '/sbin', '/usr/sbin', '/usr/local/sbin']);

function judgeArgv(argv: readonly string[], scope: Scope): PolicyDecision {
  const [cmd = '', ...args] = argv;
  if (scope.depth > maxDepth) return ask('too-deep', `${shown(argv)} nests commands deeper than the policy reads.`);
  const name = path.basename(cmd);
  const spec = Object.hasOwn(programs, name) ? programs[name] : undefined;
  if (spec?.deny !== undefined || name.startsWith('mkfs.'))
    return deny('privilege', `\`${name}\` ${spec?.deny ?? 'formats disks; LocalBrain never runs it'}.`);
  if (cmd.includes('/') && !systemBinFolders.has(path.dirname(path.resolve(scope.context.cwd, cmd))))
    return ask('unknown-program', `\`${cmd}\` is a file, not a program the policy knows.`);
  if (!spec) return ask('unknown-program', `\`${name}\` is not in the policy's table of programs.`);
  const exact = spec.exact ?? [['--version']];
  if (exact.some((list) => list.length === args.length && list.every((word, index) => word === args[index])))
    return allow('exact', `\`${name} ${args.join(' ')}\` only prints information.`);
  if (spec.ask !== undefined) return ask('asks', `\`${name}\` ${spec.ask}.`);
  if (spec.anyArguments === true) return allow('text-only', `\`${name}\` ${spec.what}; its arguments are text.`);
  const decision = spec.judge ? spec.judge(name, args, scope, spec) : judgeByTable(name, spec, args, scope);
  if (decision.verdict === 'allow' && decision.reason === '')
    return allow('table', `\`${name}\` ${spec.what}; everything it reads or writes is inside the workspace.`);
  return decision;
}

/** Compiled `argsPattern`s; an invalid pattern matches nothing. */
const patterns = new Map<string, RegExp | null>();

function pattern(source: string): RegExp | null {
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${source})$`, 'u');
    } catch {
      compiled = null;
    }
    patterns.set(source, compiled);
  }
  return compiled;
}

/**
 * Whether a grant covers this command: the same `cmd`, and exactly its `args`, or
 * arguments whose space-joined form matches `argsPattern` from start to end. A grant
 * with neither covers only the command without arguments.
 */
export function grantCovers(grant: CommandGrant, cmd: string, args: readonly string[]): boolean {
  if (grant.cmd !== cmd) return false;
  if (grant.args !== undefined) return grant.args.length === args.length && grant.args.every((arg, index) => arg === args[index]);
  if (grant.argsPattern !== undefined) return pattern(grant.argsPattern)?.test(args.join(' ')) ?? false;
  return args.length === 0;
}

/**
 * Decides allow / ask / deny for a TerminalCommand by reading it with the table of known
 * programs (programs.ts): wrappers are unwrapped and the command they run judged, options
 * that run commands or code ask, paths read or written are checked against the roots,
 * unknown programs and options ask, privilege changes are refused. A standing grant turns
 * an `ask` into `allow`, never a `deny`. Paths are judged before the command runs: the
 * policy is a guard rail, not a sandbox around the process.
 */
export function decide(
  request: { readonly cmd: string; readonly args: readonly string[] },
  context: PolicyContext,
): PolicyDecision {
  const scope = new Scope(context, judgeArgv);
  const decision = judgeArgv([request.cmd, ...request.args], scope);
  if (decision.verdict !== 'ask') return decision;
  const grant = context.grants?.find((candidate) => grantCovers(candidate, request.cmd, request.args));
  if (!grant) return decision;
  return {
    verdict: 'allow',
    rule: 'grant',
    reason: `Allowed by a standing grant for \`${grant.cmd}\`${grant.id === undefined ? '' : ` (${grant.id})`}; without it: ${decision.reason}`,
    grant,
  };
}

/** The same as `decide`, for callers holding `cmd` and `args` apart. */
export function evaluateCommand(cmd: string, args: readonly string[], context: PolicyContext): PolicyDecision {
  return decide({ cmd, args }, context);
}
