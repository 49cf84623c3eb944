import type { Permission, PermissionEffect, StoredGrant } from '../../../shared/contract/permissions';
import { request } from '../api';
import { describeFailure, useListed } from '../useListed';
import { permissionInWords } from './permission-words';
import './storage-views.css';

function subjectName(subject: string): string {
  if (subject === 'window') return 'Desktop window';
  if (subject === 'serve') return 'Browser clients (serve mode)';
  if (subject.startsWith('plugin:')) return `Plugin ${subject.slice('plugin:'.length)}`;
  return subject;
}

/** Messages the view offers no "Ask me first" or Revoke for: the ones that manage permissions and answer confirmations (main refuses them too). */
const notAskable = new Set(['PermissionList', 'PermissionRevoke', 'PermissionSet', 'Confirm', 'ConfirmCancel']);

/** A permission's scope, without its effect, as the view compares a base permission with a stored grant. */
const scopeKey = (permission: Permission) => JSON.stringify({ ...permission, effect: undefined });

function grantLabel(grant: StoredGrant): string {
  const effect = grant.permission.effect ?? 'allow';
  if (effect === 'ask') return 'Ask me first: ';
  if (effect === 'deny') return grant.origin === 'revoke' ? 'Revoked: ' : 'Denied: ';
  return 'Always allowed: ';
}

/** Every kind of sender with what it may do now; revoking applies to its very next message. */
export function PermissionsView() {
  const {
    items: subjects,
    message,
    setMessage,
    reload: load,
  } = useListed(async () => (await request({ type: 'PermissionList', data: {} })).subjects);

  const revoke = async (target: { grantId: number } | { subject: string; index: number }) => {
    try {
      await request({ type: 'PermissionRevoke', data: target });
      await load();
    } catch (caught) {
      setMessage(describeFailure(caught));
    }
  };

  const set = async (subject: string, permission: Permission, effect: PermissionEffect) => {
    try {
      await request({ type: 'PermissionSet', data: { subject, permission, effect } });
      await load();
    } catch (caught) {
      setMessage(describeFailure(caught));
    }
  };

  return (
    <section className="view permissions-view" aria-labelledby="permissions-heading">
      <h1 id="permissions-heading">Permissions</h1>
      {message && (
        <p role="alert" className="field-error">
          {message}
        </p>
      )}
      {subjects.map((subject) => {
        const stored = (effect: PermissionEffect) =>
          new Set(
            subject.grants
              .filter((grant) => (grant.permission.effect ?? 'allow') === effect)
              .map((grant) => scopeKey(grant.permission)),
          );
        const [revoked, asked, allowed] = [stored('deny'), stored('ask'), stored('allow')];
        return (
          <article key={subject.subject} className="permission-subject" aria-label={subjectName(subject.subject)}>
            <h2>{subjectName(subject.subject)}</h2>
            {subject.actors.length > 0 && <p className="muted">Seen as {subject.actors.join(', ')}</p>}
            <ul>
              {subject.base.map((permission, index) => {
                const key = scopeKey(permission);
                const isRevoked = revoked.has(key);
                const words = permissionInWords(permission);
                // Asks now: a stored "Ask me first", or the plugin's own ask that no "Always allow" has answered.
                const asks = asked.has(key) || (permission.effect === 'ask' && !allowed.has(key));
                const settable = !isRevoked && !notAskable.has(permission.message);
                return (
                  <li key={`base-${index}`}>
                    <span className={isRevoked ? 'revoked' : undefined}>{words}</span>{' '}
                    {settable && !asks && (
                      <button
                        type="button"
                        aria-label={`Ask me first: ${words}`}
                        onClick={() => void set(subject.subject, permission, 'ask')}
                      >
                        Ask me first
                      </button>
                    )}{' '}
                    {settable && asks && permission.effect === 'ask' && (
                      <button
                        type="button"
                        aria-label={`Always allow: ${words}`}
                        onClick={() => void set(subject.subject, permission, 'allow')}
                      >
                        Always allow
                      </button>
                    )}{' '}
                    {settable && (
                      <button
                        type="button"
                        aria-label={`Revoke: ${words}`}
                        onClick={() => void revoke({ subject: subject.subject, index })}
                      >
                        Revoke
                      </button>
                    )}
                  </li>
                );
              })}
              {subject.grants.map((grant) => (
                <li key={`grant-${grant.id}`}>
                  {grantLabel(grant)}
                  {permissionInWords({ ...grant.permission, effect: undefined })}{' '}
                  <button type="button" onClick={() => void revoke({ grantId: grant.id })}>
                    {(grant.permission.effect ?? 'allow') === 'allow' ? 'Revoke' : 'Restore'}
                  </button>
                </li>
              ))}
            </ul>
          </article>
        );
      })}
    </section>
  );
}
