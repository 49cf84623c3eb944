/** Serve mode's fixed names (DESIGN.md "Serve mode"); zod-free so the browser bridge stays small. */
export const serveUrlPrefix = 'LOCALBRAIN_URL=';
export const wsPath = '/ipc';
