import https from 'node:https';
import { LocalBrainError } from '../../../shared/errors';
import { updateUrlProblem } from '../../../shared/contract/updates';
import { maxFeedChars } from './decide';

/** A feed is a few hundred bytes: a server that has not answered in 15 s is not going to. */
export const defaultFeedTimeoutMs = 15_000;

export interface FetchFeedOptions {
  readonly timeoutMs?: number;
  /** Larger bodies are refused (ValidationFailed); the feed's own cap when not given. */
  readonly maxBytes?: number;
  /** Extra trusted certificates (PEM), for a feed behind a private CA; the system's CAs otherwise. */
  readonly ca?: string | Buffer;
  readonly signal?: AbortSignal;
}

/** `<folder>/<fileName>`, keeping the folder's path and query-free form. */
export function feedFileUrl(folder: string, fileName: string): URL {
  const base = new URL(folder);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(fileName, base);
}

/** GETs a feed file as text (see fetchHttps). */
export async function fetchFeed(url: URL, options: FetchFeedOptions = {}): Promise<string> {
  return (await fetchHttps(url, options)).toString('utf8');
}

/**
 * GETs one file from the update server over https only: an http (or any other) address is refused before any
 * connection is made, redirects are not followed (one to http would undo that), the body is
 * capped, and a server that is slow to answer or to finish is a Timeout.
 */
export function fetchHttps(url: URL, options: FetchFeedOptions = {}): Promise<Buffer> {
  const problem = updateUrlProblem(url.href);
  if (problem !== undefined) return Promise.reject(new LocalBrainError('ValidationFailed', `Update check refused: ${problem}.`));
  const timeoutMs = options.timeoutMs ?? defaultFeedTimeoutMs;
  const maxBytes = options.maxBytes ?? maxFeedChars;
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const finish = (error: LocalBrainError | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(body ?? Buffer.alloc(0));
    };
    const request = https.get(url, {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      headers: { accept: 'text/yaml, */*' },
    });
    const timer = setTimeout(
      () => finish(new LocalBrainError('Timeout', `The update server did not answer within ${timeoutMs} ms.`, { timeoutMs })),
      timeoutMs,
    );
    const onAbort = () => finish(new LocalBrainError('Unavailable', 'The update check was cancelled.'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => finish(new LocalBrainError('Io', `The update server could not be reached: ${error.message}`)));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        response.resume();
        finish(
          new LocalBrainError(status === 404 ? 'NotFound' : 'Io', `The update server answered ${status} for ${url.pathname}.`, {
            status,
          }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(
            new LocalBrainError('ValidationFailed', `The update server sent more than ${maxBytes} bytes for ${url.pathname}.`),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => finish(undefined, Buffer.concat(chunks)));
      response.on('error', (error) => finish(new LocalBrainError('Io', `The update feed could not be read: ${error.message}`)));
    });
  });
}
