/* The findings explorer: a passage table (filter, search, sort, CSV) over the inlined JSON,
   the interactive heatmap (Plotly, inlined) wired to it, and a CSV link under every table.
   Offline by construction: nothing here loads a file or calls a server. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("passages-data").textContent);
  var cols = data.columns;
  var C = {};
  cols.forEach(function (c, i) { C[c] = i; });
  var labels = {};
  data.themes.forEach(function (t) { labels[t[0]] = t[1]; });
  var LIMIT = 300;
  var state = { sort: "passage_id", asc: true, limit: LIMIT };
  var el = function (id) { return document.getElementById(id); };

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text; select.appendChild(o);
  }
  function distinct(column) {
    var seen = {}, out = [];
    data.rows.forEach(function (r) {
      var v = String(r[C[column]]);
      if (!seen[v]) { seen[v] = true; out.push(v); }
    });
    return out.sort();
  }
  function fill(id, column, text) {
    var select = el(id);
    option(select, "", "all 全部");
    distinct(column).forEach(function (v) { option(select, v, text ? text(v) : v); });
  }
  var titleOf = {};
  data.rows.forEach(function (r) { titleOf[r[C.doc_id]] = r[C.title]; });
  fill("ex-theme", "theme", function (v) { return labels[v] || v; });
  fill("ex-locality", "locality");
  fill("ex-doc", "doc_id", function (v) { return titleOf[v] + " (" + v + ")"; });
  fill("ex-year", "year");

  function filtered() {
    var theme = el("ex-theme").value, loc = el("ex-locality").value;
    var doc = el("ex-doc").value, year = el("ex-year").value;
    var pmin = parseFloat(el("ex-pmin").value) || 0;
    var q = el("ex-search").value.trim();
    var rows = data.rows.filter(function (r) {
      return (!theme || r[C.theme] === theme) && (!loc || r[C.locality] === loc) &&
        (!doc || r[C.doc_id] === doc) && (!year || String(r[C.year]) === year) &&
        r[C.p] >= pmin &&
        (!q || r[C.text].indexOf(q) >= 0 || r[C.title].indexOf(q) >= 0 ||
         r[C.section_path].indexOf(q) >= 0);
    });
    var k = C[state.sort], sign = state.asc ? 1 : -1;
    rows.sort(function (a, b) {
      var x = a[k], y = b[k];
      if (x === y) { return a[C.passage_id] < b[C.passage_id] ? -1 : 1; }
      return (typeof x === "number" ? x - y : String(x).localeCompare(String(y), "zh")) * sign;
    });
    return rows;
  }

  function mark(text, q) {
    var span = document.createElement("span");
    if (!q) { span.textContent = text; return span; }
    var at = 0, i;
    while ((i = text.indexOf(q, at)) >= 0) {
      span.appendChild(document.createTextNode(text.slice(at, i)));
      var m = document.createElement("mark"); m.textContent = q; span.appendChild(m);
      at = i + q.length;
    }
    span.appendChild(document.createTextNode(text.slice(at)));
    return span;
  }

  function render() {
    var rows = filtered(), body = el("ex-body"), q = el("ex-search").value.trim();
    body.textContent = "";
    rows.slice(0, state.limit).forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.passage = r[C.passage_id];
      var cells = [
        r[C.passage_id], r[C.locality], String(r[C.year]), (labels[r[C.theme]] || r[C.theme]).split(" ")[0],
        r[C.p].toFixed(2)
      ];
      cells.forEach(function (v, i) {
        var td = document.createElement("td"); td.textContent = v;
        if (i === 4) { td.className = "num"; }
        tr.appendChild(td);
      });
      var td = document.createElement("td");
      var src = document.createElement("div"); src.className = "source";
      src.textContent = "《" + r[C.title] + "》" + (r[C.section_path] ? " · " + r[C.section_path] : "");
      td.appendChild(src); td.appendChild(mark(r[C.text], q));
      tr.appendChild(td);
      body.appendChild(tr);
    });
    el("ex-count").textContent = rows.length + " of " + data.rows.length + " passages" +
      (rows.length > state.limit ? " (showing " + state.limit + ")" : "");
    el("ex-more").hidden = rows.length <= state.limit;
  }

  function csvCell(v) {
    var s = String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function download(name, lines) {
    var blob = new Blob(["\ufeff" + lines.map(function (l) {
      return l.map(csvCell).join(",");
    }).join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }

  ["ex-theme", "ex-locality", "ex-doc", "ex-year", "ex-pmin", "ex-search"].forEach(function (id) {
    el(id).addEventListener("input", function () { state.limit = LIMIT; render(); });
  });
  el("ex-reset").addEventListener("click", function () {
    ["ex-theme", "ex-locality", "ex-doc", "ex-year", "ex-search"].forEach(function (id) {
      el(id).value = "";
    });
    el("ex-pmin").value = "0"; render();
  });
  el("ex-more").addEventListener("click", function () { state.limit += LIMIT; render(); });
  document.querySelectorAll("#ex-table th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.sort;
      state.asc = state.sort === key ? !state.asc : true;
      state.sort = key;
      document.querySelectorAll("#ex-table th[data-sort]").forEach(function (h) {
        h.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", state.asc ? "ascending" : "descending");
      render();
    });
  });
  el("ex-csv").addEventListener("click", function () {
    download("passages.csv", [cols].concat(filtered()));
  });

  /* Every other table: a CSV link below it, built from its cells. */
  document.querySelectorAll("main table, section table").forEach(function (table, n) {
    if (table.id === "ex-table") { return; }
    var a = document.createElement("button");
    a.type = "button"; a.className = "csv"; a.textContent = "CSV ⤓";
    a.addEventListener("click", function () {
      var lines = [];
      table.querySelectorAll("tr").forEach(function (tr) {
        var line = [];
        tr.querySelectorAll("th, td").forEach(function (c) { line.push(c.textContent.trim()); });
        lines.push(line);
      });
      download((table.dataset.csv || "table-" + (n + 1)) + ".csv", lines);
    });
    table.insertAdjacentElement("afterend", a);
  });

  /* The heatmap: hover lists a cell's passages, a click filters the table to them. */
  var spec = JSON.parse(el("heatmap-data").textContent);
  var div = el("heatmap-plot");
  if (window.Plotly && div) {
    window.Plotly.newPlot(div, spec.data, spec.layout, spec.config);
    var cell = function (ev) { return ev.points && ev.points[0] && ev.points[0].customdata; };
    div.on("plotly_hover", function (ev) {
      var c = cell(ev); if (!c) { return; }
      var mine = data.rows.filter(function (r) {
        return r[C.locality] === c[0] && r[C.theme] === c[1];
      });
      var box = el("heatmap-passages"); box.textContent = "";
      var h = document.createElement("b");
      h.textContent = c[0] + " · " + (labels[c[1]] || c[1]) + ": " + mine.length +
        " passages assigned (click the cell to list them all)";
      box.appendChild(h);
      mine.sort(function (a, b) { return b[C.p] - a[C.p]; }).slice(0, 5).forEach(function (r) {
        var p = document.createElement("div");
        p.textContent = r[C.p].toFixed(2) + " 《" + r[C.title] + "》 " + r[C.text].slice(0, 90);
        box.appendChild(p);
      });
    });
    div.on("plotly_click", function (ev) {
      var c = cell(ev); if (!c) { return; }
      el("ex-theme").value = c[1]; el("ex-locality").value = c[0];
      ["ex-doc", "ex-year", "ex-search"].forEach(function (id) { el(id).value = ""; });
      el("ex-pmin").value = "0"; render();
      el("explorer").scrollIntoView();
    });
  }
  render();
})();
