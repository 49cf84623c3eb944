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

export function registerPermissionsDomain(router: Router, disposables: DisposableStore): void {
  disposables.add(router.register('PermissionList', permissionListHandler(router.permissions)));
  disposables.add(router.register('PermissionRevoke', permissionRevokeHandler(router.permissions)));
}
