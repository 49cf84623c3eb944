import { useState, type SyntheticEvent } from 'react';
import type { ReplyValue } from '../../../shared/contract';
import { describeReplyError } from '../../../shared/command-refusal';
import { ReplyError, request } from '../api';

/** Output kept on screen; the command's own cap applies before this. */
const maxShownOutput = 20_000;

/**
 * Splits a command line into the program and its arguments: words separated by spaces,
 * with '…' or "…" keeping spaces inside one argument. No shell runs it: `|`, `>` and `$(…)`
 * are plain text passed as they are.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

type Outcome =
  | { readonly kind: 'ran'; readonly line: string; readonly reply: ReplyValue<'TerminalCommand'> }
  | { readonly kind: 'error'; readonly line: string; readonly text: string };

/**
 * Runs one command without a shell (TerminalCommand) and shows its output: the command
 * policy decides, and a command it asks about waits for the person in the confirmation dialog.
 */
export function RunCommand() {
  const [line, setLine] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const [cmd, ...args] = splitCommandLine(line);
    if (cmd === undefined || busy) return;
    const shown = line.trim();
    setBusy(true);
    request({ type: 'TerminalCommand', data: { cmd, args } })
      .then(
        (reply) => setOutcome({ kind: 'ran', line: shown, reply }),
        (error: unknown) =>
          setOutcome({
            kind: 'error',
            line: shown,
            text: error instanceof ReplyError ? describeReplyError(error.payload) : 'The command could not be sent.',
          }),
      )
      .finally(() => setBusy(false));
  };

  const output = outcome?.kind === 'ran' ? `${outcome.reply.stdout}${outcome.reply.stderr}` : '';

  return (
    <section className="run-command" aria-label="Run a command">
      <form onSubmit={submit}>
        <input
          aria-label="Command to run once"
          placeholder="Run one command, e.g. git status"
          value={line}
          maxLength={8192}
          onChange={(event) => setLine(event.target.value)}
        />
        <button type="submit" disabled={busy || line.trim() === ''}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </form>
      {outcome && (
        <div className="run-command-result" role="status" aria-label="Command result">
          {outcome.kind === 'ran' ? (
            <>
              <p>
                <code>{outcome.line}</code>{' '}
                {outcome.reply.exitCode === null
                  ? `stopped (${outcome.reply.signal ?? 'no exit code'})`
                  : `exited with code ${outcome.reply.exitCode}`}
              </p>
              {output !== '' && <pre>{output.length > maxShownOutput ? `${output.slice(0, maxShownOutput)}…` : output}</pre>}
            </>
          ) : (
            <p className="terminal-error">
              <code>{outcome.line}</code>: {outcome.text}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
