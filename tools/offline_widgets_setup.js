// Setup for the Jupyter widget manager in the offline edition of the book.
//
// tools/offline_edition.py copies this file next to the widget manager
// (_static/html-manager/pg-setup.js) and myst-nb loads it on every page with
// widgets, after require.js and before html-manager's embed-amd.js.
(function () {
  "use strict";
  var here = document.currentScript.src.replace(/[^\/]*$/, "");  // .../_static/html-manager/

  // 1. The widget manager's fonts (the icons of its buttons). Webpack finds them
  //    in the folder of each AMD module's URL, which require.js makes relative
  //    to the page ("chapters/@jupyter-widgets/..."): every page but the root
  //    got 404s. The modules are defined inside embed-amd.js and never fetched,
  //    so mapping their names to this folder only fixes where the fonts are.
  window.__jupyter_widgets_assets_path__ = here;
  if (window.requirejs) {
    var folder = here.slice(0, -1);
    window.requirejs.config({paths: {
      "@jupyter-widgets/html-manager/dist": folder,
      "@jupyter-widgets": folder
    }});
  }

  // 2. ipywidgets 8 typesets every control label through the MathJax 2 API
  //    (MathJax.Hub.Queue) whenever window.MathJax exists. The book loads
  //    MathJax 3, which has no Hub, so each label threw a TypeError. Every
  //    object assigned to window.MathJax (Sphinx's configuration, then MathJax
  //    3 itself) gets a Hub.Queue that hands the label to MathJax 3.
  var hub = {
    Queue: function (job) {
      var el = job && job[2];
      var mj = window.MathJax;
      if (mj && mj.startup && mj.startup.promise && mj.typesetPromise) {
        mj.startup.promise
          .then(function () { return mj.typesetPromise(el ? [el] : undefined); })
          .catch(function (err) { console.warn("MathJax could not typeset a widget label", err); });
      }
    }
  };
  var current = window.MathJax;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) {
        value.Hub = hub;
      }
    }
  });
  if (current) {
    window.MathJax = current;
  }
})();
