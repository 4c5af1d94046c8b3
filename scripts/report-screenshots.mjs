// Screenshots of a report.html for the README: the top of the page (verdicts) and the first
// failure card (timeline and space-time diagram). Uses Debian's chromium, like the browser test.
//   node scripts/report-screenshots.mjs <report.html> <output directory>
import { chromium } from 'playwright-core';
import { resolve, join } from 'node:path';

const [file, directory] = process.argv.slice(2);
if (file === undefined || directory === undefined) {
  process.stderr.write('usage: node scripts/report-screenshots.mjs <report.html> <output directory>\n');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CKPTSIM_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`file://${resolve(file)}`);
  await page.waitForSelector('body[data-rendered=true]');
  await page.screenshot({ path: join(directory, 'report-verdicts.png') });
  const card = page.locator('section.failure').first();
  await card.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector('section.failure canvas')?.getAttribute('data-drawn') ?? 0) > 0);
  await card.screenshot({ path: join(directory, 'report-failure.png') });
  process.stdout.write(`screenshots written to ${join(directory, 'report-verdicts.png')} and ${join(directory, 'report-failure.png')}\n`);
} finally {
  await browser.close();
}
