import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ReplyValue } from '../../../shared/contract';
import { request } from '../api';
import { DiffView } from './DiffView';
import { Dialog } from './Dialog';
import { describeFileError, isConflict, isReadOnly } from './errors';
import { highlightHtml } from './highlight';
import { absoluteOf, nameOf, type Place } from './paths';

/** A save travels as one message, and messages stop at 1 MiB (shared/limits.ts); leave room for the envelope and multi-byte text. */
const maxEditableBytes = 768 * 1024;

/** Images shown as pictures; the page's CSP allows `data:` images and nothing in an <img> runs script (SVG included). */
const imageTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
};

function imageType(name: string): string | undefined {
  return imageTypes[name.slice(name.lastIndexOf('.') + 1).toLowerCase()];
}

type ReadReply = Extract<ReplyValue<'FileOperation'>, { kind: 'read' }>;
type DiffReply = Extract<ReplyValue<'FileOperation'>, { kind: 'diff' }>;

export interface FileEditorProps {
  readonly file: Place;
  /** A line to bring into view (from a search result), 1-based. */
  readonly line?: number;
  /** Bumped when the file changed on disk. */
  readonly changedOnDisk: number;
}

/**
 * Shows a file with syntax highlighting and edits it. Save never writes straight away: it
 * first shows the diff against the file on disk and asks to confirm, and the write carries
 * the hash of the version that was opened, so a file changed underneath is a Conflict
 * rather than a silent overwrite.
 */
export function FileEditor({ file, line, changedOnDisk }: FileEditorProps) {
  const path = absoluteOf(file);
  const name = nameOf(file.path);
  const [loaded, setLoaded] = useState<ReadReply>();
  const [error, setError] = useState<string>();
  const [draft, setDraft] = useState<string>();
  const [review, setReview] = useState<DiffReply>();
  const [status, setStatus] = useState<string>();
  const [conflict, setConflict] = useState(false);
  /** Set when a save was refused because the file is read-only: the person decides whether to save anyway. */
  const [readOnlyRefusal, setReadOnlyRefusal] = useState<string>();
  const [busy, setBusy] = useState(false);
  const viewer = useRef<HTMLDivElement>(null);
  const editing = draft !== undefined;
  // A textarea turns CRLF into LF; a file that used CRLF gets it back when saved.
  const eol = loaded?.content.includes('\r\n') ? '\r\n' : '\n';
  const toDisk = (text: string) => (eol === '\n' ? text : text.replace(/\r?\n/g, eol));

  const [reloads, setReloads] = useState(0);
  // Changes on disk reload a file being viewed; while it is edited, the edit is kept and a notice shown.
  const [changesWhenEditStarted, setChangesWhenEditStarted] = useState(changedOnDisk);
  const diskVersion = editing ? changesWhenEditStarted : changedOnDisk;
  const changedWhileEditing = editing && changedOnDisk !== changesWhenEditStarted;

  useEffect(() => {
    let live = true;
    request({ type: 'FileOperation', data: { op: { kind: 'read' }, path } }).then(
      (reply) => {
        if (!live || reply.kind !== 'read') return;
        setLoaded(reply);
        setError(undefined);
        setConflict(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setLoaded(undefined);
        setError(describeFileError(caught));
      },
    );
    return () => {
      live = false;
    };
  }, [path, reloads, diskVersion]);

  const startEditing = (content: string) => {
    setChangesWhenEditStarted(changedOnDisk);
    setDraft(content);
  };

  const reloadFromDisk = () => {
    setDraft(undefined);
    setStatus(undefined);
    setReloads((count) => count + 1);
  };

  const lineNumbers = useMemo(() => {
    if (loaded?.encoding !== 'utf8') return '';
    const count = loaded.content.split('\n').length - (loaded.content.endsWith('\n') ? 1 : 0);
    return Array.from({ length: Math.max(count, 1) }, (_, index) => index + 1).join('\n');
  }, [loaded]);

  const html = useMemo(() => (loaded?.encoding === 'utf8' ? highlightHtml(loaded.content, name) : undefined), [loaded, name]);

  useLayoutEffect(() => {
    const element = viewer.current;
    if (!element || line === undefined) return;
    const lineHeight = Number.parseFloat(getComputedStyle(element).lineHeight) || 18;
    element.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }, [line, loaded]);

  const askToSave = async () => {
    if (draft === undefined || busy) return;
    setBusy(true);
    try {
      const diff = await request({ type: 'FileOperation', data: { op: { kind: 'diff', content: toDisk(draft) }, path } });
      if (diff.kind === 'diff') setReview(diff);
    } catch (caught) {
      setStatus(describeFileError(caught));
    } finally {
      setBusy(false);
    }
  };

  const save = async (force = false) => {
    if (draft === undefined || loaded === undefined) return;
    setBusy(true);
    setReadOnlyRefusal(undefined);
    try {
      const reply = await request({
        type: 'FileOperation',
        data: {
          op: {
            kind: 'write',
            content: toDisk(draft),
            ...(loaded.charset === undefined ? {} : { charset: loaded.charset }),
            ...(loaded.sha256 === undefined ? {} : { expectedSha256: loaded.sha256 }),
            ...(force ? { force: true } : {}),
          },
          path,
        },
      });
      if (reply.kind === 'write') {
        setLoaded({ ...loaded, content: toDisk(draft), sha256: reply.sha256, size: reply.entry.size });
        setDraft(undefined);
        setStatus(`Saved ${name}.`);
      }
    } catch (caught) {
      if (isReadOnly(caught)) setReadOnlyRefusal(describeFileError(caught));
      setConflict(isConflict(caught));
      setStatus(describeFileError(caught));
    } finally {
      setReview(undefined);
      setBusy(false);
    }
  };

  const onEditorKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      void askToSave();
    }
  };

  return (
    <section className="file-editor" aria-label={`File ${name}`}>
      <header className="editor-bar">
        <h2 className="editor-title" title={file.path}>
          {file.path}
          {editing && loaded !== undefined && toDisk(draft) !== loaded.content && <span aria-label="unsaved changes"> ●</span>}
        </h2>
        {loaded?.encoding === 'utf8' && !editing && loaded.size > maxEditableBytes && (
          <span className="muted">Too large to edit here; shown read-only.</span>
        )}
        {loaded?.encoding === 'utf8' && !editing && loaded.size <= maxEditableBytes && (
          <button type="button" onClick={() => startEditing(loaded.content)}>
            Edit
          </button>
        )}
        {editing && (
          <>
            <button type="button" onClick={() => void askToSave()} disabled={busy}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setDraft(undefined)}>
              Discard
            </button>
          </>
        )}
      </header>
      {status !== undefined && (
        <p className={conflict ? 'file-error' : 'file-status'} role={conflict ? 'alert' : 'status'}>
          {status}{' '}
          {conflict && (
            <button type="button" className="secondary" onClick={reloadFromDisk}>
              Reload from disk
            </button>
          )}
        </p>
      )}
      {changedWhileEditing && (
        <p className="file-error" role="alert">
          This file changed on disk while you were editing it; saving will show the difference and may be refused.
        </p>
      )}
      {error !== undefined && (
        <p className="file-error" role="alert">
          {error}
        </p>
      )}
      {loaded?.encoding === 'base64' && imageType(name) !== undefined && (
        <div className="image-view">
          <img src={`data:${imageType(name) ?? ''};base64,${loaded.content}`} alt={name} />
        </div>
      )}
      {loaded?.encoding === 'base64' && imageType(name) === undefined && (
        <p className="muted">Binary file, {loaded.size.toLocaleString()} bytes: not shown.</p>
      )}
      {loaded?.encoding === 'utf8' &&
        (editing ? (
          <textarea
            className="editor-text"
            aria-label="File content"
            value={draft}
            spellCheck={false}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onEditorKey}
          />
        ) : (
          <div ref={viewer} className="viewer hljs" role="region" aria-label="File viewer" tabIndex={0}>
            <pre className="gutter" aria-hidden="true">
              {lineNumbers}
            </pre>
            <pre className="viewer-text">
              {html === undefined ? <code>{loaded.content}</code> : <code dangerouslySetInnerHTML={{ __html: html }} />}
            </pre>
          </div>
        ))}
      {review !== undefined && (
        <Dialog label="Review changes" wide onClose={() => setReview(undefined)}>
          <h2>Save {name}?</h2>
          <p>
            {review.identical
              ? 'No changes: the file on disk already has this content.'
              : `${review.additions} line(s) added, ${review.deletions} removed.`}
          </p>
          {review.baseSha256 !== loaded?.sha256 && (
            <p className="file-error" role="alert">
              The file changed on disk since you opened it; saving will be refused. Reload it first.
            </p>
          )}
          <DiffView patch={review.patch} replaced={review.replaced ?? false} />
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => setReview(undefined)}>
              Cancel
            </button>
            <button type="button" onClick={() => void save()} disabled={busy}>
              Confirm save
            </button>
          </div>
        </Dialog>
      )}
      {readOnlyRefusal !== undefined && (
        <Dialog label="Read-only file" onClose={() => setReadOnlyRefusal(undefined)}>
          <h2>{name} is read-only</h2>
          <p>{readOnlyRefusal}</p>
          <p>Saving anyway replaces its contents; it keeps its read-only permissions and its owner.</p>
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => setReadOnlyRefusal(undefined)}>
              Cancel
            </button>
            <button type="button" onClick={() => void save(true)} disabled={busy}>
              Save anyway
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
