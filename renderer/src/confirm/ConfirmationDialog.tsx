import { useEffect, useId, useRef, useState } from 'react';
import type { ReplyValue } from '../../../shared/contract';
import type { ConfirmationDetails, ConfirmDecision } from '../../../shared/contract/confirm';
import { terminalCommandReplySchema } from '../../../shared/contract/terminal';
import { describeReplyError } from '../../../shared/command-refusal';
import { ReplyError, request, setConfirmationAsker } from '../api';
import './confirm.css';

/** Output shown in the dialog after a command ran; the caller's own view has the rest. */
const maxShownOutput = 4_000;

interface Pending {
  readonly id: number;
  readonly details: ConfirmationDetails;
  readonly resolve: (reply: ReplyValue<'Confirm'>) => void;
  readonly reject: (error: unknown) => void;
}

type Phase =
  | { readonly name: 'asking' }
  | { readonly name: 'sending'; readonly decision: ConfirmDecision }
  | { readonly name: 'done'; readonly text: string; readonly output?: string }
  | { readonly name: 'failed'; readonly text: string };

/**
 * The app's one confirmation dialog: every request sent through `request` that needs the
 * person's consent (a terminal command the policy asks about, a message an `ask`
 * permission held back) waits here for Allow once, Always allow or Deny.
 */
export function ConfirmationHost() {
  const [pending, setPending] = useState<readonly Pending[]>([]);
  const live = useRef<readonly Pending[]>([]);
  useEffect(() => {
    live.current = pending;
  }, [pending]);

  useEffect(() => {
    let nextId = 1;
    const unregister = setConfirmationAsker(
      (details) =>
        new Promise<ReplyValue<'Confirm'>>((resolve, reject) => {
          const entry: Pending = { id: nextId++, details, resolve, reject };
          setPending((current) => [...current, entry]);
        }),
    );
    return () => {
      unregister();
      for (const entry of live.current) {
        entry.reject(new ReplyError({ code: 'Unavailable', message: 'The confirmation dialog closed.' }));
      }
    };
  }, []);

  // Every pending confirmation is shown; the newest (a confirmation a confirmed message raised) is on top.
  return (
    <>
      {pending.map((entry) => (
        <ConfirmationDialog
          key={entry.id}
          pending={entry}
          onClosed={() => setPending((current) => current.filter((candidate) => candidate !== entry))}
        />
      ))}
    </>
  );
}

function resultText(reply: ReplyValue<'Confirm'>): { text: string; output?: string } {
  if (reply.type === 'PluginRun') {
    // The plugin's command went on and finished: what it returned, briefly.
    const returned = (JSON.stringify(reply.value) as string | undefined) ?? 'nothing';
    return {
      text: 'Allowed. The plugin finished its command.',
      output: returned.length > maxShownOutput ? `${returned.slice(0, maxShownOutput)}…` : returned,
    };
  }
  const value: unknown = reply.type === 'Message' ? reply.value.value : reply.value;
  const command = terminalCommandReplySchema.safeParse(value);
  if (!command.success) return { text: 'Done.' };
  const { exitCode, signal, stdout, stderr } = command.data;
  const ended = exitCode === null ? `It was stopped (${signal ?? 'no exit code'}).` : `It exited with code ${exitCode}.`;
  const output = `${stdout}${stderr}`;
  return {
    text: `Ran it. ${ended}`,
    ...(output === '' ? {} : { output: output.length > maxShownOutput ? `${output.slice(0, maxShownOutput)}…` : output }),
  };
}

function errorText(error: unknown): string {
  if (!(error instanceof ReplyError)) return 'The decision could not be sent.';
  const declined = (error.payload.details as { declined?: unknown } | undefined)?.declined === true;
  return declined ? 'Denied. Nothing ran.' : describeReplyError(error.payload);
}

function whatTitle(details: ConfirmationDetails): string {
  if (details.command) return 'run a command';
  if (details.file) return `${details.file.op} ${details.file.paths.length === 1 ? 'a file' : 'files'}`;
  if (details.keys) return 'change settings';
  return `send ${details.message ?? 'a message'}`;
}

/**
 * A plugin's ask offers "Always allow" only when it keeps something for the plugin (an
 * `ask` permission, named in `always`); when the command policy asked about the plugin's
 * command there is none, and Confirm refuses `always` (docs/security.md).
 */
function offersAlways(details: ConfirmationDetails): boolean {
  return details.plugin === undefined || details.always !== undefined;
}

export function ConfirmationDialog({ pending, onClosed }: { pending: Pending; onClosed: () => void }) {
  const { details } = pending;
  const dialog = useRef<HTMLDialogElement>(null);
  const deny = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const [phase, setPhase] = useState<Phase>({ name: 'asking' });
  const asker = details.asker ?? 'This window';

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    // The safe answer has the focus, so a stray Enter runs nothing.
    deny.current?.focus();
    return () => element?.close();
  }, []);

  const decide = (decision: ConfirmDecision, closeAfter = false) => {
    setPhase({ name: 'sending', decision });
    request({ type: 'Confirm', data: { token: details.token, decision } }).then(
      (reply) => {
        pending.resolve(reply);
        if (closeAfter) onClosed();
        else setPhase({ name: 'done', ...resultText(reply) });
      },
      (error: unknown) => {
        pending.reject(error);
        if (closeAfter) onClosed();
        else setPhase({ name: 'failed', text: errorText(error) });
      },
    );
  };

  const finished = phase.name === 'done' || phase.name === 'failed';

  return (
    <dialog
      ref={dialog}
      role="alertdialog"
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={reasonId}
      onCancel={(event) => {
        event.preventDefault();
        // Escape: deny while asking (nothing runs), close once answered, wait while sending.
        if (phase.name === 'asking') decide('deny', true);
        else if (finished) onClosed();
      }}
    >
      <h2 id={titleId}>
        {asker} asks to {whatTitle(details)}
      </h2>
      <dl className="confirm-what">
        <dt>Who asks</dt>
        <dd>
          <code>{asker}</code>
        </dd>
        {details.plugin !== undefined && (
          <>
            <dt>Through</dt>
            <dd>
              its command <code>{details.plugin.command}</code>
              {details.via !== undefined && (
                <>
                  , run by <code>{details.via}</code>
                </>
              )}
            </dd>
          </>
        )}
        {details.command ? (
          <>
            <dt>Command</dt>
            <dd>
              <code aria-label="Program">{details.command.cmd}</code>
            </dd>
            <dt>Arguments</dt>
            <dd>
              {details.command.args.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ol className="confirm-args" aria-label="Arguments">
                  {details.command.args.map((arg, index) => (
                    <li key={index}>
                      <code>{arg}</code>
                    </li>
                  ))}
                </ol>
              )}
            </dd>
            <dt>Folder</dt>
            <dd>{details.command.cwd === undefined ? 'the workspace' : <code>{details.command.cwd}</code>}</dd>
          </>
        ) : details.file ? (
          <>
            <dt>Operation</dt>
            <dd>
              <code>{details.file.op}</code>
            </dd>
            <dt>{details.file.paths.length === 1 ? 'Path' : 'Paths'}</dt>
            <dd>
              <ul className="confirm-args">
                {details.file.paths.map((target) => (
                  <li key={target}>
                    <code>{target}</code>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : details.keys ? (
          <>
            <dt>Settings</dt>
            <dd>{details.keys.join(', ')}</dd>
          </>
        ) : (
          <>
            <dt>What</dt>
            <dd>
              <code>{details.action}</code>
            </dd>
          </>
        )}
      </dl>
      <p id={reasonId} className="confirm-reason">
        {details.reason}
      </p>
      {details.always !== undefined && (
        <p className="muted">
          Always allow keeps: <code>{details.always}</code>
        </p>
      )}
      {finished ? (
        <>
          {phase.name === 'done' ? (
            <div role="status" className="confirm-result">
              <p>{phase.text}</p>
              {phase.output !== undefined && <pre aria-label="Output">{phase.output}</pre>}
            </div>
          ) : (
            <p role="alert" className="confirm-error">
              {phase.text}
            </p>
          )}
          <div className="confirm-buttons">
            <button type="button" autoFocus onClick={onClosed}>
              Close
            </button>
          </div>
        </>
      ) : (
        <div className="confirm-buttons">
          <button type="button" disabled={phase.name === 'sending'} onClick={() => decide('once')}>
            Allow once
          </button>
          {offersAlways(details) && (
            <button type="button" disabled={phase.name === 'sending'} onClick={() => decide('always')}>
              Always allow
            </button>
          )}
          <button ref={deny} type="button" disabled={phase.name === 'sending'} onClick={() => decide('deny')}>
            Deny
          </button>
        </div>
      )}
    </dialog>
  );
}
