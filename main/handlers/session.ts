import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { LayoutKeeper } from '../services/session/layout-keeper';

export function registerSessionDomain(options: { router: Router; layout: LayoutKeeper }, handlers: DisposableStore): void {
  const { router, layout } = options;
  const get: Handler<'SessionLayoutGet'> = { run: () => ({ openFiles: [...layout.openFiles] }) };
  const set: Handler<'SessionLayoutSet'> = {
    run: (data) => {
      layout.setOpenFiles(data.openFiles);
      return {};
    },
    // How many, not which: file names stay out of the audit log like contents do.
    summarize: (data) => ({ openFiles: data.openFiles.length }),
  };
  handlers.add(router.register('SessionLayoutGet', get));
  handlers.add(router.register('SessionLayoutSet', set));
}
