import type { MessageData } from '../../../shared/contract';
import type { PtySessionInfo } from '../../../shared/contract/pty';
import type { PlanStepType, StepResult, VoiceShow } from '../../../shared/contract/voice';
import { compilePhrase, type CompiledPhrase } from './patterns';
import type { ResolvedSlots } from './slots';

/** A plan step's request, typed by its message type. */
export type PlanMessage = { [K in PlanStepType]: { type: K; data: MessageData<K> } }[PlanStepType];

export interface PlanStepDraft {
  readonly message: PlanMessage;
  /** One line for the person: what will run, where, with which arguments. */
  readonly describe: string;
  /** Always ask before running (deletes), whatever the policy says. */
  readonly confirm?: boolean;
}

export interface PlanDraft {
  readonly steps: readonly PlanStepDraft[];
  /** One short sentence for a speech engine or a status line. */
  readonly say: string;
  readonly show?: VoiceShow;
  /** The sentence to say once the steps ran, from what they returned (a plugin's answer); `say` until then. */
  readonly conclude?: (results: readonly StepResult[]) => string;
}

/** What a plan builder may ask about the world while building, read-only. */
export interface PlanContext {
  /** The caller's terminal sessions (for "close terminal 2"). */
  sessions(): Promise<readonly PtySessionInfo[]>;
  /** A fresh id for a step that needs one (a search id), unique within the plan. */
  nextId(prefix: string): string;
  /** Example sentences of the intents plugins contributed, for "help". */
  pluginExamples?(): readonly string[];
}

/**
 * How a slot's words become a value:
 * - `folder`, `file`, `path`: resolved fuzzily against the granted roots;
 * - `name`: a new file or folder name, as said;
 * - `text`: the person's own text (search text, file content), surrounding quotes removed;
 * - `command`: a command line split like a shell splits words, never run by one;
 * - `program`: a command line whose first word is a well-known program ("git status");
 * - `number`: digits (number words are already digits);
 * - `word`: the normalised words (choices `{x=a|b}` are always this).
 */
export type SlotKind = 'folder' | 'file' | 'path' | 'name' | 'text' | 'command' | 'program' | 'number' | 'word';

export interface IntentDefinition {
  /** Stable id, e.g. `open_terminal`; plugins prefix theirs with the plugin's id. */
  readonly id: string;
  /** Phrases in the syntax of patterns.ts. */
  readonly phrases: readonly string[];
  /** Slot kinds by name; a slot not listed here is `text`. */
  readonly slots?: Readonly<Record<string, SlotKind>>;
  /** Sentences shown by "help" and offered as suggestions. */
  readonly examples: readonly string[];
  /** Breaks ties between equally specific readings; higher wins. Defaults to 0. */
  readonly priority?: number;
  /** The plugin that contributed this intent; built-ins have none. */
  readonly plugin?: string;
  build(slots: ResolvedSlots, context: PlanContext): PlanDraft | Promise<PlanDraft>;
}

export interface RegisteredIntent {
  readonly definition: IntentDefinition;
  readonly phrases: readonly CompiledPhrase[];
}

/**
 * Every intent the app understands, as data: built-ins register at start, plugins add theirs
 * later. Registering returns the function that removes it again.
 */
export class IntentRegistry {
  readonly #intents = new Map<string, RegisteredIntent>();

  registerIntent(definition: IntentDefinition): () => void {
    if (this.#intents.has(definition.id)) throw new Error(`intent ${definition.id} is already registered`);
    if (definition.phrases.length === 0) throw new Error(`intent ${definition.id} has no phrases`);
    const registered = { definition, phrases: definition.phrases.map(compilePhrase) };
    this.#intents.set(definition.id, registered);
    return () => {
      if (this.#intents.get(definition.id) === registered) this.#intents.delete(definition.id);
    };
  }

  get(id: string): RegisteredIntent | undefined {
    return this.#intents.get(id);
  }

  all(): readonly RegisteredIntent[] {
    return [...this.#intents.values()];
  }
}
