// The search page: looks queries up in the static index the build wrote under search/
// (format: site_builder/search.py). No dependencies; nothing is fetched from elsewhere.
// ?q=, ?organism=, ?from= and ?to= (years) come from the URL (the header box submits ?q=) and stay
// in it; an older link's ?year= is a range of one year. The query's words are highlighted in the
// titles, and the gene symbols it matched are listed under each result.
(function () {
  "use strict";

  var PAGE_SIZE = 20;
  var MAX_TERMS = 12;
  var PREFIX_WEIGHT = 0.5; // a word that the last word typed only begins counts half
  var DEBOUNCE_MS = 250;
  var FAILED = "Search failed: part of the index could not be loaded. Please try again.";

  var form = document.getElementById("search-form");
  if (!form || !window.fetch || !window.TextDecoder || !window.URLSearchParams) return;
  var input = document.getElementById("search-q");
  var organismSelect = document.getElementById("search-organism");
  var fromSelect = document.getElementById("search-from");
  var toSelect = document.getElementById("search-to");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var indexUrl = new URL(form.getAttribute("data-index"), document.baseURI);
  var root = form.getAttribute("data-root") || "";
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "en");

  var manifest = null;
  var stopwords = null;
  var files = new Map(); // url -> promise of the file's contents
  var shards = new Map(); // term shard number -> promise of its parsed entries
  var latest = 0; // number of the newest search: older ones drop their results
  var results = []; // doc ids of the current search, best first
  var shownMatch = { terms: [], prefix: false, lists: [] }; // what the current search matched, for highlighting
  var timer = 0;

  // --- files -----------------------------------------------------------------------------
  function load(path, kind, options) {
    var url = new URL(path, indexUrl).href;
    if (!files.has(url)) {
      var promise = fetch(url, options).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
        return kind === "json" ? response.json() : response.arrayBuffer().then(function (buffer) {
          return new Uint8Array(buffer);
        });
      });
      promise.catch(function () { files.delete(url); });
      files.set(url, promise);
    }
    return files.get(url);
  }

  function Reader(bytes, start) {
    this.bytes = bytes;
    this.pos = start || 0;
  }
  Reader.prototype.varint = function () {
    var value = 0, scale = 1, byte;
    do {
      byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return value;
  };

  // --- tokens (the same rules as query_terms in site_builder/search.py) -------------------
  function fold(text) {
    var table = manifest.tokens.fold;
    return text.normalize("NFKD").toLowerCase()
      .replace(/\p{M}/gu, "")
      .replace(/[^\x00-\x7f]/g, function (c) { return table[c] || c; })
      .replace(/[^\p{L}\p{N}-]+/gu, " ");
  }

  function length(text) {
    return Array.from(text).length; // code points, as Python counts
  }

  // The query's terms, and each term's word as typed (typed: "h10" -> "H1-0"; "spl" and
  // "mdeltahlh" -> "E(spl)mdelta-HLH"), so that a matched gene is named as the person wrote it,
  // not by the index's folded term.
  function queryTerms(query) {
    var rules = manifest.tokens, joined = [], typed = new Map();
    query.split(/\s+/).forEach(function (word) {
      fold(word).split(" ").filter(Boolean).forEach(function (part) {
        var term = part.replace(/-/g, "");
        if (length(term) < rules.minLength) return;
        joined.push(term);
        if (!typed.has(term)) typed.set(term, word);
      });
    });
    var kept = joined.filter(function (word) { return !stopwords.has(word); });
    if (!kept.length) kept = joined;
    var last = Array.from(query).slice(-1).join("");
    var endsInWord = /[^ -]/.test(fold(last));
    var prefix = endsInWord && kept.length > 0 && kept[kept.length - 1] === joined[joined.length - 1] &&
      length(kept[kept.length - 1]) >= rules.prefixMin;
    return { terms: kept.slice(0, MAX_TERMS), prefix: prefix && kept.length <= MAX_TERMS, typed: typed };
  }

  // "tp53," -> "TP53" (most symbols are upper case); "Pc", "H1-0" as they are
  function geneLabel(word) {
    var bare = word.replace(/^[^\p{L}\p{N}(]+|[^\p{L}\p{N})]+$/gu, "");
    return bare === bare.toLowerCase() ? bare.toUpperCase() : bare;
  }

  // --- terms -------------------------------------------------------------------------------
  function shardIndex(term) {
    // the last shard whose first term is <= term (JS compares UTF-16 units, as the build sorted)
    var shards = manifest.termShards, low = 0, high = shards.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (shards[middle][0] <= term) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function loadShard(index) {
    if (!shards.has(index)) {
      var promise = load("terms/" + manifest.termShards[index][1] + ".bin", "bytes").then(parseShard);
      promise.catch(function () { shards.delete(index); });
      shards.set(index, promise);
    }
    return shards.get(index);
  }

  // [{term, count, bytes, start}]: the postings of a term are decoded only when asked for
  function parseShard(bytes) {
    var decoder = new TextDecoder(), reader = new Reader(bytes), entries = [];
    while (reader.pos < bytes.length) {
      var size = reader.varint();
      var term = decoder.decode(bytes.subarray(reader.pos, reader.pos + size));
      reader.pos += size;
      var count = reader.varint(), bytesLength = reader.varint();
      entries.push({ term: term, count: count, bytes: bytes, start: reader.pos });
      reader.pos += bytesLength;
    }
    return entries;
  }

  function postings(entry) {
    var reader = new Reader(entry.bytes, entry.start), doc = -1;
    var ids = new Int32Array(entry.count), scores = new Uint8Array(entry.count);
    for (var i = 0; i < entry.count; i++) {
      var value = reader.varint();
      doc += Math.floor(value / 16);
      ids[i] = doc;
      scores[i] = value % 16;
    }
    return { ids: ids, scores: scores };
  }

  // The posting lists a query word matches: the word itself, and, as a prefix, longer words.
  function matches(term, prefix) {
    var first = shardIndex(term), last = prefix ? shardIndex(term + "\uffff") : first;
    if (last < 0) return Promise.resolve([]);
    var loads = [];
    for (var i = Math.max(first, 0); i <= last; i++) loads.push(loadShard(i));
    return Promise.all(loads).then(function (shards) {
      var found = [];
      shards.forEach(function (entries) {
        entries.forEach(function (entry) {
          if (entry.term === term || (prefix && entry.term.startsWith(term))) {
            var list = postings(entry);
            list.weight = entry.term === term ? 1 : PREFIX_WEIGHT;
            list.term = entry.term;
            found.push(list);
          }
        });
      });
      return found;
    });
  }

  // --- filters -----------------------------------------------------------------------------
  function organismRow(name) {
    return manifest.organisms.find(function (row) { return row[0] === name; });
  }

  function yearRow(year) {
    return manifest.years.find(function (row) { return row[0] === year; });
  }

  // The doc ids of the years from..to (either may be ""): one id range, since ids follow the
  // years (site_builder/search.py); null when no year is set.
  function yearRange(from, to) {
    if (!from && !to) return null;
    var low = Infinity, high = -Infinity;
    manifest.years.forEach(function (row) {
      if ((!from || row[0] >= from) && (!to || row[0] <= to)) {
        low = Math.min(low, row[1]);
        high = Math.max(high, row[2]);
      }
    });
    return low < high ? [low, high] : [0, 0];
  }

  // A test for doc ids, or null when no filter is set.
  function filterOf(state) {
    var range = yearRange(state.from, state.to), organism = organismRow(state.organism);
    var inYear = range ? function (id) { return id >= range[0] && id < range[1]; } : null;
    if (!organism) return Promise.resolve(inYear);
    return load("organisms/" + organism[2] + ".bin", "bytes").then(function (bytes) {
      var reader = new Reader(bytes), member = new Uint8Array(manifest.docs), doc = -1;
      while (reader.pos < bytes.length) {
        doc += reader.varint();
        member[doc] = 1;
      }
      return function (id) { return member[id] === 1 && (!inYear || inYear(id)); };
    });
  }

  // --- ranking -------------------------------------------------------------------------------
  // Doc ids holding every query word, best first: the sum over the words of score x idf
  // (for a prefix, its best-scoring completion). Ties go to the higher id: the newer figure.
  function rank(query, accept, match) {
    var last = query.terms.length - 1;
    return Promise.all(query.terms.map(function (term, k) {
      return matches(term, query.prefix && k === last);
    })).then(function (perWord) {
      var total = new Float64Array(manifest.docs);
      var matched = new Uint8Array(manifest.docs); // how many words in a row each doc holds
      perWord.forEach(function (lists, k) { addWord(lists, k, matched, total); });
      match.lists = perWord;
      var ids = [];
      for (var id = 0; id < manifest.docs; id++) {
        if (matched[id] === perWord.length && (!accept || accept(id))) ids.push(id);
      }
      return ids.sort(function (a, b) { return total[b] - total[a] || b - a; });
    });
  }

  function addWord(lists, k, matched, total) {
    var best = new Map(); // doc id -> best score of this word
    lists.forEach(function (list) {
      var idf = Math.log(1 + manifest.docs / list.ids.length) * list.weight;
      for (var i = 0; i < list.ids.length; i++) {
        var id = list.ids[i];
        if (matched[id] !== k) continue; // misses an earlier word
        var score = list.scores[i] * idf;
        if (!(best.get(id) >= score)) best.set(id, score);
      }
    });
    best.forEach(function (score, id) {
      matched[id] = k + 1;
      total[id] += score;
    });
  }

  // {ids: doc ids found or null when nothing was asked, match: what to highlight in them}
  function find(state) {
    var query = queryTerms(state.q);
    var match = { terms: query.terms, prefix: query.prefix, typed: query.typed, lists: [] };
    return filterOf(state).then(function (accept) {
      if (query.terms.length) return rank(query, accept, match);
      if (!accept) return null; // nothing asked
      var ids = [];
      for (var id = manifest.docs - 1; id >= 0; id--) if (accept(id)) ids.push(id);
      return ids; // newest first
    }).then(function (ids) { return { ids: ids, match: match }; });
  }

  // --- showing results -------------------------------------------------------------------------
  function loadDocs(ids) {
    var size = manifest.docsPerShard;
    return Promise.all(ids.map(function (id) {
      return load("docs/" + manifest.docShards[Math.floor(id / size)] + ".json", "json").then(function (docs) {
        return docs[id % size];
      });
    }));
  }

  // --- highlighting ---------------------------------------------------------------------------
  // Does a word of a title match a query word? (folded and joined as the index holds it, or one
  // of its hyphenated parts; the last query word also as a prefix)
  function wordMatches(word, match) {
    var folded = fold(word).trim(), forms = [folded.replace(/-/g, "")].concat(folded.split("-"));
    var last = match.terms.length - 1;
    return forms.some(function (form) {
      return form && match.terms.some(function (term, k) {
        return form === term || (match.prefix && k === last && form.startsWith(term));
      });
    });
  }

  // The title as text nodes, the words the query matched in <mark>.
  function highlighted(title, match) {
    var fragment = document.createDocumentFragment(), at = 0, pattern = /[\p{L}\p{N}\p{M}-]+/gu, found;
    while (match.terms.length && (found = pattern.exec(title))) {
      if (!wordMatches(found[0], match)) continue;
      fragment.appendChild(document.createTextNode(title.slice(at, found.index)));
      var mark = document.createElement("mark");
      mark.textContent = found[0];
      fragment.appendChild(mark);
      at = found.index + found[0].length;
    }
    fragment.appendChild(document.createTextNode(title.slice(at)));
    return fragment;
  }

  // The index terms of a title, as site_builder.search.terms makes them.
  function titleTerms(title) {
    var folded = fold(title), found = new Set(folded.split(" ").filter(Boolean));
    if (folded.indexOf("-") >= 0) {
      found = new Set(folded.replace(/-/g, " ").split(" ").concat(folded.replace(/-/g, "").split(" ")).filter(Boolean));
    }
    return found;
  }

  function scoreOf(list, id) {
    var low = 0, high = list.ids.length - 1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (list.ids[middle] === id) return list.scores[middle];
      if (list.ids[middle] < id) low = middle + 1; else high = middle - 1;
    }
    return 0;
  }

  // The names of the query's terms that are gene symbols of the doc (as typed; a completion of
  // the last word by its term). A term's score adds the weights of the
  // fields holding it (manifest.weights; gene 6, title 4, keyword 2, organism 2, caption 1):
  // without the title's 4, only a gene symbol reaches 6. The last word typed names longer
  // symbols it begins only when it is not a symbol of the doc itself.
  function matchedGenes(id, doc, match) {
    var inTitle = null, genes = [], weights = manifest.weights;
    match.lists.forEach(function (lists) {
      var exact = [], completions = [];
      lists.forEach(function (list) {
        var score = scoreOf(list, id);
        if (!score) return;
        if (inTitle === null) inTitle = titleTerms(doc[1] || "");
        if (score - (inTitle.has(list.term) ? weights.title : 0) < weights.gene) return;
        if (list.weight === 1) exact.push(match.typed && match.typed.has(list.term) ? geneLabel(match.typed.get(list.term)) : list.term.toUpperCase());
        else completions.push(list.term.toUpperCase());
      });
      (exact.length ? exact : completions).forEach(function (name) { if (genes.indexOf(name) < 0) genes.push(name); });
    });
    return genes;
  }

  function resultItem(doc, id, match) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = root + doc[0];
    link.appendChild(highlighted(doc[1] || doc[0], match));
    item.appendChild(link);
    var genes = matchedGenes(id, doc, match);
    if (genes.length) {
      var line = document.createElement("p");
      line.className = "search-genes";
      line.appendChild(document.createTextNode(genes.length === 1 ? "Gene: " : "Genes: "));
      genes.forEach(function (gene, i) {
        if (i) line.appendChild(document.createTextNode(", "));
        var mark = document.createElement("mark");
        mark.textContent = gene;
        line.appendChild(mark);
      });
      item.appendChild(line);
    }
    if (doc[2] || doc[3].length) {
      var meta = document.createElement("p");
      meta.className = "search-meta";
      meta.appendChild(document.createTextNode(doc[2]));
      doc[3].forEach(function (index, i) {
        if (i > 0 || doc[2]) meta.appendChild(document.createTextNode(i > 0 ? ", " : " · "));
        var name = document.createElement("i");
        name.textContent = manifest.organisms[index][0];
        meta.appendChild(name);
      });
      item.appendChild(meta);
    }
    return item;
  }

  function showMore(number, moveFocus) {
    var start = list.children.length;
    var ids = results.slice(start, start + PAGE_SIZE), match = shownMatch;
    return loadDocs(ids).then(function (docs) {
      if (number !== latest) return;
      docs.forEach(function (doc, i) { list.appendChild(resultItem(doc, ids[i], match)); });
      more.hidden = list.children.length >= results.length;
      if (moveFocus && list.children[start]) list.children[start].querySelector("a").focus();
    });
  }

  function say(text) {
    status.textContent = text;
  }

  function plural(count, one, many) {
    return numbers.format(count) + " " + (count === 1 ? one : many);
  }

  function summary(found) {
    if (found === null) return "Type a gene symbol, a species or words from a figure title or caption. " +
      plural(manifest.docs, "figure", "figures") + " to search.";
    if (!found.length) return "No figures found. Check the spelling, try fewer words, or remove a filter.";
    return plural(found.length, "figure", "figures") + " found.";
  }

  // --- state and events ----------------------------------------------------------------------
  function currentState() {
    var from = fromSelect.value, to = toSelect.value;
    if (from && to && from > to) { var swap = from; from = to; to = swap; }
    return { q: input.value, organism: organismSelect.value, from: from, to: to };
  }

  function updateUrl(state) {
    var params = new URLSearchParams();
    if (state.q.trim()) params.set("q", state.q);
    if (state.organism) params.set("organism", state.organism);
    if (state.from) params.set("from", state.from);
    if (state.to) params.set("to", state.to);
    var search = params.toString();
    history.replaceState(history.state, "", location.pathname + (search ? "?" + search : "") + location.hash);
  }

  function run() {
    clearTimeout(timer);
    var number = ++latest;
    var state = currentState();
    updateUrl(state);
    list.setAttribute("aria-busy", "true");
    return find(state).then(function (outcome) {
      if (number !== latest) return;
      var found = outcome.ids;
      results = found || [];
      shownMatch = outcome.match;
      list.textContent = "";
      more.hidden = true;
      return showMore(number, false).then(function () {
        if (number !== latest) return;
        list.removeAttribute("aria-busy");
        say(summary(found));
      });
    }).catch(function () {
      if (number !== latest) return;
      list.removeAttribute("aria-busy");
      say(FAILED);
    });
  }

  function addOptions(select, rows, label) {
    rows.forEach(function (row) {
      var option = document.createElement("option");
      option.value = row[0];
      option.textContent = label(row);
      select.appendChild(option);
    });
  }

  function start(loaded) {
    manifest = loaded;
    stopwords = new Set(manifest.tokens.stopwords);
    addOptions(organismSelect, manifest.organisms, function (row) { return row[0] + " (" + numbers.format(row[1]) + ")"; });
    var yearLabel = function (row) { return row[0] + " (" + numbers.format(row[2] - row[1]) + ")"; };
    addOptions(fromSelect, manifest.years.slice().reverse(), yearLabel); // oldest first
    addOptions(toSelect, manifest.years, yearLabel); // newest first
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    if (organismRow(params.get("organism"))) organismSelect.value = params.get("organism");
    var from = params.get("from"), to = params.get("to");
    if (params.has("year") && !from && !to) from = to = params.get("year"); // links from before the range
    if (yearRow(from)) fromSelect.value = from;
    if (yearRow(to)) toSelect.value = to;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    });
    organismSelect.addEventListener("change", run);
    fromSelect.addEventListener("change", run);
    toSelect.addEventListener("change", run);
    more.addEventListener("click", function () {
      showMore(latest, true).catch(function () { say(FAILED); });
    });
    return run();
  }

  form.hidden = false;
  var ready = load("manifest.json", "json", { cache: "no-cache" }).then(start, function () {
    say(location.protocol === "file:"
      ? "Search works when the site is served over HTTP (for example with site-builder serve), not from files opened directly."
      : "Search is not available: its index could not be loaded.");
  });

  // for tests: the tokenizer, once the index is loaded
  window.siteSearch = { ready: ready, queryTerms: function (query) { return queryTerms(query); } };
})();
