import type { Request } from '../../../shared/contract';
import type { Capability, Permission, StoredGrant, SubjectPermissions } from '../../../shared/contract/permissions';
import { LocalBrainError } from '../../../shared/errors';
import type { Sender } from '../../ports/sender';
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
}

/** Actors remembered per subject for the Permissions view; a busy serve session must not grow this without bound. */
const maxActorsPerSubject = 16;

/** Base permissions a kind may never lose, so the person cannot lock themselves out of this very screen. */
const unrevocable = new Set(['PermissionList', 'PermissionRevoke']);

interface KnownSubject {
  base: readonly Permission[];
  actors: string[];
}

/**
 * The one place that decides whether a sender may send a message: deny by default, deny
 * wins, then allow, then ask. A sender's capability (its kind's built-in or approved
 * permissions) is joined with the grants stored for its subject, read from memory on
 * every message, so a revoke applies to the very next one.
 */
export class PermissionsService {
  readonly #store: GrantStore;
  readonly #roots: WorkspaceRoots | undefined;
  readonly #subjects = new Map<string, KnownSubject>();

  constructor(options: PermissionsServiceOptions = {}) {
    this.#store = options.store ?? new MemoryGrantStore();
    this.#roots = options.roots;
  }

  /**
   * Returns the permissions that allow `request`; throws PermissionDenied naming what is
   * missing (or what denies it), or ConfirmationRequired for an `ask` permission.
   */
  async authorize(sender: Sender, request: Request): Promise<EffectiveScope> {
    const capability = sender.capability;
    this.#remember(capability, sender.actor);
    const permissions = this.#effective(capability);
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
    if (allowed.length > 0) return allowed;
    const asked = matching.find((permission) => permission.effect === 'ask');
    if (asked) {
      throw new LocalBrainError('ConfirmationRequired', `${sender.actor} asks for ${describeRequest(request, targets)}.`, {
        actor: sender.actor,
        action: describeRequest(request, targets),
        reason: `${describePermission(asked)} is set to ask first.`,
      });
    }
    const missing = describeRequest(request, targets);
    throw new LocalBrainError('PermissionDenied', `${sender.actor} lacks the permission for ${missing}.`, {
      actor: sender.actor,
      missing,
    });
  }

  /** A sender kind's permissions now: its base plus stored allows, then stored denies (which win). */
  #effective(capability: Capability): readonly Permission[] {
    const grants = this.#store.list();
    if (grants.length === 0) return capability.permissions;
    const own = grants.filter((grant) => grant.subject === capability.subject).map((grant) => grant.permission);
    return own.length === 0 ? capability.permissions : [...capability.permissions, ...own];
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
      throw new LocalBrainError('Conflict', `${permission.message} cannot be revoked; it is how permissions are managed.`);
    }
    this.#store.add(target.subject, { ...permission, effect: 'deny' }, 'revoke');
    return true;
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
