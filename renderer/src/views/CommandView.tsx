import { useRef, useState, type SyntheticEvent } from 'react';
import type { ReplyValue } from '../../../shared/contract';
import type { FileEntry } from '../../../shared/contract/files';
import { describeReplyError } from '../../../shared/command-refusal';
import { ReplyError, request } from '../api';

function describe(error: unknown): string {
  return error instanceof ReplyError ? describeReplyError(error.payload) : 'The request could not be sent.';
}

interface Exchange {
  readonly id: number;
  readonly text: string;
  readonly reply?: ReplyValue<'VoiceCommand'>;
  readonly error?: string;
  readonly files?: readonly FileEntry[];
}

export function CommandView({ onIntent }: { onIntent: (intent: ReplyValue<'VoiceCommand'>['intent']) => void }) {
  const [text, setText] = useState('');
  const [exchanges, setExchanges] = useState<readonly Exchange[]>([]);
  const [busy, setBusy] = useState(false);
  const nextId = useRef(1);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const command = text.trim();
    if (command === '' || busy) return;
    const id = nextId.current++;
    setBusy(true);
    setText('');
    let exchange: Exchange = { id, text: command };
    try {
      const reply = await request({ type: 'VoiceCommand', data: { text: command, metadata: { source: 'keyboard' } } });
      exchange = { ...exchange, reply };
      if (reply.intent === 'list_files') {
        const listing = await request({ type: 'FileOperation', data: { op: { kind: 'list' }, path: '.' } });
        if (listing.kind === 'list') exchange = { ...exchange, files: listing.entries };
      }
      onIntent(reply.intent);
    } catch (error) {
      exchange = { ...exchange, error: describe(error) };
    } finally {
      setBusy(false);
    }
    setExchanges((previous) => [...previous, exchange]);
  };

  return (
    <section className="view command-view" aria-labelledby="command-heading">
      <h1 id="command-heading">Command</h1>
      <ol className="exchanges" role="log" aria-label="Replies" aria-live="polite">
        {exchanges.map((exchange) => (
          <li key={exchange.id} className="exchange">
            <p className="said">
              <span className="prompt" aria-hidden="true">
                ›
              </span>{' '}
              {exchange.text}
            </p>
            {exchange.reply && (
              <p className={exchange.reply.understood ? 'reply' : 'reply not-understood'} data-intent={exchange.reply.intent}>
                {exchange.reply.say}
              </p>
            )}
            {exchange.files && (
              <ul className="file-list" aria-label="Workspace files">
                {exchange.files.map((file) => (
                  <li key={file.path} data-type={file.type}>
                    {file.type === 'directory' ? `${file.name}/` : file.name}
                  </li>
                ))}
              </ul>
            )}
            {exchange.error && (
              <p className="reply error" role="alert">
                {exchange.error}
              </p>
            )}
          </li>
        ))}
      </ol>
      <form className="command-bar" onSubmit={(event) => void submit(event)}>
        <label htmlFor="command-input" className="visually-hidden">
          Command
        </label>
        <input
          id="command-input"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder='Try "help", "list files" or "open terminal"'
          autoComplete="off"
          maxLength={10_000}
        />
        <button type="submit" disabled={busy || text.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}
