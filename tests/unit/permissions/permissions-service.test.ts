import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Request } from '../../../shared/contract';
import { capabilitySchema, permissionSchema, type Capability } from '../../../shared/contract/permissions';
import { LocalBrainError } from '../../../shared/errors';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { personCapability } from '../../../main/services/permissions/defaults';
import { DatabaseGrantStore } from '../../../main/services/permissions/grant-store';
import { PermissionsService } from '../../../main/services/permissions/permissions-service';
import { permissionSetHandler } from '../../../main/handlers/permissions';
import { pluginForbiddenMessages } from '../../../shared/contract/plugins';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

const read = (file: string): Request => ({ type: 'FileOperation', data: { op: { kind: 'read' }, path: file } });
const command = (cmd: string, args: string[]): Request => ({ type: 'TerminalCommand', data: { cmd, args } });

const pluginCapability: Capability = {
  subject: 'plugin:word-count',
  permissions: [
    { message: 'FileOperation', ops: ['read', 'list', 'stat'], paths: ['docs/**'] },
    { message: 'TerminalCommand', commands: [{ cmd: 'git', args: ['status'] }] },
  ],
};

async function refusal(promise: Promise<unknown>): Promise<LocalBrainError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof LocalBrainError)) throw new Error(`expected a LocalBrainError, got ${String(error)}`);
  return error;
}

describe('PermissionsService', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let roots: WorkspaceRoots;

  beforeEach(async () => {
    workspace = await tempDir();
    await mkdir(path.join(workspace.path, 'docs'));
    await mkdir(path.join(workspace.path, 'secret'));
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'a guide');
    await writeFile(path.join(workspace.path, 'secret', 'key.txt'), 'secret');
    await symlink(path.join(workspace.path, 'secret'), path.join(workspace.path, 'docs', 'link'));
    roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
  });
  afterEach(() => workspace.remove());

  it('denies by default: a sender with no permissions gets PermissionDenied naming what is missing', async () => {
    const service = new PermissionsService({ roots });
    const { sender } = testSender({ actor: 'plugin:empty', capability: { subject: 'plugin:empty', permissions: [] } });
    const error = await refusal(service.authorize(sender, { type: 'HealthReport', data: {} }));
    expect(error.code).toBe('PermissionDenied');
    expect(error.message).toContain('HealthReport');
    expect(error.details).toMatchObject({ actor: 'plugin:empty', missing: 'HealthReport' });
  });

  it('allows inside a path scope and refuses outside it, a `../` traversal and a symlink leading out of it', async () => {
    const service = new PermissionsService({ roots });
    const { sender } = testSender({ actor: 'plugin:word-count', capability: pluginCapability });
    await expect(service.authorize(sender, read('docs/guide.md'))).resolves.toHaveLength(1);
    expect((await refusal(service.authorize(sender, read('secret/key.txt')))).code).toBe('PermissionDenied');
    expect((await refusal(service.authorize(sender, read('docs/../secret/key.txt')))).code).toBe('PermissionDenied');
    // Matched after the real-path check: docs/link/key.txt is secret/key.txt.
    const linked = await refusal(service.authorize(sender, read('docs/link/key.txt')));
    expect(linked.code).toBe('PermissionDenied');
    expect(linked.message).toContain('secret/key.txt');
    expect((await refusal(service.authorize(sender, read('../outside.txt')))).code).toBe('PermissionDenied');
  });

  it('refuses an op the scope does not name, and a rename whose destination is out of scope', async () => {
    const service = new PermissionsService({ roots });
    const { sender } = testSender({ actor: 'plugin:word-count', capability: pluginCapability });
    const write: Request = { type: 'FileOperation', data: { op: { kind: 'write', content: 'x' }, path: 'docs/new.md' } };
    expect((await refusal(service.authorize(sender, write))).code).toBe('PermissionDenied');
    const wide: Capability = {
      subject: 'plugin:mover',
      permissions: [{ message: 'FileOperation', ops: ['rename'], paths: ['docs/**'] }],
    };
    const mover = testSender({ actor: 'plugin:mover', capability: wide }).sender;
    const rename = (to: string): Request => ({
      type: 'FileOperation',
      data: { op: { kind: 'rename', to }, path: 'docs/guide.md' },
    });
    await expect(service.authorize(mover, rename('docs/moved.md'))).resolves.toHaveLength(1);
    expect((await refusal(service.authorize(mover, rename('secret/moved.md')))).code).toBe('PermissionDenied');
  });

  it('allows only the exact command and arguments granted', async () => {
    const service = new PermissionsService({ roots });
    const { sender } = testSender({ actor: 'plugin:word-count', capability: pluginCapability });
    await expect(service.authorize(sender, command('git', ['status']))).resolves.toHaveLength(1);
    expect((await refusal(service.authorize(sender, command('git', ['push'])))).code).toBe('PermissionDenied');
    expect((await refusal(service.authorize(sender, command('git', ['status', '--porcelain'])))).code).toBe('PermissionDenied');
    expect((await refusal(service.authorize(sender, command('rm', ['-rf', 'docs'])))).code).toBe('PermissionDenied');
  });

  it('matches an anchored argument pattern, and refuses a pattern shaped for catastrophic backtracking', async () => {
    const capability = capabilitySchema.parse({
      subject: 'plugin:log',
      permissions: [{ message: 'TerminalCommand', commands: [{ cmd: 'git', argsPattern: 'log -n [0-9]{1,3}' }] }],
    });
    const service = new PermissionsService({ roots });
    const { sender } = testSender({ actor: 'plugin:log', capability });
    await expect(service.authorize(sender, command('git', ['log', '-n', '20']))).resolves.toHaveLength(1);
    expect((await refusal(service.authorize(sender, command('git', ['log', '-n', '20', '--all'])))).code).toBe(
      'PermissionDenied',
    );
    expect(
      permissionSchema.safeParse({ message: 'TerminalCommand', commands: [{ cmd: 'x', argsPattern: '(a+)+$' }] }).success,
    ).toBe(false);
  });

  it('lets deny win over any allow, and a revoke applies to the very next message', async () => {
    const database = StorageDatabase.open({
      file: path.join(workspace.path, 'grants.db'),
      keys: [generateDatabaseKey()],
      migrations,
    });
    const store = new DatabaseGrantStore(database, capturingLogger().logger);
    const service = new PermissionsService({ roots, store });
    const window = testSender({ actor: 'window:1' }).sender;
    const spawn: Request = { type: 'PtyList', data: {} };
    await expect(service.authorize(window, spawn)).resolves.toHaveLength(1);
    const index = personCapability('window').permissions.findIndex((permission) => permission.message === 'PtyList');
    service.revoke({ subject: 'window', index });
    expect((await refusal(service.authorize(window, spawn))).code).toBe('PermissionDenied');
    // An extra allow does not beat the deny.
    service.grant('window', { message: 'PtyList' }, 'confirm');
    expect((await refusal(service.authorize(window, spawn))).code).toBe('PermissionDenied');
    const deny = service
      .list()
      .find((entry) => entry.subject === 'window')
      ?.grants.find((grant) => grant.origin === 'revoke');
    expect(deny).toBeDefined();
    service.revoke({ grantId: deny?.id ?? 0 });
    await expect(service.authorize(window, spawn)).resolves.toHaveLength(2);
    await database.close();
  });

  it('keeps grants in the database across a restart', async () => {
    const key = generateDatabaseKey();
    const file = path.join(workspace.path, 'grants.db');
    const first = StorageDatabase.open({ file, keys: [key], migrations });
    new PermissionsService({ store: new DatabaseGrantStore(first, capturingLogger().logger) }).grant(
      'plugin:word-count',
      { message: 'HealthReport' },
      'confirm',
    );
    await first.close();
    const second = StorageDatabase.open({ file, keys: [key], migrations });
    const service = new PermissionsService({ store: new DatabaseGrantStore(second, capturingLogger().logger) });
    const { sender } = testSender({ actor: 'plugin:word-count', capability: pluginCapability });
    await expect(service.authorize(sender, { type: 'HealthReport', data: {} })).resolves.toHaveLength(1);
    await second.close();
  });

  it('answers ConfirmationRequired for an ask permission, with who asks and exactly what', async () => {
    const service = new PermissionsService({ roots });
    const capability: Capability = {
      subject: 'plugin:asker',
      permissions: [{ message: 'TerminalCommand', commands: [{ cmd: 'git', args: ['pull'] }], effect: 'ask' }],
    };
    const { sender } = testSender({ actor: 'plugin:asker', capability });
    const error = await refusal(service.authorize(sender, command('git', ['pull'])));
    expect(error.code).toBe('ConfirmationRequired');
    expect(error.details).toMatchObject({ asker: 'plugin:asker', action: 'TerminalCommand git pull', kind: 'Message' });
  });

  it('refuses to revoke the permissions that manage permissions', () => {
    const service = new PermissionsService();
    service.introduce(personCapability('window'));
    const index = personCapability('window').permissions.findIndex((permission) => permission.message === 'PermissionRevoke');
    expect(index).toBeGreaterThanOrEqual(0);
    expect(() => service.revoke({ subject: 'window', index })).toThrow(/cannot be revoked/);
  });

  it('audits a refusal under the sender’s actor through the router', async () => {
    const audit = new MemoryAuditSink();
    const router = new Router({ audit, logger: capturingLogger().logger, permissions: new PermissionsService({ roots }) });
    const { sender } = testSender({ actor: 'plugin:word-count', capability: pluginCapability });
    const reply = await router.dispatch(command('rm', ['-rf', '/']), sender);
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(audit.records.at(-1)).toMatchObject({
      actor: 'plugin:word-count',
      type: 'TerminalCommand',
      outcome: 'PermissionDenied',
    });
  });
});

describe('PermissionSet: "Ask me first" and friends from the Permissions view', () => {
  const write: Request = { type: 'FileOperation', data: { op: { kind: 'write', content: 'x' }, path: 'notes.txt' } };
  const wholeFiles = personCapability('window').permissions.find((permission) => permission.message === 'FileOperation');
  const askingPlugin: Capability = {
    subject: 'plugin:asker',
    permissions: [{ message: 'TerminalCommand', commands: [{ cmd: 'git', args: ['pull'] }], effect: 'ask' }],
  };

  function app() {
    const permissions = new PermissionsService();
    const audit = new MemoryAuditSink();
    const router = new Router({ audit, logger: capturingLogger().logger, permissions });
    router.register('PermissionSet', permissionSetHandler(permissions));
    const window = testSender({ actor: 'window:1', capability: personCapability('window') }).sender;
    const serve = testSender({ actor: 'serve:2', capability: personCapability('serve') }).sender;
    permissions.introduce(personCapability('window'));
    permissions.introduce(askingPlugin);
    const set = (data: unknown, by = window) => router.dispatch({ type: 'PermissionSet', data }, by);
    return { permissions, audit, window, serve, set };
  }

  it('turns a window permission into "Ask me first": its next message asks; audited; setting it again replaces the first', async () => {
    const { permissions, audit, window, set } = app();
    if (!wholeFiles) throw new Error('the window has FileOperation');
    await expect(permissions.authorize(window, write)).resolves.toHaveLength(1);
    const reply = await set({ subject: 'window', permission: wholeFiles, effect: 'ask' });
    expect(reply).toMatchObject({ ok: true, value: { grant: { subject: 'window', origin: 'setting' }, replaced: 0 } });
    expect((await refusal(permissions.authorize(window, write))).code).toBe('ConfirmationRequired');
    expect(audit.records.at(-1)).toMatchObject({
      actor: 'window:1',
      type: 'PermissionSet',
      outcome: 'ok',
      summary: { subject: 'window', message: 'FileOperation', effect: 'ask' },
    });
    expect(await set({ subject: 'window', permission: { ...wholeFiles, effect: 'deny' }, effect: 'ask' })).toMatchObject({
      ok: true,
      value: { replaced: 1 },
    });
    expect(permissions.list().find((subject) => subject.subject === 'window')?.grants).toHaveLength(1);
    // Allow of what the window has built in only removes the setting: back to the built-in allow, nothing stored.
    expect(await set({ subject: 'window', permission: wholeFiles, effect: 'allow' })).toEqual({
      ok: true,
      value: { replaced: 1 },
    });
    expect(permissions.list().find((subject) => subject.subject === 'window')?.grants).toEqual([]);
    await expect(permissions.authorize(window, write)).resolves.toHaveLength(1);
  });

  it('allows a plugin’s own asked permission on "allow", and refuses to allow anything it was not approved for', async () => {
    const { permissions, serve, set } = app();
    const pull = askingPlugin.permissions[0];
    const { sender: plugin } = testSender({ actor: 'plugin:asker', capability: askingPlugin });
    expect((await refusal(permissions.authorize(plugin, command('git', ['pull'])))).code).toBe('ConfirmationRequired');
    expect(await set({ subject: 'plugin:asker', permission: pull, effect: 'allow' }, serve)).toMatchObject({
      ok: true,
      value: { grant: { permission: { effect: 'allow' } } },
    });
    await expect(permissions.authorize(plugin, command('git', ['pull']))).resolves.toHaveLength(1);

    // A serve client cannot widen a plugin: any program, or a program it never asked for, is refused and nothing is stored.
    for (const wider of [
      { message: 'TerminalCommand', commands: '*' },
      { message: 'TerminalCommand', commands: [{ cmd: 'git', args: ['push'] }] },
      { message: 'PtySpawn' },
    ]) {
      expect(await set({ subject: 'plugin:asker', permission: wider, effect: 'allow' }, serve)).toMatchObject({
        ok: false,
        error: { code: 'PermissionDenied' },
      });
    }
    expect(permissions.list().find((subject) => subject.subject === 'plugin:asker')?.grants).toHaveLength(1);
    expect((await refusal(permissions.authorize(plugin, command('git', ['push'])))).code).toBe('PermissionDenied');
  });

  it('refuses to make the permission and confirmation messages ask, unknown kinds, and malformed requests', async () => {
    const { set } = app();
    for (const message of ['PermissionSet', 'PermissionRevoke', 'PermissionList', 'Confirm', 'ConfirmCancel']) {
      expect(await set({ subject: 'window', permission: { message }, effect: 'ask' })).toMatchObject({
        ok: false,
        error: { code: 'Conflict' },
      });
    }
    expect(await set({ subject: 'plugin:nobody', permission: { message: 'PtySpawn' }, effect: 'ask' })).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
    for (const data of [
      { subject: 'window', permission: { message: 'PtySpawn' }, effect: 'maybe' },
      { subject: 'window', permission: { message: 'FileOperation' }, effect: 'ask' },
      { subject: 'window', permission: { message: 'PtySpawn', extra: true }, effect: 'ask' },
      { subject: '', permission: { message: 'PtySpawn' }, effect: 'ask' },
      { subject: 'window', permission: { message: 'PtySpawn' }, effect: 'ask', grantId: 1 },
    ]) {
      expect(await set(data)).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    }
  });

  it('keeps PermissionSet itself out of reach: not revocable, never in a plugin manifest', () => {
    const service = new PermissionsService();
    service.introduce(personCapability('window'));
    const index = personCapability('window').permissions.findIndex((permission) => permission.message === 'PermissionSet');
    expect(() => service.revoke({ subject: 'window', index })).toThrow(/cannot be revoked/);
    expect(pluginForbiddenMessages.has('PermissionSet')).toBe(true);
    // Nor can what answers a confirmation be taken away: no ask could be answered then.
    for (const message of ['Confirm', 'ConfirmCancel']) {
      const at = personCapability('window').permissions.findIndex((permission) => permission.message === message);
      expect(() => service.revoke({ subject: 'window', index: at })).toThrow(/cannot be revoked/);
    }
  });
});
