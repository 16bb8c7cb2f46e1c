// berth HTML report, 3/3: shows a service's details (workload, Pod Security grade, requests
// and limits, volumes and every input field) when it is selected in the graph.
(function () {
  "use strict";
  var berth = window.berth;
  var graph = berth.data.graph;
  var nodeEls = berth.graph.nodes;
  var byName = {};
  berth.data.services.forEach(function (s) { byName[s.name] = s; });

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
    highlight(name);
    var n = graph.nodes.filter(function (x) { return x.name === name; })[0] || { name: name, resources: [] };
    var s = byName[name] || { objects: [], fields: [] };
    var box = document.getElementById("details");
    box.textContent = "";
    add(box, "h3", name);
    add(box, "p", berth.subtitle(n) + (n.image ? " · " + n.image : ""));
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
  // highlight dims what does not touch the selected service: its edges and neighbours stay.
  function highlight(name) {
    var svg = berth.graph.svg;
    var near = {};
    near[name] = true;
    svg.querySelectorAll("g.edge").forEach(function (e) {
      var from = e.getAttribute("data-from").split("/")[0], to = e.getAttribute("data-to").split("/")[0];
      var on = !e.classList.contains("container-edge") && (from === name || to === name) ||
        e.classList.contains("container-edge") && from === name;
      e.classList.toggle("hl", on);
      if (on) { near[from] = near[to] = true; }
    });
    svg.querySelectorAll("g.node, g.container").forEach(function (n) {
      n.classList.toggle("hl", !!near[n.getAttribute("data-service")]);
    });
    svg.classList.add("dim");
  }
  berth.select = select;
})();
