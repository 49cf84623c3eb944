import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HealthReport } from '../../../shared/contract/health';
import { ReplyError, request } from '../api';
import { TimeChart } from '../health/TimeChart';
import './health.css';

const refreshMs = 2_000;
const mebibyte = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MB`;
}

function clock(time: number): string {
  return new Date(time).toLocaleTimeString();
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)} %`;
}

export function HealthView() {
  const [report, setReport] = useState<HealthReport>();
  const [error, setError] = useState<string>();
  const [exported, setExported] = useState<string>();

  const refresh = useCallback(async () => {
    try {
      setReport(await request({ type: 'HealthReport', data: {} }));
      setError(undefined);
    } catch (caught) {
      setError(caught instanceof ReplyError ? caught.payload.message : 'Health report unavailable.');
    }
  }, []);

  useEffect(() => {
    const first = setTimeout(() => void refresh(), 0);
    const timer = setInterval(() => void refresh(), refreshMs);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [refresh]);

  const exportDiagnostics = async () => {
    try {
      const result = await request({ type: 'DiagnosticsExport', data: {} });
      setExported(`Diagnostics written to ${result.path} (${(result.bytes / 1024).toFixed(1)} KB).`);
    } catch (caught) {
      setExported(caught instanceof ReplyError ? caught.payload.message : 'Diagnostics could not be written.');
    }
  };

  const history = report?.history;
  const charts = useMemo(() => {
    const samples = history ?? [];
    const times = samples.map((sample) => sample.time);
    return {
      times,
      loop: [
        { label: 'p99', values: samples.map((sample) => sample.loopDelayP99Ms), stroke: '--accent' },
        { label: 'max', values: samples.map((sample) => sample.loopDelayMaxMs), stroke: '--bad' },
      ],
      heap: [{ label: 'heap', values: samples.map((sample) => sample.heapUsedBytes / mebibyte), stroke: '--accent' }],
      rss: [{ label: 'RSS', values: samples.map((sample) => sample.rssBytes / mebibyte), stroke: '--accent' }],
      rate: [{ label: 'msg/s', values: samples.map((sample) => sample.messagesPerSecond), stroke: '--accent' }],
    };
  }, [history]);

  const current = report?.current;
  return (
    <section className="view health-view" aria-labelledby="health-heading">
      <header className="view-header">
        <h1 id="health-heading">Health</h1>
        <button type="button" onClick={() => void exportDiagnostics()}>
          Export diagnostics
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      {exported && <p role="status">{exported}</p>}
      {report && current && (
        <>
          <p>
            Version {report.version} over {report.transport}; up {(report.uptimeMs / 1000).toFixed(0)} s; memory{' '}
            {megabytes(report.memory.rssBytes)} resident, {megabytes(report.memory.heapUsedBytes)} heap; event loop p99{' '}
            {current.eventLoop.delayP99Ms.toFixed(1)} ms, {percent(current.eventLoop.utilization)} busy; {current.sessions.count}{' '}
            terminal{current.sessions.count === 1 ? '' : 's'} holding {megabytes(current.sessions.scrollbackBytes)} of scrollback;
            audit backlog {current.audit.backlog}; database {megabytes(current.audit.databaseBytes)} + WAL{' '}
            {megabytes(current.audit.walBytes)}.
          </p>
          <section aria-label="Warnings">
            <h2>Warnings</h2>
            {report.warnings.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul className="health-warnings">
                {[...report.warnings].reverse().map((warning) => (
                  <li key={`${warning.time}-${warning.kind}`} data-kind={warning.kind}>
                    <time dateTime={new Date(warning.time).toISOString()}>{clock(warning.time)}</time> {warning.message}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <div className="health-charts">
            <TimeChart title="Event-loop delay" unit=" ms" times={charts.times} series={charts.loop} />
            <TimeChart title="Heap used" unit=" MB" times={charts.times} series={charts.heap} />
            <TimeChart title="Resident memory" unit=" MB" times={charts.times} series={charts.rss} />
            <TimeChart title="Messages per second" unit="" times={charts.times} series={charts.rate} />
          </div>
          <table aria-label="Messages by type, last minute">
            <caption>Last minute, by message type</caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Count</th>
                <th scope="col">p50 ms</th>
                <th scope="col">p95 ms</th>
                <th scope="col">p99 ms</th>
                <th scope="col">Errors</th>
                <th scope="col">Since start</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(report.messages).map(([type, total]) => {
                const recent = current.recent[type];
                return (
                  <tr key={type}>
                    <th scope="row">{type}</th>
                    <td>{recent?.count ?? 0}</td>
                    <td>{recent ? recent.p50Ms.toFixed(2) : '–'}</td>
                    <td>{recent ? recent.p95Ms.toFixed(2) : '–'}</td>
                    <td>{recent ? recent.p99Ms.toFixed(2) : '–'}</td>
                    <td>
                      {recent && recent.errorRate > 0
                        ? `${percent(recent.errorRate)} (${Object.entries(recent.errors)
                            .map(([code, count]) => `${code} ${count}`)
                            .join(', ')})`
                        : '–'}
                    </td>
                    <td>{total.latency.count}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <section aria-label="Background services">
            <h2>Background services</h2>
            <ul className="health-services">
              {report.services.map((service) => (
                <li key={service.name} data-state={service.state}>
                  {service.name}: {service.state}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </section>
  );
}
