import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import type { SearchMatch } from '../../../shared/contract/files';
import type { WorkspaceRoot } from '../../../shared/contract/workspace';
import { api, request } from '../api';
import { describeFileError } from './errors';

/** Results kept on screen; the search itself is capped in main as well. */
const maxShown = 1_000;

export interface SearchHit extends SearchMatch {
  readonly root: string;
}

/**
 * Searches file names (glob) and contents (text or regex) in one root. Results stream in as
 * FileSearchResults events while the request runs; Cancel stops it in main.
 */
export function SearchPanel({ roots, onOpen }: { roots: readonly WorkspaceRoot[]; onOpen: (hit: SearchHit) => void }) {
  const [text, setText] = useState('');
  const [names, setNames] = useState('');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [root, setRoot] = useState<string>();
  const [hits, setHits] = useState<readonly SearchHit[]>([]);
  const [summary, setSummary] = useState<string>();
  const [running, setRunning] = useState<string>();
  const counter = useRef(0);
  const chosenRoot = root ?? roots[0]?.path;

  useEffect(
    () =>
      api().on((event) => {
        if (event.type !== 'FileSearchResults' || event.data.searchId !== running || chosenRoot === undefined) return;
        setHits((previous) =>
          [...previous, ...event.data.matches.map((match) => ({ ...match, root: chosenRoot }))].slice(0, maxShown),
        );
      }),
    [running, chosenRoot],
  );

  const start = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (chosenRoot === undefined || (text === '' && names === '')) return;
    counter.current += 1;
    const searchId = `search-${Date.now().toString(36)}-${counter.current}`;
    setHits([]);
    setSummary(undefined);
    setRunning(searchId);
    try {
      const reply = await request({
        type: 'FileOperation',
        data: {
          op: {
            kind: 'search',
            searchId,
            query: { ...(text === '' ? {} : { text }), ...(names === '' ? {} : { names }), regex, caseSensitive },
          },
          path: chosenRoot,
        },
      });
      if (reply.kind === 'search') {
        const found = `${reply.matches} result(s) in ${reply.filesScanned} file(s) read`;
        setSummary(reply.cancelled ? `Cancelled: ${found}.` : reply.truncated ? `${found}; stopped at the limit.` : `${found}.`);
      }
    } catch (caught) {
      setSummary(describeFileError(caught));
    } finally {
      setRunning(undefined);
    }
  };

  const cancel = () => {
    if (running !== undefined) void request({ type: 'FileSearchCancel', data: { searchId: running } });
  };

  return (
    <section className="search-panel" aria-label="Search files">
      <form onSubmit={(event) => void start(event)} className="search-form">
        <input
          aria-label="Search text"
          placeholder="Text in files"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <input
          aria-label="File names"
          placeholder="Names, e.g. **/*.ts"
          value={names}
          onChange={(event) => setNames(event.target.value)}
        />
        <div className="search-options">
          <label>
            <input type="checkbox" checked={regex} onChange={(event) => setRegex(event.target.checked)} /> Regex
          </label>
          <label>
            <input type="checkbox" checked={caseSensitive} onChange={(event) => setCaseSensitive(event.target.checked)} /> Match
            case
          </label>
          {roots.length > 1 && (
            <select aria-label="Folder to search" value={chosenRoot} onChange={(event) => setRoot(event.target.value)}>
              {roots.map((candidate) => (
                <option key={candidate.path} value={candidate.path}>
                  {candidate.name}
                </option>
              ))}
            </select>
          )}
        </div>
        <div className="search-buttons">
          <button type="submit" disabled={running !== undefined || (text === '' && names === '')}>
            Search
          </button>
          {running !== undefined && (
            <button type="button" className="secondary" onClick={cancel}>
              Cancel search
            </button>
          )}
        </div>
      </form>
      {summary !== undefined && (
        <p className="muted" role="status">
          {summary}
        </p>
      )}
      <ul className="search-results" aria-label="Search results">
        {hits.map((hit, index) => (
          <li key={`${hit.path}:${hit.line ?? 0}:${index}`}>
            <button type="button" className="search-hit" onClick={() => onOpen(hit)}>
              <span className="hit-path">
                {hit.path}
                {hit.line !== undefined && `:${hit.line}`}
              </span>
              {hit.preview !== undefined && <span className="hit-preview">{hit.preview.trim()}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
