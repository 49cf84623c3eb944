import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { UpdateService } from '../services/updates/update-service';

/** A feed check: the fetch has its own 15 s timeout; this only bounds the request around it. */
const checkDeadlineMs = 30_000;
/** An installer is tens of MB; an hour covers a slow link, and the person can cancel by closing the window. */
const downloadDeadlineMs = 60 * 60_000;

export function registerUpdatesDomain(options: { router: Router; updates: UpdateService }, handlers: DisposableStore): void {
  const { router, updates } = options;
  const status: Handler<'UpdateStatus'> = { run: () => updates.status() };
  const check: Handler<'UpdateCheck'> = {
    run: (_data, { signal }) => updates.check(signal),
    deadlineMs: () => checkDeadlineMs,
  };
  const download: Handler<'UpdateDownload'> = {
    run: (_data, { sender, signal }) =>
      updates.download((progress) => sender.emit({ type: 'UpdateProgress', data: progress }), signal),
    deadlineMs: () => downloadDeadlineMs,
    privileged: true,
  };
  const install: Handler<'UpdateInstall'> = {
    run: () => {
      updates.install();
      return {};
    },
    privileged: true,
  };
  handlers.add(router.register('UpdateStatus', status));
  handlers.add(router.register('UpdateCheck', check));
  handlers.add(router.register('UpdateDownload', download));
  handlers.add(router.register('UpdateInstall', install));
}
