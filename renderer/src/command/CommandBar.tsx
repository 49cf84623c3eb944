import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { ConfirmationDetails } from '../../../shared/contract/confirm';
import type { VoiceCommandReply, VoiceShow, VoiceSuggestion } from '../../../shared/contract/voice';
import { describeReplyError } from '../../../shared/command-refusal';
import { ReplyError, request } from '../api';
import { StepResultView } from './Results';
import { TalkButton } from './TalkButton';
import './command.css';

/** Exchanges kept in place under the bar: the last few, the Command view's recent list has the rest. */
const maxExchanges = 20;

type Metadata = { source: 'voice' | 'keyboard'; confidence?: number; language?: string; durationMs?: number };

interface Exchange {
  readonly id: number;
  readonly text: string;
  readonly reply?: VoiceCommandReply;
  readonly error?: string;
  readonly note?: string;
}

function describe(error: unknown): string {
  return error instanceof ReplyError ? describeReplyError(error.payload) : 'The request could not be sent.';
}

/** Exactly what a plugin's ask would do: the operation and paths, the program and arguments, the settings or the message. */
function askedWhat(details: ConfirmationDetails): string {
  if (details.file) return `${details.file.op} ${details.file.paths.join(', ')}`;
  if (details.command) return [details.command.cmd, ...details.command.args].join(' ');
  if (details.keys) return `change ${details.keys.join(', ')}`;
  return details.message === undefined ? details.action : `send ${details.message}`;
}

function asConfirmation(error: unknown): ConfirmationDetails | undefined {
  if (!(error instanceof ReplyError) || error.payload.code !== 'ConfirmationRequired') return undefined;
  const details = error.payload.details as ConfirmationDetails | undefined;
  return details?.kind === 'VoicePlan' ? details : undefined;
}

export interface CommandBarProps {
  /** Takes the person where a reply points: a terminal tab, a file in the viewer, a view. */
  readonly onShow: (show: VoiceShow) => void;
  /** Escape with nothing running and no list open (the palette closes). */
  readonly onEscape?: () => void;
  readonly autoFocus?: boolean;
  /** Called after every finished command, so lists of recent commands refresh. */
  readonly onDone?: () => void;
  /** Opens Settings → Voice (the Talk button's way to turn speech on). */
  readonly onOpenVoiceSettings?: () => void;
}

/**
 * The command bar: a combobox whose listbox suggests from the person's history (by
 * frecency) and the grammar; ↑/↓ walk the history; Enter runs; Escape stops a running
 * plan. Plans that ask are shown step by step before anything runs.
 */
export function CommandBar({ onShow, onEscape, autoFocus, onDone, onOpenVoiceSettings }: CommandBarProps) {
  const listId = useId();
  const inputId = useId();
  const [text, setText] = useState('');
  const [suggestions, setSuggestions] = useState<readonly VoiceSuggestion[]>([]);
  const [listOpen, setListOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [busy, setBusy] = useState(false);
  const [exchanges, setExchanges] = useState<readonly Exchange[]>([]);
  const [pending, setPending] = useState<{ details: ConfirmationDetails; exchangeId: number }>();
  const history = useRef<readonly string[]>([]);
  const historyIndex = useRef<number | undefined>(undefined);
  const suggestSeq = useRef(0);
  const nextId = useRef(1);
  const input = useRef<HTMLInputElement>(null);
  const speakReplies = useRef(false);

  useEffect(() => {
    request({ type: 'SettingsGet', data: {} }).then(
      ({ values }) => (speakReplies.current = values['voice.speakReplies']),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  const loadHistory = () => {
    request({ type: 'VoiceHistory', data: { limit: 100 } }).then(
      ({ entries }) => (history.current = entries.map((entry) => entry.text)),
      () => undefined,
    );
  };
  useEffect(loadHistory, []);

  const suggest = (typed: string) => {
    const seq = ++suggestSeq.current;
    if (typed.trim() === '') {
      setSuggestions([]);
      return;
    }
    request({ type: 'VoiceSuggest', data: { text: typed.slice(0, 1_000) } }).then(
      (reply) => {
        if (seq !== suggestSeq.current) return;
        setSuggestions(reply.suggestions);
        setActive(-1);
        setListOpen(reply.suggestions.length > 0);
      },
      () => undefined,
    );
  };

  const add = (exchange: Exchange) => setExchanges((previous) => [...previous, exchange].slice(-maxExchanges));
  const replace = (id: number, change: Partial<Exchange>) =>
    setExchanges((previous) => previous.map((exchange) => (exchange.id === id ? { ...exchange, ...change } : exchange)));

  const finish = (id: number, reply: VoiceCommandReply) => {
    replace(id, { reply });
    if (speakReplies.current && 'speechSynthesis' in window)
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(reply.say));
    if (reply.show && reply.show.view !== 'command') onShow(reply.show);
  };

  const run = (command: string, metadata: Metadata = { source: 'keyboard' }) => {
    const trimmed = command.trim();
    if (trimmed === '' || busy) return;
    const id = nextId.current++;
    setBusy(true);
    setText('');
    setSuggestions([]);
    setListOpen(false);
    historyIndex.current = undefined;
    add({ id, text: trimmed });
    request({ type: 'VoiceCommand', data: { text: trimmed, metadata } })
      .then(
        (reply) => finish(id, reply),
        (error: unknown) => {
          const details = asConfirmation(error);
          if (details) {
            setPending({ details, exchangeId: id });
            replace(id, { note: details.say ?? 'This needs your confirmation.' });
          } else replace(id, { error: describe(error) });
        },
      )
      .finally(() => {
        setBusy(false);
        loadHistory();
        onDone?.();
      });
  };

  const confirm = (decision: 'once' | 'always' = 'once') => {
    if (!pending) return;
    const { details, exchangeId } = pending;
    setPending(undefined);
    setBusy(true);
    request({ type: 'Confirm', data: { token: details.token, decision } })
      .then(
        (reply) => {
          if (reply.type === 'VoicePlan') finish(exchangeId, reply.value);
        },
        (error: unknown) => {
          const next = asConfirmation(error);
          if (next) setPending({ details: next, exchangeId });
          else replace(exchangeId, { error: describe(error) });
        },
      )
      .finally(() => {
        setBusy(false);
        onDone?.();
      });
  };

  const cancelPending = () => {
    if (!pending) return;
    const { details, exchangeId } = pending;
    setPending(undefined);
    replace(exchangeId, { note: 'Cancelled; nothing ran.' });
    request({ type: 'ConfirmCancel', data: { token: details.token } }).catch(() => undefined);
    input.current?.focus();
  };

  const walkHistory = (delta: number) => {
    const entries = history.current;
    if (entries.length === 0) return;
    const current = historyIndex.current;
    const next = current === undefined ? (delta < 0 ? 0 : undefined) : current - delta;
    if (next === undefined || next < 0) {
      historyIndex.current = undefined;
      setText('');
      return;
    }
    const index = Math.min(next, entries.length - 1);
    historyIndex.current = index;
    setText(entries[index] ?? '');
    setListOpen(false);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const browsingList = listOpen && suggestions.length > 0 && historyIndex.current === undefined && text !== '';
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const delta = event.key === 'ArrowDown' ? 1 : -1;
      if (browsingList) {
        // -1 is the text as typed; past either end wraps to it.
        setActive((index) => {
          const next = index + delta;
          if (next < -1) return suggestions.length - 1;
          return next >= suggestions.length ? -1 : next;
        });
      } else walkHistory(delta);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = browsingList && active >= 0 ? suggestions[active] : undefined;
      run(chosen?.text ?? text);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (busy) request({ type: 'VoiceCancel', data: {} }).catch(() => undefined);
      else if (pending) cancelPending();
      else if (listOpen) setListOpen(false);
      else onEscape?.();
    }
  };

  const activeOption = listOpen && active >= 0 && active < suggestions.length ? `${listId}-${active}` : undefined;

  return (
    <div className="command-bar-wrap">
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
              <>
                <p className={exchange.reply.understood ? 'reply' : 'reply not-understood'} data-intent={exchange.reply.intent}>
                  {exchange.reply.say}
                </p>
                {exchange.reply.suggestions && (
                  <p className="muted">
                    Try:{' '}
                    {exchange.reply.suggestions.map((suggestion) => (
                      <button key={suggestion} type="button" className="link" onClick={() => run(suggestion)}>
                        {suggestion}
                      </button>
                    ))}
                  </p>
                )}
                {exchange.reply.results.map((result) => (
                  <StepResultView key={result.step} result={result} onShow={onShow} />
                ))}
              </>
            )}
            {exchange.note !== undefined && <p className="reply">{exchange.note}</p>}
            {exchange.error !== undefined && (
              <p className="reply error" role="alert">
                {exchange.error}
              </p>
            )}
          </li>
        ))}
      </ol>
      {pending && (
        <section className="plan-confirm" role="alertdialog" aria-label="Confirm the plan" aria-describedby={`${listId}-reason`}>
          <p id={`${listId}-reason`}>{pending.details.reason}</p>
          {pending.details.asker !== undefined && (
            // A step stopped at a plugin's ask: who asks and exactly what, as in the app's confirmation dialog.
            <p className="plan-asker">
              <code>{pending.details.asker}</code> asks to <code>{askedWhat(pending.details)}</code>
            </p>
          )}
          <ol aria-label="Plan">
            {pending.details.plan?.steps.map((step, index) => (
              <li key={index}>
                {step.describe}
                <code className="muted"> {step.message.type}</code>
              </li>
            ))}
          </ol>
          <div className="actions">
            <button type="button" onClick={() => confirm()}>
              Confirm
            </button>
            {pending.details.always !== undefined && (
              // A plugin's ask: "always" keeps its asked permission as an allow for that plugin, as in the app's dialog.
              <button type="button" onClick={() => confirm('always')} title={`Keeps: ${pending.details.always}`}>
                Always allow
              </button>
            )}
            <button type="button" onClick={cancelPending} autoFocus>
              Cancel
            </button>
          </div>
        </section>
      )}
      <form
        className="command-bar"
        onSubmit={(event) => {
          event.preventDefault();
          run(text);
        }}
      >
        <label htmlFor={inputId} className="visually-hidden">
          Command
        </label>
        <div className="command-bar-row">
          <input
            id={inputId}
            ref={input}
            role="combobox"
            aria-expanded={listOpen && suggestions.length > 0}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={activeOption}
            value={text}
            onChange={(event) => {
              historyIndex.current = undefined;
              setText(event.target.value);
              suggest(event.target.value);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => setListOpen(false)}
            placeholder='Try "open a terminal in src", "show me the readme" or "help"'
            autoComplete="off"
            maxLength={10_000}
          />
          <button type="submit" disabled={busy || text.trim() === ''}>
            Send
          </button>
          <TalkButton onTranscript={run} disabled={busy} onOpenSettings={onOpenVoiceSettings} />
          {busy && (
            <button type="button" onClick={() => void request({ type: 'VoiceCancel', data: {} }).catch(() => undefined)}>
              Stop
            </button>
          )}
        </div>
        <ul
          id={listId}
          role="listbox"
          aria-label="Suggestions"
          className="suggestions"
          hidden={!listOpen || suggestions.length === 0}
        >
          {suggestions.map((suggestion, index) => (
            <li
              key={`${suggestion.source}:${suggestion.text}`}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                run(suggestion.text);
              }}
            >
              <span>{suggestion.text}</span>
              <span className="source">{suggestion.source === 'history' ? 'recent' : 'example'}</span>
            </li>
          ))}
        </ul>
      </form>
    </div>
  );
}
