// berth HTML report: draws the service graph laid out by dagre and shows a service's details
// when it is selected. Reads only the inlined #berth-data JSON.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("berth-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var graph = data.graph;
  var byName = {};
  data.services.forEach(function (s) { byName[s.name] = s; });

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function text(parent, x, y, s, cls) {
    var t = el("text", { x: x, y: y, "text-anchor": "middle" }, parent);
    if (cls) { t.setAttribute("class", cls); }
    t.textContent = s;
    return t;
  }
  function subtitle(n) {
    var parts = [n.kind || "no workload"];
    if (n.replicas) { parts.push(n.replicas); }
    return parts.join(" · ");
  }

  var g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 70, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(function () { return {}; });
  graph.networks.forEach(function (net) {
    if (graph.nodes.some(function (n) { return n.group === net; })) {
      g.setNode("net:" + net, { label: net, clusterLabelPos: "top" });
    }
  });
  graph.nodes.forEach(function (n) {
    var lines = [n.name, subtitle(n)].concat(n.hosts || []);
    var w = Math.max.apply(null, lines.map(function (l) { return l.length * 7 + 24; }));
    g.setNode(n.name, { width: Math.max(w, 110), height: 22 + 16 * lines.length, data: n, lines: lines });
    if (n.group) { g.setParent(n.name, "net:" + n.group); }
  });
  graph.edges.forEach(function (e, i) {
    if (g.hasNode(e.to)) {
      g.setEdge(e.from, e.to, { label: e.condition, width: e.condition.length * 6, height: 14, data: e }, "e" + i);
    }
  });
  dagre.layout(g);

  var size = g.graph();
  var svg = el("svg", { width: Math.ceil(size.width), height: Math.ceil(size.height), style: "max-width:100%;height:auto", viewBox: "0 0 " + Math.ceil(size.width) + " " + Math.ceil(size.height) });
  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#6b7280" }, marker);

  g.nodes().forEach(function (id) {
    if (id.indexOf("net:") !== 0) { return; }
    var c = g.node(id);
    var grp = el("g", { "class": "group", "data-network": c.label }, svg);
    el("rect", { x: c.x - c.width / 2, y: c.y - c.height / 2, width: c.width, height: c.height }, grp);
    var t = text(grp, c.x - c.width / 2 + 8, c.y - c.height / 2 + 12, "network " + c.label);
    t.setAttribute("text-anchor", "start");
  });
  g.edges().forEach(function (ref) {
    var e = g.edge(ref);
    var grp = el("g", { "class": "edge" + (e.data.required ? "" : " optional"), "data-from": e.data.from, "data-to": e.data.to, "data-condition": e.data.condition }, svg);
    var d = e.points.map(function (p, i) { return (i ? "L" : "M") + p.x.toFixed(1) + "," + p.y.toFixed(1); }).join(" ");
    el("path", { d: d, "marker-end": "url(#arrow)" }, grp);
    text(grp, e.x, e.y + 4, e.data.condition);
  });
  var nodeEls = {};
  graph.nodes.forEach(function (n) {
    var p = g.node(n.name);
    var grp = el("g", { "class": "node" + (n.public ? " public" : ""), "data-service": n.name, tabindex: 0 }, svg);
    el("rect", { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height }, grp);
    p.lines.forEach(function (l, i) {
      text(grp, p.x, p.y - p.height / 2 + 18 + 16 * i, l, i ? "sub" : "");
    });
    grp.addEventListener("click", function () { select(n.name); });
    grp.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { select(n.name); } });
    nodeEls[n.name] = grp;
  });
  document.getElementById("graph").appendChild(svg);

  function add(parent, tag, s) {
    var e = document.createElement(tag);
    if (s !== undefined) { e.textContent = s; }
    parent.appendChild(e);
    return e;
  }
  function table(parent, head, rows) {
    if (!rows.length) { return; }
    var t = add(parent, "table");
    var tr = add(add(t, "thead"), "tr");
    head.forEach(function (h) { add(tr, "th", h); });
    var body = add(t, "tbody");
    rows.forEach(function (r) {
      var row = add(body, "tr");
      r.forEach(function (c, i) {
        var td = add(row, "td", c);
        if (head[i] === "Outcome") { td.className = "o-" + c; }
      });
    });
  }
  function select(name) {
    Object.keys(nodeEls).forEach(function (k) { nodeEls[k].classList.toggle("selected", k === name); });
    var n = graph.nodes.filter(function (x) { return x.name === name; })[0];
    var s = byName[name] || { objects: [], fields: [] };
    var box = document.getElementById("details");
    box.textContent = "";
    add(box, "h3", name);
    add(box, "p", subtitle(n) + (n.image ? " · " + n.image : ""));
    if (n.public) { add(box, "p", "Public: " + n.entry + (n.hosts ? " (" + n.hosts.join(", ") + ")" : "")); }
    if (s.podSecurity) {
      var psa = add(box, "p", "Pod Security: ");
      add(psa, "strong", s.podSecurity.level).className = "psa-" + s.podSecurity.level;
      var why = (s.podSecurity.baseline || []).map(function (v) { return "baseline rejects: " + v; })
        .concat((s.podSecurity.restricted || []).map(function (v) { return "restricted rejects: " + v; }));
      if (why.length) {
        var ul = add(box, "ul");
        ul.className = "psa-why";
        why.forEach(function (v) { add(ul, "li", v); });
      }
    }
    table(box, ["Container", "CPU req", "Mem req", "CPU lim", "Mem lim"], (s.resources || []).map(function (r) {
      return [r.container + (r.role ? " (" + r.role + ")" : ""), r.cpu || "", r.memory || "", r.cpuLimit || "", r.memLimit || ""];
    }));
    table(box, ["Volume", "Mount", "Data"], (s.volumes || []).map(function (v) {
      return [(v.container ? v.container + ": " : "") + (v.source || v.type), v.target, v.data];
    }));
    table(box, ["Input field", "Outcome", "Became / reason"], s.fields.map(function (f) {
      return [f.path, f.outcome, (f.targets || []).concat(f.reasons || []).join("; ")];
    }));
    var sec = document.getElementById("svc-" + name);
    if (sec) { sec.open = true; }
  }
  window.berthSelect = select;
})();
