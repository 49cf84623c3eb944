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

  return (
    <section className="view permissions-view" aria-labelledby="permissions-heading">
      <h1 id="permissions-heading">Permissions</h1>
      {message && (
        <p role="alert" className="field-error">
          {message}
        </p>
      )}
      {subjects.map((subject) => {
        const revoked = new Set(
          subject.grants
            .filter((grant) => grant.origin === 'revoke')
            .map((grant) => JSON.stringify({ ...grant.permission, effect: undefined })),
        );
        return (
          <article key={subject.subject} className="permission-subject" aria-label={subjectName(subject.subject)}>
            <h2>{subjectName(subject.subject)}</h2>
            {subject.actors.length > 0 && <p className="muted">Seen as {subject.actors.join(', ')}</p>}
            <ul>
              {subject.base.map((permission, index) => {
                const isRevoked = revoked.has(JSON.stringify({ ...permission, effect: undefined }));
                return (
                  <li key={`base-${index}`}>
                    <span className={isRevoked ? 'revoked' : undefined}>{permissionInWords(permission)}</span>{' '}
                    {!isRevoked && !permission.message.startsWith('Permission') && (
                      <button type="button" onClick={() => void revoke({ subject: subject.subject, index })}>
                        Revoke
                      </button>
                    )}
                  </li>
                );
              })}
              {subject.grants.map((grant) => (
                <li key={`grant-${grant.id}`}>
                  {grant.origin === 'revoke' ? 'Revoked: ' : 'Always allowed: '}
                  {permissionInWords({ ...grant.permission, effect: undefined })}{' '}
                  <button type="button" onClick={() => void revoke({ grantId: grant.id })}>
                    {grant.origin === 'revoke' ? 'Restore' : 'Revoke'}
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
