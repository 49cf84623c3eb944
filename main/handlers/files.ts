import type { Handler } from '../ipc/router';
import type { FileOperations } from '../services/files/operations';

export function fileOperationHandler(files: FileOperations): Handler<'FileOperation'> {
  return {
    run: (data) => files.run(data),
    summarize: (data) => ({ op: data.op.kind, path: data.path }),
  };
}
