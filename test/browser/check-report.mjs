// Opens one berth HTML report in headless chromium and checks what a reader gets: no console
// errors, page errors or network requests; the graph holds exactly the expected nodes, edges
// and ECS containers (from the report's own data, passed by the Go test); nothing overlaps
// and every label fits its box; labels are readable at the opening zoom; Fit shows the whole
// graph, zoom and drag work; selecting a service shows its fields; screenshots of the page and
// of the graph are rendered images (many colours, no single colour filling them).
// Usage: node check-report.mjs REPORT.html EXPECT.json SHOT-PREFIX
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { geometry, pixels } from "./measure.mjs";

const [report, expectPath, shotPrefix] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectPath, "utf8"));
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
// Generous: a fresh CI machine may be slow, and nothing here measures speed.
const TIMEOUT = 120000;
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"], timeout: TIMEOUT });
const failures = [];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const want = (name, got, exp) => { if (!same(got, exp)) failures.push(`${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(exp)}`); };
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) errors.push("network request: " + r.url()); });
  await page.goto(pathToFileURL(report).href, { timeout: TIMEOUT });
  await page.waitForSelector("#graph svg.graph g.viewport");

  want("nodes", (await page.$$eval("#graph g.node", (gs) => gs.map((g) => g.dataset.service))).sort(), expect.nodes);
  want("edges", (await page.$$eval("#graph g.edge", (gs) => gs.map((g) => `${g.dataset.from}->${g.dataset.to}:${g.dataset.condition}`))).sort(), expect.edges);
  want("public", (await page.$$eval("#graph g.node.public", (gs) => gs.map((g) => g.dataset.service))).sort(), expect.public);
  want("containers", (await page.$$eval("#graph g.container", (gs) => gs.map((g) => `${g.dataset.service}/${g.dataset.container}`))).sort(), expect.containers);

  // At the opening zoom: no overlaps, labels inside their boxes and large enough to read.
  const open = await page.evaluate(geometry);
  failures.push(...open.problems);
  if (open.minName < expect.minNameFont) failures.push(`service names are ${open.minName.toFixed(1)}px at the opening zoom, want at least ${expect.minNameFont}px`);
  if (open.minText < expect.minTextFont) failures.push(`smallest graph text is ${open.minText.toFixed(1)}px at the opening zoom, want at least ${expect.minTextFont}px`);
  const graphShot = await page.locator("#graph").screenshot({ path: `${shotPrefix}-graph.png`, timeout: TIMEOUT });

  // Fit shows every node inside the graph's box; zoom in enlarges; a drag pans.
  await page.click('#graph-controls button[data-zoom="fit"]');
  const fit = await page.evaluate(geometry);
  await page.locator("#graph").screenshot({ path: `${shotPrefix}-fit.png`, timeout: TIMEOUT });
  if (fit.outside.length) failures.push(`after Fit, nodes outside the graph box: ${fit.outside.slice(0, 5).join(", ")}`);
  const scale = async () => Number(await page.getAttribute("#graph", "data-scale"));
  const fitScale = await scale();
  await page.click('#graph-controls button[data-zoom="in"]');
  if (!(await scale() > fitScale)) failures.push(`zoom in: scale ${await scale()} not above ${fitScale}`);
  const before = await page.getAttribute("#graph g.viewport", "transform");
  const box = await page.locator("#graph svg.graph").boundingBox();
  await page.mouse.move(box.x + 8, box.y + box.height - 8);
  await page.mouse.down();
  await page.mouse.move(box.x + 108, box.y + box.height - 48, { steps: 5 });
  await page.mouse.up();
  if ((await page.getAttribute("#graph g.viewport", "transform")) === before) failures.push("dragging the graph did not pan it");
  await page.click('#graph-controls button[data-zoom="fit"]');

  await page.click(`#graph g.node[data-service="${expect.select}"]`);
  const details = await page.textContent("#details");
  for (const s of [expect.selectField, ...(expect.selectShows || [])]) {
    if (!details.includes(s)) failures.push(`selecting ${expect.select}: details lack ${JSON.stringify(s)}: ${details.slice(0, 300)}`);
  }
  // "find" brings a service into view at a readable scale and selects it.
  const find = expect.nodes[expect.nodes.length - 1];
  await page.click('#graph-controls button[data-zoom="actual"]');
  await page.fill("#find", find);
  await page.press("#find", "Enter");
  await page.waitForFunction((n) => document.querySelector("#details h3")?.textContent === n, find);
  const found = await page.evaluate(geometry);
  if (found.outside.includes(find)) failures.push(`find ${find}: the node is not in view`);
  const pageShot = await page.screenshot({ path: `${shotPrefix}-page.png`, fullPage: true, timeout: TIMEOUT });

  const blank = await browser.newPage();
  for (const [name, png] of [["graph", graphShot], ["page", pageShot]]) {
    const p = await blank.evaluate(pixels, "data:image/png;base64," + png.toString("base64"));
    if (p.colors < 40 || p.dominant > 0.97) failures.push(`${name} screenshot is not a rendered page: ${p.colors} colours, the commonest covers ${(100 * p.dominant).toFixed(1)}%`);
  }
  failures.push(...errors.map((e) => "console: " + e));
  console.log(JSON.stringify({ report, scale: Number(open.scale), minName: open.minName, minText: open.minText, fitScale, nodes: expect.nodes.length }));
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
