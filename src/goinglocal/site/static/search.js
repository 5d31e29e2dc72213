// Client-side search over labels and alternative labels, accent- and
// case-insensitive (the index's keys are normalised the same way in Python).
(function () {
  var script = document.currentScript, root = script.getAttribute("data-root") || "./";
  var input = document.getElementById("q"), list = document.getElementById("results");
  var entries = window.GL_SEARCH || [];
  function norm(s) { return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim(); }
  function score(e, q) {
    var best = -1;
    e.keys.forEach(function (k) {
      var s = k === q ? 3 : k.indexOf(q) === 0 ? 2 : (" " + k).indexOf(" " + q) >= 0 ? 1.5 : k.indexOf(q) >= 0 ? 1 : -1;
      if (s > best) best = s;
    });
    return best;
  }
  function show() {
    var q = norm(input.value);
    list.innerHTML = "";
    if (q.length < 2) return;
    var hits = [];
    entries.forEach(function (e) { var s = score(e, q); if (s >= 0) hits.push([s, e]); });
    hits.sort(function (a, b) { return b[0] - a[0] || a[1].label.localeCompare(b[1].label); });
    hits.slice(0, 30).forEach(function (h) {
      var e = h[1], li = document.createElement("li"), a = document.createElement("a");
      a.href = root + e.href;
      a.textContent = e.label;
      var meta = document.createElement("span");
      meta.className = "meta";
      var bits = [].concat(e.types || []);
      if (e.country && e.country !== e.label) bits.push(e.country);
      var alts = (e.alt_labels || []).filter(function (x) { return x !== e.label; });
      if (alts.length) bits.push("also " + alts.slice(0, 3).join(", "));
      meta.textContent = bits.length ? " — " + bits.join(" · ") : "";
      a.appendChild(meta);
      li.appendChild(a);
      list.appendChild(li);
    });
    if (!hits.length) { var li = document.createElement("li"); li.className = "muted"; li.style.padding = ".45rem .8rem"; li.textContent = "Nothing found."; list.appendChild(li); }
  }
  input.addEventListener("input", show);
  if (input.value) show();
})();
