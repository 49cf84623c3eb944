// A plain script (no import/export); `localbrain` is the only global beyond ECMAScript's.
localbrain.commands.register('count', async (args) => {
  const path = args && typeof args.path === 'string' ? args.path : '';
  const r = await localbrain.invoke({ type: 'FileOperation', data: { op: { kind: 'read' }, path } });
  if (!r.ok) return r;
  if (r.value.kind !== 'read' || r.value.encoding !== 'utf8')
    return { ok: false, error: { code: 'ValidationFailed', message: 'not a text file' } };
  const words = r.value.content.split(/\s+/).filter(Boolean).length;
  localbrain.log('info', `counted ${words} words in ${path}`);
  return { words };
});
