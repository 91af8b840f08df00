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
})();
