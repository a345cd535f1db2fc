// Adds "Download as SVG" next to the modebar camera (which downloads PNG at 2x) on every
// chart whose config names an export file. Dash cannot send a click handler in a figure's
// config (JSON only), so we wrap Plotly.react/newPlot, which dcc.Graph calls globally.
(function () {
  function withSvgButton(config) {
    var options = config && config.toImageButtonOptions;
    if (!options || !options.filename) return config;
    var button = {
      name: "downloadSvg",
      title: "Download as SVG",
      icon: window.Plotly.Icons.disk,
      click: function (gd) {
        window.Plotly.downloadImage(gd, { format: "svg", filename: options.filename });
      },
    };
    var others = (config.modeBarButtonsToAdd || []).filter(function (b) {
      return b.name !== "downloadSvg";
    });
    return Object.assign({}, config, { modeBarButtonsToAdd: others.concat([button]) });
  }

  function patch() {
    var P = window.Plotly;
    if (!P || !P.react) return false;
    if (P.__svgExportPatched) return true;
    ["react", "newPlot"].forEach(function (name) {
      var original = P[name];
      P[name] = function (gd, data, layout, config) {
        if (data && !Array.isArray(data) && typeof data === "object") {
          return original.call(this, gd, Object.assign({}, data, { config: withSvgButton(data.config) }));
        }
        return original.call(this, gd, data, layout, withSvgButton(config));
      };
    });
    P.__svgExportPatched = true;
    // Charts drawn before this script ran get the button now.
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var context = gd._context || {};
      var hasButton = (context.modeBarButtonsToAdd || []).some(function (b) {
        return b.name === "downloadSvg";
      });
      if (!hasButton && context.toImageButtonOptions && context.toImageButtonOptions.filename) {
        P.react(gd, gd.data, gd.layout, context);
      }
    });
    return true;
  }

  if (!patch()) {
    var timer = setInterval(function () {
      if (patch()) clearInterval(timer);
    }, 10);
  }
})();
