// berth HTML report, 2/3: pan and zoom of the service graph. The graph opens at a scale that
// keeps labels readable (never below MIN_SCALE, so a 60-service graph opens around its public
// entry points rather than as an unreadable thumbnail); "Fit" shows all of it, drag pans,
// Ctrl/⌘ + wheel or the buttons (or + - 0 f on the focused graph) zoom, and "find" brings a
// service into view.
(function () {
  "use strict";
  var berth = window.berth;
  var gr = berth.graph;
  var MIN_SCALE = 0.9, MIN_ZOOM = 0.1, MAX_ZOOM = 3;
  var box = document.getElementById("graph");
  var state = { k: 1, x: 0, y: 0 };

  function apply() {
    gr.view.setAttribute("transform", "translate(" + state.x.toFixed(1) + "," + state.y.toFixed(1) + ") scale(" + state.k.toFixed(4) + ")");
    box.setAttribute("data-scale", state.k.toFixed(4));
    document.getElementById("zoom-level").textContent = Math.round(state.k * 100) + "%";
  }
  function viewSize() {
    var r = gr.svg.getBoundingClientRect();
    return { w: r.width || 1, h: r.height || 1 };
  }
  // zoomAt scales by f keeping the graph point under (cx, cy) (viewport pixels) in place.
  function zoomAt(f, cx, cy) {
    var k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, state.k * f));
    state.x = cx - (cx - state.x) * (k / state.k);
    state.y = cy - (cy - state.y) * (k / state.k);
    state.k = k;
    apply();
  }
  function fitScale() {
    var v = viewSize();
    if (!gr.width || !gr.height) { return 1; }
    return Math.min(v.w / gr.width, v.h / gr.height);
  }
  // center shows the graph at scale k: centred where it fits; where it does not, from its
  // left edge (the entry points: edges point right) and around its vertical middle.
  function center(k) {
    var v = viewSize();
    state.k = k;
    state.x = Math.max((v.w - gr.width * k) / 2, 0);
    state.y = (v.h - gr.height * k) / 2;
    apply();
  }
  // clamp keeps the graph on screen: where it is larger than the view, no empty margin.
  function clamp(want, graphPx, viewPx) {
    if (graphPx <= viewPx) { return (viewPx - graphPx) / 2; }
    return Math.min(0, Math.max(viewPx - graphPx, want));
  }
  // look puts the graph point p in the middle of the view at scale k, as far as it can.
  function look(p, k) {
    var v = viewSize();
    state.k = k;
    state.x = clamp(v.w / 2 - p.x * k, gr.width * k, v.w);
    state.y = clamp(v.h / 2 - p.y * k, gr.height * k, v.h);
    apply();
  }
  // entry is the middle of the public services (where a reader starts), else of the graph.
  function entry() {
    var pts = berth.data.graph.nodes.filter(function (n) { return n.public; })
      .map(function (n) { return gr.at(n.name); }).filter(Boolean);
    if (!pts.length) { return { x: gr.width / 2, y: gr.height / 2 }; }
    var x = 0, y = 0;
    pts.forEach(function (p) { x += p.x; y += p.y; });
    return { x: x / pts.length, y: y / pts.length };
  }
  // show brings a service into the middle of the view at a readable scale.
  berth.show = function (name) {
    var p = gr.at(name);
    if (p) { look(p, Math.max(state.k, MIN_SCALE)); }
  };
  berth.fit = function () { center(Math.min(MAX_ZOOM, fitScale())); };
  berth.actualSize = function () { center(1); };

  // Height: the whole graph at the opening scale when that fits in most of the window.
  var k0 = Math.max(Math.min(1, box.clientWidth / (gr.width || 1)), MIN_SCALE);
  var h = Math.min(Math.max(gr.height * k0 + 8, 240), Math.max(480, Math.round(window.innerHeight * 0.75)));
  gr.svg.setAttribute("height", Math.round(h));
  look(entry(), Math.min(k0, 1));

  var controls = document.getElementById("graph-controls");
  controls.hidden = false;
  controls.addEventListener("click", function (ev) {
    var act = ev.target.getAttribute("data-zoom");
    var v = viewSize();
    if (act === "in") { zoomAt(1.25, v.w / 2, v.h / 2); }
    if (act === "out") { zoomAt(0.8, v.w / 2, v.h / 2); }
    if (act === "fit") { berth.fit(); }
    if (act === "actual") { berth.actualSize(); }
  });
  var find = document.getElementById("find");
  find.addEventListener("change", function () {
    if (gr.nodes[find.value]) {
      berth.show(find.value);
      berth.select(find.value);
    }
  });
  gr.svg.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey && !ev.metaKey) { return; } // a plain wheel scrolls the page
    ev.preventDefault();
    var r = gr.svg.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  var drag = null;
  gr.svg.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) { return; }
    drag = { x: ev.clientX, y: ev.clientY, sx: state.x, sy: state.y, moved: false };
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) { return; } // a click, not a drag
    drag.moved = true;
    gr.svg.classList.add("panning");
    state.x = drag.sx + dx;
    state.y = drag.sy + dy;
    apply();
  });
  window.addEventListener("pointerup", function () {
    if (drag && drag.moved) {
      // swallow the click that ends a drag, so panning never selects a node
      var stop = function (e) { e.stopPropagation(); };
      window.addEventListener("click", stop, true);
      setTimeout(function () { window.removeEventListener("click", stop, true); }, 0);
    }
    drag = null;
    gr.svg.classList.remove("panning");
  });
  box.addEventListener("keydown", function (ev) {
    var v = viewSize();
    var keys = { "+": 1.25, "=": 1.25, "-": 0.8 };
    if (keys[ev.key]) { zoomAt(keys[ev.key], v.w / 2, v.h / 2); ev.preventDefault(); }
    if (ev.key === "0") { berth.actualSize(); }
    if (ev.key === "f") { berth.fit(); }
  });
})();
