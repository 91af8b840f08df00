// Gene-set enrichment in a Web Worker (the Analyse page and the related figures use it, so the
// page never freezes). Data: search/analysis.json and search/analysis/*.bin (format:
// site_builder/analysis.py), titles and URLs from the search index's doc files.
//
// Messages in:  {id, type: "analyse", base, genes: "TP53, stat3 7157...", organism ("" for all), docs: 50, exclude: "figures/x.html"}
//               {id, type: "docs", base, ids: [doc ids]}
//               {id, type: "prepare", base}: load the manifests and sizes ahead
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
var decodedFiles = new Map(); // url -> the decoded sizes or members
var parsedShards = new Map(); // shard url -> Map(key -> entry)

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
  if (decodedFiles.has(url)) return Promise.resolve(decodedFiles.get(url));
  return load(url, "bytes").then(function (bytes) {
    var value = make(bytes);
    decodedFiles.set(url, value);
    return value;
  });
}

// the gene-set size of every doc
function sizes(base, analysis) {
  return decoded(new URL("analysis/" + analysis.sizes + ".bin", base).href, function (bytes) {
    var reader = new Reader(bytes), out = new Uint16Array(analysis.docs);
    for (var i = 0; i < analysis.docs; i++) out[i] = reader.varint();
    return out;
  });
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

// key -> entry (or undefined) for each key, fetching only the shards that may hold them
function lookUp(base, table, keys) {
  var urls = new Map();
  keys.forEach(function (key) {
    var index = shardOf(table, key);
    if (index >= 0) urls.set(key, new URL("analysis/" + table[index][1] + ".bin", base).href);
  });
  var wanted = Array.from(new Set(urls.values()));
  return Promise.all(wanted.map(function (url) {
    if (parsedShards.has(url)) return parsedShards.get(url);
    return load(url, "bytes").then(function (bytes) {
      var parsed = parseShard(bytes);
      parsedShards.set(url, parsed);
      return parsed;
    });
  })).then(function () {
    var found = new Map();
    keys.forEach(function (key) {
      var shard = urls.has(key) && parsedShards.get(urls.get(key));
      if (shard && shard.has(key)) found.set(key, shard.get(key));
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

// --- the input ------------------------------------------------------------------------------
// Tokens separated by white space, commas or semicolons; digits are NCBI Gene IDs, anything
// else a symbol in any case. A gene is known when a figure of the organism holds it. Returns
// the known genes (with their docs in the organism), the unknown and the duplicate inputs.
function resolve(base, table, text, member) {
  var tokens = String(text || "").split(/[\s,;]+/).filter(Boolean);
  var firstKeys = tokens.map(function (token) { return /^\d+$/.test(token) ? token : token.toUpperCase(); });
  return lookUp(base, table, Array.from(new Set(firstKeys))).then(function (found) {
    var targets = new Set();
    found.forEach(function (entry) {
      if (entry.alias) entry.alias.forEach(function (key) { if (!found.has(key)) targets.add(key); });
    });
    return lookUp(base, table, Array.from(targets)).then(function (more) {
      more.forEach(function (entry, key) { found.set(key, entry); });
      var docs = new Map();
      function docsOf(key) {
        var entry = found.get(key);
        if (!entry || entry.alias) return [];
        if (!docs.has(key)) docs.set(key, postings(entry, member));
        return docs.get(key);
      }
      var known = [], seen = new Map(), unknown = [], duplicates = [];
      tokens.forEach(function (token, i) {
        var entry = found.get(firstKeys[i]);
        var keys = !entry ? [] : entry.alias ? entry.alias : [firstKeys[i]];
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
    });
  });
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
function analyse(message) {
  var base = message.base, started = performance.now(), timing = {};
  return manifests(base).then(function (both) {
    var analysis = both[0], search = both[1];
    var organism = message.organism === ALL ? { name: ALL, figures: analysis.all[0], background: analysis.all[1], file: null } : null;
    analysis.organisms.forEach(function (row) {
      if (row[0] === message.organism) organism = { name: row[0], figures: row[1], background: row[2], file: row[3] };
    });
    if (!organism) throw new Error("unknown organism " + message.organism);
    return Promise.all([members(base, analysis, organism), sizes(base, analysis)]).then(function (loaded) {
      return resolve(base, analysis.genes, message.genes, loaded[0]).then(function (input) {
        return [input, loaded[1]];
      });
    }).then(function (loaded) {
      timing.loaded = Math.round(performance.now() - started);
      var input = loaded[0], size = loaded[1];
      var N = organism.background, M = organism.figures, m = input.known.length;
      var overlap = new Map(); // doc -> indices of the known genes it holds
      input.known.forEach(function (gene, index) {
        var ids = gene.docs;
        for (var i = 0; i < ids.length; i++) {
          var list = overlap.get(ids[i]);
          if (list) list.push(index); else overlap.set(ids[i], [index]);
        }
      });
      var cache = new Map(), rows = [];
      overlap.forEach(function (genes, doc) {
        var k = genes.length, n = size[doc], key = n * 65536 + k;
        if (!cache.has(key)) cache.set(key, upperTail(k, N, n, m));
        rows.push({ doc: doc, k: k, n: n, p: cache.get(key), odds: oddsRatio(k, N, n, m), genes: genes });
      });
      rows.sort(function (a, b) { return a.p - b.p || b.k - a.k || b.doc - a.doc; });
      var running = 1;
      for (var i = rows.length - 1; i >= 0; i--) { // Benjamini-Hochberg over the M figures tested
        running = Math.min(running, rows[i].p * M / (i + 1));
        rows[i].q = Math.min(1, running);
      }
      var names = input.known.map(function (gene) { return gene.gene; });
      rows.forEach(function (row) {
        row.genes = row.genes.map(function (index) { return names[index]; });
      });
      timing.ranked = Math.round(performance.now() - started);
      return excludeAndName(base, search, rows, message).then(function (shown) {
        timing.named = Math.round(performance.now() - started);
        return {
          organism: organism.name, background: N, tested: M, query: m,
          known: input.known.map(function (gene) { return { input: gene.input, gene: gene.gene }; }),
          unknown: input.unknown, duplicates: input.duplicates,
          rows: shown.rows, docs: shown.docs,
          timing: timing, // milliseconds from the message: data loaded, figures ranked, the first named
        };
      });
    });
  });
}

// The docs (url, title, year, organisms) of the first message.docs rows; with message.exclude,
// the row of that page is left out (the related figures of a figure).
function excludeAndName(base, search, rows, message) {
  var wanted = Math.min(rows.length, (message.docs || 0) + (message.exclude ? 1 : 0));
  return docs(base, search, rows.slice(0, wanted).map(function (row) { return row.doc; })).then(function (found) {
    if (message.exclude) {
      var at = found.findIndex(function (doc) { return doc[0] === message.exclude; });
      if (at >= 0) {
        rows.splice(at, 1);
        found.splice(at, 1);
      } else if (found.length > (message.docs || 0)) {
        found.pop();
      }
    }
    return { rows: message.exclude ? rows.slice(0, found.length) : rows, docs: found };
  });
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
  var work = message.type === "docs"
    ? manifests(message.base).then(function (both) { return docs(message.base, both[1], message.ids); })
    : message.type === "prepare" // fetch what every analysis needs while the page starts
      ? manifests(message.base).then(function (both) { return sizes(message.base, both[0]).then(function () { return null; }); })
      : analyse(message);
  work.then(function (result) {
    self.postMessage({ id: message.id, ok: true, result: result });
  }, function (error) {
    self.postMessage({ id: message.id, ok: false, error: String(error && error.message || error) });
  });
};
