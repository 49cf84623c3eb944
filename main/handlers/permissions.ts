import type { AuditSummary } from '../ports/audit';
import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { PermissionsService } from '../services/permissions/permissions-service';

export function permissionListHandler(permissions: PermissionsService): Handler<'PermissionList'> {
  return { run: () => ({ subjects: permissions.list() }) };
}

export function permissionRevokeHandler(permissions: PermissionsService): Handler<'PermissionRevoke'> {
  return {
    run: (data) => ({ revoked: permissions.revoke(data) }),
    summarize: (data): AuditSummary =>
      'grantId' in data ? { grantId: data.grantId } : { subject: data.subject, index: data.index },
    privileged: true,
  };
}

export function permissionSetHandler(permissions: PermissionsService): Handler<'PermissionSet'> {
  return {
    run: (data) => permissions.set(data.subject, data.permission, data.effect),
    // The scope may name paths and programs; the audit keeps the kind, the message type and the effect.
    summarize: (data): AuditSummary => ({ subject: data.subject, message: data.permission.message, effect: data.effect }),
    privileged: true,
  };
}

export function registerPermissionsDomain(router: Router, disposables: DisposableStore): void {
  disposables.add(router.register('PermissionList', permissionListHandler(router.permissions)));
  disposables.add(router.register('PermissionRevoke', permissionRevokeHandler(router.permissions)));
  disposables.add(router.register('PermissionSet', permissionSetHandler(router.permissions)));
}
