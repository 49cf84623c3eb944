import type { StepResult } from '../../../shared/contract/voice';
import { compilePhrase } from './patterns';
import type { IntentDefinition, IntentRegistry, SlotKind } from './registry';
import type { ResolvedSlots } from './slots';

/** What a plugin contributes to the voice: its commands with their utterances. */
export interface ContributedCommand {
  readonly id: string;
  readonly title: string;
  readonly utterances: readonly string[];
  readonly examples?: readonly string[];
}

export interface ContributingPlugin {
  readonly id: string;
  readonly name: string;
  readonly commands: readonly ContributedCommand[];
}

export interface Contribution {
  /** Utterances that did not compile or commands that could not be registered, in plain words. */
  readonly problems: readonly string[];
  /** Removes every intent this contribution registered. */
  dispose(): void;
}

/** Slot names that resolve against the granted roots, and the kind they resolve as. */
const slotKinds: Readonly<Record<string, SlotKind>> = {
  path: 'path',
  file: 'file',
  folder: 'folder',
  number: 'number',
  n: 'number',
};
/** A plugin's intent loses a tie with a built-in: "open {path}" must not take over "open the readme". */
const pluginPriority = -1;
/** Characters of a plugin's reply read aloud: a glance, not a report. */
const maxSayChars = 120;

function slotNames(utterance: string): string[] {
  return [...utterance.matchAll(/\{([^}=!]*)!?(?:=[^}]*)?\}/g)].map((match) => match[1] ?? '');
}

/** An utterance as the person could say it: the first alternative, optional parts left out, slots as `<name>`. */
export function exampleOf(utterance: string): string {
  let text = utterance;
  // Innermost optional parts first, then alternatives down to their first option.
  for (let guard = 0; guard < 32 && /[[(]/.test(text); guard++) {
    text = text.replace(/\[[^[\]()]*\]/g, '').replace(/\(([^()[\]|]*)(?:\|[^()[\]]*)?\)/g, '$1');
  }
  return text
    .replace(/\{([^}=!]*)!?=([^}|]*)[^}]*\}/g, '$2')
    .replace(/\{([^}!]*)!?\}/g, '<$1>')
    .replace(/\s+/g, ' ')
    .trim();
}

function primitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function clip(text: string): string {
  return text.length <= maxSayChars ? text : `${text.slice(0, maxSayChars - 1)}…`;
}

/**
 * A plugin's return value read briefly: a `say` string it chose, else its one value
 * ("Word count: 123."), else up to three of its fields, else that it is done.
 */
export function sayResult(label: string, value: unknown): string {
  const sentence = (text: string) => clip(/[.!?…]$/.test(text) ? text : `${text}.`);
  if (primitive(value)) return sentence(`${label}: ${String(value)}`);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.say === 'string' && record.say.trim() !== '') return sentence(record.say.trim());
    const error = record.error as Record<string, unknown> | undefined;
    if (record.ok === false && typeof error?.message === 'string') return sentence(`${label}: ${error.message}`);
    const fields = Object.entries(record).filter((entry): entry is [string, string | number | boolean] => primitive(entry[1]));
    const [only] = fields;
    if (fields.length === 1 && only) return sentence(`${label}: ${String(only[1])}`);
    if (fields.length > 1)
      return sentence(
        `${label}: ${fields
          .slice(0, 3)
          .map(([key, field]) => `${key} ${String(field)}`)
          .join(', ')}`,
      );
  }
  if (Array.isArray(value)) return sentence(`${label}: ${value.length} ${value.length === 1 ? 'item' : 'items'}`);
  return sentence(`${label}: done`);
}

function argsOf(slots: ResolvedSlots, names: readonly string[]): Record<string, string | number> {
  const args: Record<string, string | number> = {};
  for (const name of names) {
    if (!slots.has(name)) continue;
    const kind = slotKinds[name];
    if (kind === 'number') args[name] = slots.number(name);
    else if (kind !== undefined) args[name] = slots.path(name).path;
    else args[name] = slots.text(name);
  }
  return args;
}

/**
 * Turns a plugin's contributed commands into intents (`<plugin>.<command>`), each planning
 * one `PluginRun` step that the router runs like any other step: the voice sender's
 * capability applies to PluginRun, the plugin's own to what the command then asks for.
 * An utterance that does not compile is reported, and the rest are registered.
 */
export function registerPluginIntents(registry: IntentRegistry, plugin: ContributingPlugin): Contribution {
  const problems: string[] = [];
  const disposers: (() => void)[] = [];
  // The plugin's name reads best when it has one command ("Word count: 123."); the title tells several apart.
  const labelOf = (command: ContributedCommand) => (plugin.commands.length === 1 ? plugin.name : command.title);
  for (const command of plugin.commands) {
    const phrases: string[] = [];
    for (const utterance of command.utterances) {
      try {
        const compiled = compilePhrase(utterance);
        // "{text}" alone would take every sentence nobody else understood, and more.
        if (!compiled.nodes.some((node) => node.kind === 'word' || (node.kind === 'alt' && !node.optional)))
          throw new Error('it needs at least one word that must be said');
        phrases.push(utterance);
      } catch (error) {
        problems.push(`utterance "${utterance}" of ${command.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (phrases.length === 0) continue;
    const names = [...new Set(phrases.flatMap(slotNames))].filter((name) => name !== '');
    const slots: Record<string, SlotKind> = {};
    for (const name of names) slots[name] = slotKinds[name] ?? 'text';
    const label = labelOf(command);
    const definition: IntentDefinition = {
      id: `${plugin.id}.${command.id}`,
      phrases,
      slots,
      examples: command.examples && command.examples.length > 0 ? command.examples : phrases.map(exampleOf),
      priority: pluginPriority,
      plugin: plugin.id,
      build(resolved) {
        const args = argsOf(resolved, names);
        const shown = Object.values(args).map(String).join(', ');
        return {
          steps: [
            {
              message: { type: 'PluginRun', data: { id: plugin.id, command: command.id, args } },
              describe: `Run ${plugin.name}: ${command.title}${shown === '' ? '' : ` (${shown})`}`,
            },
          ],
          say: `Running ${command.title}.`,
          conclude: (results: readonly StepResult[]) => {
            const result = results.find((entry) => entry.type === 'PluginRun');
            return result?.ok === true ? sayResult(label, result.value) : `Running ${command.title}.`;
          },
        };
      },
    };
    try {
      disposers.push(registry.registerIntent(definition));
    } catch (error) {
      problems.push(`command ${command.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    problems,
    dispose: () => {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}
