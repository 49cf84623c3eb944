import { personCapability } from '../../main/services/permissions/defaults';
import { pino } from 'pino';
import { MemoryAuditSink } from '../../main/ports/audit';
import { Router, type Handler } from '../../main/ipc/router';
import type { Sender } from '../../main/ports/sender';
import type { BenchRow, BenchSuite } from './types';
import { formatMs, formatRate, percentile, sortedCopy } from './stats';

const warmup = 20_000;
const samples = 200_000;
const throughputMs = 2_000;

const message = { type: 'VoiceCommand', data: { text: 'list files', metadata: { source: 'keyboard' } } } as const;
/** A handler that does next to nothing, so what is measured is the router around it. */
const helpReply = { intent: 'help', understood: true, say: 'hi', plan: { id: 'bench', steps: [] }, results: [] };
const trivialHandler: Handler<'VoiceCommand'> = {
  run: () => helpReply,
  summarize: (data) => ({ source: data.metadata.source, chars: data.text.length }),
};
const sender: Sender = {
  actor: 'bench',
  capability: personCapability('window'),
  emit: () => undefined,
  closed: new AbortController().signal,
};

async function latencies(call: () => unknown): Promise<number[]> {
  for (let index = 0; index < warmup; index += 1) await call();
  const result = new Array<number>(samples);
  for (let index = 0; index < samples; index += 1) {
    const started = process.hrtime.bigint();
    await call();
    result[index] = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return sortedCopy(result);
}

async function perSecond(call: () => unknown): Promise<number> {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < throughputMs) {
    for (let index = 0; index < 1000; index += 1) await call();
    count += 1000;
  }
  return count / ((performance.now() - started) / 1000);
}

const suite: BenchSuite = {
  name: 'router',
  description:
    'The router’s own overhead (validate + authorize + run + audit to memory + envelope) for a small VoiceCommand, beside calling the same handler function bare, awaited the same way, in one process on one core.',
  async run(): Promise<BenchRow[]> {
    const router = new Router({ audit: new MemoryAuditSink(), logger: pino({ level: 'silent' }) });
    router.register('VoiceCommand', trivialHandler);
    const bare = () => trivialHandler.run(message.data, { sender, signal: new AbortController().signal, scope: [] });
    const routed = () => router.dispatch(message, sender);
    const first = await routed();
    if (!first.ok) throw new Error(`the bench message was refused: ${JSON.stringify(first)}`);

    const bareLatency = await latencies(bare);
    const routedLatency = await latencies(routed);
    const bareRate = await perSecond(bare);
    const routedRate = await perSecond(routed);
    const p = (sorted: number[], q: number) => percentile(sorted, q);
    return [
      { metric: 'bare handler call p50 / p99', value: `${formatMs(p(bareLatency, 50))} / ${formatMs(p(bareLatency, 99))}` },
      { metric: 'routed p50', value: formatMs(p(routedLatency, 50)) },
      { metric: 'routed p95', value: formatMs(p(routedLatency, 95)) },
      { metric: 'routed p99', value: formatMs(p(routedLatency, 99)), target: '< 1 ms', pass: p(routedLatency, 99) < 1 },
      { metric: 'routed p99.9', value: formatMs(p(routedLatency, 99.9)) },
      { metric: 'router overhead at p50 (routed − bare)', value: formatMs(p(routedLatency, 50) - p(bareLatency, 50)) },
      { metric: 'bare calls per second', value: formatRate(bareRate, 'calls') },
      {
        metric: 'routed messages per second (one core)',
        value: formatRate(routedRate, 'msg'),
        target: '> 20,000 msg/s',
        pass: routedRate > 20_000,
      },
      { metric: 'routed ÷ bare throughput', value: (routedRate / bareRate).toFixed(3) },
    ];
  },
};

export default suite;
