// Formatters the grids call by name (dash-ag-grid evaluates column functions in this namespace).
// Locale and currency come from the server's settings, passed in each column definition.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.formatMoney = function (value, locale, currency) {
  if (value === null || value === undefined) return "";
  return new Intl.NumberFormat(locale, { style: "currency", currency: currency }).format(value);
};

dagfuncs.formatNumber = function (value, locale, style, digits) {
  if (value === null || value === undefined) return "";
  return new Intl.NumberFormat(locale, {
    style: style,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
};
