import { describe, expect, it } from 'vitest';
import { ServiceRegistry } from '../../../main/services/runtime/service-registry';

function recorder() {
  const events: string[] = [];
  const service = (name: string, dependsOn: string[] = [], stop: () => void | Promise<void> = () => undefined) => ({
    name,
    dependsOn,
    start: () => void events.push(`start ${name}`),
    stop: async () => {
      events.push(`stop ${name}`);
      await stop();
    },
  });
  return { events, service };
}

const never = () => new Promise<void>(() => undefined);

describe('ServiceRegistry', () => {
  it('starts in dependency order whatever the registration order, and stops in reverse', async () => {
    const { events, service } = recorder();
    const registry = new ServiceRegistry();
    registry.register(service('monitor', ['terminals', 'storage']));
    registry.register(service('terminals', ['storage']));
    registry.register(service('storage'));
    await registry.startAll();
    expect(events).toEqual(['start storage', 'start terminals', 'start monitor']);
    expect(registry.states().every((entry) => entry.state === 'running')).toBe(true);
    const report = await registry.stopAll();
    expect(events.slice(3)).toEqual(['stop monitor', 'stop terminals', 'stop storage']);
    expect(report.forced).toBe(false);
    expect(report.services.map((entry) => [entry.name, entry.outcome])).toEqual([
      ['monitor', 'stopped'],
      ['terminals', 'stopped'],
      ['storage', 'stopped'],
    ]);
  });

  it('abandons a stop that outlives its own deadline, reports it forced, and still stops the rest', async () => {
    const { events, service } = recorder();
    const registry = new ServiceRegistry();
    registry.register(service('storage'));
    registry.register({ ...service('stuck', ['storage'], never), stopDeadlineMs: 50 });
    await registry.startAll();
    const report = await registry.stopAll(5_000);
    expect(report.services.find((entry) => entry.name === 'stuck')?.outcome).toBe('forced');
    expect(report.services.find((entry) => entry.name === 'storage')?.outcome).toBe('stopped');
    expect(events).toContain('stop storage');
    expect(report.forced).toBe(true);
    expect(report.totalMs).toBeLessThan(2_000);
  });

  it('keeps to the overall deadline: what is left when it passes is forced without being waited for', async () => {
    const { events, service } = recorder();
    const registry = new ServiceRegistry();
    registry.register(service('storage'));
    registry.register({ ...service('slow', ['storage'], never), stopDeadlineMs: 10_000 });
    await registry.startAll();
    const report = await registry.stopAll(100);
    expect(report.services).toEqual([
      expect.objectContaining({ name: 'slow', outcome: 'forced' }),
      expect.objectContaining({ name: 'storage', outcome: 'forced' }),
    ]);
    expect(events).not.toContain('stop storage');
    expect(report.totalMs).toBeLessThan(2_000);
  });

  it('force() ends the wait at once, as a second signal does', async () => {
    const { service } = recorder();
    const registry = new ServiceRegistry();
    registry.register({ ...service('slow', [], never), stopDeadlineMs: 10_000 });
    await registry.startAll();
    const stopping = registry.stopAll(10_000);
    setTimeout(() => registry.force(), 20);
    const report = await stopping;
    expect(report.forced).toBe(true);
    expect(report.totalMs).toBeLessThan(2_000);
  });

  it('reports a stop that throws as failed and carries on', async () => {
    const { events, service } = recorder();
    const registry = new ServiceRegistry();
    registry.register(service('storage'));
    registry.register(
      service('broken', ['storage'], () => {
        throw new Error('boom');
      }),
    );
    await registry.startAll();
    const report = await registry.stopAll();
    expect(report.services[0]).toEqual(expect.objectContaining({ name: 'broken', outcome: 'failed', error: 'boom' }));
    expect(events).toContain('stop storage');
  });

  it('a failed start stops what had started and rethrows', async () => {
    const { events, service } = recorder();
    const registry = new ServiceRegistry();
    registry.register(service('storage'));
    registry.register({
      name: 'bad',
      dependsOn: ['storage'],
      start: () => {
        throw new Error('cannot start');
      },
      stop: () => undefined,
    });
    await expect(registry.startAll()).rejects.toThrow('cannot start');
    expect(events).toEqual(['start storage', 'stop storage']);
    expect(registry.states().find((entry) => entry.name === 'bad')?.state).toBe('failed');
  });

  it('refuses a dependency cycle and an unknown dependency', async () => {
    const cyclic = new ServiceRegistry();
    cyclic.register({ name: 'a', dependsOn: ['b'], stop: () => undefined });
    cyclic.register({ name: 'b', dependsOn: ['a'], stop: () => undefined });
    await expect(cyclic.startAll()).rejects.toThrow(/cycle/);
    const unknown = new ServiceRegistry();
    unknown.register({ name: 'a', dependsOn: ['nowhere'], stop: () => undefined });
    await expect(unknown.startAll()).rejects.toThrow(/unknown service nowhere/);
  });
});
