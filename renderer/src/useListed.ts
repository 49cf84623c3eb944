import { useCallback, useEffect, useRef, useState } from 'react';
import { ReplyError } from './api';

/** A refusal or failure in words for a view's message line. */
export function describeFailure(caught: unknown): string {
  return caught instanceof ReplyError ? caught.payload.message : 'The request failed.';
}

export interface Listed<T> {
  readonly items: readonly T[];
  /** The last failure in words, until the next successful load. */
  readonly message: string | undefined;
  readonly setMessage: (message: string | undefined) => void;
  /** Fetches the list again (after an action changed it). */
  readonly reload: () => Promise<void>;
}

/**
 * A list a view fetches from main when it mounts and again after each action: the Permissions
 * and Plugins views. The first load waits one task, so it does not run inside React's commit.
 */
export function useListed<T>(fetch: () => Promise<readonly T[]>): Listed<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [message, setMessage] = useState<string>();
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;

  const reload = useCallback(async () => {
    try {
      setItems(await fetchRef.current());
      setMessage(undefined);
    } catch (caught) {
      setMessage(describeFailure(caught));
    }
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => void reload(), 0);
    return () => clearTimeout(timer);
  }, [reload]);

  return { items, message, setMessage, reload };
}
