// Opens a `tad report` page in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from report/node_modules) and checks what a reader would see:
//   - no console errors, no page errors, no request that leaves file:// (the page is self-contained);
//   - every chart drew marks (an ECharts SVG with shapes), and the expected charts are there;
//   - every number and bound text in the tables equals the JSON it came from (each run's
//     results.json, scaling.json), and every run given has its row in the comparison and its sections;
//   - with a study: the speedup and efficiency charts plot training and total time, with the values
//     scaling.json has and that its total-time medians give.
// Keeps a full-page screenshot. Exit code 0 when every check passed.
//
// node report_browser_test.mjs --html F --results F[,F...] [--scaling F] --screenshot F [--expect id,id]
//   (several results files: the runs of one report, in the order given to tad report)
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, '../../report/package.json'));
const { chromium } = require('playwright-core');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const sources = {};
const resultsFiles = args.results.split(',');
resultsFiles.forEach((file, i) => { sources[`results-${i + 1}`] = JSON.parse(readFileSync(file, 'utf8')); });
if (args.scaling) sources.scaling = JSON.parse(readFileSync(args.scaling, 'utf8'));
const expected = (args.expect || '').split(',').filter(Boolean);

let passed = 0;
const failures = [];
function check(ok, what) {
  if (ok) passed += 1;
  else failures.push(what);
}
function at(doc, pointer) {
  return pointer.split('/').slice(1).reduce((v, key) => (v === undefined ? undefined : v[key.replace(/~1/g, '/').replace(/~0/g, '~')]), doc);
}

const profile = mkdtempSync(join(tmpdir(), 'tad-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1360, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('about:')) return route.continue();
    problems.push('network request: ' + url);
    return route.abort();
  });
  await page.goto(pathToFileURL(resolve(args.html)).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-charts-drawn]', { timeout: 20000 });

  const charts = await page.$$eval('.chart', (elements) => elements.map((e) => {
    const svg = e.querySelector('svg');
    const box = e.getBoundingClientRect();
    return { id: e.id, shapes: svg ? svg.querySelectorAll('path, rect, circle, polyline, polygon').length : 0,
             width: box.width, height: box.height };
  }));
  const drawn = Number(await page.getAttribute('body', 'data-charts-drawn'));
  check(drawn === charts.length && drawn > 0, `charts drawn ${drawn}, chart elements ${charts.length}`);
  for (const c of charts) check(c.shapes >= 5 && c.width > 100 && c.height > 100, `chart ${c.id} has ${c.shapes} shapes (${c.width}x${c.height})`);
  for (const id of expected) check(charts.some((c) => c.id === id), `expected chart ${id} is missing`);

  const cells = await page.$$eval('[data-key]', (elements) => elements.map((e) => ({
    source: e.dataset.source, key: e.dataset.key, value: e.dataset.value, decimals: Number(e.dataset.decimals), text: e.textContent })));
  for (const source of Object.keys(sources)) check(cells.some((c) => c.source === source), `no table cell shows ${source} data`);
  const texts = await page.$$eval('[data-key][data-type="text"]', (elements) => elements.map((e) => ({
    source: e.dataset.source, key: e.dataset.key, text: e.textContent })));
  for (const cell of texts) {
    const truth = at(sources[cell.source], cell.key);
    check(typeof truth === 'string' && cell.text === truth, `${cell.source}${cell.key}: shows '${cell.text}', JSON has ${truth}`);
  }
  for (const cell of cells.filter((c) => !texts.some((t) => t.source === c.source && t.key === c.key))) {
    const truth = at(sources[cell.source], cell.key);
    const shown = parseFloat(cell.text.replace(/[^0-9eE+.\-]/g, ''));
    check(typeof truth === 'number' && Number(cell.value) === truth, `${cell.source}${cell.key}: data-value ${cell.value} != JSON ${truth}`);
    check(Math.abs(shown - truth) <= 0.5 * 10 ** -cell.decimals + 1e-9, `${cell.source}${cell.key}: shows '${cell.text}', JSON has ${truth}`);
  }
  // The confusion heatmap is coloured by each cell's share of its true class (the title's promise),
  // not by its count: a larger share is never lighter. The data must hold a pair whose share and
  // count orders disagree, or this check could not tell the two apart.
  const heat = await page.evaluate(() => {
    const element = document.getElementById('chart-confusion-1');
    const instance = element && echarts.getInstanceByDom(element);
    if (!instance) return null;
    const cells = instance.getOption().series[0].data;
    // Colours as 'r,g,b' whatever their notation (#rrggbb, rgb(), rgba()), to compare visual and drawing.
    const rgb = (color) => {
      const hex = String(color).match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
      return (hex ? hex.slice(1).map((h) => parseInt(h, 16)) : (String(color).match(/[0-9.]+/g) || []).slice(0, 3).map(Number)).join(',');
    };
    const fills = new Set([...element.querySelectorAll('svg path, svg rect')].map((e) => rgb(e.getAttribute('fill') || '')));
    return cells.map((cell, i) => ({ share: cell[2], count: cell[3],
                                     color: rgb(instance.getVisual({ seriesIndex: 0, dataIndex: i }, 'color')) }))
      .map((c) => Object.assign(c, { drawn: fills.has(rgb(c.color)) }));
  });
  if (heat) {
    const luminance = (color) => {
      const [r, g, b] = (color.match(/[0-9.]+/g) || []).slice(0, 3).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const discordant = heat.some((a) => heat.some((b) => a.share > b.share && a.count < b.count));
    check(discordant, 'heatmap test data has no cells whose share and count orders disagree');
    for (const a of heat) {
      check(a.drawn, `heatmap cell colour ${a.color} (share ${a.share}) is not drawn`);
      for (const b of heat) {
        if (a.share > b.share) check(luminance(a.color) < luminance(b.color) || (a.share - b.share) < 0.5,
                                     `heatmap: share ${a.share} % (${a.color}) is not darker than ${b.share} % (${b.color})`);
      }
    }
  } else if (expected.includes('chart-confusion-1')) {
    check(false, 'no ECharts instance on chart-confusion-1');
  }

  // Every run has its sections; several runs have one row each in the comparison, in order.
  const runSections = await page.$$eval('section.run', (elements) => elements.map((e) => e.id));
  check(JSON.stringify(runSections) === JSON.stringify(resultsFiles.map((_, i) => `run-${i + 1}`)), `run sections ${runSections}`);
  if (resultsFiles.length > 1) {
    const rows = await page.$$eval('#comparison-table tr', (trs) => trs.slice(1).map((tr) => tr.querySelector('[data-source]').dataset.source));
    check(JSON.stringify(rows) === JSON.stringify(resultsFiles.map((_, i) => `results-${i + 1}`)), `comparison rows ${rows}`);
    for (let i = 1; i <= resultsFiles.length; ++i) {
      check(texts.some((t) => t.source === `results-${i}` && t.key === '/dataset/row_kind'), `run ${i}: no rows kind in the comparison`);
      check(cells.some((c) => c.source === `results-${i}` && c.key === '/metrics/accuracy'), `run ${i}: no accuracy`);
    }
  }

  // Scaling: training and total time each get a speedup and an efficiency series, equal to
  // scaling.json and to speedup = median time at the first count × that count / median time.
  if (sources.scaling) {
    const series = await page.evaluate(() => Object.fromEntries(['chart-scaling-speedup', 'chart-scaling-efficiency'].map((id) => {
      const instance = echarts.getInstanceByDom(document.getElementById(id));
      return [id, instance ? instance.getOption().series.map((s) => ({ name: s.name, data: s.data })) : []];
    })));
    const points = sources.scaling.points;
    const base = points[0];
    const value = (datum) => (Array.isArray(datum) ? datum[1] : datum);
    const near = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    for (const [id, key, divide] of [['chart-scaling-speedup', 'speedup', false], ['chart-scaling-efficiency', 'efficiency', true]]) {
      for (const [name, time, field] of [['training', 'train_seconds', key], ['total', 'total_seconds', 'total_' + key]]) {
        const drawnSeries = series[id].find((s) => s.name === name);
        check(drawnSeries && drawnSeries.data.length === points.length, `${id}: no '${name}' series with ${points.length} points`);
        if (!drawnSeries) continue;
        points.forEach((p, i) => {
          const own = base[time].median * base.executors / p[time].median / (divide ? p.executors : 1);
          check(near(value(drawnSeries.data[i]), p[field]), `${id} ${name} at ${p.executors}: ${value(drawnSeries.data[i])} != scaling.json ${p[field]}`);
          check(near(p[field], own), `scaling.json ${field} at ${p.executors}: ${p[field]} != ${own} from the ${time} medians`);
        });
      }
    }
  }

  const rules = await page.$$eval('ol.rules li', (items) => items.map((li) => li.textContent));
  check(rules.length > 0 && rules.every((r) => / then | always /.test(r) || r.startsWith('always')), `rules: ${JSON.stringify(rules)}`);

  await page.screenshot({ path: args.screenshot, fullPage: true });
  for (const p of problems) check(false, p);
  check(problems.length === 0, 'page ran cleanly');
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
for (const f of failures) console.error('FAIL ' + f);
console.log(`report browser test: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
