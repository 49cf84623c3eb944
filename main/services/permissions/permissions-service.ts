import type { Request } from '../../../shared/contract';
import type { ConfirmationDetails } from '../../../shared/contract/confirm';
import type {
  Capability,
  Permission,
  PermissionEffect,
  StoredGrant,
  SubjectPermissions,
} from '../../../shared/contract/permissions';
import { LocalBrainError } from '../../../shared/errors';
import type { Sender } from '../../ports/sender';
import { ConfirmationStore, ExactApproval } from '../commands/confirmations';
import type { WorkspaceRoots } from '../workspace/roots';
import { MemoryGrantStore, type GrantStore } from './grant-store';
import {
  describePermission,
  describeRequest,
  needsFileTargets,
  permissionMatches,
  requestedPaths,
  type FileTargets,
} from './match';

/** What the router hands a handler: the permissions that allowed this request. */
export type EffectiveScope = readonly Permission[];

export interface PermissionsServiceOptions {
  readonly store?: GrantStore;
  /** For path scopes narrower than `**`; without roots such scopes match nothing. */
  readonly roots?: WorkspaceRoots;
  /** Where the tokens of capability-level asks wait (a test passes one with a short life). */
  readonly asks?: ConfirmationStore<HeldAsk>;
}

/** A message an `ask` permission held back: exactly what the person is shown and may let run. */
export interface HeldAsk {
  readonly request: Request;
  /** The `ask` permission that matched; "always allow" keeps it as an allow. */
  readonly permission: Permission;
  readonly subject: string;
  /** The words shown, for the reply to a decline ("You declined …"). */
  readonly action: string;
}

/**
 * The person's "allow once" for one held message: made only by {@link PermissionsService.redeemAsk},
 * good for one authorize call of the same actor and exactly the same validated message, then spent.
 */
export class AskApproval extends ExactApproval<Request> {
  constructor(
    actor: string,
    request: Request,
    readonly permission: Permission,
  ) {
    super(actor, request);
  }
}

/** Actors remembered per subject for the Permissions view; a busy serve session must not grow this without bound. */
const maxActorsPerSubject = 16;

/**
 * Base permissions a kind may never lose or have set to ask: the ones that manage
 * permissions (so the person cannot lock themselves out of this very screen) and the ones
 * that answer a confirmation (without them no ask could be answered; asking before
 * answering a question never ends).
 */
const unrevocable = new Set(['PermissionList', 'PermissionRevoke', 'PermissionSet', 'Confirm', 'ConfirmCancel']);

/** A permission's scope without its effect, for comparing two permissions of the same thing. */
function scopeOf(permission: Permission): string {
  const { effect: _effect, ...scope } = permission;
  return canonical(scope);
}

/** JSON with keys sorted at every level, so two equal scopes written in another key order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, inner]) => inner !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

interface KnownSubject {
  base: readonly Permission[];
  actors: string[];
}

/**
 * The one place that decides whether a sender may send a message: deny by default, deny
 * wins, then allow, then ask, except that a stored "ask me first" beats a built-in allow
 * (and a stored "always allow" beats it again). An ask answers ConfirmationRequired with a
 * one-time token holding the message for the sender's actor. A sender's capability (its
 * kind's built-in or approved permissions) is joined with the grants stored for its
 * subject, read from memory on every message, so a revoke applies to the very next one.
 */
export class PermissionsService {
  readonly #store: GrantStore;
  readonly #roots: WorkspaceRoots | undefined;
  readonly #subjects = new Map<string, KnownSubject>();
  readonly #asks: ConfirmationStore<HeldAsk>;
  /** Approvals this service made and has not seen spent; a forged AskApproval is not among them. */
  readonly #approvals = new WeakSet<AskApproval>();
  /** Approvals spent on a message whose handler then asked its own question (see {@link renew}). */
  readonly #spent = new WeakSet<AskApproval>();

  constructor(options: PermissionsServiceOptions = {}) {
    this.#store = options.store ?? new MemoryGrantStore();
    this.#roots = options.roots;
    this.#asks = options.asks ?? new ConfirmationStore<HeldAsk>();
  }

  /**
   * Returns the permissions that allow `request`; throws PermissionDenied naming what is
   * missing (or what denies it), or ConfirmationRequired for an `ask` permission: its token
   * holds this very message for the sender's actor, and Confirm redeems it. `approval`
   * (from {@link redeemAsk}) answers that ask once; a deny still wins over it.
   */
  async authorize(sender: Sender, request: Request, approval?: AskApproval): Promise<EffectiveScope> {
    const capability = sender.capability;
    this.#remember(capability, sender.actor);
    const stored = this.#stored(capability.subject);
    const permissions = stored.length === 0 ? capability.permissions : [...capability.permissions, ...stored];
    const relevant = permissions.filter((permission) => permission.message === request.type);
    const targets =
      relevant.some(needsFileTargets) && request.type === 'FileOperation' ? await this.#targets(request) : undefined;
    const matching = relevant.filter((permission) => permissionMatches(permission, request, targets));
    const denied = matching.find((permission) => permission.effect === 'deny');
    if (denied) {
      throw new LocalBrainError('PermissionDenied', `${sender.actor} is denied ${describePermission(denied)}.`, {
        actor: sender.actor,
        denied: describePermission(denied),
      });
    }
    const allowed = matching.filter((permission) => (permission.effect ?? 'allow') === 'allow');
    const asks = matching.filter((permission) => permission.effect === 'ask');
    // The person's stored "ask me first" beats a built-in allow; their stored "always allow" beats any ask.
    const storedAsk = asks.some((permission) => stored.includes(permission));
    const storedAllow = allowed.some((permission) => stored.includes(permission));
    if (allowed.length > 0 && (storedAllow || !storedAsk)) return allowed;
    const approved = approval && this.#approved(approval, sender, request, asks);
    if (approved) return [{ ...approved, effect: 'allow' }];
    const asked = asks.find((permission) => stored.includes(permission)) ?? asks[0];
    if (asked) throw this.#ask(sender, request, asked, targets);
    const missing = describeRequest(request, targets);
    throw new LocalBrainError('PermissionDenied', `${sender.actor} lacks the permission for ${missing}.`, {
      actor: sender.actor,
      missing,
    });
  }

  /** The ask an approval answers, when it is this service's own, unspent, for this actor and message, and still asked. */
  #approved(approval: AskApproval, sender: Sender, request: Request, asks: readonly Permission[]): Permission | undefined {
    if (!this.#approvals.has(approval) || approval.actor !== sender.actor || !approval.covers(request)) return undefined;
    const wanted = JSON.stringify(approval.permission);
    const asked = asks.find((permission) => JSON.stringify(permission) === wanted);
    // Spent on first use, so the approval cannot let a second message through.
    if (!asked || !this.#approvals.delete(approval)) return undefined;
    this.#spent.add(approval);
    return asked;
  }

  #ask(sender: Sender, request: Request, asked: Permission, targets: FileTargets | undefined): LocalBrainError {
    const action = describeRequest(request, targets);
    const subject = sender.capability.subject;
    const issued = this.#asks.issue(
      sender.actor,
      { request, permission: asked, subject, action },
      { action, reason: `${describePermission(asked)} is set to ask first.`, rule: 'permission-ask' },
    );
    const details: ConfirmationDetails = {
      ...issued,
      kind: 'Message',
      asker: sender.actor,
      message: request.type,
      ...whatIsAsked(request, targets),
      always: describePermission({ ...asked, effect: 'allow' }),
    };
    return new LocalBrainError('ConfirmationRequired', `${sender.actor} asks for ${action}. Confirm to let it run.`, details);
  }

  /**
   * Uses up a capability-level ask's token: the held message and a one-time approval for it.
   * Throws PermissionDenied for an unknown, used, expired or another actor's token.
   */
  redeemAsk(actor: string, token: string): { held: HeldAsk; approval: AskApproval } {
    const held = this.#asks.redeem(actor, token);
    const approval = new AskApproval(actor, held.request, held.permission);
    this.#approvals.add(approval);
    return { held, approval };
  }

  /**
   * A spent approval once more, for exactly the message it was made for: the person let a
   * plugin's TerminalCommand past its `ask` permission, then the command policy asked about
   * it too, and they allowed that as well; sending it again must not ask the first question
   * again. Undefined for an approval this service did not make, one not yet spent, or one
   * renewed before (each renewal is itself spent on use).
   */
  renew(approval: AskApproval, request: Request): AskApproval | undefined {
    if (!approval.covers(request) || !this.#spent.delete(approval)) return undefined;
    const renewed = new AskApproval(approval.actor, request, approval.permission);
    this.#approvals.add(renewed);
    return renewed;
  }

  /** The message behind a live ask token, without using it (for the audit summary); undefined when it is not one. */
  peekAsk(token: string): HeldAsk | undefined {
    return this.#asks.peek(token);
  }

  /** True for an ask token this service issued and still remembers, expired or not. */
  holdsAsk(token: string): boolean {
    return this.#asks.holds(token);
  }

  /** Forgets an ask its owner cancelled. */
  dropAsk(actor: string, token: string): boolean {
    return this.#asks.drop(actor, token);
  }

  /** The permissions stored for a sender kind: "always allow" decisions, revocations (denies) and "ask me first". */
  #stored(subject: string): readonly Permission[] {
    const grants = this.#store.list();
    if (grants.length === 0) return [];
    return grants.filter((grant) => grant.subject === subject).map((grant) => grant.permission);
  }

  async #targets(request: Extract<Request, { type: 'FileOperation' }>): Promise<FileTargets> {
    const roots = this.#roots;
    if (!roots) return { relative: [] };
    const relative = await Promise.all(
      requestedPaths(request.data).map(async (requested) => {
        // Matched after the real-path check: a symlink under docs/ pointing at secret/ is judged as secret/.
        const resolved = await roots.resolveExisting(requested).catch(async (error: unknown) => {
          if (error instanceof LocalBrainError && error.code === 'NotFound') return roots.resolveChild(requested);
          throw error;
        });
        return resolved.relative;
      }),
    );
    return { relative };
  }

  #remember(capability: Capability, actor: string): void {
    const known = this.#subjects.get(capability.subject);
    if (!known) {
      this.#subjects.set(capability.subject, { base: capability.permissions, actors: [actor] });
      return;
    }
    known.base = capability.permissions;
    if (known.actors[0] === actor) return;
    known.actors = [actor, ...known.actors.filter((seen) => seen !== actor)].slice(0, maxActorsPerSubject);
  }

  /** Makes a kind known before any of its senders has spoken (plugins, shown in the Permissions view at once). */
  introduce(capability: Capability): void {
    const known = this.#subjects.get(capability.subject);
    if (known) known.base = capability.permissions;
    else this.#subjects.set(capability.subject, { base: capability.permissions, actors: [] });
  }

  /** Forgets a kind (a removed plugin) and its stored grants. */
  forget(subject: string): void {
    this.#subjects.delete(subject);
    for (const grant of this.#store.list().filter((stored) => stored.subject === subject)) this.#store.remove(grant.id);
  }

  grant(subject: string, permission: Permission, origin: StoredGrant['origin']): StoredGrant {
    return this.#store.add(subject, permission, origin);
  }

  /** Removes a stored grant, or takes a base permission away by storing its deny. */
  revoke(target: { grantId: number } | { subject: string; index: number }): boolean {
    if ('grantId' in target) return this.#store.remove(target.grantId);
    const known = this.#subjects.get(target.subject);
    const permission = known?.base[target.index];
    if (!permission) throw new LocalBrainError('NotFound', `${target.subject} has no permission number ${target.index}.`);
    if (unrevocable.has(permission.message)) {
      throw new LocalBrainError(
        'Conflict',
        `${permission.message} cannot be revoked; it is how permissions and confirmations are managed.`,
      );
    }
    this.#store.add(target.subject, { ...permission, effect: 'deny' }, 'revoke');
    return true;
  }

  /**
   * Sets what a kind's permission does (PermissionSet): earlier stored grants for the same
   * scope are removed, then `ask` or `deny` is stored; `allow` is stored only where the
   * kind's base permission asks (its manifest's `ask`) and only removes the earlier
   * setting where the base already allows. An allow of anything the kind does not have is
   * refused: new permissions come from approving a plugin, never from this message.
   */
  set(subject: string, permission: Permission, effect: PermissionEffect): { grant?: StoredGrant; replaced: number } {
    const known = this.#subjects.get(subject);
    const stored = this.#store.list().filter((grant) => grant.subject === subject);
    if (!known && stored.length === 0) throw new LocalBrainError('NotFound', `No sender kind ${subject} is known.`);
    if (effect !== 'allow' && unrevocable.has(permission.message)) {
      throw new LocalBrainError(
        'Conflict',
        `${permission.message} cannot be set to ${effect}; it is how permissions and confirmations are managed.`,
      );
    }
    const scope = scopeOf(permission);
    const base = known?.base.find((candidate) => scopeOf(candidate) === scope);
    if (effect === 'allow' && !base) {
      throw new LocalBrainError(
        'PermissionDenied',
        `${subject} does not have ${describePermission({ ...permission, effect: 'allow' })}; only a permission it already has can be allowed.`,
        { subject, missing: describePermission({ ...permission, effect: 'allow' }) },
      );
    }
    const earlier = stored.filter((grant) => scopeOf(grant.permission) === scope);
    for (const grant of earlier) this.#store.remove(grant.id);
    const builtInAllows = base !== undefined && (base.effect ?? 'allow') === 'allow';
    if (effect === 'allow' && builtInAllows) return { replaced: earlier.length };
    const { effect: _effect, ...scoped } = permission;
    return { grant: this.#store.add(subject, { ...scoped, effect }, 'setting'), replaced: earlier.length };
  }

  list(): SubjectPermissions[] {
    const grants = this.#store.list();
    const subjects = new Set([...this.#subjects.keys(), ...grants.map((grant) => grant.subject)]);
    return [...subjects].sort().map((subject) => {
      const known = this.#subjects.get(subject);
      return {
        subject,
        actors: known?.actors ?? [],
        base: [...(known?.base ?? [])],
        grants: grants.filter((grant) => grant.subject === subject),
      };
    });
  }
}

/** Exactly what a held message would do, for the dialog: the command and its arguments, or the file operation and its paths. */
function whatIsAsked(request: Request, targets: FileTargets | undefined): Partial<ConfirmationDetails> {
  switch (request.type) {
    case 'TerminalCommand': {
      const { cmd, args, cwd } = request.data;
      return { command: { cmd, args, ...(cwd === undefined ? {} : { cwd }) } };
    }
    case 'FileOperation':
      return {
        file: {
          op: request.data.op.kind,
          paths: targets?.relative.length ? [...targets.relative] : requestedPaths(request.data),
        },
      };
    case 'SettingsSet':
      return { keys: Object.keys(request.data.values) };
    default:
      return {};
  }
}
