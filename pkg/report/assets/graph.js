// berth HTML report, 1/3: lays out the service graph with the vendored dagre and draws it as
// SVG. Services are nodes; Compose networks and ECS tasks of several containers are groups
// (a task's containers are nodes inside its group, joined by their dependsOn edges); edges are
// depends_on / dependsOn, labelled with their condition. Reads only the inlined #berth-data.
(function () {
  "use strict";
  var berth = window.berth = window.berth || {};
  var data = JSON.parse(document.getElementById("berth-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var graph = data.graph;
  berth.data = data;

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  berth.el = el;
  function text(parent, x, y, s, cls, anchor) {
    var t = el("text", { x: x, y: y, "text-anchor": anchor || "middle" }, parent);
    if (cls) { t.setAttribute("class", cls); }
    t.textContent = s;
    return t;
  }
  berth.subtitle = function (n) {
    var parts = [n.kind || "no workload"];
    if (n.replicas) { parts.push(n.replicas); }
    return parts.join(" · ");
  };
  // Short edge labels keep ranks narrow; the full condition is in data-condition and a title.
  function shortCondition(c) {
    var m = { service_started: "started", service_healthy: "healthy", service_completed_successfully: "completed", complete: "exited" };
    return m[c] || String(c).toLowerCase();
  }

  // The SVG the graph is drawn into; its viewport group is what pan and zoom move.
  var svg = el("svg", { "class": "graph", width: "100%", height: 300, role: "img", "aria-label": "service graph of " + data.app });
  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#6b7280" }, marker);
  var view = el("g", { "class": "viewport" }, svg);
  document.getElementById("graph").appendChild(svg);

  // Text widths are measured in the page's own font, so every label fits its box.
  var ruler = el("text", { x: -1000, y: -1000 }, view);
  function width(s, cls) {
    ruler.setAttribute("class", cls || "");
    ruler.textContent = s;
    return ruler.getComputedTextLength();
  }
  function nodeBox(lines, classes) {
    var w = 0;
    lines.forEach(function (l, i) { w = Math.max(w, width(l, classes[i])); });
    return { width: Math.ceil(w) + 24, height: 10 + 18 * lines.length };
  }

  // layout lays the graph out with dagre, ranks along rankdir (LR or TB).
  function layout(rankdir) {
    var g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
    g.setGraph({ rankdir: rankdir, nodesep: 18, ranksep: 48, edgesep: 10, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(function () { return {}; });
    graph.networks.forEach(function (net) {
      if (graph.nodes.some(function (n) { return n.group === net; })) {
        g.setNode("net:" + net, { label: "network " + net, cls: "group network" });
      }
    });
    graph.nodes.forEach(function (n) {
      var lines = [n.name, berth.subtitle(n)].concat(n.hosts || []);
      var classes = lines.map(function (l, i) { return i ? "sub" : "name"; });
      var box = nodeBox(lines, classes);
      g.setNode(n.name, { width: Math.max(box.width, 120), height: box.height, node: n, lines: lines, classes: classes });
      var parent = n.group ? "net:" + n.group : null;
      if (n.containers && n.containers.length) {
        var task = "task:" + n.name;
        g.setNode(task, { label: "task " + n.name + ": one pod", cls: "group task" });
        if (parent) { g.setParent(task, parent); }
        g.setParent(n.name, task);
        n.containers.forEach(function (c) {
          var cb = nodeBox([c, "container"], ["name", "sub"]);
          var id = "c:" + n.name + "/" + c;
          g.setNode(id, { width: Math.max(cb.width, 90), height: cb.height, container: c, service: n.name, lines: [c, "container"], classes: ["name", "sub"] });
          g.setParent(id, task);
        });
      } else if (parent) {
        g.setParent(n.name, parent);
      }
    });
    // dagre leaves no room for a group's title: a node of the title's size in the group does.
    g.nodes().filter(function (id) { return g.children(id).length > 0; }).forEach(function (id) {
      var title = g.node(id).label;
      g.setNode("title:" + id, { width: Math.ceil(width(title, "group-title")) + 8, height: 18, title: title });
      g.setParent("title:" + id, id);
    });
    graph.edges.forEach(function (e, i) {
      var from = e.service ? "c:" + e.service + "/" + e.from : e.from;
      var to = e.service ? "c:" + e.service + "/" + e.to : e.to;
      if (g.hasNode(from) && g.hasNode(to)) {
        var label = e.service ? e.condition : shortCondition(e.condition); // ECS names as ECS writes them
        g.setEdge(from, to, { label: label, width: Math.ceil(width(label, "edge-label")) + 6, height: 16, labelpos: "c", edge: e }, "e" + i);
      }
    });
    dagre.layout(g);
    return g;
  }
  // Of left-to-right and top-to-bottom, the layout that shows more of itself at a readable
  // size in the space the page has: a wide graph of few ranks reads better top to bottom.
  var room = { w: Math.max(document.getElementById("graph").clientWidth, 300), h: Math.max(480, window.innerHeight * 0.75) };
  function fit(gl) { return Math.min(room.w / gl.graph().width, room.h / gl.graph().height); }
  var g = layout("LR");
  if (graph.nodes.length > 1) {
    var tb = layout("TB");
    if (fit(tb) > fit(g) * 1.1) { g = tb; }
  }
  view.removeChild(ruler);

  // Groups first (outermost first, so tasks sit above their network), then edges, then nodes.
  g.nodes().filter(function (id) { return g.children(id).length > 0; })
    .sort(function (a, b) { return depth(a) - depth(b); })
    .forEach(function (id) {
      var c = g.node(id);
      var grp = el("g", { "class": c.cls || "group" }, view);
      if (id.indexOf("net:") === 0) { grp.setAttribute("data-network", id.slice(4)); }
      if (id.indexOf("task:") === 0) { grp.setAttribute("data-task", id.slice(5)); }
      el("rect", { x: c.x - c.width / 2, y: c.y - c.height / 2, width: c.width, height: c.height }, grp);
      var t = g.node("title:" + id);
      text(grp, t.x - t.width / 2 + 4, t.y + 4, t.title, "group-title", "start");
    });
  function depth(id) {
    var d = 0;
    for (var p = g.parent(id); p; p = g.parent(p)) { d++; }
    return d;
  }
  g.edges().forEach(function (ref) {
    var e = g.edge(ref);
    var d = e.edge;
    var grp = el("g", {
      "class": "edge" + (d.required ? "" : " optional") + (d.service ? " container-edge" : ""),
      "data-from": d.service ? d.service + "/" + d.from : d.from,
      "data-to": d.service ? d.service + "/" + d.to : d.to,
      "data-condition": d.condition
    }, view);
    el("title", {}, grp).textContent = d.from + " waits for " + d.to + ": " + d.condition;
    var path = e.points.map(function (p, i) { return (i ? "L" : "M") + p.x.toFixed(1) + "," + p.y.toFixed(1); }).join(" ");
    el("path", { d: path, "marker-end": "url(#arrow)" }, grp);
    var lw = e.width;
    el("rect", { "class": "label-bg", x: e.x - lw / 2, y: e.y - 8, width: lw, height: 16, rx: 3 }, grp);
    text(grp, e.x, e.y + 4, e.label, "edge-label");
  });
  var nodeEls = {};
  g.nodes().forEach(function (id) {
    var p = g.node(id);
    if (!p.lines) { return; }
    var cls, grp;
    if (p.node) {
      cls = "node" + (p.node.public ? " public" : "");
      grp = el("g", { "class": cls, "data-service": id, tabindex: 0 }, view);
      nodeEls[id] = grp;
    } else {
      grp = el("g", { "class": "container", "data-service": p.service, "data-container": p.container, tabindex: 0 }, view);
    }
    el("rect", { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height }, grp);
    p.lines.forEach(function (l, i) {
      text(grp, p.x, p.y - p.height / 2 + 18 + 18 * i, l, p.classes[i]);
    });
    var svc = p.node ? id : p.service;
    grp.addEventListener("click", function () { berth.select(svc); });
    grp.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { berth.select(svc); } });
  });

  var size = g.graph();
  berth.graph = { svg: svg, view: view, width: Math.ceil(size.width), height: Math.ceil(size.height), nodes: nodeEls, rankdir: size.rankdir,
    // where each service is, for the viewport to open at the entry points and to find one
    at: function (name) { var p = g.node(name); return p ? { x: p.x, y: p.y } : null; } };
})();
