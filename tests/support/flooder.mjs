// A client that floods serve mode without reading its replies, run as its own process so the
// test process measuring another client is not the one busy sending.
// Usage: node flooder.mjs WS_URL FRAMES. Prints "flooded" when every frame is written; on a
// line "read" on stdin it starts reading and, when closed or after 20 s, prints one JSON line
// {answered, tooMany, closed} and exits.
import WebSocket from 'ws';

const [url, framesArg] = process.argv.slice(2);
const frames = Number(framesArg);
const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } };
const settingsGet = { type: 'SettingsGet', data: {} };
const slice = 1_000;

const socket = new WebSocket(url);
let closed = false;
let answered = 0;
let tooMany = 0;
socket.on('error', () => undefined);
socket.on('close', () => {
  closed = true;
  finish();
});
socket.on('message', (data) => {
  answered += 1;
  const frame = JSON.parse(data.toString('utf8'));
  if (frame.reply?.error?.code === 'Unavailable' && /too many requests/i.test(frame.reply.error.message)) tooMany += 1;
});
let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  process.stdout.write(`${JSON.stringify({ answered, tooMany, closed })}\n`);
  socket.terminate();
  process.exit(0);
}
socket.once('open', async () => {
  socket.pause();
  for (let sent = 0; sent < frames && !closed; sent += slice) {
    for (let index = sent; index < Math.min(frames, sent + slice); index += 1) {
      socket.send(JSON.stringify({ id: index, message: index % 2 === 0 ? help : settingsGet }));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write('flooded\n');
});
process.stdin.on('data', (chunk) => {
  if (!chunk.toString('utf8').includes('read')) return;
  socket.resume();
  setTimeout(finish, 20_000);
});
