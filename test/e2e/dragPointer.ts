import type { Page } from 'playwright-core';

/** Drags with the mouse from page point (x, y) by (dx, dy) at a hand's pace: one pointer move a frame. */
export async function dragAtHandPace(page: Page, x: number, y: number, dx: number, dy: number, steps = 10) {
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(x + (dx * i) / steps, y + (dy * i) / steps);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
}
