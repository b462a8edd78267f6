// The book on every screen (issue 9): wide figures are marked so that, on a phone,
// _static/pg-ui.css shows them at a readable size in a box that scrolls sideways;
// the "What you will learn" boxes get one class (pg-learn) in every chapter.
(function () {
  function markWide(img) {
    if (img.naturalWidth && img.naturalWidth / img.naturalHeight > 1.7 && img.naturalWidth >= 680) {
      img.classList.add("pg-wide-figure");
      var w = Math.min(img.naturalWidth, Math.max(680, Math.round(0.7 * img.naturalWidth)));
      img.style.setProperty("--pg-figure-width", w + "px");
      var box = img.closest("figure, .output, .widget-subarea, .cell_output");
      if (box) box.classList.add("pg-wide-figure-box");
    }
  }
  function run() {
    document.querySelectorAll("div.cell_output img").forEach(function (img) {
      if (img.complete) markWide(img); else img.addEventListener("load", function () { markWide(img); });
    });
    document.querySelectorAll("div.admonition").forEach(function (box) {
      var title = box.querySelector(".admonition-title");
      if (title && /^what you will learn/i.test(title.textContent.trim())) box.classList.add("pg-learn");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
