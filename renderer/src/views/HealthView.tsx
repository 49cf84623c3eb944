import { useCallback, useEffect, useState } from 'react';
import type { HealthReport } from '../../../shared/contract/health';
import { ReplyError, request } from '../api';

const refreshMs = 2_000;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function HealthView() {
  const [report, setReport] = useState<HealthReport>();
  const [error, setError] = useState<string>();

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

  return (
    <section className="view" aria-labelledby="health-heading">
      <h1 id="health-heading">Health</h1>
      {error && <p role="alert">{error}</p>}
      {report && (
        <>
          <p>
            Version {report.version} over {report.transport}; up {(report.uptimeMs / 1000).toFixed(0)} s; memory{' '}
            {megabytes(report.memory.rssBytes)} resident, {megabytes(report.memory.heapUsedBytes)} heap.
          </p>
          <table aria-label="Messages by type">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Count</th>
                <th scope="col">p50 ms</th>
                <th scope="col">p99 ms</th>
                <th scope="col">Outcomes</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(report.messages).map(([type, stats]) => (
                <tr key={type}>
                  <th scope="row">{type}</th>
                  <td>{stats.latency.count}</td>
                  <td>{stats.latency.p50Ms.toFixed(2)}</td>
                  <td>{stats.latency.p99Ms.toFixed(2)}</td>
                  <td>
                    {Object.entries(stats.outcomes)
                      .map(([outcome, count]) => `${outcome} ${count}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
