/* Figure pages: "Related figures" and "Cite this figure" (progressive enhancement).
   - Related figures: the 10 figures whose genes overlap this figure's genes most significantly
     (the Analyse page's hypergeometric test, static/analyse-worker.js, with the figure's gene
     symbols as the query and the figure's organism as the background; the figure itself left out).
   - Cite this figure: plain text, BibTeX and RIS citations of the source paper with the figure's
     URL, each with a copy button and a download. Everything comes from the page: the JSON-LD
     Dataset (figure title and URL, PMCID, the paper's title, DOI, journal and year) and the
     visible reference text (authors, volume, issue, pages), so 100k pages carry no extra bytes.
   Both sections are made here: a page without JavaScript has neither. */
(function () {
  "use strict";

  var RELATED = 10;
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) return;
  var root = new URL("../", script.src);
  var page = document.querySelector("article.fig");
  if (!page) return;

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("static/figure-tools.css", root).href;
  document.head.appendChild(style);

  function element(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function section(id, heading) {
    var node = element("section", { id: id, "aria-labelledby": "h-" + id });
    node.appendChild(element("h2", { id: "h-" + id }, heading));
    return node;
  }

  function pageFigid() {
    var last = location.pathname.split("/").pop() || "";
    return decodeURIComponent(last.replace(/\.html$/, ""));
  }

  // --- the record, as the page shows it ---------------------------------------------------------
  function dataset() {
    var found = null;
    document.querySelectorAll('script[type="application/ld+json"]').forEach(function (node) {
      try {
        var data = JSON.parse(node.textContent);
        (data["@graph"] || [data]).forEach(function (item) { if (item["@type"] === "Dataset") found = item; });
      } catch (error) { /* not ours */ }
    });
    return found || {};
  }

  // the paper's PMCID: an identifier of the citation (older pages: of the dataset)
  function pmcid(data) {
    var ids = [].concat((data.citation || {}).identifier || [], data.identifier || []);
    for (var i = 0; i < ids.length; i++) {
      if (typeof ids[i] === "string" && /^PMC\d+$/.test(ids[i])) return ids[i];
      if (ids[i] && ids[i].propertyID === "PMCID") return ids[i].value;
    }
    return "";
  }

  // "Marie W. Wooten, Jane Doe, et al. Mol Cell Biol. 2001 Dec;21(24):8414-8427."
  // (the journal is read from it for records without journal_title: most older PFOCR records)
  function parseReference(text) {
    var out = { authors: [], others: false, journal: "", volume: "", issue: "", pages: "" };
    if (!text) return out;
    var etAl = text.search(/,?\s+et al\.?/);
    var names = etAl >= 0 ? text.slice(0, etAl) : text.slice(0, authorsEnd(text));
    out.others = etAl >= 0;
    out.authors = names.split(/,\s*/).map(function (name) { return name.trim(); }).filter(Boolean);
    var rest = etAl >= 0 ? text.slice(etAl).replace(/^,?\s+et al\.?\s*/, "") : text.slice(names.length).replace(/^\.\s*/, "");
    var journal = /^([^;]+?)\.\s*(?:\d{4}\b|;)/.exec(rest);  // up to ". 2001" or ". ;" (no year)
    out.journal = journal ? journal[1].trim() : "";
    var numbers = /;\s*([^():;\s]+)(?:\(([^)]+)\))?(?::\s*([^;.\s]+(?:\.[^;.\s]+)*))?/.exec(text);
    if (numbers) {
      out.volume = numbers[1] || "";
      out.issue = numbers[2] || "";
      out.pages = (numbers[3] || "").replace(/\.$/, "");
    }
    return out;
  }

  // Where the authors of "George M. Strain, Ann Li. Front Vet Sci. 2015;2:29." end: before the
  // journal, the part ahead of ". 2015" (or ". ;" without a year), not at an initial's ". ".
  // Journal abbreviations (NLM's) hold no ". ". Without a year: at the first ". ".
  function authorsEnd(text) {
    var stops = [], found, pattern = /\.\s+/g;
    while ((found = pattern.exec(text))) stops.push([found.index, pattern.lastIndex]);
    for (var i = 1; i < stops.length; i++) {
      if (/^(?:\d{4}\b|;)/.test(text.slice(stops[i][1]))) return stops[i - 1][0];
    }
    return stops.length ? stops[0][0] : text.length;
  }

  // "Marie W. Wooten" -> ["Wooten", "Marie W."]
  function nameParts(name) {
    var words = name.split(/\s+/);
    return words.length > 1 ? [words[words.length - 1], words.slice(0, -1).join(" ")] : [name, ""];
  }

  function citationData() {
    var data = dataset(), paper = data.citation || {};
    var reference = (document.querySelector(".side .cite") || {}).textContent || "";
    var shownTitle = (document.querySelector(".side .pt") || {}).textContent || "";
    var doi = (paper["@id"] || "").replace(/^https:\/\/doi\.org\//, "");
    var parsed = parseReference(reference.trim());
    return {
      figid: pageFigid(),
      figureTitle: data.name || document.querySelector("h1").textContent,
      url: data.url || (document.querySelector('link[rel="canonical"]') || {}).href || location.href,
      site: (data.includedInDataCatalog || {}).name || "",
      title: (paper.name || shownTitle).trim().replace(/\.$/, ""),
      journal: ((paper.isPartOf || {}).name || parsed.journal).trim(),
      year: paper.datePublished || "",
      doi: doi === paper["@id"] ? "" : doi,
      pmcid: pmcid(data),
      reference: reference.trim(),
      authors: parsed.authors, others: parsed.others,
      volume: parsed.volume, issue: parsed.issue, pages: parsed.pages,
    };
  }

  function plainText(c) {
    var parts = [];
    var authors = c.authors.join(", ") + (c.others ? ", et al." : "");
    if (authors) parts.push(authors.replace(/\.?$/, "."));
    if (c.title) parts.push(c.title + ".");
    var where = c.journal;
    if (c.year) where += (where ? ". " : "") + c.year;
    if (c.volume) where += (where ? ";" : "") + c.volume + (c.issue ? "(" + c.issue + ")" : "") + (c.pages ? ":" + c.pages : "");
    if (where) parts.push(where + ".");
    if (c.doi) parts.push("doi:" + c.doi + ".");
    if (c.pmcid) parts.push("PMCID: " + c.pmcid + ".");
    parts.push("Figure: " + c.figureTitle.replace(/\.?$/, ".") + (c.site ? " " + c.site + "." : "") + " " + c.url);
    return parts.join(" ");
  }

  function bibEscape(text) {
    return text.replace(/[\\{}]/g, function (c) { return c === "\\" ? "\\textbackslash{}" : "\\" + c; })
      .replace(/[&%$#_]/g, "\\$&").replace(/~/g, "\\textasciitilde{}").replace(/\^/g, "\\textasciicircum{}");
  }

  function verbatim(text) { // url and doi fields are read verbatim: only braces would break them
    return text.replace(/[{}]/g, encodeURIComponent);
  }

  function bibtex(c) {
    var fields = [];
    function add(name, value) { if (value) fields.push("  " + name + " = {" + value + "}"); }
    var authors = c.authors.map(function (name) {
      var parts = nameParts(name);
      return bibEscape(parts[1] ? parts[0] + ", " + parts[1] : parts[0]);
    });
    if (c.others) authors.push("others");
    add("title", bibEscape(c.title));
    add("author", authors.join(" and "));
    add("journal", bibEscape(c.journal));
    add("year", bibEscape(c.year));
    add("volume", bibEscape(c.volume));
    add("number", bibEscape(c.issue));
    add("pages", bibEscape(c.pages).replace(/-+/, "--"));
    add("doi", verbatim(c.doi));
    add("note", bibEscape((c.pmcid ? "PMCID: " + c.pmcid + ". " : "") + "Figure: " + c.figureTitle + (c.site ? ", " + c.site : "")));
    add("url", verbatim(c.url));
    var key = (c.pmcid || c.figid).replace(/[^A-Za-z0-9_-]+/g, "") || "figure";
    return "@article{" + key + ",\n" + fields.join(",\n") + "\n}\n";
  }

  function ris(c) {
    var lines = ["TY  - JOUR"];
    function add(tag, value) { if (value) lines.push(tag + "  - " + value.replace(/\s+/g, " ")); }
    add("TI", c.title);
    c.authors.forEach(function (name) {
      var parts = nameParts(name);
      add("AU", parts[1] ? parts[0] + ", " + parts[1] : parts[0]);
    });
    add("JO", c.journal);
    add("PY", c.year);
    add("VL", c.volume);
    add("IS", c.issue);
    var pages = c.pages.split("-");
    add("SP", pages[0]);
    add("EP", pages[1] || "");
    add("DO", c.doi);
    add("C2", c.pmcid);
    add("UR", c.url);
    add("N1", "Figure: " + c.figureTitle + (c.site ? ", " + c.site : ""));
    lines.push("ER  - ");
    return lines.join("\r\n") + "\r\n";
  }

  // --- copy and download ----------------------------------------------------------------------
  function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = document.execCommand("copy");
    selection.removeAllRanges();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function citeSection() {
    var c = citationData();
    if (!c.title && !c.reference && !c.doi && !c.pmcid) return null;
    var node = section("cite", "Cite this figure");
    var status = element("p", { class: "m cite-status", role: "status" });
    [
      ["Plain text", "txt", "text/plain", plainText(c) + "\n", true],
      ["BibTeX", "bib", "application/x-bibtex", bibtex(c), false],
      ["RIS", "ris", "application/x-research-info-systems", ris(c), false],
    ].forEach(function (format) {
      var label = format[0], text = format[3];
      var details = element("details", { class: "cite-format" });
      if (format[4]) details.open = true;
      details.appendChild(element("summary", {}, label));
      var pre = element("pre", { tabindex: "0", "aria-label": label + " citation", "data-format": format[1] }, text);
      details.appendChild(pre);
      var actions = element("p", { class: "cite-actions" });
      var copy = element("button", { type: "button" }, "Copy " + label);
      copy.addEventListener("click", function () {
        copyText(text, pre).then(function () { status.textContent = label + " citation copied."; },
          function () { status.textContent = "Could not copy: select the " + label + " text and copy it yourself."; });
      });
      var link = element("a", { href: URL.createObjectURL(new Blob([text], { type: format[2] })), download: c.figid + "." + format[1] },
        "Download ." + format[1]);
      actions.appendChild(copy);
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(link);
      details.appendChild(actions);
      node.appendChild(details);
    });
    node.appendChild(status);
    return node;
  }

  // --- related figures ------------------------------------------------------------------------
  function formatP(value) {
    return value >= 0.001 ? value.toPrecision(2) : value.toExponential(1);
  }

  function relatedSection() {
    var genes = Array.prototype.map.call(document.querySelectorAll("ul.genes li"), function (li) { return li.textContent.trim(); })
      .filter(Boolean);
    if (!genes.length || !window.Worker) return null;
    var node = section("related", "Related figures");
    var status = element("p", { class: "m", role: "status" }, "Finding figures that share this figure's genes…");
    node.appendChild(status);
    var organisms = Array.prototype.map.call(document.querySelectorAll(".orgs li"), function (li) { return li.textContent.trim(); });
    var base = new URL("search/", root).href;
    startWorker(); // it starts while the manifest loads
    fetch(new URL("analysis.json", base).href, { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (analysis) {
      // the page's organisms that the analysis knows, else all organisms
      var known = analysis.organisms.map(function (row) { return row[0]; });
      var candidates = organisms.filter(function (name) { return known.indexOf(name) >= 0; }).slice(0, 2).concat([""]);
      fetchAhead(base, analysis, genes, candidates[0]);
      var exclude = "figures/" + pageFigid() + ".html";
      function attempt(index) {
        return ask(base, { type: "analyse", genes: genes.join(" "), organism: candidates[index], docs: RELATED, exclude: exclude })
          .then(function (result) { return result.docs.length || index === candidates.length - 1 ? result : attempt(index + 1); });
      }
      return attempt(0).then(function (result) {
        worker.terminate(); // its caches are not needed any more
        worker = null;
        showRelated(node, status, result, genes);
      });
    }).catch(function () {
      status.textContent = location.protocol === "file:"
        ? "Related figures show when the site is served over HTTP, not from files opened directly."
        : "Related figures could not be loaded.";
    });
    return node;
  }

  var worker = null, asked = 0, pending = new Map();

  function startWorker() {
    if (worker) return;
    worker = new Worker(new URL("static/analyse-worker.js", root).href);
    worker.onmessage = function (event) {
      var done = pending.get(event.data.id);
      pending.delete(event.data.id);
      if (done) event.data.ok ? done.resolve(event.data.result) : done.reject(new Error(event.data.error));
    };
  }

  // The page fetches the files the analysis will need (the sizes, the organism's figures, the
  // shards of the genes' keys) and hands them to the worker, which takes a while to start: as
  // static/analyse.js does.
  function shardOf(table, key) { // as static/analyse-worker.js finds a key's shard
    var low = 0, high = table.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (table[middle][0] <= key) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function fetchAhead(base, analysis, genes, organism) {
    var names = new Set(["analysis/" + analysis.sizes + ".bin"]);
    analysis.organisms.forEach(function (row) { if (row[0] === organism) names.add("analysis/" + row[3] + ".bin"); });
    genes.join(" ").split(/[\s,;]+/).filter(Boolean).forEach(function (token) { // the worker's tokens
      var index = shardOf(analysis.genes, /^\d+$/.test(token) ? token : token.toUpperCase());
      if (index >= 0) names.add("analysis/" + analysis.genes[index][1] + ".bin");
    });
    var urls = Array.from(names, function (name) { return new URL(name, base).href; });
    var search = new URL("manifest.json", base).href; // for the titles: first, before the shards queue up
    ask(base, { type: "prepare", analysis: analysis, files: [search].concat(urls) }).catch(function () { /* the analysis reports it */ });
    [search].concat(urls).forEach(function (url) {
      fetch(url, url === search ? { cache: "no-cache" } : undefined).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return url === search ? response.json() : response.arrayBuffer();
      }).then(function (data) {
        if (worker) worker.postMessage({ type: "file", url: url, data: data }, url === search ? [] : [data]);
      }, function (error) {
        if (worker) worker.postMessage({ type: "file", url: url, error: String(error && error.message || error) });
      });
    });
  }

  function ask(base, message) {
    startWorker();
    message.id = ++asked;
    message.base = base;
    return new Promise(function (resolve, reject) {
      pending.set(message.id, { resolve: resolve, reject: reject });
      worker.postMessage(message);
    });
  }

  function showRelated(node, status, result, genes) {
    if (!result.docs.length) {
      status.textContent = "No other figure shares genes with this one.";
      return;
    }
    status.textContent = "Figures sharing the most significant number of genes with this one (hypergeometric test, " +
      (result.organism || "all organisms") + ").";
    var list = element("ol", { class: "related" });
    result.docs.forEach(function (doc, i) {
      var row = result.rows[i];
      var item = element("li", { "data-p": String(row.p) });
      item.appendChild(element("a", { href: new URL(doc[0], root).href }, doc[1] || doc[0]));
      item.appendChild(element("span", { class: "m" },
        (doc[2] ? " " + doc[2] + " · " : " ") + row.k + " shared " + (row.k === 1 ? "gene" : "genes") + " · p = " + formatP(row.p)));
      list.appendChild(item);
    });
    node.appendChild(list);
    var more = element("p", { class: "m" });
    var params = new URLSearchParams({ genes: genes.join(","), organism: result.organism });
    more.appendChild(element("a", { href: new URL("analyse.html?" + params.toString(), root).href }, "Analyse this figure's genes"));
    node.appendChild(more);
  }

  // for tests: the citation formats of any record
  window.figureTools = { parseReference: parseReference, plainText: plainText, bibtex: bibtex, ris: ris, citationData: citationData };

  var side = page.querySelector(".side"), main = page.querySelector(".main");
  var cite = citeSection();
  if (cite && side) {
    var paper = side.querySelector('section[aria-labelledby="h-paper"]');
    side.insertBefore(cite, paper ? paper.nextSibling : side.firstChild);
  }
  var related = relatedSection();
  if (related && main) main.appendChild(related);
})();
