// The map: Natural Earth countries (TopoJSON, vendored) as the only base
// layer, and a circle per place sized by what concerns it.
(function () {
  var script = document.currentScript, root = script.getAttribute("data-root");
  var map = L.map("map", { worldCopyJump: false, minZoom: 1, maxZoom: 9, zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth · Leaflet");
  var points = window.GL_MAP || [];
  function bounds(side) {
    return L.latLngBounds(points.filter(function (p) { return !side || p.side === side; })
                                .map(function (p) { return [p.lat, p.long]; })).pad(0.05);
  }
  // a tall window shows one side at a time: both sides at once leave the places tiny
  var portrait = window.innerHeight > window.innerWidth;
  map.fitBounds(bounds(portrait ? "lac" : null));
  document.querySelectorAll("[data-view]").forEach(function (b) {
    b.addEventListener("click", function () { map.flyToBounds(bounds(b.getAttribute("data-view") || null), { duration: 0.6 }); });
  });
  fetch(script.getAttribute("data-world")).then(function (r) { return r.json(); }).then(function (world) {
    var countries = topojson.feature(world, world.objects.countries);
    L.geoJSON(countries, { interactive: false, style: { color: "#9aabb8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map).bringToBack();
  });
  var layer = L.layerGroup().addTo(map);
  var small = Math.min(window.innerWidth, window.innerHeight) < 600, k = small ? 1.5 : 2.2;
  points.slice().sort(function (a, b) { return b.total - a.total; }).forEach(function (p) {
    var colour = p.side === "china" ? "#c0392b" : p.side === "lac" ? "#1b6ca8" : "#7f8c8d";
    var r = p.total ? 3 + k * Math.sqrt(p.total) : 3;
    // a country's circle sums everything inside it: drawn as a ring so the places inside stay visible
    var country = p.kind === "country";
    var m = L.circleMarker([p.lat, p.long], country
      ? { radius: r, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.06, className: "gl-marker gl-country" }
      : { radius: r, color: "#fff", weight: 1, fillColor: colour, fillOpacity: p.total ? 0.85 : 0.35, className: "gl-marker" });
    var html = '<a href="' + root + p.href + '">' + p.label.replace(/</g, "&lt;") + '</a><br><span class="muted">' + p.kind + '</span><br>' +
      p.engagements + ' engagements · ' + p.agreements + ' agreements · ' + p.projects + ' projects';
    m.bindPopup(html, { autoPanPaddingTopLeft: L.point(56, 40), autoPanPaddingBottomRight: L.point(20, 20) });
    m.bindTooltip(p.label);
    m.addTo(layer);
    m.getElement().setAttribute("data-iri", p.iri);
  });
})();
