import { voiceLimits } from '../../../shared/contract/voice';
import { LocalBrainError } from '../../../shared/errors';

/** Clips being recorded per sender: push-to-talk has one at a time; two covers a quick re-press. */
const maxClipsPerActor = 2;
/** A clip not finished in this time is dropped: the longest allowed clip plus time to upload it. */
const clipTtlMs = voiceLimits.maxClipMs + 60_000;

interface Clip {
  readonly chunks: Buffer[];
  bytes: number;
  readonly startedAt: number;
}

/**
 * Recorded audio arriving in pieces (each under the router's message limit), held in
 * memory only, per sender, until it is transcribed or discarded. Nothing is written to disk.
 */
export class ClipStore {
  readonly #clips = new Map<string, Map<string, Clip>>();

  constructor(private readonly now: () => number = Date.now) {}

  append(actor: string, clipId: string, base64: string): number {
    const data = Buffer.from(base64, 'base64');
    if (data.length > voiceLimits.maxClipChunkBytes) {
      throw new LocalBrainError('ValidationFailed', `A clip piece may be at most ${voiceLimits.maxClipChunkBytes} bytes.`);
    }
    const mine = this.#clips.get(actor) ?? new Map<string, Clip>();
    this.#clips.set(actor, mine);
    this.#prune(mine);
    let clip = mine.get(clipId);
    if (!clip) {
      if (mine.size >= maxClipsPerActor) {
        const oldest = mine.keys().next().value;
        if (oldest !== undefined) mine.delete(oldest);
      }
      clip = { chunks: [], bytes: 0, startedAt: this.now() };
      mine.set(clipId, clip);
    }
    if (clip.bytes + data.length > voiceLimits.maxClipBytes) {
      mine.delete(clipId);
      throw new LocalBrainError(
        'ValidationFailed',
        `The recording is over the ${voiceLimits.maxClipBytes}-byte limit and was dropped.`,
      );
    }
    clip.chunks.push(data);
    clip.bytes += data.length;
    return clip.bytes;
  }

  /** The whole clip, forgotten here. */
  take(actor: string, clipId: string): Buffer {
    const mine = this.#clips.get(actor);
    const clip = mine?.get(clipId);
    if (!mine || !clip) throw new LocalBrainError('NotFound', 'No such recording; it may have expired.', { clipId });
    mine.delete(clipId);
    if (mine.size === 0) this.#clips.delete(actor);
    return Buffer.concat(clip.chunks);
  }

  discard(actor: string, clipId: string): boolean {
    const mine = this.#clips.get(actor);
    const removed = mine?.delete(clipId) ?? false;
    if (mine?.size === 0) this.#clips.delete(actor);
    return removed;
  }

  /** Drops every clip of a sender that went away. */
  forget(actor: string): void {
    this.#clips.delete(actor);
  }

  #prune(mine: Map<string, Clip>): void {
    const now = this.now();
    for (const [id, clip] of mine) if (now - clip.startedAt > clipTtlMs) mine.delete(id);
  }
}
