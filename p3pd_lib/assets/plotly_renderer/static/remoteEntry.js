/*
 * The dashboard's renderer of plotly charts (mimetype application/vnd.plotly.v1+json).
 *
 * Why not jupyterlab-plotly (plotly 7.1): its mime extension is one 4.8 MB bundle with plotly.js
 * inside, and Voila 0.5.13 awaits every mime extension before it starts the page's app, so
 * plotly.js was fetched and compiled before the first tab (which has no plotly chart) could show.
 * Its renderer also draws every chart up to four times: Plotly.react, a full redraw plus a resize
 * on each update request, and Plotly.toImage (a hidden second plot) only to store a PNG snapshot
 * in the output model, which a Voila page never saves.
 *
 * This renderer is a few kilobytes. It draws once (Plotly.react) and on update requests (shown,
 * resized) only resizes. plotly.js (static/plotly.min.js, copied from the installed plotly
 * package when the server starts) is loaded with the first chart, or on idle time once the first
 * view is on screen, so that a tab with charts draws at once.
 * p3pd_lib.dashboard.server puts this folder on VoilaConfiguration.extra_labextensions_path and
 * jupyterlab-plotly on VoilaConfiguration.extension_denylist (both public configuration).
 *
 * It is a JupyterLab federated extension written by hand, without a build step: the container of
 * webpack 5 module federation, `init(shareScope)` and `get(module)`, which Voila's loader calls.
 * The renderer must be a Lumino Widget of the page's own @lumino/widgets, taken from the share
 * scope in webpack 5's format ({package: {version: {get}}}, as JupyterLab 4's builder shares it).
 * Checked with Voila 0.5.13 / JupyterLab 4.x; the browser tests (tests/test_dashboard_browser*.py)
 * fail if a chart stops being drawn.
 */
(function () {
  "use strict";
  var MIME = "application/vnd.plotly.v1+json";
  var NAME = "p3pd-plotly";
  var shareScope = null;
  var loading = null;

  function plotlyUrl() {
    // Next to this file: .../voila/labextensions/p3pd-plotly/static/plotly.min.js
    var own = document.querySelector('script[src*="/' + NAME + '/static/remoteEntry.js"]');
    return own.src.replace(/remoteEntry\.js.*$/, "plotly.min.js");
  }

  function loadPlotly() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = plotlyUrl();
        s.async = true;
        s.onload = function () { resolve(window.Plotly); };
        s.onerror = function () { loading = null; reject(new Error("plotly.js tidak dapat dimuat")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  // The dashboard's first tab has no plotly chart: load plotly.js once the first view is on
  // screen and the browser is idle, so that a tab with charts draws at once.
  function loadWhenFirstViewShown() {
    var waited = 0;
    (function whenShown() {
      if (!document.querySelector(".p3pd-app [data-kode-kecamatan]")) {
        if ((waited += 200) < 120000) { setTimeout(whenShown, 200); }
        return;
      }
      var idle = window.requestIdleCallback || function (f) { setTimeout(f, 300); };
      idle(function () { loadPlotly().catch(function () {}); }, { timeout: 3000 });
    })();
  }

  function shared(pkg) {
    var versions = shareScope && shareScope[pkg];
    if (!versions || !Object.keys(versions).length) {
      return Promise.reject(new Error(pkg + " tidak ada dalam share scope halaman"));
    }
    var version = Object.keys(versions)[0];
    return Promise.resolve(versions[version].get()).then(function (factory) { return factory(); });
  }

  function extension(lumino) {
    class RenderedPlotly extends lumino.Widget {
      constructor(options) {
        super();
        this._mimeType = options.mimeType;
        this.addClass("jp-RenderedPlotly");
      }

      renderModel(model) {
        var spec = model.data[this._mimeType] || {};
        var layout = Object.assign({}, spec.layout);
        if (!layout.height) { layout.height = 360; }
        // Fill the width at the first drawing (plotly's default is 700 px).
        if (layout.width === undefined && layout.autosize === undefined) { layout.autosize = true; }
        var self = this, node = this.node;
        return loadPlotly().then(function (Plotly) {
          // Voila's output area attaches the renderer right after asking it to render; plotly
          // sizes the chart from the attached container.
          return Promise.resolve().then(function () {
            return Plotly.react(node, spec.data || [], layout, spec.config);
          }).then(function () {
            self._width = node.getBoundingClientRect().width;
            if (!(node.offsetWidth > 0)) { self.update(); }  // not laid out yet: resize when it is
            if (spec.frames) { return Plotly.addFrames(node, spec.frames); }
          });
        });
      }

      onAfterShow() { this.update(); }

      onResize() { this.update(); }

      onUpdateRequest() {
        var node = this.node;
        if (!window.Plotly || this._width === undefined || !this.isVisible || node.offsetParent === null) { return; }
        var width = node.getBoundingClientRect().width;
        if (Math.abs(width - this._width) <= 1) { return; }  // size unchanged
        this._width = width;
        Promise.resolve(window.Plotly.Plots.resize(node)).catch(function () {});
      }
    }

    return [{
      id: NAME + ":factory",
      rendererFactory: {
        safe: true,
        mimeTypes: [MIME],
        createRenderer: function (options) { return new RenderedPlotly(options); },
      },
      rank: 2,
      dataType: "json",
    }];
  }

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function (scope) { shareScope = scope; },
    get: function (module) {
      if (module !== "./mimeExtension") { return Promise.reject(new Error("Modul tidak dikenal: " + module)); }
      return shared("@lumino/widgets").then(function (lumino) {
        var plugins = extension(lumino);
        loadWhenFirstViewShown();
        return function () { return plugins; };
      });
    },
  };
})();
