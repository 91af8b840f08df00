// The search page: Pagefind's UI over the bundle the build wrote; ?q= from the header box runs at once.
(function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: box.getAttribute("data-bundle"),
    showImages: false,
    showSubResults: false,
    openFilters: ["organism", "year"],
    translations: { placeholder: "Gene, species, topic…" }
  });
  var input = box.querySelector("input");
  if (input) input.setAttribute("aria-label", "Search figures");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
