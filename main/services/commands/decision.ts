/**
 * What the TerminalCommand policy answers, as data: the verdict, the rule that decided it
 * and a sentence for the person. Callers turn `ask` into ConfirmationRequired and `deny`
 * into PermissionDenied, and both carry `rule` and `reason` to the confirmation dialog.
 */
export type Verdict = 'allow' | 'ask' | 'deny';

/**
 * A standing "always allow" from the person: `cmd` (as sent, or its base name) with exactly
 * these `args`, or with arguments whose space-joined form matches the anchored regex
 * `argsPattern`. A grant turns an `ask` into `allow`; it never overrides a `deny`.
 */
export interface CommandGrant {
  readonly cmd: string;
  readonly args?: readonly string[];
  readonly argsPattern?: string;
  /** Shown in the decision, e.g. the id the permissions service stores it under. */
  readonly id?: string;
}

export interface PolicyDecision {
  readonly verdict: Verdict;
  /** A stable name for the rule that decided, e.g. `write-outside`, `runs-command`, `unknown-option`. */
  readonly rule: string;
  /** One sentence naming the program and why, e.g. "`find -exec` runs `rm -rf ~`, …". */
  readonly reason: string;
  /** The grant that turned an `ask` into `allow`. */
  readonly grant?: CommandGrant;
}

export interface PolicyContext {
  /** Real absolute working directory, already checked to be inside a workspace root. */
  readonly cwd: string;
  /** Real absolute workspace roots. */
  readonly roots: readonly string[];
  /** The person's home folder (`~` and `$HOME` in arguments are read as it, although no shell expands them). */
  readonly home: string;
  /** Standing grants for this sender. */
  readonly grants?: readonly CommandGrant[];
  /** Maps a lexical absolute path to where it really leads (symlinks followed); identity when absent. */
  readonly realPath?: (absolute: string) => string;
  /** The final say on a real path (granted root, not an excluded folder such as the data dir); `roots` when absent. */
  readonly allows?: (real: string) => boolean;
}

export const allow = (rule: string, reason: string): PolicyDecision => ({ verdict: 'allow', rule, reason });
export const ask = (rule: string, reason: string): PolicyDecision => ({ verdict: 'ask', rule, reason });
export const deny = (rule: string, reason: string): PolicyDecision => ({ verdict: 'deny', rule, reason });

/** The stricter of two decisions: deny over ask over allow; the first wins a tie. */
export function stricter(a: PolicyDecision, b: PolicyDecision): PolicyDecision {
  const rank = { allow: 0, ask: 1, deny: 2 } as const;
  return rank[b.verdict] > rank[a.verdict] ? b : a;
}
