// Functions check-report.mjs runs inside the page (page.evaluate): each is self-contained.

// geometry measures the drawn graph in screen pixels: overlapping boxes, labels that leave
// their box, the effective font sizes (CSS size × the zoom), nodes outside the graph's box.
export function geometry() {
  const rectOf = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
  const overlap = (a, b) => a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
  const inside = (a, b) => a.l >= b.l - 1 && a.r <= b.r + 1 && a.t >= b.t - 1 && a.b <= b.b + 1;
  const problems = [];
  const boxes = [...document.querySelectorAll("#graph g.node, #graph g.container")].map((g) => ({
    name: g.dataset.container ? `${g.dataset.service}/${g.dataset.container}` : g.dataset.service,
    box: rectOf(g.querySelector("rect")),
    texts: [...g.querySelectorAll("text")],
  }));
  const labels = [...document.querySelectorAll("#graph g.edge")].map((g) => ({
    name: `${g.dataset.from}->${g.dataset.to}`, box: rectOf(g.querySelector("rect.label-bg")), text: g.querySelector("text"),
  }));
  const groups = [...document.querySelectorAll("#graph g.group text")].map((t) => ({ name: t.textContent, box: rectOf(t) }));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (overlap(boxes[i].box, boxes[j].box)) problems.push(`nodes ${boxes[i].name} and ${boxes[j].name} overlap`);
    }
    for (const t of boxes[i].texts) {
      if (!inside(rectOf(t), boxes[i].box)) problems.push(`label ${JSON.stringify(t.textContent)} leaves the box of ${boxes[i].name}`);
    }
    for (const l of labels) {
      if (overlap(l.box, boxes[i].box)) problems.push(`edge label of ${l.name} overlaps node ${boxes[i].name}`);
    }
    for (const gl of groups) {
      if (overlap(gl.box, boxes[i].box)) problems.push(`group label ${gl.name} overlaps node ${boxes[i].name}`);
    }
  }
  for (let i = 0; i < labels.length; i++) {
    if (!inside(rectOf(labels[i].text), labels[i].box)) problems.push(`edge label of ${labels[i].name} leaves its box`);
    for (let j = i + 1; j < labels.length; j++) {
      if (overlap(labels[i].box, labels[j].box)) problems.push(`edge labels of ${labels[i].name} and ${labels[j].name} overlap`);
    }
  }
  const px = (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
  const names = [...document.querySelectorAll("#graph g.node text.name")].map(px);
  const all = [...document.querySelectorAll("#graph g.viewport text")].map(px);
  const view = rectOf(document.querySelector("#graph svg.graph"));
  const outside = boxes.filter((b) => !inside(b.box, view)).map((b) => b.name);
  return {
    problems, outside,
    minName: names.length ? Math.min(...names) : Infinity,
    minText: all.length ? Math.min(...all) : Infinity,
    scale: document.getElementById("graph").dataset.scale,
  };
}

// pixels decodes a PNG (data URL) and counts its colours on a sample of pixels, and how much
// of it the commonest colour covers.
export async function pixels(src) {
  const img = new Image();
  img.src = src;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.width;
  c.height = img.height;
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const counts = new Map();
  let total = 0;
  for (let i = 0; i < d.length; i += 4 * 5) {
    const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(k, (counts.get(k) || 0) + 1);
    total++;
  }
  let max = 0;
  counts.forEach((v) => { if (v > max) { max = v; } });
  return { colors: counts.size, dominant: max / total, width: c.width, height: c.height };
}
