// The Analyse page: sends the gene list to static/analyse-worker.js and shows its ranking.
// ?genes=TP53,STAT3&organism=Homo+sapiens in the address runs the analysis on load, so a result
// can be shared as a link. No dependencies; nothing is fetched from elsewhere.
(function () {
  "use strict";

  var PAGE_SIZE = 25; // rows named (titles fetched) at a time
  var FIRST_ROWS = 10; // of the first page, shown as soon as they are named (each may need a docs file)
  var DEFAULT_ORGANISM = "Homo sapiens";
  var FAILED = "The analysis failed: part of its data could not be loaded. Please try again.";

  var form = document.getElementById("analyse-form");
  if (!form || !window.Worker || !window.fetch || !window.URLSearchParams) return;
  var textarea = document.getElementById("analyse-genes");
  var select = document.getElementById("analyse-organism");
  var status = document.getElementById("analyse-status");
  var problems = document.getElementById("analyse-problems");
  var output = document.getElementById("analyse-output");
  var caption = document.getElementById("analyse-caption");
  var body = document.querySelector("#analyse-results tbody");
  var more = document.getElementById("analyse-more");
  var download = document.getElementById("analyse-download");
  var base = new URL(form.getAttribute("data-index"), document.baseURI).href;
  var root = form.getAttribute("data-root") || "";
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "en");

  var worker = new Worker(new URL(form.getAttribute("data-worker"), document.baseURI).href);
  var pending = new Map(), nextId = 0;
  worker.onmessage = function (event) {
    var done = pending.get(event.data.id);
    pending.delete(event.data.id);
    if (done) event.data.ok ? done.resolve(event.data.result) : done.reject(new Error(event.data.error));
  };
  function ask(message) {
    message.id = ++nextId;
    message.base = base;
    return new Promise(function (resolve, reject) {
      pending.set(message.id, { resolve: resolve, reject: reject });
      worker.postMessage(message);
    });
  }

  var current = null; // the shown result
  var latest = 0;

  function say(text) {
    status.textContent = text;
  }

  function plural(count, one, many) {
    return numbers.format(count) + " " + (count === 1 ? one : many);
  }

  function formatP(value) {
    if (value === 0) return "< 1e-300";
    if (value >= 0.001) return value.toPrecision(3).replace(/\.?0+$/, "");
    return value.toExponential(2).replace("e", "e");
  }

  function formatOdds(value) {
    return value === Infinity ? "∞" : value.toPrecision(3).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  }

  function figid(url) {
    return url.replace(/^figures\//, "").replace(/\.html$/, "");
  }

  // --- input problems -------------------------------------------------------------------------
  function listProblem(heading, items) {
    if (!items.length) return;
    var p = document.createElement("p");
    p.textContent = heading;
    var list = document.createElement("ul");
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    problems.appendChild(p);
    problems.appendChild(list);
  }

  function organismText(name) {
    return name ? "for " + name : "in any organism";
  }

  function showProblems(result) {
    problems.textContent = "";
    listProblem(plural(result.unknown.length, "gene is", "genes are") + " not known " + organismText(result.organism) +
      " in this collection and left out:", result.unknown);
    listProblem(plural(result.duplicates.length, "entry repeats", "entries repeat") + " a gene already in the list and is counted once:",
      result.duplicates.map(function (d) { return d.input + " (" + d.gene + ", first given as " + d.first + ")"; }));
  }

  // --- results --------------------------------------------------------------------------------
  function row(data, index, doc) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-figid", figid(doc[0]));
    tr.setAttribute("data-p", String(data.p));
    tr.setAttribute("data-fdr", String(data.q));
    tr.setAttribute("data-k", String(data.k));
    tr.setAttribute("data-n", String(data.n));
    tr.setAttribute("data-odds", String(data.odds));
    function cell(text, className) {
      var td = document.createElement("td");
      if (className) td.className = className;
      if (text !== null) td.textContent = text;
      tr.appendChild(td);
      return td;
    }
    cell(numbers.format(index + 1));
    var title = cell(null, "w");
    var link = document.createElement("a");
    link.href = root + doc[0];
    link.textContent = doc[1] || figid(doc[0]);
    title.appendChild(link);
    if (doc[2]) title.appendChild(document.createTextNode(" (" + doc[2] + ")"));
    cell(data.k + " of " + data.n);
    cell(data.genes.join(", "), "w g");
    cell(formatP(data.p));
    cell(formatP(data.q));
    cell(formatOdds(data.odds));
    return tr;
  }

  function showRows(result, rows, docs, start, moreToCome) {
    var fragment = document.createDocumentFragment();
    docs.forEach(function (doc, i) { fragment.appendChild(row(rows[i], start + i, doc)); });
    body.appendChild(fragment);
    more.hidden = moreToCome || body.children.length >= result.total;
  }

  // rows start .. start + count of the shown result, named (the worker keeps the ranking)
  function rowsOf(result, start, count) {
    return ask({ type: "rows", analysis: result.analysis, start: start, count: count });
  }

  function showMore() {
    var result = current, start = body.children.length;
    return rowsOf(result, start, PAGE_SIZE).then(function (more) {
      if (result !== current) return;
      showRows(result, more.rows, more.docs, start);
      if (body.children[start]) body.children[start].querySelector("a").focus();
    }).catch(function () { say(FAILED); });
  }

  function tsvCell(value) {
    return String(value).replace(/[\t\r\n]+/g, " ");
  }

  function saveTsv() {
    var result = current;
    if (!result) return;
    return rowsOf(result, 0, result.total).then(function (all) {
      var docs = all.docs;
      var lines = [["rank", "figid", "title", "year", "url", "overlap", "figure_genes", "query_genes", "background_genes",
        "p_value", "fdr_bh", "odds_ratio", "overlapping_genes"].join("\t")];
      all.rows.forEach(function (r, i) {
        lines.push([i + 1, figid(docs[i][0]), docs[i][1], docs[i][2], new URL(root + docs[i][0], document.baseURI).href,
          r.k, r.n, result.query, result.background, r.p, r.q, r.odds === Infinity ? "inf" : r.odds, r.genes.join(",")].map(tsvCell).join("\t"));
      });
      var blob = new Blob([lines.join("\n") + "\n"], { type: "text/tab-separated-values" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "pfocr-analysis-" + (result.organism || "all").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase() + ".tsv";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }).catch(function () { say(FAILED); });
  }

  function summary(result) {
    var text = plural(result.query, "gene", "genes") + " of your list " + (result.query === 1 ? "is" : "are") + " known " +
      organismText(result.organism) + " (background: " + plural(result.background, "gene", "genes") + " in " +
      plural(result.tested, "figure", "figures") + "). ";
    if (!result.total) return text + "No figure holds any of them.";
    return text + plural(result.total, "figure holds", "figures hold") + " at least one of them, best match first.";
  }

  // --- running --------------------------------------------------------------------------------
  function genesParam(text) {
    return text.split(/[\s,;]+/).filter(Boolean).join(",");
  }

  function updateUrl() {
    var params = new URLSearchParams();
    var genes = genesParam(textarea.value);
    if (genes) params.set("genes", genes);
    params.set("organism", select.value);
    history.replaceState(history.state, "", location.pathname + "?" + params.toString() + location.hash);
  }

  function clear() {
    current = null;
    body.textContent = "";
    output.hidden = true;
    problems.textContent = "";
  }

  function run() {
    var number = ++latest;
    updateUrl();
    if (!genesParam(textarea.value)) {
      clear();
      say("The gene list is empty: paste gene symbols or NCBI Gene IDs, then choose Analyse.");
      return Promise.resolve();
    }
    say("Analysing…");
    output.setAttribute("aria-busy", "true");
    return ask({ type: "analyse", genes: textarea.value, organism: select.value, docs: FIRST_ROWS, ahead: PAGE_SIZE - FIRST_ROWS }).then(function (result) {
      if (number !== latest) return;
      clear();
      current = result;
      output.setAttribute("data-timing", JSON.stringify(result.timing));
      showProblems(result);
      if (!result.query) {
        output.removeAttribute("aria-busy");
        say("None of the genes in your list is known " + organismText(result.organism) + " in this collection. " +
          "Check the organism, or use official gene symbols or NCBI Gene IDs.");
        return;
      }
      caption.textContent = "Figures holding genes of your list, " + (result.organism || "all organisms") + ", by p-value";
      output.hidden = !result.total;
      var rest = Math.min(result.total, PAGE_SIZE) - FIRST_ROWS;
      showRows(result, result.rows, result.docs, 0, rest > 0);
      say(summary(result));
      if (rest <= 0) return output.removeAttribute("aria-busy");
      return rowsOf(result, FIRST_ROWS, rest).then(function (next) { // the rest of the first page
        if (result !== current) return;
        showRows(result, next.rows, next.docs, FIRST_ROWS, false);
        output.removeAttribute("aria-busy");
      });
    }).catch(function () {
      if (number !== latest) return;
      output.removeAttribute("aria-busy");
      say(FAILED);
    });
  }

  // --- fetching ahead -------------------------------------------------------------------------
  // A worker takes a while to start, so the page itself fetches the files an analysis of the
  // list will need as soon as it has the manifest (the sizes, the organism's figures, the
  // shards of the list's keys), and hands them over; the worker is told first which will come.
  function shardOf(table, key) { // as static/analyse-worker.js finds a key's shard
    var low = 0, high = table.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (table[middle][0] <= key) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function fetchAhead(analysis, genes, organism) {
    var names = new Set(["analysis/" + analysis.sizes + ".bin"]);
    analysis.organisms.forEach(function (row) { if (row[0] === organism) names.add("analysis/" + row[3] + ".bin"); });
    genes.split(/[\s,;]+/).filter(Boolean).forEach(function (token) {
      var index = shardOf(analysis.genes, /^\d+$/.test(token) ? token : token.toUpperCase());
      if (index >= 0) names.add("analysis/" + analysis.genes[index][1] + ".bin");
    });
    var urls = Array.from(names, function (name) { return new URL(name, base).href; });
    var search = new URL("manifest.json", base).href; // for the titles: first, before the shards queue up
    ask({ type: "prepare", analysis: analysis, files: [search].concat(urls) }).catch(function () { /* the analysis reports it */ });
    [search].concat(urls).forEach(function (url) {
      fetch(url, url === search ? { cache: "no-cache" } : undefined).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return url === search ? response.json() : response.arrayBuffer();
      }).then(function (data) {
        worker.postMessage({ type: "file", url: url, data: data }, url === search ? [] : [data]);
      }, function (error) {
        worker.postMessage({ type: "file", url: url, error: String(error && error.message || error) });
      });
    });
  }

  function start(analysis) {
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "All organisms (" + plural(analysis.all[0], "figure", "figures") + ")";
    select.appendChild(all);
    analysis.organisms.slice().sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }).forEach(function (row) {
      var option = document.createElement("option");
      option.value = row[0];
      option.textContent = row[0] + " (" + plural(row[1], "figure", "figures") + ")";
      select.appendChild(option);
    });
    var known = function (name) { return name === "" || analysis.organisms.some(function (row) { return row[0] === name; }); };
    var params = new URLSearchParams(location.search);
    if (known(params.get("organism"))) select.value = params.get("organism");
    else if (known(DEFAULT_ORGANISM)) select.value = DEFAULT_ORGANISM;
    textarea.value = (params.get("genes") || "").split(",").filter(Boolean).join("\n");
    fetchAhead(analysis, textarea.value, select.value);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    more.addEventListener("click", showMore);
    download.addEventListener("click", saveTsv);
    form.hidden = false;
    if (params.has("genes")) return run();
    say("Paste a gene list and choose Analyse. " + plural(analysis.all[0], "figure", "figures") + " with genes to match.");
  }

  var ready = fetch(new URL("analysis.json", base).href, { cache: "no-cache" }).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(start, function () {
    say(location.protocol === "file:"
      ? "The analysis works when the site is served over HTTP (for example with site-builder serve), not from files opened directly."
      : "The analysis is not available: its data could not be loaded.");
  });

  window.siteAnalyse = { ready: ready, run: run };
})();
