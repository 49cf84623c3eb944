// Draws build/icon.png, the app icon electron-builder turns into each platform's icon set:
// a terminal prompt (a chevron and a cursor) in the app's accent colour on its dark
// background. Plain Node (zlib), so it needs no image tool: `node scripts/make-icon.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const size = 512;
const background = [0x15, 0x17, 0x1c];
const accent = [0x6a, 0xa8, 0xff];
/** Samples per pixel side, for smooth edges. */
const samples = 4;

/** Signed distance to a rounded square covering the canvas with a margin. */
function roundedSquare(x, y) {
  const half = size / 2 - 16;
  const radius = 96;
  const dx = Math.abs(x - size / 2) - (half - radius);
  const dy = Math.abs(y - size / 2) - (half - radius);
  return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - radius;
}

/** Distance to the segment a–b. */
function segment(x, y, ax, ay, bx, by) {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

function inkAt(x, y) {
  const stroke = 34;
  const chevron = Math.min(segment(x, y, 150, 170, 250, 256), segment(x, y, 250, 256, 150, 342));
  const cursor = segment(x, y, 286, 342, 380, 342);
  return Math.min(chevron, cursor) <= stroke;
}

const rows = [];
for (let y = 0; y < size; y += 1) {
  const row = Buffer.alloc(1 + size * 4);
  for (let x = 0; x < size; x += 1) {
    let inside = 0;
    let ink = 0;
    for (let sy = 0; sy < samples; sy += 1) {
      for (let sx = 0; sx < samples; sx += 1) {
        const px = x + (sx + 0.5) / samples;
        const py = y + (sy + 0.5) / samples;
        if (roundedSquare(px, py) <= 0) {
          inside += 1;
          if (inkAt(px, py)) ink += 1;
        }
      }
    }
    const total = samples * samples;
    const mix = inside === 0 ? 0 : ink / inside;
    const offset = 1 + x * 4;
    for (let channel = 0; channel < 3; channel += 1) {
      row[offset + channel] = Math.round(background[channel] * (1 - mix) + accent[channel] * mix);
    }
    row[offset + 3] = Math.round((inside / total) * 255);
  }
  rows.push(row);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../build/icon.png', import.meta.url), png);
console.log(`build/icon.png: ${size}×${size}, ${png.length} bytes`);
