/* Figure pages (progressive enhancement).
   - ul.genes: each gene symbol becomes a link to its gene page (data-pages + genePage(symbol) +
     ".html", or data-slug when given); the HTML carries the symbols as text to keep 100k pages
     under 1 GB.
   - p.dl: beside each table's download link comes a "Table" toggle; opening it the first time
     loads the gzipped TSV file the link points at and shows it as a table. The page itself carries only the tags
     (a 100k-figure site must fit in GitHub Pages' 1 GB; the table lives once, in the TSV).
   - those tables sort: each header becomes a button; clicking it sorts the rows, and aria-sort
     on the header tells which way. Empty cells sort last; ties keep the original order. */
(function () {
  "use strict";
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  // Column headings and identifier links, by TSV column (site_builder/downloads.py, links.py).
  // Columns without a heading (how a gene was matched) stay in the file: phones fit four columns.
  var HEADINGS = {
    word: "Word in figure", symbol: "Gene", ncbigene_id: "NCBI Gene", organism: "Organism",
    mesh: "MeSH", name: "Name", chebi: "ChEBI", doid: "Disease Ontology"
  };
  var LINKS = {
    ncbigene_id: "https://www.ncbi.nlm.nih.gov/gene/",
    mesh: "https://meshb.nlm.nih.gov/record/ui?ui=",
    chebi: "https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:",
    doid: "https://disease-ontology.org/?id=DOID:"
  };

  function text(row, column) {
    var cell = row.cells[column];
    return cell ? cell.textContent.trim() : "";
  }

  function sort(table, th, column) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, index) {
      return { row: row, key: text(row, column), index: index };
    });
    rows.sort(function (a, b) {
      if (!a.key !== !b.key) return a.key ? -1 : 1;
      var order = collator.compare(a.key, b.key);
      return (ascending ? order : -order) || a.index - b.index;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sort(table, th, column); });
    });
  }

  function element(tag, content, className) {
    var node = document.createElement(tag);
    if (content) node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function link(href, label) {
    var a = element("a", label);
    a.href = href;
    return a;
  }

  function cell(column, value, pages) {
    var td = element("td");
    if (!value) return td;
    if (column === "symbol" && pages[value]) td.appendChild(link(pages[value], value)).className = "g";
    else if (LINKS[column]) td.appendChild(link(LINKS[column] + encodeURIComponent(value), value));
    else if (column === "organism") td.appendChild(element("i", value));
    else td.textContent = value;
    if (column === "name") td.className = "w";
    return td;
  }

  function buildTable(tsv, label, pages) {
    var lines = tsv.replace(/\n$/, "").split("\n");
    var names = lines.shift().split("\t");
    var columns = names.filter(function (name) { return HEADINGS[name]; });
    var table = element("table", "", "t sortable");
    var head = table.createTHead().insertRow();
    columns.forEach(function (column) {
      var th = element("th", HEADINGS[column]);
      th.scope = "col";
      head.appendChild(th);
    });
    var body = table.createTBody();
    lines.forEach(function (line) {
      var values = line.split("\t");
      var row = body.insertRow();
      columns.forEach(function (column) { row.appendChild(cell(column, values[names.indexOf(column)] || "", pages)); });
    });
    var wrap = element("div", "", "tw");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", label);
    wrap.tabIndex = 0;
    wrap.appendChild(table);
    return wrap;
  }

  function tagLinks(section) {
    var pages = Object.create(null); // no inherited keys: a gene may be called "constructor"
    Array.prototype.forEach.call(section.querySelectorAll("ul.tags a"), function (a) {
      pages[a.textContent] = a.getAttribute("href");
    });
    return pages;
  }

  // The tables are gzipped files; a host that sends them with Content-Encoding: gzip has had
  // the browser unpack them already.
  function gunzipped(buffer) {
    var bytes = new Uint8Array(buffer);
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return new TextDecoder().decode(bytes);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  }

  function tableToggle(paragraph) {
    var download = paragraph.querySelector("a[download]");
    var details = element("details", "", "more tbl");
    var heading = paragraph.parentNode.querySelector("h2").textContent;
    details.appendChild(element("summary", heading + ": words read and identifiers, as a table"));
    paragraph.parentNode.insertBefore(details, paragraph);
    var started = false;
    details.addEventListener("toggle", function () {
      if (!details.open || started) return;
      started = true;
      var status = details.appendChild(element("p", "Loading the table…", "m"));
      fetch(download.getAttribute("href"))
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.arrayBuffer();
        })
        .then(gunzipped)
        .then(function (tsv) {
          var table = buildTable(tsv, download.textContent, tagLinks(paragraph.parentNode));
          details.replaceChild(table, status);
          makeSortable(table.firstChild);
        })
        .catch(function () {
          status.textContent = "The table could not be loaded here; use the download link.";
        });
    });
  }

  // Windows reserves these names in every folder; genes/index.html lists the genes.
  var RESERVED = ["CON", "PRN", "AUX", "NUL", "INDEX"];
  for (var n = 0; n < 10; n++) RESERVED.push("COM" + n, "LPT" + n);

  // The file stem of a gene symbol's page: the rule of gene_page_name in site_builder/index.py.
  // The symbol in capitals (":" as ","), then "~" and the positions of its lower-case letters (runs as
  // "first-last", joined by "."): "IL6" -> "IL6", "Il6" -> "IL6~2", "Trp53" -> "TRP53~2-3".
  // No two names differ only in case, so case-insensitive file systems keep every page.
  function genePage(symbol) {
    var runs = [], name = "";
    Array.from(symbol).forEach(function (c, i) {  // code points, as Python counts
      if (c >= "a" && c <= "z") {
        var last = runs[runs.length - 1];
        if (last && last[1] === i) last[1] = i + 1;
        else runs.push([i + 1, i + 1]);
        c = c.toUpperCase();
      }
      name += c === ":" ? "," : c;  // ":" is no file name on Windows
    });
    if (runs.length) {
      return name + "~" + runs.map(function (run) { return run[0] === run[1] ? run[0] : run[0] + "-" + run[1]; }).join(".");
    }
    return RESERVED.indexOf(name) >= 0 ? name + "~0" : name;
  }

  function linkGenes(list) {
    var pages = list.getAttribute("data-pages");
    list.classList.remove("plain");
    Array.prototype.forEach.call(list.children, function (item) {
      var name = item.getAttribute("data-slug") || genePage(item.textContent);
      item.replaceChildren(link(pages + encodeURIComponent(name) + ".html", item.textContent));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("ul.genes[data-pages]"), linkGenes);
  window.siteFigure = { genePage: genePage }; // for tests: the same names as Python's gene_page_name
  if (window.DecompressionStream) Array.prototype.forEach.call(document.querySelectorAll("section p.dl"), tableToggle);
})();

/* Figure zoom (progressive enhancement): the figure image is a link to the full-size file;
   with this script a click opens it in a modal dialog instead, fitted to the screen. The
   "Full size" button (or a click on the image) shows it at full size, scrolled to the point
   clicked; Escape or "Close" goes back. A modified click, or an image that did not load,
   follows the link as usual; an image that failed to load gets class "broken". */
(function () {
  "use strict";
  var link = document.querySelector("a.zoom");
  var image = link && link.querySelector("img");
  if (!image) return;
  function broken() { link.classList.add("broken"); }  // CSS shows the alt text tidily
  if (image.complete && !image.naturalWidth) broken();
  else image.addEventListener("error", broken);
  if (typeof HTMLDialogElement !== "function") return;

  function button(label, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = label;
    return b;
  }

  link.addEventListener("click", function (event) {
    if (event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (!image.complete || !image.naturalWidth) return;
    event.preventDefault();
    var dialog = document.createElement("dialog");
    dialog.className = "lightbox fit";
    dialog.setAttribute("aria-label", image.alt);
    var bar = document.createElement("div");
    bar.className = "lb-bar";
    var size = button("Full size", "lb-size");
    size.setAttribute("aria-pressed", "false");
    var close = button("Close", "x");
    bar.appendChild(size);
    bar.appendChild(close);
    var holder = document.createElement("div");
    holder.className = "pic";
    var big = document.createElement("img");
    big.src = image.currentSrc || image.src;
    big.alt = image.alt;
    holder.appendChild(big);
    dialog.appendChild(bar);
    dialog.appendChild(holder);
    document.body.appendChild(dialog);

    function toggle(x, y) {  // x, y: the point to keep in view, as fractions of the image
      var full = dialog.classList.toggle("fit") === false;
      size.textContent = full ? "Fit to screen" : "Full size";
      size.setAttribute("aria-pressed", String(full));
      if (full) {
        dialog.scrollLeft = big.offsetLeft + x * big.offsetWidth - dialog.clientWidth / 2;
        dialog.scrollTop = big.offsetTop + y * big.offsetHeight - dialog.clientHeight / 2;
      }
    }
    size.addEventListener("click", function () { toggle(0.5, 0.5); });
    big.addEventListener("click", function (e) { toggle(e.offsetX / big.offsetWidth, e.offsetY / big.offsetHeight); });
    close.addEventListener("click", function () { dialog.close(); });
    holder.addEventListener("click", function (e) { if (e.target === holder) dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); link.focus(); });
    dialog.showModal();
    close.focus();
  });

  // Cite this figure and related figures live in figure-tools.js; loading it from here saves
  // a script tag on each of 100k figure pages (~5 MB).
  var tools = document.createElement("script");
  tools.src = new URL("figure-tools.js", document.currentScript.src).href;
  document.body.appendChild(tools);
})();
