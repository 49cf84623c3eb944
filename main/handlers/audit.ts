import type { Handler } from '../ipc/router';
import type { AuditLog } from '../services/audit/audit-log';

export function auditQueryHandler(audit: AuditLog): Handler<'AuditQuery'> {
  return {
    run: (data) => audit.query(data),
    summarize: (data) => ({
      limit: data.limit ?? null,
      before: data.before ?? null,
      type: data.type ?? null,
      outcome: data.outcome ?? null,
    }),
  };
}

export function auditVerifyHandler(audit: AuditLog): Handler<'AuditVerify'> {
  return { run: (_data, context) => audit.verify(context.signal) };
}

export function auditExportHandler(audit: AuditLog): Handler<'AuditExport'> {
  return {
    run: (data) => audit.exportPage(data.after, data.limit),
    summarize: (data) => ({ after: data.after ?? 0 }),
  };
}
