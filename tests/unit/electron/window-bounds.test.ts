import { describe, expect, it } from 'vitest';
import { clampToDisplays, type Rect } from '../../../main/electron/window-bounds';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 };
/** A second monitor to the left of and above the primary: negative coordinates. */
const leftMonitor: Rect = { x: -2560, y: -300, width: 2560, height: 1400 };

function fullyInside(bounds: Rect, area: Rect): boolean {
  return (
    bounds.x >= area.x &&
    bounds.y >= area.y &&
    bounds.x + bounds.width <= area.x + area.width &&
    bounds.y + bounds.height <= area.y + area.height
  );
}

describe('clampToDisplays', () => {
  it('keeps bounds that are fully visible as they are', () => {
    const saved = { x: 100, y: 80, width: 1280, height: 800 };
    expect(clampToDisplays(saved, [laptop])).toEqual(saved);
  });

  it('centres a window that is entirely off-screen on the primary display', () => {
    const restored = clampToDisplays({ x: 5000, y: 4000, width: 1280, height: 800 }, [laptop]);
    expect(restored).toEqual({ x: 320, y: 125, width: 1280, height: 800 });
  });

  it('moves a partially visible window fully onto the display it overlaps', () => {
    const restored = clampToDisplays({ x: 1500, y: 900, width: 1280, height: 800 }, [laptop]);
    expect(restored).toEqual({ x: 640, y: 250, width: 1280, height: 800 });
    expect(fullyInside(restored, laptop)).toBe(true);
  });

  it('shrinks a window bigger than the display to its work area', () => {
    expect(clampToDisplays({ x: -10, y: -10, width: 4000, height: 3000 }, [laptop])).toEqual(laptop);
  });

  it('reopens on the primary when the monitor it was on has been unplugged', () => {
    const onUnplugged = { x: -2400, y: -200, width: 1600, height: 1000 };
    // With both monitors it stays where it was, negative coordinates and all.
    expect(clampToDisplays(onUnplugged, [laptop, leftMonitor])).toEqual(onUnplugged);
    const restored = clampToDisplays(onUnplugged, [laptop]);
    expect(fullyInside(restored, laptop)).toBe(true);
    expect(restored).toMatchObject({ width: 1600, height: 1000 });
  });

  it('chooses the display it overlaps most when it straddles two', () => {
    const straddling = { x: -300, y: 100, width: 1000, height: 700 };
    const restored = clampToDisplays(straddling, [laptop, leftMonitor]);
    expect(restored).toEqual({ x: 0, y: 100, width: 1000, height: 700 });
    const mostlyLeft = clampToDisplays({ x: -900, y: 100, width: 1000, height: 700 }, [laptop, leftMonitor]);
    expect(mostlyLeft).toEqual({ x: -1000, y: 100, width: 1000, height: 700 });
  });

  it('clamps on a display with a negative origin, and keeps bounds as saved when there are no displays', () => {
    const restored = clampToDisplays({ x: -3000, y: -500, width: 800, height: 600 }, [laptop, leftMonitor]);
    expect(restored).toEqual({ x: -2560, y: -300, width: 800, height: 600 });
    const saved = { x: 1, y: 2, width: 3, height: 4 };
    expect(clampToDisplays(saved, [])).toEqual(saved);
  });
});
