import { LocalBrainError } from '../../../shared/errors';
import { normalizeUtterance, type Utterance } from './normalize';
import { matchPhrase, type PhraseMatch, type SlotMatch } from './patterns';
import type { FolderLister } from './paths';
import { PathSlots, type ResolvedSlotPath } from './paths';
import type { IntentDefinition, IntentRegistry, PlanContext, PlanDraft, SlotKind } from './registry';
import { commandLine, ResolvedSlots, unquote, type SlotValue } from './slots';
import { isKnownProgram } from './programs';
import { matchKeyword } from './typo';

export type Understanding =
  | { readonly understood: true; readonly intent: string; readonly draft: PlanDraft }
  | { readonly understood: false; readonly say: string; readonly suggestions: readonly string[] };

interface Candidate {
  readonly definition: IntentDefinition;
  readonly match: PhraseMatch;
  readonly score: number;
}

/** Readings tried against the disk before giving up: the best few are almost always right. */
const maxReadingsResolved = 12;
/** Suggestions offered for a sentence not understood (the issue asks for up to three). */
const maxSuggestions = 3;
const fallbackSuggestions = ['help', 'open a terminal', 'list the files'];
/** Words too common to say two sentences are alike. */
const weakWords = new Set(['me', 'you', 'to', 'in', 'of', 'for', 'and', 'is', 'it', 'on', 'at', 'what', 'can', 'do', 'i']);

function score(definition: IntentDefinition, match: PhraseMatch): number {
  // Specific readings (more keywords) beat vague ones; a typo costs half a keyword, so
  // "opn a teminal" (two keywords, two typos) still beats "open {file}" (one keyword).
  return match.keywords * 4 - match.typos * 2 + (definition.priority ?? 0);
}

/**
 * Sentence → intent → plan, deterministically and locally: normalise, match every phrase
 * of every registered intent, rank the readings, resolve the best one's slots against the
 * disk, and let the intent build its plan.
 */
export class IntentEngine {
  constructor(
    private readonly registry: IntentRegistry,
    private readonly lister: FolderLister,
  ) {}

  /** The readings of a sentence, best first, without touching the disk (also what the parse benchmark measures). */
  readings(utterance: Utterance): Candidate[] {
    const candidates: Candidate[] = [];
    if (utterance.tokens.length === 0) return candidates;
    for (const { definition, phrases } of this.registry.all()) {
      for (const phrase of phrases) {
        for (const match of matchPhrase(phrase, utterance))
          candidates.push({ definition, match, score: score(definition, match) });
      }
    }
    return candidates.sort((a, b) => b.score - a.score);
  }

  async understand(text: string, context: PlanContext): Promise<Understanding> {
    const utterance = normalizeUtterance(text);
    const candidates = this.readings(utterance);
    const paths = new PathSlots(this.lister);
    let problem: string | undefined;
    for (const candidate of candidates.slice(0, maxReadingsResolved)) {
      let slots: ResolvedSlots | undefined;
      try {
        slots = await this.#resolve(candidate, paths);
      } catch (error) {
        if (!(error instanceof LocalBrainError)) throw error;
        problem ??= error.message;
        continue;
      }
      if (!slots) continue;
      try {
        const draft = await candidate.definition.build(slots, context);
        return { understood: true, intent: candidate.definition.id, draft };
      } catch (error) {
        if (!(error instanceof LocalBrainError) || error.code !== 'ValidationFailed') throw error;
        problem ??= error.message;
      }
    }
    return {
      understood: false,
      say: problem ?? 'Sorry, I did not understand that. Say "help" to hear what I can do.',
      suggestions: this.suggestFor(utterance),
    };
  }

  /** One example sentence per plugin intent, in registration order (for "help"). */
  pluginExamples(): string[] {
    return this.registry
      .all()
      .filter(({ definition }) => definition.plugin !== undefined)
      .flatMap(({ definition }) => definition.examples.slice(0, 1));
  }

  /** Up to three examples sharing the most keywords with what was said; the basics when nothing is shared. */
  suggestFor(utterance: Utterance): string[] {
    const words = utterance.tokens.slice(0, 32).map((token) => token.norm);
    const ranked: { example: string; overlap: number }[] = [];
    for (const { definition } of this.registry.all()) {
      for (const example of definition.examples) {
        const exampleWords = normalizeUtterance(example)
          .tokens.map((token) => token.norm)
          .filter((word) => word.length >= 3 && !weakWords.has(word));
        let overlap = 0;
        for (const word of exampleWords) if (words.some((said) => matchKeyword(said, word))) overlap++;
        if (overlap > 0) ranked.push({ example, overlap });
      }
    }
    ranked.sort((a, b) => b.overlap - a.overlap);
    const picked = [...new Set(ranked.map((entry) => entry.example))].slice(0, maxSuggestions);
    return picked.length > 0 ? picked : fallbackSuggestions;
  }

  async #resolve(candidate: Candidate, paths: PathSlots): Promise<ResolvedSlots | undefined> {
    const kinds = candidate.definition.slots ?? {};
    const values = new Map<string, SlotValue>();
    const entries = [...candidate.match.slots.entries()];
    // Folders first, so a file said together with a folder is looked for inside it.
    const order = (kind: SlotKind) => (kind === 'folder' ? 0 : 1);
    entries.sort(([a], [b]) => order(kinds[a] ?? 'text') - order(kinds[b] ?? 'text'));
    for (const [name, slot] of entries) {
      const kind: SlotKind =
        slot.words.length === 1 && slot.raw === slot.words[0] && !(name in kinds) ? 'word' : (kinds[name] ?? 'text');
      const folder = values.get('folder');
      const within = folder?.kind === 'path' && folder.value.kind === 'directory' ? folder.value.path : '.';
      const value = await this.#slot(kind, slot, paths, within);
      if (value === undefined) return undefined;
      values.set(name, value);
    }
    return new ResolvedSlots(values);
  }

  async #slot(kind: SlotKind, slot: SlotMatch, paths: PathSlots, within: string): Promise<SlotValue | undefined> {
    const path = (value: ResolvedSlotPath | undefined): SlotValue | undefined => (value ? { kind: 'path', value } : undefined);
    // "ls -la" is a command with a flag, not a folder called "-la".
    if ((kind === 'folder' || kind === 'file' || kind === 'path') && slot.raw.startsWith('-')) return undefined;
    switch (kind) {
      case 'folder': {
        const found = await paths.find(slot.words, slot.raw, 'directory');
        if (found) return path(found);
        if (slot.strict) return undefined;
        // Words that name a file are not a folder: let the reading that wants a file win.
        if ((await paths.find(slot.words, slot.raw, 'file'))?.kind === 'file') return undefined;
        return path(paths.literal(slot.raw));
      }
      case 'file': {
        const found =
          (await paths.find(slot.words, slot.raw, 'file', within)) ?? (await paths.find(slot.words, slot.raw, 'file'));
        if (found) return path(found);
        if (slot.strict) return undefined;
        if ((await paths.find(slot.words, slot.raw, 'directory'))?.kind === 'directory') return undefined;
        return path(paths.literal(slot.raw));
      }
      case 'path': {
        const found = (await paths.find(slot.words, slot.raw, 'any', within)) ?? (await paths.find(slot.words, slot.raw, 'any'));
        if (found) return path(found);
        return slot.strict ? undefined : path(paths.literal(slot.raw));
      }
      case 'name': {
        const name = unquote(slot.raw)
          .replace(/[,!?;:]+$/, '')
          .replace(/\.$/, '');
        return name === '' ? undefined : { kind: 'text', value: name };
      }
      case 'text': {
        const text = unquote(slot.tail ? slot.raw.replace(/[.!?]+$/, '') : slot.raw);
        return text === '' ? undefined : { kind: 'text', value: unquote(text) };
      }
      case 'word':
        return { kind: 'text', value: slot.words.join(' ') };
      case 'number': {
        if (slot.words.length !== 1 || !/^\d{1,9}$/.test(slot.words[0] ?? '')) return undefined;
        return { kind: 'number', value: Number(slot.words[0]) };
      }
      case 'command': {
        const line = commandLine(slot.raw);
        return line ? { kind: 'command', value: line } : undefined;
      }
      case 'program': {
        const line = commandLine(slot.raw);
        return line && isKnownProgram(line.cmd) ? { kind: 'command', value: line } : undefined;
      }
    }
  }
}
