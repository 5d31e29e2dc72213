// The twinning and brokerage network: d3-force layout drawn as plain SVG,
// filtered by LAC country and kind of tie; a click opens the node's page.
(function () {
  var script = document.currentScript, root = script.getAttribute("data-root");
  var data = window.GL_NETWORK, box = document.getElementById("network"), NS = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(NS, "svg"), view = document.createElementNS(NS, "g");
  svg.appendChild(view); box.appendChild(svg);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var sim = null;
  function colour(n) { return n.broker ? "#e0a01f" : n.side === "china" ? "#c0392b" : n.side === "lac" ? "#1b6ca8" : "#7f8c8d"; }
  function draw() {
    var country = document.getElementById("country").value;
    var kinds = {};
    document.querySelectorAll("input[name=kind]").forEach(function (c) { kinds[c.value] = c.checked; });
    var edges = data.edges.filter(function (e) {
      if (!kinds[e.kind]) return false;
      if (!country) return true;
      return byId[e.source].countries.indexOf(country) >= 0 || byId[e.target].countries.indexOf(country) >= 0;
    });
    var used = {};
    edges.forEach(function (e) { used[e.source] = 1; used[e.target] = 1; });
    var nodes = data.nodes.filter(function (n) { return used[n.id]; }).map(function (n) { return Object.assign({}, n); });
    var index = {};
    nodes.forEach(function (n) { index[n.id] = n; });
    var links = edges.map(function (e) { return { source: index[e.source], target: index[e.target], kind: e.kind, via: e.via_label }; });
    var degree = {};
    links.forEach(function (l) { degree[l.source.id] = (degree[l.source.id] || 0) + 1; degree[l.target.id] = (degree[l.target.id] || 0) + 1; });
    while (view.firstChild) view.removeChild(view.firstChild);
    var w = box.clientWidth, h = box.clientHeight;
    svg.setAttribute("viewBox", [-w / 2, -h / 2, w, h].join(" "));
    var lines = links.map(function (l) {
      var el = document.createElementNS(NS, "line");
      el.setAttribute("class", "edge " + l.kind);
      var t = document.createElementNS(NS, "title");
      t.textContent = l.source.label + " — " + l.target.label + " (" + l.kind + (l.via ? ": " + l.via : "") + ")";
      el.appendChild(t);
      view.appendChild(el);
      return el;
    });
    var small = w < 600;
    var groups = nodes.map(function (n) {
      var g = document.createElementNS(NS, "g"), c = document.createElementNS(NS, "circle"), a = document.createElementNS(NS, "a");
      g.setAttribute("class", "node");
      n.r = 4 + 2 * Math.sqrt(degree[n.id] || 1);
      c.setAttribute("r", n.r);
      c.setAttribute("fill", colour(n));
      a.setAttribute("href", root + n.href);
      var t = document.createElementNS(NS, "title");
      t.textContent = n.label + (n.type ? " (" + n.type + ")" : "");
      a.appendChild(c); a.appendChild(t); g.appendChild(a);
      if (!small || (degree[n.id] || 0) >= 3) {
        var label = document.createElementNS(NS, "text");
        label.textContent = n.label.length > 32 ? n.label.slice(0, 30) + "…" : n.label;
        label.setAttribute("x", n.r + 3); label.setAttribute("y", 4);
        g.appendChild(label);
      }
      view.appendChild(g);
      return g;
    });
    document.getElementById("network-count").textContent = nodes.length + " nodes, " + links.length + " ties";
    if (sim) sim.stop();
    sim = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(links).distance(function (l) { return l.kind === "twinning" ? 40 : 60; }))
      .force("charge", d3.forceManyBody().strength(small ? -60 : -110))
      .force("x", d3.forceX().strength(0.06 * Math.sqrt(h / w))).force("y", d3.forceY().strength(0.06 * Math.sqrt(w / h)))
      .force("collide", d3.forceCollide(function (n) { return n.r + 2; }))
      .stop();
    for (var i = 0; i < 300; i++) sim.tick();
    function place() {
      var pad = 20, minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
      nodes.forEach(function (n) { minX = Math.min(minX, n.x); maxX = Math.max(maxX, n.x); minY = Math.min(minY, n.y); maxY = Math.max(maxY, n.y); });
      var s = Math.min(1.6, (w - 2 * pad - (small ? 40 : 140)) / Math.max(1, maxX - minX), (h - 2 * pad) / Math.max(1, maxY - minY));
      var cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
      view.setAttribute("transform", "scale(" + s + ") translate(" + (-cx - (small ? 0 : 40 / s)) + "," + (-cy) + ")");
      lines.forEach(function (el, i) {
        var l = links[i];
        el.setAttribute("x1", l.source.x); el.setAttribute("y1", l.source.y);
        el.setAttribute("x2", l.target.x); el.setAttribute("y2", l.target.y);
      });
      groups.forEach(function (g, i) { g.setAttribute("transform", "translate(" + nodes[i].x + "," + nodes[i].y + ")"); });
    }
    place();
    // drag a node to move it
    groups.forEach(function (g, i) {
      var n = nodes[i], moved = false;
      g.addEventListener("pointerdown", function (ev) {
        var ctm = view.getScreenCTM().inverse(), start = { x: ev.clientX, y: ev.clientY };
        moved = false;
        function move(e) {
          if (Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) < 4) return;
          moved = true;
          var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY; p = p.matrixTransform(ctm);
          n.x = p.x; n.y = p.y; place();
        }
        function up() { window.removeEventListener("pointermove", move); window.removeEventListener("pointerup", up); }
        window.addEventListener("pointermove", move); window.addEventListener("pointerup", up);
      });
      g.addEventListener("click", function (e) { if (moved) e.preventDefault(); });
    });
  }
  document.getElementById("country").addEventListener("change", draw);
  document.querySelectorAll("input[name=kind]").forEach(function (c) { c.addEventListener("change", draw); });
  draw();
})();
