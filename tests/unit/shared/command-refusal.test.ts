import { describe, expect, it } from 'vitest';
import { describeReplyError } from '../../../shared/command-refusal';

describe('the text shown for a refused or unconfirmed command', () => {
  it('shows the policy’s reason and rule for a command that needs confirmation', () => {
    const text = describeReplyError({
      code: 'ConfirmationRequired',
      message: 'ignored',
      details: {
        token: 't'.repeat(43),
        action: 'find . -exec rm -rf /tmp/x ;',
        reason: '`find -exec` runs `rm -rf /tmp/x`: `rm` writes, creates, moves or deletes /tmp/x, outside the workspace.',
        rule: 'write-outside',
        expiresAt: 0,
      },
    });
    expect(text).toBe(
      'Needs your confirmation to run `find . -exec rm -rf /tmp/x ;`: `find -exec` runs `rm -rf /tmp/x`: `rm` writes, creates, moves or deletes /tmp/x, outside the workspace. (rule: write-outside)',
    );
  });

  it('shows the reason and rule of a refusal', () => {
    const text = describeReplyError({
      code: 'PermissionDenied',
      message: 'x',
      details: { cmd: 'sudo', rule: 'privilege', reason: '`sudo` changes user.' },
    });
    expect(text).toBe('Refused: `sudo` changes user. (rule: privilege)');
  });

  it('falls back to code and message when details are missing or malformed', () => {
    expect(describeReplyError({ code: 'ConfirmationRequired', message: 'Confirm it.', details: { token: 1 } })).toBe(
      'ConfirmationRequired: Confirm it.',
    );
    expect(describeReplyError({ code: 'PermissionDenied', message: 'No.' })).toBe('PermissionDenied: No.');
    expect(describeReplyError({ code: 'Timeout', message: 'Too slow.' })).toBe('Timeout: Too slow.');
  });
});
