// Gene-set enrichment in a Web Worker (the Analyse page and the related figures use it, so the
// page never freezes). Data: search/analysis.json and search/analysis/*.bin (format:
// site_builder/analysis.py), titles and URLs from the search index's doc files.
//
// Messages in:  {id, type: "prepare", base, analysis (optional), files (optional), genes (optional), organism (optional)}:
//                 start loading the manifests, the sizes and what an analysis of these genes
//                 needs, at once; analysis: search/analysis.json as the page has it; files:
//                 urls the page fetches itself and hands over (it has them sooner than a
//                 worker that is still starting), each in a message {type: "file", url, data (an
//                 ArrayBuffer, transferred, or a manifest's JSON) or error} that needs no answer
//               {id, type: "analyse", base, genes: "TP53, stat3 7157...", organism ("" for all), docs: 50, ahead: 0, exclude: "figures/x.html"}:
//                 the result names its first `docs` rows (and starts fetching the docs of `ahead`
//                 more); the worker keeps the ranking of the last few analyses
//               {id, type: "rows", base, analysis: the id of an "analyse" message, start, count}: more rows, named
//               {id, type: "docs", base, ids: [doc ids]}
// Messages out: {id, ok: true, result} or {id, ok: false, error}
//
// The test: for each figure of the organism holding at least one of the query's genes (the
// figures of an organism: those of its papers and of its genes tables' rows), with
// N genes in the organism's background, n in the figure, m known genes in the query and k of
// them in the figure, p = P(X >= k) for X ~ Hypergeometric(N, n, m); the Benjamini-Hochberg FDR
// over the organism's figures with at least one gene; the sample odds ratio
// k (N - n - m + k) / ((n - k)(m - k)) (Infinity when the denominator is 0).
"use strict";

var files = new Map(); // url -> promise of its bytes or JSON
var decodedFiles = new Map(); // url -> promise of the decoded sizes, members or shard (Map(key -> entry))
var handedOver = new Map(); // url -> {resolve, reject} of a file the page is fetching for the worker

// files the page fetches and hands over, in "file" messages
function expect(urls) {
  urls.forEach(function (url) {
    if (files.has(url)) return;
    var promise = new Promise(function (resolve, reject) { handedOver.set(url, { resolve: resolve, reject: reject }); });
    promise.catch(function () { files.delete(url); });
    files.set(url, promise);
  });
}

function receive(message) {
  var waiting = handedOver.get(message.url);
  handedOver.delete(message.url);
  if (waiting && message.data) waiting.resolve(message.data instanceof ArrayBuffer ? new Uint8Array(message.data) : message.data);
  else if (waiting) waiting.reject(new Error(message.error + " for " + message.url));
}

function load(url, kind) {
  if (!files.has(url)) {
    var promise = fetch(url, kind === "manifest" ? { cache: "no-cache" } : undefined).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
      return kind === "bytes" ? response.arrayBuffer().then(function (b) { return new Uint8Array(b); }) : response.json();
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
var decoder = new TextDecoder();
Reader.prototype.text = function () {
  var size = this.varint();
  var text = decoder.decode(this.bytes.subarray(this.pos, this.pos + size));
  this.pos += size;
  return text;
};

// --- the index files ------------------------------------------------------------------------
var ALL = ""; // the organism value of "all organisms"

function manifests(base) {
  return Promise.all([load(new URL("analysis.json", base).href, "manifest"), load(new URL("manifest.json", base).href, "manifest")]);
}

function decoded(url, make) {
  if (!decodedFiles.has(url)) {
    var promise = load(url, "bytes").then(make);
    promise.catch(function () { decodedFiles.delete(url); });
    decodedFiles.set(url, promise);
  }
  return decodedFiles.get(url);
}

// the gene-set size of every doc
function sizes(base, analysis) {
  return decoded(new URL("analysis/" + analysis.sizes + ".bin", base).href, function (bytes) {
    var reader = new Reader(bytes), out = new Uint16Array(analysis.docs);
    for (var i = 0; i < analysis.docs; i++) out[i] = reader.varint();
    return out;
  });
}

// {name, figures, background, file} of an organism name ("" for all organisms), or null
function organismOf(analysis, name) {
  if (name === ALL) return { name: ALL, figures: analysis.all[0], background: analysis.all[1], file: null };
  for (var i = 0; i < analysis.organisms.length; i++) {
    var row = analysis.organisms[i];
    if (row[0] === name) return { name: row[0], figures: row[1], background: row[2], file: row[3] };
  }
  return null;
}

// 1 for each doc of the organism (with genes); null for all organisms
function members(base, analysis, organism) {
  if (organism.file === null) return Promise.resolve(null);
  return decoded(new URL("analysis/" + organism.file + ".bin", base).href, function (bytes) {
    var reader = new Reader(bytes), out = new Uint8Array(analysis.docs), doc = -1;
    while (reader.pos < bytes.length) {
      doc += reader.varint();
      out[doc] = 1;
    }
    return out;
  });
}

function parseShard(bytes) {
  var reader = new Reader(bytes), entries = new Map(), previous = new Uint8Array(0);
  while (reader.pos < bytes.length) {
    var shared = reader.varint(), length = reader.varint();
    var name = new Uint8Array(shared + length);
    name.set(previous.subarray(0, shared));
    name.set(bytes.subarray(reader.pos, reader.pos + length), shared);
    reader.pos += length;
    previous = name;
    var key = decoder.decode(name), head = reader.varint(), count = Math.floor(head / 4), spelling = head % 4;
    if (count === 0) {
      var targets = [], number = reader.varint();
      for (var i = 0; i < number; i++) targets.push(reader.text());
      entries.set(key, { alias: targets });
      continue;
    }
    var display = spelling === 0 ? key : spelling === 1 ? key.charAt(0) + key.slice(1).toLowerCase()
      : spelling === 2 ? key.toLowerCase() : reader.text();
    var rice = bytes[reader.pos++], size = reader.varint();
    entries.set(key, { count: count, display: display, bytes: bytes, start: reader.pos, rice: rice });
    reader.pos += size; // the postings, decoded when asked for
  }
  return entries;
}

function shardOf(table, key) {
  // the last shard whose first key is <= key (the build sorted the keys as JS compares them)
  var low = 0, high = table.length - 1, found = -1;
  while (low <= high) {
    var middle = (low + high) >> 1;
    if (table[middle][0] <= key) { found = middle; low = middle + 1; } else { high = middle - 1; }
  }
  return found;
}

// the parsed shard (key -> entry) at url, fetched once
function shard(url) {
  return decoded(url, parseShard);
}

// key -> the url of the shard that may hold it
function shardUrls(base, table, keys) {
  var urls = new Map();
  keys.forEach(function (key) {
    var index = shardOf(table, key);
    if (index >= 0) urls.set(key, new URL("analysis/" + table[index][1] + ".bin", base).href);
  });
  return urls;
}

// key -> entry (or undefined) for each key, fetching only the shards that may hold them
function lookUp(base, table, keys) {
  var urls = shardUrls(base, table, keys), parsed = new Map();
  return Promise.all(Array.from(new Set(urls.values())).map(function (url) {
    return shard(url).then(function (entries) { parsed.set(url, entries); });
  })).then(function () {
    var found = new Map();
    urls.forEach(function (url, key) {
      var entry = parsed.get(url).get(key);
      if (entry) found.set(key, entry);
    });
    return found;
  });
}

// the doc ids holding a gene, those of the organism only: Rice-coded gaps (site_builder/analysis.py)
function postings(entry, member) {
  var bytes = entry.bytes, b = entry.rice, bit = entry.start * 8, doc = -1, ids = [];
  for (var i = 0; i < entry.count; i++) {
    var high = 0, low = 0;
    while ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) { high++; bit++; }
    bit++;
    for (var j = 0; j < b; j++, bit++) low = low * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    doc += high * (1 << b) + low + 1;
    if (!member || member[doc]) ids.push(doc);
  }
  return ids;
}

// Start loading what an analysis of these genes for this organism needs (all at once, so the
// requests run in parallel): the page sends it as soon as it knows the list, before its own
// start-up is over. Unknown organisms and genes are left to the analysis to report.
function prepare(message) {
  var base = message.base, manifest = new URL("analysis.json", base).href;
  if (message.analysis && !files.has(manifest)) files.set(manifest, Promise.resolve(message.analysis));
  expect(message.files || []);
  return manifests(base).then(function (both) {
    var analysis = both[0], waits = [sizes(base, analysis)];
    var organism = typeof message.organism === "string" ? organismOf(analysis, message.organism) : null;
    if (organism) waits.push(members(base, analysis, organism));
    var urls = shardUrls(base, analysis.genes, queryKeys(tokensOf(message.genes)));
    new Set(urls.values()).forEach(function (url) { waits.push(shard(url)); });
    return Promise.all(waits).then(function () { return null; });
  });
}

// --- the input ------------------------------------------------------------------------------
// Tokens separated by white space, commas or semicolons; digits are NCBI Gene IDs, anything
// else a symbol in any case. A gene is known when a figure of the organism holds it.
function tokensOf(text) {
  return String(text || "").split(/[\s,;]+/).filter(Boolean);
}

function queryKeys(tokens) {
  return tokens.map(function (token) { return /^\d+$/.test(token) ? token : token.toUpperCase(); });
}

// The entries of the input's keys and of the keys its NCBI Gene IDs name.
function lookUpInput(base, table, text) {
  var tokens = tokensOf(text), firstKeys = queryKeys(tokens);
  return lookUp(base, table, Array.from(new Set(firstKeys))).then(function (found) {
    var targets = new Set();
    found.forEach(function (entry) {
      if (entry.alias) entry.alias.forEach(function (key) { if (!found.has(key)) targets.add(key); });
    });
    return lookUp(base, table, Array.from(targets)).then(function (more) {
      more.forEach(function (entry, key) { found.set(key, entry); });
      return { tokens: tokens, firstKeys: firstKeys, found: found };
    });
  });
}

// The known genes (with their docs in the organism), the unknown and the duplicate inputs.
function resolve(input, member) {
  var found = input.found, docs = new Map();
  function docsOf(key) {
    var entry = found.get(key);
    if (!entry || entry.alias) return [];
    if (!docs.has(key)) docs.set(key, postings(entry, member));
    return docs.get(key);
  }
  var known = [], seen = new Map(), unknown = [], duplicates = [];
  input.tokens.forEach(function (token, i) {
    var entry = found.get(input.firstKeys[i]);
    var keys = !entry ? [] : entry.alias ? entry.alias : [input.firstKeys[i]];
    keys = keys.filter(function (key) { return docsOf(key).length > 0; });
    if (!keys.length) { unknown.push(token); return; }
    var fresh = keys.filter(function (key) { return !seen.has(key); });
    if (!fresh.length) {
      duplicates.push({ input: token, gene: found.get(keys[0]).display, first: seen.get(keys[0]) });
      return;
    }
    fresh.forEach(function (key) {
      seen.set(key, token);
      known.push({ input: token, key: key, gene: found.get(key).display, docs: docsOf(key) });
    });
  });
  return { known: known, unknown: unknown, duplicates: duplicates };
}

// --- statistics -----------------------------------------------------------------------------
var SMALL_LOG_FACTORIALS = (function () {
  var table = [0], product = 1;
  for (var i = 1; i <= 20; i++) { product *= i; table.push(Math.log(product)); } // exact products up to 20!
  return table;
})();

// ln(n!) to ~1e-15 relative: exact below 21, Stirling's series above (error < 1e-16).
function logFactorial(n) {
  if (n <= 20) return SMALL_LOG_FACTORIALS[n];
  var inverse = 1 / n, square = inverse * inverse;
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) +
    inverse * (1 / 12 - square * (1 / 360 - square * (1 / 1260 - square / 1680)));
}

function logChoose(n, k) {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

// P(X >= k), X ~ Hypergeometric(population N, successes n, draws m): the first term in log
// space, the rest by the ratio of successive terms, so small p keep their relative accuracy.
function upperTail(k, N, n, m) {
  var high = Math.min(n, m);
  if (k > high) return 0;
  if (k <= Math.max(0, n + m - N)) return 1;
  var logFirst = logChoose(n, k) + logChoose(N - n, m - k) - logChoose(N, m);
  var sum = 1, term = 1;
  for (var i = k; i < high; i++) {
    term *= ((n - i) * (m - i)) / ((i + 1) * (N - n - m + i + 1));
    sum += term;
    if (term < sum * 1e-17 && i + 1 > (m + 1) * (n + 1) / (N + 2)) break; // past the mode and negligible
  }
  return Math.min(1, Math.exp(logFirst + Math.log(sum)));
}

function oddsRatio(k, N, n, m) {
  var below = (n - k) * (m - k);
  return below === 0 ? Infinity : (k * (N - n - m + k)) / below;
}

// --- the analysis -------------------------------------------------------------------------------
var rankings = new Map(); // id of an "analyse" message -> its ranking, for "rows" (the last few)
var KEEP_RANKINGS = 4;

// The figures holding at least one known gene, best first: typed arrays in rank order.
function rank(known, size, N, M) {
  var m = known.length, counts = new Uint32Array(size.length), hits = [];
  known.forEach(function (gene) {
    var ids = gene.docs;
    for (var i = 0; i < ids.length; i++) {
      if (counts[ids[i]]++ === 0) hits.push(ids[i]);
    }
  });
  var total = hits.length, groups = new Map(), list = [], groupOf = counts; // counts[doc] becomes its group
  for (var i = 0; i < total; i++) { // the p-value of a figure follows from (n, k)
    var d = hits[i], k = counts[d], n = size[d], key = n * 65536 + k;
    var group = groups.get(key);
    if (group === undefined) {
      groups.set(key, group = list.length);
      list.push({ p: upperTail(k, N, n, m), k: k, n: n, rank: 0 });
    }
    groupOf[d] = group;
  }
  // by p, then the larger overlap, then the larger doc id: rank the (n, k) groups, then sort the
  // figures by the number (group rank, -doc id), unique per figure
  var sorted = list.slice().sort(function (a, b) { return a.p - b.p || b.k - a.k; });
  for (var g = 0, r = 0; g < sorted.length; g++) {
    if (g && (sorted[g].p !== sorted[g - 1].p || sorted[g].k !== sorted[g - 1].k)) r++;
    sorted[g].rank = r;
  }
  var DOCS = 67108864; // 2^26 doc ids at most; ranks * 2^26 stay exact in a double
  var order = new Float64Array(total);
  for (i = 0; i < total; i++) order[i] = list[groupOf[hits[i]]].rank * DOCS + (DOCS - 1 - hits[i]);
  order.sort();
  var ranked = { doc: new Int32Array(total), k: new Uint32Array(total), n: new Uint32Array(total), p: new Float64Array(total),
    q: new Float64Array(total), N: N, m: m, known: known };
  for (i = 0; i < total; i++) {
    d = DOCS - 1 - order[i] % DOCS;
    group = list[groupOf[d]];
    ranked.doc[i] = d; ranked.k[i] = group.k; ranked.n[i] = group.n; ranked.p[i] = group.p;
  }
  var running = 1;
  for (i = total - 1; i >= 0; i--) { // Benjamini-Hochberg over the M figures tested
    running = Math.min(running, ranked.p[i] * M / (i + 1));
    ranked.q[i] = Math.min(1, running);
  }
  return ranked;
}

// rows start..end of a ranking as objects, with the names of the query's genes each figure holds
function rowsOf(ranked, start, end) {
  end = Math.min(end, ranked.doc.length);
  var rows = [], at = new Map();
  for (var i = start; i < end; i++) {
    var k = ranked.k[i], n = ranked.n[i];
    at.set(ranked.doc[i], rows.length);
    rows.push({ doc: ranked.doc[i], k: k, n: n, p: ranked.p[i], q: ranked.q[i], odds: oddsRatio(k, ranked.N, n, ranked.m), genes: [] });
  }
  if (rows.length) {
    ranked.known.forEach(function (gene) {
      var ids = gene.docs;
      for (var j = 0; j < ids.length; j++) {
        var index = at.get(ids[j]);
        if (index !== undefined) rows[index].genes.push(gene.gene);
      }
    });
  }
  return rows;
}

function analyse(message) {
  var base = message.base, started = performance.now(), timing = {};
  return manifests(base).then(function (both) {
    var analysis = both[0], search = both[1];
    var organism = organismOf(analysis, message.organism);
    if (!organism) throw new Error("unknown organism " + message.organism);
    // all at once: the organism's figures, the sizes and the gene shards
    return Promise.all([members(base, analysis, organism), sizes(base, analysis), lookUpInput(base, analysis.genes, message.genes)])
      .then(function (loaded) {
        timing.loaded = Math.round(performance.now() - started);
        var input = resolve(loaded[2], loaded[0]);
        var ranked = rank(input.known, loaded[1], organism.background, organism.figures);
        timing.ranked = Math.round(performance.now() - started);
        rankings.set(message.id, ranked);
        if (rankings.size > KEEP_RANKINGS) rankings.delete(rankings.keys().next().value);
        return excludeAndName(base, search, ranked, message).then(function (shown) {
          timing.named = Math.round(performance.now() - started);
          return {
            analysis: message.id, // for "rows"
            organism: organism.name, background: organism.background, tested: organism.figures, query: input.known.length,
            known: input.known.map(function (gene) { return { input: gene.input, gene: gene.gene }; }),
            unknown: input.unknown, duplicates: input.duplicates,
            total: ranked.doc.length, // figures holding a gene of the list; rows holds the first ones
            rows: shown.rows, docs: shown.docs,
            timing: timing, // milliseconds from the message: data loaded, figures ranked, the first named
          };
        });
      });
  });
}

// The first message.docs rows with their docs (url, title, year, organisms); with
// message.exclude, the row of that page is left out (the related figures of a figure).
function excludeAndName(base, search, ranked, message) {
  var rows = rowsOf(ranked, 0, (message.docs || 0) + (message.exclude ? 1 : 0));
  var named = docs(base, search, rows.map(function (row) { return row.doc; }));
  if (message.ahead) { // the docs files of the next rows: fetched after those of the first ones
    var next = ranked.doc.subarray(rows.length, rows.length + message.ahead);
    docs(base, search, Array.from(next)).catch(function () { /* reported when asked for */ });
  }
  return named.then(function (found) {
    if (message.exclude) {
      var at = found.findIndex(function (doc) { return doc[0] === message.exclude; });
      if (at >= 0) {
        rows.splice(at, 1);
        found.splice(at, 1);
      } else if (found.length > (message.docs || 0)) {
        rows.pop();
        found.pop();
      }
    }
    return { rows: rows, docs: found };
  });
}

// rows start .. start + count of an analysis, named
function moreRows(message) {
  var ranked = rankings.get(message.analysis);
  if (!ranked) return Promise.reject(new Error("no such analysis"));
  var rows = rowsOf(ranked, message.start, message.start + message.count);
  return manifests(message.base).then(function (both) {
    return docs(message.base, both[1], rows.map(function (row) { return row.doc; }));
  }).then(function (found) { return { rows: rows, docs: found }; });
}

function docs(base, search, ids) {
  var size = search.docsPerShard;
  return Promise.all(ids.map(function (id) {
    return load(new URL("docs/" + search.docShards[Math.floor(id / size)] + ".json", base).href, "json").then(function (shard) {
      return shard[id % size];
    });
  }));
}

self.onmessage = function (event) {
  var message = event.data;
  if (message.type === "file") return receive(message);
  var work = message.type === "docs"
    ? manifests(message.base).then(function (both) { return docs(message.base, both[1], message.ids); })
    : message.type === "rows" ? moreRows(message)
    : message.type === "prepare" ? prepare(message)
    : analyse(message);
  work.then(function (result) {
    self.postMessage({ id: message.id, ok: true, result: result });
  }, function (error) {
    self.postMessage({ id: message.id, ok: false, error: String(error && error.message || error) });
  });
};
