import { describe, expect, it } from 'vitest';
import { ConfirmationStore } from '../../../main/services/commands/confirmations';
import { LocalBrainError } from '../../../shared/errors';

const shown = { action: 'apt-get install jq', reason: 'installs software' };

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof LocalBrainError ? error.code : 'not a LocalBrainError';
  }
  return undefined;
}

describe('one-time confirmations', () => {
  it('redeems a token once, for the sender it was issued to', () => {
    const store = new ConfirmationStore<string>();
    const { token } = store.issue('window:1', 'the command', shown);
    expect(codeOf(() => store.redeem('window:2', token))).toBe('PermissionDenied');
    expect(store.redeem('window:1', token)).toBe('the command');
    expect(codeOf(() => store.redeem('window:1', token))).toBe('PermissionDenied');
  });

  it('refuses an expired token and an invented one', () => {
    let now = 1_000;
    const store = new ConfirmationStore<string>(60_000, () => now);
    const { token, expiresAt } = store.issue('window:1', 'x', shown);
    expect(expiresAt).toBe(61_000);
    now = 61_000;
    expect(codeOf(() => store.redeem('window:1', token))).toBe('PermissionDenied');
    expect(codeOf(() => store.redeem('window:1', 'A'.repeat(43)))).toBe('PermissionDenied');
  });

  it('issues unguessable tokens and keeps a bounded number per sender', () => {
    const store = new ConfirmationStore<number>();
    const tokens = new Set<string>();
    for (let index = 0; index < 100; index += 1) tokens.add(store.issue('window:1', index, shown).token);
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url').length).toBe(32);
    expect(store.size).toBeLessThanOrEqual(32);
  });
});
