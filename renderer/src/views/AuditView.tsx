import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry, AuditHeadValue, AuditVerifyResult } from '../../../shared/contract/audit';
import { errorCodes } from '../../../shared/errors';
import { ReplyError, request } from '../api';
import './storage-views.css';

const pageSize = 50;
/** Entries per export request: large pages keep the number of round trips small. */
const exportPageSize = 10_000;
/** Hex characters of the head's hash shown to note down: 48 bits, far beyond guessing, short enough to copy by hand. */
const shortHashChars = 12;

type OutcomeFilter = '' | 'ok' | 'error' | (typeof errorCodes)[number];

function describe(caught: unknown): string {
  return caught instanceof ReplyError ? caught.payload.message : 'The request failed.';
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [type, setType] = useState('');
  const [outcome, setOutcome] = useState<OutcomeFilter>('');
  /** The filters in force: the inputs apply on submit, not on every keystroke. */
  const [filters, setFilters] = useState<{ type: string; outcome: OutcomeFilter }>({ type: '', outcome: '' });
  /** Cursors of the pages before this one; the last is this page's own. */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [nextBefore, setNextBefore] = useState<number>();
  const [verify, setVerify] = useState<AuditVerifyResult>();
  const [message, setMessage] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** The newest entry seen: from the last verify, or from an unfiltered first page. */
  const [head, setHead] = useState<AuditHeadValue>();

  const load = useCallback(
    async (before: number | undefined) => {
      try {
        const page = await request({
          type: 'AuditQuery',
          data: {
            limit: pageSize,
            ...(before === undefined ? {} : { before }),
            ...(filters.type === '' ? {} : { type: filters.type }),
            ...(filters.outcome === '' ? {} : { outcome: filters.outcome }),
          },
        });
        setEntries(page.entries);
        setNextBefore(page.nextBefore);
        const newest = page.entries[0];
        if (before === undefined && filters.type === '' && filters.outcome === '' && newest) {
          setHead((known) => (known && known.seq > newest.seq ? known : { seq: newest.seq, hash: newest.hash }));
        }
        setMessage(undefined);
      } catch (caught) {
        setMessage(describe(caught));
      }
    },
    [filters],
  );

  const current = cursors.at(-1);
  useEffect(() => {
    const timer = setTimeout(() => void load(current), 0);
    return () => clearTimeout(timer);
  }, [load, current]);

  const runVerify = async () => {
    setBusy(true);
    try {
      const result = await request({ type: 'AuditVerify', data: {} });
      setVerify(result);
      if (result.head) setHead(result.head);
    } catch (caught) {
      setMessage(describe(caught));
    } finally {
      setBusy(false);
    }
  };

  const runExport = async () => {
    setBusy(true);
    try {
      const parts: string[] = [];
      let after = 0;
      for (;;) {
        const page = await request({ type: 'AuditExport', data: { after, limit: exportPageSize } });
        parts.push(page.jsonl);
        after = page.lastSeq;
        if (page.done) break;
      }
      download(`localbrain-audit-${new Date().toISOString().slice(0, 10)}.jsonl`, parts.join(''));
      setMessage(undefined);
      setNotice('Exported the audit log as JSON Lines.');
    } catch (caught) {
      setMessage(describe(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="view" aria-labelledby="audit-heading">
      <h1 id="audit-heading">Audit log</h1>
      <form
        className="filters"
        aria-label="Audit filters"
        onSubmit={(event) => {
          event.preventDefault();
          setCursors([undefined]);
          setFilters({ type: type.trim(), outcome });
        }}
      >
        <label>
          Type
          <input value={type} onChange={(event) => setType(event.target.value)} placeholder="e.g. FileOperation" />
        </label>
        <label>
          Outcome
          <select value={outcome} onChange={(event) => setOutcome(event.target.value as OutcomeFilter)}>
            <option value="">All</option>
            <option value="ok">ok</option>
            <option value="error">Any error</option>
            {errorCodes.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <button type="button" disabled={busy} onClick={() => void runVerify()}>
          Verify
        </button>
        <button type="button" disabled={busy} onClick={() => void runExport()}>
          Export
        </button>
      </form>
      <p role="status" aria-label="Chain state" className={verify ? (verify.ok ? 'chain ok' : 'chain broken') : 'chain'}>
        {verify === undefined
          ? 'Chain not checked yet.'
          : verify.ok
            ? `Chain verified: ${verify.checked} entries intact.`
            : `Chain broken at entry ${verify.brokenAt ?? '?'}: ${verify.reason ?? 'unknown reason'} (${verify.checked} entries before it are intact).`}
      </p>
      {head && (
        <p aria-label="Chain head" className="chain-head">
          Head: entry {head.seq} · <code title={head.hash}>{head.hash.slice(0, shortHashChars)}</code>{' '}
          <span className="hint">
            Note it down: a later log that lacks this entry, or has another hash for it, was cut or rewritten.
          </span>
        </p>
      )}
      {message && <p role="alert">{message}</p>}
      {notice && (
        <p role="status" aria-label="Export">
          {notice}
        </p>
      )}
      <table aria-label="Audit entries">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Actor</th>
            <th scope="col">Outcome</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.seq} title={JSON.stringify(entry.summary)}>
              <td>{entry.seq}</td>
              <td>{new Date(entry.time).toLocaleString()}</td>
              <th scope="row">{entry.type}</th>
              <td>{entry.actor}</td>
              <td className={entry.outcome === 'ok' ? undefined : 'outcome-error'}>{entry.outcome}</td>
              <td>{entry.durationMs.toFixed(2)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && <p>No entries match.</p>}
      <nav className="pager" aria-label="Audit pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((list) => list.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={nextBefore === undefined} onClick={() => setCursors((list) => [...list, nextBefore])}>
          Older
        </button>
      </nav>
    </section>
  );
}
