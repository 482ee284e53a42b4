// npm run screenshot:sample — docs/screenshots/bundled-model-on-sample.png: the review app on a fresh copy of the
// bundled sample project after running the bundled model (predictions dashed; keypoint-max heatmap overlaid unless
// SP_HEATMAP=0; SP_INDEX picks the image).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../test/e2e/launchBrowser.ts';
import { ensureBuild } from './ensureBuild.ts';
import { detectedAndServed } from '../test/support/servedProject.ts';

const root = path.resolve(import.meta.dirname, '..');
const model = path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx');
ensureBuild(root);
const dir = mkdtempSync(path.join(tmpdir(), 'sp-shot-'));
mkdirSync(path.join(dir, 'images'));
const src = path.join(root, 'resources', 'sample-project', 'images');
for (const f of readdirSync(src)) copyFileSync(path.join(src, f), path.join(dir, 'images', f));
const { project, server } = await detectedAndServed(dir, model, path.join(root, 'out', 'renderer'));
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
await page.goto(server.url);
await page.waitForFunction(() => window.studio?.snapshot().current?.maps != null);
await page.evaluate((i) => window.studio!.openIndex(i), Number(process.env.SP_INDEX ?? 3));
await page.waitForTimeout(500);
if (process.env.SP_HEATMAP !== '0') await page.keyboard.press('h');
await page.waitForTimeout(500);
const out = path.join(root, 'docs', 'screenshots', 'bundled-model-on-sample.png');
await page.screenshot({ path: out });
console.log(`wrote ${path.relative(root, out)}`);
await browser.close();
await server.close();
project.close();
