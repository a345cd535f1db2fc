// The modebar's downloads, for a chart whose config names an export file: PNG at 2x (in place
// of plotly's camera) and SVG. The image carries the chart's title and what it shows (the dates
// and filters, toImageButtonOptions.title and .caption): a chart pasted into a meeting's slides
// said neither, where on the page the card's header and the filter bar said both.
// Dash cannot send a click handler in a figure's config (JSON only), so we wrap
// Plotly.react/newPlot, which dcc.Graph calls globally.
(function () {
  var TITLE_SIZE = 16;
  var CAPTION_SIZE = 12;
  // An image at least this wide: a phone's chart went into slides 350 px wide, tall and narrow.
  var MIN_WIDTH = 800;

  // A store or product name is text, not plotly's markup.
  function escaped(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // The caption's lines, broken between its parts (" · ") to the image's width: plotly does not
  // wrap, and a long one ran past the image's edge.
  function wrapped(caption, width) {
    var fits = Math.max(20, Math.floor((width - 24) / (CAPTION_SIZE * 0.55)));
    var lines = [];
    String(caption)
      .split(" · ")
      .forEach(function (part) {
        var last = lines.length - 1;
        if (last >= 0 && lines[last].length + 3 + part.length <= fits) lines[last] += " · " + part;
        else lines.push(part);
      });
    return lines.map(escaped);
  }

  // The figure as drawn, its top margin grown by the title's lines and the title above them.
  function titledFigure(gd, options) {
    var full = gd._fullLayout;
    var width = Math.max(full.width, MIN_WIDTH);
    var captionLines = options.caption ? wrapped(options.caption, width) : [];
    var extra = 20 + TITLE_SIZE + (captionLines.length ? 10 + captionLines.length * (CAPTION_SIZE + 4) : 0);
    var title = {
      text: "<b>" + escaped(options.title) + "</b>",
      font: { size: TITLE_SIZE, color: "#0f172a" },
      x: 0,
      xref: "container",
      xanchor: "left",
      pad: { l: 12, t: 10 },
      y: 1,
      yref: "container",
      yanchor: "top",
    };
    if (options.caption) {
      title.subtitle = { text: captionLines.join("<br>"), font: { size: CAPTION_SIZE, color: "#475569" } };
    }
    var layout = Object.assign({}, gd.layout, {
      width: width,
      height: full.height + extra,
      // Above the plot as drawn (full._size: the margins the legend and labels pushed out).
      margin: Object.assign({}, full.margin, { t: full._size.t + extra }),
      title: title,
    });
    return { data: gd.data, layout: layout };
  }

  function save(url, name) {
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // The image as a data URL (a promise): what the buttons download, and what the tests read.
  function image(gd, format) {
    var options = gd._context.toImageButtonOptions || {};
    var source = options.title ? titledFigure(gd, options) : gd;
    var size = options.title ? { width: source.layout.width, height: source.layout.height } : {};
    return window.Plotly.toImage(source, Object.assign({ format: format, scale: format === "png" ? 2 : 1 }, size));
  }

  function download(gd, format) {
    var options = gd._context.toImageButtonOptions || {};
    return image(gd, format).then(function (url) {
      save(url, (options.filename || "chart") + "." + format);
    });
  }
  window.shopPulseExport = { titledFigure: titledFigure, image: image, download: download };

  var BUTTONS = [
    { name: "downloadPng", title: "Download as PNG", icon: "camera", format: "png" },
    { name: "downloadSvg", title: "Download as SVG", icon: "disk", format: "svg" },
  ];
  var OURS = BUTTONS.map(function (b) {
    return b.name;
  });

  function withDownloadButtons(config) {
    var options = config && config.toImageButtonOptions;
    if (!options || !options.filename) return config;
    var buttons = BUTTONS.map(function (b) {
      return {
        name: b.name,
        title: b.title,
        icon: window.Plotly.Icons[b.icon],
        click: function (gd) {
          download(gd, b.format);
        },
      };
    });
    var others = (config.modeBarButtonsToAdd || []).filter(function (b) {
      return OURS.indexOf(b.name) < 0;
    });
    var removed = (config.modeBarButtonsToRemove || []).filter(function (name) {
      return name !== "toImage";
    });
    return Object.assign({}, config, {
      modeBarButtonsToAdd: others.concat(buttons),
      modeBarButtonsToRemove: removed.concat(["toImage"]),
    });
  }

  function patch() {
    var P = window.Plotly;
    if (!P || !P.react) return false;
    if (P.__downloadsPatched) return true;
    ["react", "newPlot"].forEach(function (name) {
      var original = P[name];
      P[name] = function (gd, data, layout, config) {
        if (data && !Array.isArray(data) && typeof data === "object") {
          return original.call(this, gd, Object.assign({}, data, { config: withDownloadButtons(data.config) }));
        }
        return original.call(this, gd, data, layout, withDownloadButtons(config));
      };
    });
    P.__downloadsPatched = true;
    // Charts drawn before this script ran get the buttons now.
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var context = gd._context || {};
      var hasButtons = (context.modeBarButtonsToAdd || []).some(function (b) {
        return b.name === "downloadSvg";
      });
      if (!hasButtons && context.toImageButtonOptions && context.toImageButtonOptions.filename) {
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
