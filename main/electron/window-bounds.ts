/** A rectangle in screen coordinates (Electron's Rectangle), which may be negative on multi-monitor setups. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function overlapArea(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * Where a saved window may reopen: on the display it overlaps most (or, when it overlaps
 * none, say because that monitor was unplugged, centred on the first display, the primary),
 * shrunk to fit that display's work area and moved so all of it is visible there.
 * `workAreas` is each display's work area, primary first; with none, the bounds stay as saved.
 */
export function clampToDisplays(bounds: Rect, workAreas: readonly Rect[]): Rect {
  const [primary] = workAreas;
  if (primary === undefined) return bounds;
  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of workAreas) {
    const overlap = overlapArea(bounds, area);
    if (overlap > bestArea) {
      best = area;
      bestArea = overlap;
    }
  }
  const display = best ?? primary;
  const width = Math.round(Math.min(bounds.width, display.width));
  const height = Math.round(Math.min(bounds.height, display.height));
  if (best === undefined) {
    return {
      x: Math.round(display.x + (display.width - width) / 2),
      y: Math.round(display.y + (display.height - height) / 2),
      width,
      height,
    };
  }
  const clamp = (value: number, low: number, high: number) => Math.round(Math.min(Math.max(value, low), high));
  return {
    x: clamp(bounds.x, display.x, display.x + display.width - width),
    y: clamp(bounds.y, display.y, display.y + display.height - height),
    width,
    height,
  };
}
