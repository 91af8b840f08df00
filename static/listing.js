/* Long listings (progressive enhancement). A listing page's HTML holds its newest figures;
   div.rest holds all of them as search doc ids (encoded by encode_ids in site_builder/render.py).
   This script pages through them, per_page at a time, taking titles, years and organisms from
   the search index's doc files (format: site_builder/search.py). The page number is kept in the
   address (#page=3), so Back, reload and links work. */
(function () {
  "use strict";
  var rest = document.querySelector("div.rest[data-ids]");
  var list = document.querySelector("ol.entries");
  if (!rest || !list || !window.fetch || !window.URL) return;

  var ids = decode(rest.getAttribute("data-ids")).reverse(); // newest (highest id) first
  var perPage = Number(rest.getAttribute("data-per-page"));
  var pages = Math.ceil(ids.length / perPage);
  var root = rest.getAttribute("data-root");
  var indexUrl = new URL(rest.getAttribute("data-index"), document.baseURI);
  var firstHref = list.querySelector("a") ? list.querySelector("a").href : ""; // the newest, from the HTML
  var status = rest.querySelector("p");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "en");
  var manifest = null;
  var files = new Map(); // url -> promise of the parsed JSON
  var pager = null;
  var latest = 0;

  function decode(text) {
    var found = [], previous = -1;
    text.split(",").forEach(function (run) {
      var parts = run.split("+");
      var first = previous + 1 + parseInt(parts[0], 36);
      var last = first + (parts[1] ? parseInt(parts[1], 36) : 0);
      for (var id = first; id <= last; id++) found.push(id);
      previous = last;
    });
    return found;
  }

  function load(path, options) {
    var url = new URL(path, indexUrl).href;
    if (!files.has(url)) {
      var promise = fetch(url, options).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
        return response.json();
      });
      promise.catch(function () { files.delete(url); });
      files.set(url, promise);
    }
    return files.get(url);
  }

  function doc(id) {
    var size = manifest.docsPerShard;
    return load("docs/" + manifest.docShards[Math.floor(id / size)] + ".json").then(function (shard) {
      return shard[id % size];
    });
  }

  // The manifest is the one file not named by its content: never take it from the HTTP cache.
  // A page and an index of two builds agree while figures were only added (ids are kept);
  // otherwise the newest figure of this list is no longer the one the HTML shows.
  function loadManifest() {
    if (manifest) return Promise.resolve(manifest);
    return load("manifest.json", { cache: "no-cache" }).then(function (loaded) {
      manifest = loaded;
      return doc(ids[0]);
    }).then(function (newest) {
      if (!newest || new URL(root + newest[0], document.baseURI).href !== firstHref) {
        manifest = null;
        throw new Error("stale");
      }
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
    var first = (page - 1) * perPage + 1, last = Math.min(page * perPage, ids.length);
    status.textContent = "Figures " + numbers.format(first) + "–" + numbers.format(last) +
      " of " + numbers.format(ids.length) + ", newest first.";
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
  } else if (list.children.length < Math.min(perPage, ids.length)) {
    // a short first part (gene pages): one button shows the whole list, page by page
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-all";
    button.textContent = "Show all " + numbers.format(ids.length) + " figures";
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
