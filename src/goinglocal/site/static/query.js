// A minimal SPARQL page for `goinglocal serve`'s read-only endpoint.
(function () {
  var script = document.currentScript, endpoint = script.getAttribute("data-endpoint"), root = script.getAttribute("data-root");
  var box = document.getElementById("sparql"), out = document.getElementById("query-result"), status = document.getElementById("query-status");
  var params = new URLSearchParams(location.search);
  if (params.get("query")) box.value = params.get("query");
  var ID = "https://w3id.org/goinglocal/id/", ONT = "https://w3id.org/goinglocal/ontology#";
  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri" && (term.value.indexOf(ID) === 0 || term.value.indexOf(ONT) === 0)) {
      var a = document.createElement("a");
      a.href = term.value.indexOf(ID) === 0 ? root + "id/" + term.value.slice(ID.length) + "/" : root + "ontology/#" + term.value.slice(ONT.length);
      a.textContent = term.value.indexOf(ID) === 0 ? term.value.slice(ID.length) : "gl:" + term.value.slice(ONT.length);
      td.appendChild(a);
    } else td.textContent = term.value;
    return td;
  }
  function run(ev) {
    if (ev) ev.preventDefault();
    status.textContent = "running…"; out.innerHTML = "";
    var started = performance.now();
    fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json" },
                      body: new URLSearchParams({ query: box.value }) })
      .then(function (r) { return r.ok ? r.json() : r.text().then(function (t) { throw new Error(t || r.statusText); }); })
      .then(function (res) {
        var vars = res.head.vars || [], rows = (res.results && res.results.bindings) || [];
        var table = document.createElement("table"), head = document.createElement("tr");
        vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
        var thead = document.createElement("thead"); thead.appendChild(head); table.appendChild(thead);
        var body = document.createElement("tbody");
        rows.forEach(function (b) { var tr = document.createElement("tr"); vars.forEach(function (v) { tr.appendChild(cell(b[v])); }); body.appendChild(tr); });
        table.appendChild(body); out.appendChild(table);
        status.textContent = rows.length + " rows in " + Math.round(performance.now() - started) + " ms";
      })
      .catch(function (e) { status.textContent = "The query could not run here: " + e.message + " (start `goinglocal serve` and open this page from it)."; });
  }
  document.getElementById("query-form").addEventListener("submit", run);
  if (params.get("query") && location.protocol !== "file:") run();
})();
