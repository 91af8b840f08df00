/* Long listings (progressive enhancement). A listing page's HTML holds its newest figures;
   div.rest names its list in lists/ (format: site_builder/lists.py), which holds all of them as
   search doc ids. This script pages through them, per_page at a time, taking titles, years and
   organisms from the search index's doc files (format: site_builder/search.py). The page number
   is kept in the address (#page=3), so Back, reload and links work. */
(function () {
  "use strict";
  var rest = document.querySelector("div.rest[data-list]");
  var list = document.querySelector("ol.entries");
  if (!rest || !list || !window.fetch || !window.URL || !window.TextDecoder) return;

  var listName = rest.getAttribute("data-list"); // "*": every figure, the index's docs
  var total = Number(rest.getAttribute("data-total"));
  var perPage = Number(rest.getAttribute("data-per-page"));
  var pages = Math.ceil(total / perPage);
  var root = rest.getAttribute("data-root");
  var indexUrl = new URL(rest.getAttribute("data-index"), document.baseURI);
  var listsUrl = new URL(rest.getAttribute("data-lists"), document.baseURI);
  var firstHref = list.querySelector("a") ? list.querySelector("a").href : ""; // the newest, from the HTML
  var status = rest.querySelector("p");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "en");
  var manifest = null;
  var ids = null; // the list's doc ids, newest (highest) first
  var files = new Map(); // url -> promise of the parsed file
  var pager = null;
  var latest = 0;

  function load(url, options, bytes) {
    url = url.href;
    if (!files.has(url)) {
      var promise = fetch(url, options).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
        return bytes ? response.arrayBuffer().then(function (data) { return new Uint8Array(data); }) : response.json();
      });
      promise.catch(function () { files.delete(url); });
      files.set(url, promise);
    }
    return files.get(url);
  }

  function doc(id) {
    var size = manifest.docsPerShard;
    return load(new URL("docs/" + manifest.docShards[Math.floor(id / size)] + ".json", indexUrl)).then(function (shard) {
      return shard[id % size];
    });
  }

  function varint(bytes, at) {
    var value = 0, scale = 1, byte;
    do {
      byte = bytes[at.pos++];
      value += (byte & 127) * scale;
      scale *= 128;
    } while (byte >= 128);
    return value;
  }

  // The entry of this list in its shard: a run of (name, count, ids as gaps from the previous).
  function listIds(table) {
    var shard = null;
    for (var i = 0; i < table.length && table[i][0] <= listName; i++) shard = table[i][1];
    if (shard === null) return Promise.reject(new Error("stale"));
    return load(new URL(shard + ".bin", listsUrl), undefined, true).then(function (bytes) {
      var decoder = new TextDecoder(), at = { pos: 0 };
      while (at.pos < bytes.length) {
        var size = varint(bytes, at);
        var name = decoder.decode(bytes.subarray(at.pos, at.pos + size));
        at.pos += size;
        var count = varint(bytes, at), length = varint(bytes, at);
        if (name !== listName) { at.pos += length; continue; }
        var found = [], id = -1;
        for (var k = 0; k < count; k++) found.push(id += varint(bytes, at));
        return found.reverse();
      }
      throw new Error("stale");
    });
  }

  // The manifest and the lists' table are the files not named by their content: never take them
  // from the HTTP cache. A page and an index of two builds agree while figures were only added
  // (ids are kept); otherwise this list is no longer the one the HTML shows.
  function loadManifest() {
    if (manifest) return Promise.resolve(manifest);
    var found;
    return load(new URL("manifest.json", indexUrl), { cache: "no-cache" }).then(function (loaded) {
      manifest = loaded;
      if (listName === "*") {
        found = [];
        for (var id = manifest.docs - 1; id >= 0; id--) found.push(id);
        return found;
      }
      return load(new URL("index.json", listsUrl), { cache: "no-cache" }).then(listIds);
    }).then(function (listed) {
      found = listed;
      return found.length === total ? doc(found[0]) : null;
    }).then(function (newest) {
      if (!newest || new URL(root + newest[0], document.baseURI).href !== firstHref) {
        manifest = null;
        files.clear();
        throw new Error("stale");
      }
      ids = found;
      return manifest;
    });
  }

  function docs(page) {
    return loadManifest().then(function () {
      return Promise.all(ids.slice((page - 1) * perPage, page * perPage).map(doc));
    });
  }

  // The same markup as templates/_entries.html.
  function entry(doc) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = root + doc[0];
    link.textContent = doc[1] || doc[0];
    item.appendChild(link);
    var names = doc[3].map(function (index) { return manifest.organisms[index][0]; });
    var organisms = names.slice(0, 3).join(", ") + (names.length > 3 ? " +" + (names.length - 3) : "");
    if (doc[2] || organisms) {
      var meta = document.createElement("span");
      meta.className = "m";
      meta.textContent = doc[2] + (doc[2] && organisms ? " · " : "");
      if (organisms) meta.appendChild(document.createElement("i")).textContent = organisms;
      item.appendChild(document.createTextNode("\n"));
      item.appendChild(meta);
    }
    return item;
  }

  function pageLink(label, page, current) {
    var item = document.createElement("li");
    var link = item.appendChild(document.createElement("a"));
    link.href = "#page=" + page;
    link.textContent = label;
    if (current) link.setAttribute("aria-current", "page");
    link.addEventListener("click", function (event) {
      if (link.hash !== location.hash) return; // the hashchange handler shows the page
      event.preventDefault(); // the same address (say, after a failed load): show it again
      show(page, true);
    });
    return item;
  }

  // First, last, and two pages either side of the current one; gaps show as "…".
  function showPager(current) {
    if (pages <= 1) return;
    if (!pager) {
      pager = document.createElement("nav");
      pager.className = "pager";
      pager.setAttribute("aria-label", "Pages");
      rest.appendChild(pager);
    }
    var items = document.createElement("ul");
    if (current > 1) items.appendChild(pageLink("Previous", current - 1, false));
    var shown = 0;
    for (var page = 1; page <= pages; page++) {
      if (page === 1 || page === pages || Math.abs(page - current) <= 2) {
        if (page - shown > 1) items.appendChild(document.createElement("li")).textContent = "…";
        items.appendChild(pageLink(String(page), page, page === current));
        shown = page;
      }
    }
    if (current < pages) items.appendChild(pageLink("Next", current + 1, false));
    pager.replaceChildren(items);
  }

  function say(page) {
    var first = (page - 1) * perPage + 1, last = Math.min(page * perPage, total);
    status.textContent = "Figures " + numbers.format(first) + "–" + numbers.format(last) +
      " of " + numbers.format(total) + ", newest first.";
  }

  function show(page, moveFocus) {
    var number = ++latest;
    list.setAttribute("aria-busy", "true");
    return docs(page).then(function (found) {
      if (number !== latest) return;
      list.replaceChildren.apply(list, found.map(entry));
      list.removeAttribute("aria-busy");
      say(page);
      showPager(page);
      if (moveFocus && list.firstChild) list.firstChild.querySelector("a").focus();
    }).catch(function (error) {
      if (number !== latest) return;
      list.removeAttribute("aria-busy");
      status.textContent = error.message === "stale"
        ? "The site has been updated since this page was loaded: reload it to see the whole list."
        : "This page of the list could not be loaded. Please try again.";
      showPager(page);
    });
  }

  function requestedPage() {
    var match = /^#page=([0-9]+)$/.exec(location.hash);
    var page = match ? Number(match[1]) : 0;
    return page >= 1 && page <= pages ? page : 0;
  }

  window.addEventListener("hashchange", function () {
    if (location.hash && !/^#page=/.test(location.hash)) return; // the skip link, other anchors
    show(requestedPage() || 1, true); // back to the address without a page: the first page
  });

  var ready;
  if (requestedPage()) {
    ready = show(requestedPage(), false);
  } else if (list.children.length < Math.min(perPage, total)) {
    // a short first part (gene pages): one button shows the whole list, page by page
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-all";
    button.textContent = "Show all " + numbers.format(total) + " figures";
    button.addEventListener("click", function () {
      button.remove();
      location.hash = "#page=1";
    });
    rest.appendChild(button);
    ready = Promise.resolve();
  } else {
    showPager(1);
    ready = Promise.resolve();
  }
  window.siteListing = { ready: ready }; // for tests
})();
