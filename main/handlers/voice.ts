import { limits } from '../../shared/limits';
import { voiceLimits } from '../../shared/contract/voice';
import { LocalBrainError } from '../../shared/errors';
import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { CommandHistory } from '../services/voice/history';
import { matchExamples } from '../services/voice/history';
import type { IntentRegistry } from '../services/voice/registry';
import type { VoicePlans } from './voice-plans';
import type { Confirmer } from './confirm';
import { ClipStore } from '../services/voice/clips';
import { isLoopbackUrl, SpeechClient, transcribeTimeoutMs, type SpeechEndpoint } from '../services/voice/speech-client';

/** Slack beyond the longest command a plan may run, so the command's own timeout reports first. */
const deadlineSlackMs = 5_000;
/** History entries listed when the request names no limit: the Command view's "recent" list. */
const defaultHistoryLimit = 50;

export interface VoiceDomain {
  readonly router: Router;
  readonly plans: VoicePlans;
  readonly registry: IntentRegistry;
  readonly history: CommandHistory;
  /** The configured speech endpoint, or undefined when speech is off (the default). */
  readonly speech: () => SpeechEndpoint | undefined;
}

function intentOf(error: unknown): string {
  const details = error instanceof LocalBrainError ? error.details : undefined;
  return typeof details === 'object' && details !== null && 'intent' in details && typeof details.intent === 'string'
    ? details.intent
    : 'unknown';
}

export function voiceCommandHandler({ plans, history }: VoiceDomain): Handler<'VoiceCommand'> {
  return {
    async run(data, { sender }) {
      // A plugin's sentences are its own business; only what the person said or typed is remembered.
      const remember = data.metadata.source !== 'plugin';
      try {
        const reply = await plans.command(data, sender);
        if (remember) history.record(data.text, reply.intent, reply.understood ? 'ok' : 'NotUnderstood');
        return reply;
      } catch (error) {
        if (remember) history.record(data.text, intentOf(error), error instanceof LocalBrainError ? error.code : 'Internal');
        throw error;
      }
    },
    // The sentence itself can hold anything (a password said aloud); the steps are audited one by one.
    summarize: (data) => ({
      source: data.metadata.source,
      chars: data.text.length,
      language: data.metadata.language ?? null,
      confidence: data.metadata.confidence ?? null,
    }),
    deadlineMs: () => limits.maxCommandTimeoutMs + deadlineSlackMs,
  };
}

export function voiceConfirmer(plans: VoicePlans): Confirmer {
  return {
    summarize: (token) => plans.summarizeToken(token),
    confirm: async (token, decision, sender) => ({ type: 'VoicePlan', value: await plans.confirm(token, sender, decision) }),
    decline: (actor, token) => plans.decline(actor, token),
    drop: (actor, token) => plans.drop(actor, token),
  };
}

/** Registers the voice messages; the plans' confirmer is handed to the terminal domain's Confirm by the core. */
export function registerVoiceDomain(domain: VoiceDomain, disposables: DisposableStore): void {
  const { router, plans, registry, history } = domain;
  disposables.add(router.register('VoiceCommand', voiceCommandHandler(domain)));
  disposables.add(
    router.register('VoiceCancel', {
      run: (data, { sender }) => ({ cancelled: plans.cancel(sender, data.planId) }),
      summarize: (data) => ({ planId: data.planId ?? null }),
    }),
  );
  disposables.add(
    router.register('VoiceSuggest', {
      run(data) {
        const limit = data.limit ?? voiceLimits.maxSuggestions;
        const fromHistory = history.suggest(data.text, limit);
        const seen = new Set(fromHistory.map((suggestion) => suggestion.text.toLowerCase()));
        const examples = registry
          .all()
          .flatMap(({ definition }) => definition.examples.map((text) => ({ text, intent: definition.id })));
        const fromGrammar = matchExamples(examples, data.text, limit).filter(
          (suggestion) => !seen.has(suggestion.text.toLowerCase()),
        );
        return { suggestions: [...fromHistory, ...fromGrammar].slice(0, limit) };
      },
      // Keystrokes are not worth an audit entry each, nor is what they spell.
      summarize: (data) => ({ chars: data.text.length }),
    }),
  );
  const clips = new ClipStore();
  // Keeps the connection to the speech endpoint open between clips; closed with the domain.
  const speechClient = new SpeechClient();
  disposables.add(() => speechClient.dispose());
  const watched = new Set<string>();
  disposables.add(
    router.register('VoiceClipAppend', {
      run(data, { sender }) {
        if (!watched.has(sender.actor)) {
          // A window that goes away takes its half-recorded clips with it.
          watched.add(sender.actor);
          sender.closed.addEventListener(
            'abort',
            () => {
              clips.forget(sender.actor);
              watched.delete(sender.actor);
            },
            { once: true },
          );
        }
        return { bytes: clips.append(sender.actor, data.clipId, data.data) };
      },
      // Audio is never audited; its size is.
      summarize: (data) => ({ clipId: data.clipId, chars: data.data.length }),
    }),
  );
  disposables.add(
    router.register('VoiceClipDiscard', {
      run: (data, { sender }) => ({ discarded: clips.discard(sender.actor, data.clipId) }),
      summarize: (data) => ({ clipId: data.clipId }),
    }),
  );
  disposables.add(
    router.register('VoiceTranscribe', {
      async run(data, { sender, signal }) {
        const endpoint = domain.speech();
        const wav = clips.take(sender.actor, data.clipId);
        if (!endpoint) {
          throw new LocalBrainError('Unavailable', 'Speech is off. Set a speech-to-text endpoint in Settings → Voice to use it.');
        }
        const transcript = await speechClient.transcribe(wav, endpoint, {
          signal,
          ...(data.language === undefined ? {} : { language: data.language }),
        });
        return transcript;
      },
      // Where audio went is worth a record; the audio and its words are not.
      summarize: (data) => ({ clipId: data.clipId, endpoint: domain.speech()?.url ?? null }),
      deadlineMs: () => transcribeTimeoutMs + deadlineSlackMs,
      // Audio that leaves this machine is recorded durably (fdatasync) before the reply; a clip
      // transcribed on loopback changes nothing and goes nowhere, so its entry rides the next sync.
      privileged: () => {
        const endpoint = domain.speech();
        return endpoint !== undefined && !isLoopbackUrl(endpoint.url);
      },
    }),
  );
  disposables.add(
    router.register('VoiceHistory', {
      run: (data) => ({ entries: history.recent(data.limit ?? defaultHistoryLimit) }),
    }),
  );
}
