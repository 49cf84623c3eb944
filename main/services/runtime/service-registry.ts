import type { Logger } from 'pino';

/** A background service: something that runs between start and stop, owned by the registry. */
export interface BackgroundService {
  readonly name: string;
  /** Services that must be running before this one starts (and stop only after it). */
  readonly dependsOn?: readonly string[];
  /** How long this service's stop may take before it is abandoned and reported as forced. */
  readonly stopDeadlineMs?: number;
  start?(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export type ServiceState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface StopRecord {
  readonly name: string;
  readonly ms: number;
  readonly outcome: 'stopped' | 'forced' | 'failed';
  readonly error?: string;
}

export interface ShutdownReport {
  readonly totalMs: number;
  readonly services: readonly StopRecord[];
  /** True when the overall deadline passed (or a second signal came) before every service stopped. */
  readonly forced: boolean;
}

/** Overall shutdown budget: a person who quits expects the window gone within seconds (issue 11: 5 s, then force). */
export const defaultShutdownDeadlineMs = 5_000;
/** A service that names no deadline gets this much of the overall budget. */
const defaultServiceDeadlineMs = 2_000;

class Deadline {
  readonly #timer: NodeJS.Timeout;
  readonly promise: Promise<'deadline'>;
  #resolve: (value: 'deadline') => void = () => undefined;
  #fired = false;

  constructor(ms: number) {
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    this.#timer = setTimeout(() => this.fire(), Math.max(0, ms));
  }

  get fired(): boolean {
    return this.#fired;
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }

  fire(): void {
    this.#fired = true;
    clearTimeout(this.#timer);
    this.#resolve('deadline');
  }
}

/**
 * Starts background services in dependency order and stops them in reverse, each within
 * its own deadline and all within an overall one; what did not stop in time is reported
 * as forced. One place to ask what is running, for the health report.
 */
export class ServiceRegistry {
  readonly #services = new Map<string, BackgroundService>();
  readonly #states = new Map<string, ServiceState>();
  readonly #started: string[] = [];
  #stopping: Promise<ShutdownReport> | undefined;
  #forceNow: (() => void) | undefined;

  constructor(private readonly logger?: Logger) {}

  register(service: BackgroundService): void {
    if (this.#services.has(service.name)) throw new Error(`service ${service.name} is already registered`);
    if (this.#stopping) throw new Error('register() after stop');
    this.#services.set(service.name, service);
    this.#states.set(service.name, 'stopped');
  }

  states(): { name: string; state: ServiceState }[] {
    return [...this.#states].map(([name, state]) => ({ name, state }));
  }

  /** Dependency order: each service after everything it depends on; a cycle or unknown name is a programming error. */
  #order(): BackgroundService[] {
    const ordered: BackgroundService[] = [];
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, from: string | undefined): void => {
      if (done.has(name)) return;
      const service = this.#services.get(name);
      if (!service) throw new Error(`service ${from ?? '?'} depends on unknown service ${name}`);
      if (visiting.has(name)) throw new Error(`services depend on each other in a cycle through ${name}`);
      visiting.add(name);
      for (const dependency of service.dependsOn ?? []) visit(dependency, name);
      visiting.delete(name);
      done.add(name);
      ordered.push(service);
    };
    for (const name of this.#services.keys()) visit(name, undefined);
    return ordered;
  }

  /** Starts what is not running yet; if one fails, those already started are stopped and the error is thrown. */
  async startAll(): Promise<void> {
    for (const service of this.#order()) {
      if (this.#started.includes(service.name)) continue;
      this.#states.set(service.name, 'starting');
      try {
        await service.start?.();
      } catch (error) {
        this.#states.set(service.name, 'failed');
        this.logger?.error({ err: error, service: service.name }, 'service failed to start');
        await this.stopAll();
        throw error;
      }
      this.#states.set(service.name, 'running');
      this.#started.push(service.name);
    }
  }

  /**
   * Stops started services in reverse start order. Each gets its own deadline, cut to what
   * remains of the overall one; a stop still running then is abandoned and reported forced.
   * Calling again returns the same report; `force()` ends the wait at once.
   */
  stopAll(overallDeadlineMs = defaultShutdownDeadlineMs): Promise<ShutdownReport> {
    this.#stopping ??= this.#stopAll(overallDeadlineMs);
    return this.#stopping;
  }

  /** A second signal or quit: stop waiting for the service being stopped, and report the rest as forced. */
  force(): void {
    this.#forceNow?.();
  }

  async #stopAll(overallDeadlineMs: number): Promise<ShutdownReport> {
    const began = performance.now();
    const overall = new Deadline(overallDeadlineMs);
    this.#forceNow = () => overall.fire();
    const records: StopRecord[] = [];
    let forced = false;
    for (const name of [...this.#started].reverse()) {
      const service = this.#services.get(name);
      if (!service) continue;
      const started = performance.now();
      if (forced) {
        records.push({ name, ms: 0, outcome: 'forced' });
        this.#states.set(name, 'failed');
        continue;
      }
      this.#states.set(name, 'stopping');
      const own = new Deadline(service.stopDeadlineMs ?? defaultServiceDeadlineMs);
      const stopping = Promise.resolve()
        .then(() => service.stop())
        .then(
          () => 'stopped' as const,
          (error: unknown) => error,
        );
      const result = await Promise.race([stopping, own.promise, overall.promise]);
      own.cancel();
      const ms = performance.now() - started;
      if (result === 'stopped') {
        records.push({ name, ms, outcome: 'stopped' });
        this.#states.set(name, 'stopped');
      } else if (result === 'deadline') {
        records.push({ name, ms, outcome: 'forced' });
        this.#states.set(name, 'failed');
        // The overall budget is gone (or a second signal came): the rest are not waited for.
        if (overall.fired) forced = true;
      } else {
        records.push({ name, ms, outcome: 'failed', error: result instanceof Error ? result.message : String(result) });
        this.#states.set(name, 'failed');
      }
    }
    overall.cancel();
    this.#forceNow = undefined;
    this.#started.length = 0;
    const report: ShutdownReport = {
      totalMs: performance.now() - began,
      services: records,
      forced: forced || records.some((record) => record.outcome === 'forced'),
    };
    this.logger?.info({ shutdown: report }, 'background services stopped');
    return report;
  }
}
