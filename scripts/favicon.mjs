/**
 * `node scripts/favicon.mjs`: scales the app icon, build/icon.png (drawn by scripts/make-icon.mjs),
 * with Debian's Chromium (no image tools needed) into renderer/public/favicon.ico: 16–256 px PNG
 * entries, which every browser reads. Serve mode answers /favicon.ico with it. Run it after
 * changing the icon and commit the output.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const icon = `data:image/png;base64,${(await readFile(path.join(root, 'build/icon.png'))).toString('base64')}`;
/** The sizes Windows picks from (taskbar, Explorer, Alt-Tab) and browsers' tab icons. */
const icoSizes = [16, 32, 48, 64, 128, 256];

const browser = await chromium.launch({
  executablePath: process.env.LOCALBRAIN_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
async function render(size) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const body = `<style>html,body{margin:0;background:transparent}img{display:block;width:${size}px;height:${size}px}</style><img src="${icon}">`;
  await page.setContent(body);
  const png = await page.screenshot({ omitBackground: true, type: 'png' });
  await page.close();
  return png;
}

/** An ICO file whose images are PNGs: a 6-byte header, a 16-byte entry per image, then the images. */
function ico(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header.writeUInt8(size >= 256 ? 0 : size, entry);
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

try {
  const images = [];
  for (const size of icoSizes) images.push({ size, png: await render(size) });
  await writeFile(path.join(root, 'renderer/public/favicon.ico'), ico(images));
} finally {
  await browser.close();
}
