#!/usr/bin/env python3
"""Measure the Analyse page and the related figures (issue 15) on a built site, in headless Chromium.

    python benchmarks/analyse_scale.py --site /tmp/sb-bench/10000/site [--genes 200] [--repeat 3]

Serves the site on 127.0.0.1 (a plain static server that counts the bytes it sends) and, each
time in a fresh browser context (nothing cached):
  - analyse: opens analyse.html?genes=<N human genes>&organism=Homo+sapiens and waits for the
    result rows: milliseconds from the page's load event and from navigation start, bytes
    fetched (the page, its scripts, the worker's data) and requests until the first page of
    rows is complete;
  - related: opens the figure page whose gene set is closest to 50 human genes and waits for its
    related figures: milliseconds from the load event, bytes of the analysis data fetched.
Two times for each: ms_after_load is when Playwright's wait for the rows returned (its polling
backs off to one look per 500 ms, so it lags the page by up to ~0.5 s plus a round trip);
shown_ms_after_load is when the page itself first held a row, from a MutationObserver the
benchmark adds before the page's scripts run (the frame that paints it follows within ~16 ms).
Then, for comparison, the cost of precomputing the related figures at build time in Python
(the same test, numpy) on a sample of figures, extrapolated to the whole collection.

The genes are the most frequent keys of the site's Homo sapiens figures, taken every k-th so the
list mixes common and rare genes (deterministic). Targets at 100k figures: analyse <= 1.5 s and
<= 5 MB, related <= 1 s. Localhost has no network latency: add the round trips of a real host.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    sent = {"bytes": 0, "requests": 0, "analysis": 0}

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        data = source.read()
        outputfile.write(data)
        CountingHandler.sent["bytes"] += len(data)
        CountingHandler.sent["requests"] += 1
        if "/search/analysis" in self.path:
            CountingHandler.sent["analysis"] += len(data)


def reset() -> None:
    CountingHandler.sent.update(bytes=0, requests=0, analysis=0)


def read_data(site: Path):
    from test_analysis import read_index

    return read_index(site)


def query_genes(index: dict, count: int) -> list[str]:
    human = index["organisms"]["Homo sapiens"]
    member = set(human[2])
    frequency = sorted(((sum(1 for d in docs if d in member), key) for key, (_, docs) in index["genes"].items()), reverse=True)
    frequency = [key for n, key in frequency if n]
    step = max(1, len(frequency) // (count * 3))
    return frequency[::step][:count]


def related_figure(site: Path, index: dict, size: int = 50) -> str:
    search = json.loads((site / "search" / "manifest.json").read_bytes())
    human = index["organisms"]["Homo sapiens"][2]
    doc = min(human, key=lambda d: (abs(index["sizes"][d] - size), d))
    shard = json.loads((site / "search" / "docs" / f"{search['docShards'][doc // search['docsPerShard']]}.json").read_bytes())
    return shard[doc % search["docsPerShard"]][0]


def precompute_estimate(index: dict, sample: int = 200) -> dict:
    """Seconds to compute the 10 related figures of `sample` human figures, as a build would."""
    import numpy as np
    from scipy.stats import hypergeom

    docs_count = len(index["sizes"])
    human_figures, background, members = index["organisms"]["Homo sapiens"]
    member = np.zeros(docs_count, dtype=bool)
    member[members] = True
    keys_of: dict[int, list[str]] = {}
    postings = {}
    for key, (_, docs) in index["genes"].items():
        ids = np.array([d for d in docs if member[d]], dtype=np.int32)
        if len(ids):
            postings[key] = ids
            for d in ids:
                keys_of.setdefault(int(d), []).append(key)
    sizes = np.array(index["sizes"])
    chosen = members[:: max(1, len(members) // sample)][:sample]
    started = time.perf_counter()
    for doc in chosen:
        counts = np.zeros(docs_count, dtype=np.int32)
        for key in keys_of.get(doc, []):
            counts[postings[key]] += 1
        hits = np.nonzero(counts)[0]
        m = len(keys_of.get(doc, []))
        p = hypergeom.sf(counts[hits] - 1, background, sizes[hits], m)
        order = np.lexsort((-hits, -counts[hits], p))
        [h for h in hits[order] if h != doc][:10]
    seconds = time.perf_counter() - started
    return {"sample": len(chosen), "seconds": round(seconds, 2), "per_figure_ms": round(1000 * seconds / len(chosen), 1),
            "all_human_figures_s": round(seconds / len(chosen) * human_figures, 1)}


# Records in the page when the first element matching window.__benchSelector appears.
SHOWN_OBSERVER = """(() => {
  const record = () => {
    if (window.__benchShown === undefined && window.__benchSelector && document.querySelector(window.__benchSelector))
      window.__benchShown = performance.now();
  };
  new MutationObserver(record).observe(document, { childList: true, subtree: true });
})();"""


def shown_after_load(page) -> dict:
    return page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {load: n.loadEventStart, now: performance.now(), shown: window.__benchShown}; }""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--genes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-precompute", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    from screenshots import launch

    site = args.site.resolve()
    index = read_data(site)
    genes = query_genes(index, args.genes)
    figure = related_figure(site, index)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results = {"figures": len(index["sizes"]), "query_genes": len(genes), "related_figure": figure, "analyse": [], "related": []}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for _ in range(args.repeat):
            context = browser.new_context()
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            context.add_init_script("window.__benchSelector = '#analyse-results tbody tr';" + SHOWN_OBSERVER)
            page = context.new_page()
            reset()
            page.goto(base + "analyse.html?genes=" + ",".join(genes) + "&organism=Homo+sapiens", wait_until="load")
            page.wait_for_selector("#analyse-results tbody tr", timeout=60000)
            timing = shown_after_load(page)
            page.evaluate("window.siteAnalyse.ready")  # the whole first page of rows: its bytes count too
            rows = page.locator("#analyse-results tbody tr").count()
            worker = json.loads(page.get_attribute("#analyse-output", "data-timing") or "{}")
            status = page.inner_text("#analyse-status")
            results["analyse"].append({"ms_after_load": round(timing["now"] - timing["load"]), "ms_from_start": round(timing["now"]),
                                       "shown_ms_after_load": round(timing["shown"] - timing["load"]),
                                       "bytes": CountingHandler.sent["bytes"], "analysis_bytes": CountingHandler.sent["analysis"],
                                       "requests": CountingHandler.sent["requests"], "rows_shown": rows, "status": status,
                                       "worker_ms": worker})
            context.close()
            context = browser.new_context()
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            context.add_init_script("window.__benchSelector = '#related ol.related li';" + SHOWN_OBSERVER)
            page = context.new_page()
            reset()
            page.goto(base + figure, wait_until="load")
            page.wait_for_selector("#related ol.related li", timeout=60000)
            timing = shown_after_load(page)
            results["related"].append({"ms_after_load": round(timing["now"] - timing["load"]), "ms_from_start": round(timing["now"]),
                                       "shown_ms_after_load": round(timing["shown"] - timing["load"]),
                                       "bytes": CountingHandler.sent["bytes"], "analysis_bytes": CountingHandler.sent["analysis"],
                                       "requests": CountingHandler.sent["requests"],
                                       "genes": page.locator("ul.genes li").count()})
            context.close()
        browser.close()
    server.shutdown()
    for kind in ("analyse", "related"):
        runs = results[kind]
        results[kind + "_median_ms_after_load"] = statistics.median(r["ms_after_load"] for r in runs)
        results[kind + "_median_shown_ms_after_load"] = statistics.median(r["shown_ms_after_load"] for r in runs)
    if not args.no_precompute:
        results["precompute"] = precompute_estimate(index)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
