// Opens one berth HTML report in headless chromium and checks it: no console errors or page
// errors, the graph holds exactly the expected nodes and edges (from the report's own data,
// passed by the Go test), selecting a service shows its fields, and a screenshot is a rendered
// page. Usage: node check-report.mjs REPORT.html EXPECT.json SCREENSHOT.png
import { chromium } from "playwright-core";
import { readFileSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [page_, expectPath, shot] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectPath, "utf8"));
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) errors.push("network request: " + r.url()); });
  await page.goto(pathToFileURL(page_).href);
  const nodes = (await page.$$eval("#graph g.node", (gs) => gs.map((g) => g.dataset.service))).sort();
  const edges = (await page.$$eval("#graph g.edge", (gs) => gs.map((g) => `${g.dataset.from}->${g.dataset.to}:${g.dataset.condition}`))).sort();
  const publics = (await page.$$eval("#graph g.node.public", (gs) => gs.map((g) => g.dataset.service))).sort();
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(nodes, expect.nodes)) failures.push(`nodes: got ${JSON.stringify(nodes)}, want ${JSON.stringify(expect.nodes)}`);
  if (!same(edges, expect.edges)) failures.push(`edges: got ${JSON.stringify(edges)}, want ${JSON.stringify(expect.edges)}`);
  if (!same(publics, expect.public)) failures.push(`public: got ${JSON.stringify(publics)}, want ${JSON.stringify(expect.public)}`);
  // Node boxes must not overlap: the layout library placed them.
  const boxes = await page.$$eval("#graph g.node rect", (rs) => rs.map((r) => { const b = r.getBBox(); return [b.x, b.y, b.width, b.height]; }));
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i], boxes[j]];
    if (a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]) failures.push(`nodes ${nodes[i]} and ${nodes[j]} overlap`);
  }
  await page.click(`#graph g.node[data-service="${expect.select}"]`);
  const details = await page.textContent("#details");
  if (!details.includes(expect.selectField)) failures.push(`selecting ${expect.select}: details lack ${expect.selectField}: ${details.slice(0, 200)}`);
  await page.screenshot({ path: shot, fullPage: true });
  if (statSync(shot).size < 20000) failures.push(`screenshot ${shot} is only ${statSync(shot).size} bytes: not a rendered page`);
  failures.push(...errors.map((e) => "console: " + e));
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`ok ${page_}`);
