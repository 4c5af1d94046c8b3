import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { reportOf, resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import { decodeReplayToken, type CaseSpec } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { caseSeedFor, runSweepCase, type SweepCaseResult } from '../../src/explore/sweep-case.js';
import { renderCaseHtml, renderSweepHtml, replayForReport } from '../../src/report/html.js';
import { coverageColumns, coverageRows, impossiblePairs } from '../../src/oracle/protocol-coverage/index.js';
import type { TraceEvent } from '../../src/sim/index.js';

/**
 * report.html in a real browser: Debian's chromium (bash .ci/run installs it with apt) driven
 * by playwright-core. The pages must render their matrix, timelines and diagrams with no
 * console errors, treat hostile strings as text, and stay usable with a million-event trace.
 * Screenshots go to CKPTSIM_SCREENSHOT_DIR (default: a temporary directory, printed).
 */
const chromiumPath = process.env['CKPTSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const available = existsSync(chromiumPath);
if (!available && process.env['CKPTSIM_REQUIRE_BROWSER'] === '1') {
  throw new Error(`CKPTSIM_REQUIRE_BROWSER is set but there is no chromium at ${chromiumPath}`);
}
if (!available) {
  process.stderr.write(`browser test skipped: no chromium at ${chromiumPath} (bash .ci/run installs Debian's chromium; or set CKPTSIM_CHROMIUM)\n`);
}
const title = available ? 'report.html in Debian chromium' : `report.html in Debian chromium (skipped: no chromium at ${chromiumPath}; bash .ci/run installs it)`;

const hostile = `</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & "quotes"`;

function replay(spec: CaseSpec) {
  const scenario = findScenario(spec.scenario)!;
  return replayForReport((caseSpec, observers) => runCase(scenario, caseSpec, { captureTrace: true, observers }), spec);
}

/** A small sweep with one real failure (a planted bug) and one expected gap; `hostile` adds markup to the failure message. */
function sweepWithFailure(hostileMessage: boolean): SweepResults {
  const cases: SweepCaseResult[] = [];
  const wordcount = findScenario('wordcount')!;
  for (let index = 0; index < 6; index++) cases.push(runSweepCase(wordcount, { index, scenario: 'wordcount', caseSeed: caseSeedFor(9, 'wordcount', index), profile: 'crashes' }));
  let failing: SweepCaseResult | undefined;
  for (let index = 6; index < 60 && failing === undefined; index++) {
    const result = runSweepCase(wordcount, { index, scenario: 'wordcount', caseSeed: caseSeedFor(9, 'bug', index), profile: 'crashes', config: { plantedBugs: ['sink-commits-on-snapshot'] } });
    if (result.failure !== undefined) failing = result;
  }
  if (failing === undefined) throw new Error('the planted bug was not caught in 54 cases');
  cases.push({ ...failing, index: 6, failure: { ...failing.failure!, message: hostileMessage ? `${failing.failure!.message} ${hostile}` : failing.failure!.message } });
  const savepoint = findScenario('savepoint-stop')!;
  const savepointCases: SweepCaseResult[] = [];
  for (let index = 0; index < 200 && (index < 8 || !savepointCases.some((entry) => entry.verdict === 'expected-gap')); index++) {
    const result = runSweepCase(savepoint, { index, scenario: 'savepoint-stop', caseSeed: caseSeedFor(1, 'savepoint-stop', index), profile: 'swarm' });
    // At least eight, so the sweep has more than ten cases and the saturation curve two points.
    if (index < 8 || result.verdict === 'expected-gap') savepointCases.push(result);
  }
  cases.push(...savepointCases);
  const scenarios = ['wordcount', 'savepoint-stop'];
  return {
    schema: resultsSchema,
    parameters: { scenarios, runsPerScenario: 7, seed: 9, profile: 'crashes', vary: false },
    shards: ['0/1'],
    properties: Object.fromEntries(scenarios.map((name) => [name, [...findScenario(name)!.properties]])),
    cases,
    interrupted: false,
    summary: summarise(cases, scenarios),
    environment: { tool: 'ckptsim test', node: process.version, platform: process.platform, cpus: 2, workers: 1 },
    timing: { wallMs: 1000, casesPerSecond: cases.length },
  };
}

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  const directory = process.env['CKPTSIM_SCREENSHOT_DIR'] ?? mkdtempSync(join(tmpdir(), 'ckptsim-browser-'));
  mkdirSync(directory, { recursive: true });

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // Playwright gives every launch a fresh, empty profile directory of its own.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    process.stderr.write(`browser test screenshots in ${directory}\n`);
  });

  async function open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(`file://${resolve(file)}`);
    await page.waitForSelector('body[data-rendered=true]', { timeout: 30_000 });
    return { page, errors, requests };
  }

  it('renders a sweep report: the verdict matrix, a failure with its timeline and space-time diagram, hostile strings as text', async () => {
    const results = sweepWithFailure(true);
    const declared = new Map([
      ['wordcount', [...findScenario('wordcount')!.properties]],
      ['savepoint-stop', [...findScenario('savepoint-stop')!.properties]],
    ]);
    // The sample the README's screenshots show (scripts/report-screenshots.mjs), without the hostile string.
    writeFileSync(join(directory, 'sample-report.html'), renderSweepHtml(reportOf(sweepWithFailure(false)), declared, { replay, decode: decodeReplayToken }));
    const file = join(directory, 'sweep-report.html');
    writeFileSync(file, renderSweepHtml(reportOf(results), declared, { replay, decode: decodeReplayToken }));
    const { page, errors, requests } = await open(file);
    const casesTop = (): Promise<number> => page.locator('#cases').evaluate((element) => element.getBoundingClientRect().top + window.scrollY);
    const casesTopAtOpen = await casesTop();

    // The matrix: one row per property, and the planted bug's violation shows in red.
    const properties = [...new Set([...declared.values()].flat())];
    expect(await page.locator('#matrix table.matrix tbody tr').count()).toBe(properties.length);
    expect(await page.locator('#matrix td.violated').count()).toBeGreaterThan(0);
    const before = await page.locator('#matrix table.matrix').innerText();
    await page.locator('#matrix select').selectOption('crash-executor');
    expect(await page.locator('#matrix table.matrix').innerText()).not.toBe(before);

    // The failure: its message as text, the checkpoint timeline as SVG, the diagram drawn.
    const failure = page.locator('#failures section.failure').first();
    expect(await failure.locator('.message').innerText()).toContain('window.__pwned');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await failure.locator('svg.timeline g.checkpoint').count()).toBeGreaterThan(0);
    await failure.locator('.spacetime-block').scrollIntoViewIfNeeded();
    const canvas = failure.locator('canvas');
    await canvas.waitFor();
    await page.waitForFunction(() => Number(document.querySelector('#failures canvas')?.getAttribute('data-drawn') ?? 0) > 0);
    const drawn = Number(await canvas.getAttribute('data-drawn'));
    expect(drawn).toBeGreaterThan(0);
    // The canvas really has ink on it.
    const inked = await canvas.evaluate((element: HTMLCanvasElement) => {
      const pixels = element.getContext('2d')!.getImageData(0, 0, element.width, element.height).data;
      let count = 0;
      for (let index = 3; index < pixels.length; index += 4) if ((pixels[index] as number) > 0) count++;
      return count;
    });
    expect(inked).toBeGreaterThan(1000);
    // Zoom and filter redraw it.
    await failure.getByRole('button', { name: 'zoom in' }).click();
    await failure.getByLabel('lane filter').fill('sink');
    await page.waitForTimeout(100);
    const filteredHeight = await canvas.evaluate((element: HTMLCanvasElement) => element.clientHeight);
    await failure.getByLabel('lane filter').fill('');
    await page.waitForTimeout(100);
    expect(await canvas.evaluate((element: HTMLCanvasElement) => element.clientHeight)).toBeGreaterThan(filteredHeight);

    // Coverage: the step × fault heat map (a row per step and operation, a column per fault kind,
    // covered cells shaded, impossible ones crossed out) and the saturation curve as inline SVG.
    const heatMap = page.locator('#coverage table#step-fault-heatmap');
    expect(await heatMap.locator('tbody tr').count()).toBe(coverageRows.length);
    expect(await heatMap.locator('thead th.kind').count()).toBe(coverageColumns.length);
    expect(await heatMap.locator('td.covered').count()).toBeGreaterThan(0);
    expect(await heatMap.locator('td.covered').first().evaluate((cell) => getComputedStyle(cell).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    expect(await heatMap.locator('td.impossible').count()).toBe(impossiblePairs.length);
    expect(await heatMap.locator('td.impossible').first().getAttribute('title')).toContain('never occurs');
    const curve = page.locator('#coverage svg#saturation-curve');
    expect(await curve.locator('circle.curve-point').count()).toBeGreaterThan(1);
    expect(((await curve.locator('path.curve-line').getAttribute('d')) ?? '').split('L').length).toBeGreaterThan(2);
    expect((await curve.boundingBox())?.height ?? 0).toBeGreaterThan(100);
    expect(await page.locator('#abstract-states tbody tr').count()).toBe(reportOf(results).coverage?.states.reached);
    await page.locator('#coverage').screenshot({ path: join(directory, 'coverage.png') });

    // Drawing a diagram moves nothing: each is laid out at its final size before it is drawn
    // (a diagram that grew when scrolled into view moved the cases table under the pointer).
    const blocks = page.locator('.spacetime-block');
    expect(await blocks.count()).toBeGreaterThan(1);
    for (let index = 0; index < (await blocks.count()); index++) {
      await blocks.nth(index).scrollIntoViewIfNeeded();
      await blocks.nth(index).locator('canvas[data-drawn]').waitFor();
    }
    expect(await casesTop()).toBe(casesTopAtOpen);

    // A case's timeline opens from the cases table.
    await page.locator('#cases tr.case-row').first().click();
    // The detail row is drawn after the click's handler returns: wait for it, then require exactly one.
    await page.locator('#cases tr.case-detail svg.timeline').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('#cases tr.case-detail svg.timeline').count()).toBe(1);

    await page.screenshot({ path: join(directory, 'sweep-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 180_000);

  it('lists every case that did not pass and passing cases up to the limit, and says how many it left out', async () => {
    const results = sweepWithFailure(false);
    const declared = new Map([
      ['wordcount', [...findScenario('wordcount')!.properties]],
      ['savepoint-stop', [...findScenario('savepoint-stop')!.properties]],
    ]);
    const notPassing = results.cases.filter((entry) => entry.verdict !== 'pass').length;
    const file = join(directory, 'limited-report.html');
    writeFileSync(file, renderSweepHtml(reportOf(results), declared, { listedCases: notPassing + 1 }));
    const { page, errors, requests } = await open(file);
    const left = results.cases.length - notPassing - 1;
    expect(left).toBeGreaterThan(0);
    expect(await page.locator('#cases-not-listed').innerText()).toContain(`${left} passing case(s) are not listed`);
    expect(await page.locator('#cases-not-listed').innerText()).toContain(`holds all ${results.cases.length}`);
    expect(await page.locator('#cases tr.case-row').count()).toBe(notPassing + 1);
    expect(await page.locator('#verdict').innerText()).toContain('failing case');
    expect(await page.locator('main').innerText()).toContain(`${results.cases.length} cases`);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it('says when a case has no timeline because the sweep kept timelines only for cases that did not pass', async () => {
    const results = sweepWithFailure(false);
    const stripped = {
      ...results,
      parameters: { ...results.parameters, timelines: 'not-passing' as const },
      cases: results.cases.map(({ timeline, ...entry }) => (entry.verdict === 'pass' ? entry : { ...entry, timeline })),
    };
    const declared = new Map([
      ['wordcount', [...findScenario('wordcount')!.properties]],
      ['savepoint-stop', [...findScenario('savepoint-stop')!.properties]],
    ]);
    const file = join(directory, 'not-passing-timelines-report.html');
    writeFileSync(file, renderSweepHtml(reportOf(stripped), declared));
    const { page, errors, requests } = await open(file);
    expect(await page.locator('main').innerText()).toContain('timelines kept for cases that did not pass');
    const passing = page.locator('#cases tr.case-row', { has: page.locator('td.verdict-pass') }).first();
    await passing.click();
    expect(await page.locator('#cases tr.case-detail:visible').first().innerText()).toContain('no timeline recorded for this case (the sweep ran with --timelines not-passing)');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it('stays responsive with a trace of a million events', async () => {
    const spec: CaseSpec = { scenario: 'wordcount', seed: 4, faults: [{ kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 100_000, replacement: false, when: { atUs: 150_000 } }] };
    const replayed = replay(spec);
    // The real trace of the case, repeated end to end in time until there are a million events.
    const events = replayed.result.capturedEvents!;
    const spanUs = (events.at(-1)?.timeUs ?? 0) + 1;
    const many: TraceEvent[] = [];
    for (let copy = 0; many.length < 1_000_000; copy++) {
      for (const event of events) {
        const payload = event.payload as { sentUs?: number } | undefined;
        const shifted = payload !== null && typeof payload === 'object' && typeof payload.sentUs === 'number' ? { ...payload, sentUs: payload.sentUs + copy * spanUs } : event.payload;
        many.push({ ...event, timeUs: event.timeUs + copy * spanUs, payload: shifted });
      }
    }
    const file = join(directory, 'million-events.html');
    writeFileSync(file, renderCaseHtml(spec, { ...replayed, result: { ...replayed.result, capturedEvents: many } }, 'ckptsim test'));
    const started = Date.now();
    const { page, errors } = await open(file);
    const canvas = page.locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => Number(document.querySelector('canvas')?.getAttribute('data-drawn') ?? 0) > 0, undefined, { timeout: 60_000 });
    const firstDrawMs = Date.now() - started;
    // Zoomed out, the marks are shown as a density and the messages are not drawn one by one.
    expect(await page.locator('.spacetime .status').innerText()).toContain('density');
    // Ten zoom steps in, each one a redraw; the page answers between them.
    const zoomStarted = Date.now();
    for (let step = 0; step < 10; step++) {
      await page.getByRole('button', { name: 'zoom in' }).click();
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(undefined))));
    }
    const zoomMs = Date.now() - zoomStarted;
    expect(await page.locator('.spacetime .status').innerText()).not.toContain('density');
    process.stderr.write(`million-event report: ${many.length} events, first draw after ${firstDrawMs} ms, 10 zoom steps in ${zoomMs} ms\n`);
    await page.screenshot({ path: join(directory, 'million-events.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
