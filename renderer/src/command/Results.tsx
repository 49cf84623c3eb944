import type { FileEntry, SearchMatch } from '../../../shared/contract/files';
import type { StepResult, VoiceShow } from '../../../shared/contract/voice';

/** Characters of a file shown in place; the viewer has the rest. */
const maxInlineChars = 4_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** What one step returned, shown in place: files to click, text, hits, output. */
export function StepResultView({ result, onShow }: { result: StepResult; onShow: (show: VoiceShow) => void }) {
  if (!result.ok) {
    return (
      <p className="reply error" role="alert">
        {result.error ? `${result.error.code}: ${result.error.message}` : 'The step failed.'}
      </p>
    );
  }
  const value = result.value;
  if (result.type === 'PluginRun') {
    // A plugin's answer is its own shape: shown as data under the sentence that reads it.
    return (
      <pre className="plugin-result" aria-label="Plugin result">
        {value === undefined ? 'null' : JSON.stringify(value, null, 2).slice(0, maxInlineChars)}
      </pre>
    );
  }
  if (!isObject(value)) return null;
  if (value.kind === 'list' && Array.isArray(value.entries)) {
    const entries = value.entries as FileEntry[];
    return (
      <ul className="file-list" aria-label="Files">
        {entries.map((entry) => (
          <li key={entry.path} data-type={entry.type}>
            <button
              type="button"
              className="link"
              onClick={() => onShow({ view: 'files', path: entry.path, folder: entry.type === 'directory' })}
            >
              {entry.type === 'directory' ? `${entry.name}/` : entry.name}
            </button>
          </li>
        ))}
      </ul>
    );
  }
  if (value.kind === 'read' && typeof value.content === 'string') {
    return (
      <pre className="file-text" aria-label="File text">
        {value.encoding === 'base64' ? '(binary file)' : value.content.slice(0, maxInlineChars)}
      </pre>
    );
  }
  if (value.kind === 'search' && Array.isArray(value.hits)) {
    const hits = value.hits as SearchMatch[];
    return (
      <ul className="search-hits" aria-label="Search hits">
        {hits.length === 0 && <li>No matches.</li>}
        {hits.map((hit, index) => (
          <li key={`${hit.path}:${hit.line ?? 0}:${index}`}>
            <button type="button" className="link" onClick={() => onShow({ view: 'files', path: hit.path })}>
              {hit.line === undefined ? hit.path : `${hit.path}:${hit.line}`}
            </button>
            {hit.preview !== undefined && <code> {hit.preview}</code>}
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value.stdout === 'string' && typeof value.stderr === 'string') {
    return (
      <div className="command-output">
        <pre aria-label="Command output">{`${value.stdout}${value.stderr}`}</pre>
        <p className="muted">
          {value.cancelled === true ? 'Stopped.' : `Exit code ${typeof value.exitCode === 'number' ? value.exitCode : '?'}`}
        </p>
      </div>
    );
  }
  if (result.type === 'AuditVerify' && typeof value.ok === 'boolean') {
    return (
      <p>
        {value.ok
          ? `The audit chain holds (${String(value.checked)} entries checked).`
          : `The audit chain is broken at ${String(value.brokenAt)}.`}
      </p>
    );
  }
  if (result.type === 'AuditQuery' && Array.isArray(value.entries)) {
    return <p>{value.entries.length} recent audit entries; the Audit view lists them.</p>;
  }
  return null;
}
