"""One module per page (layout + callbacks); modules starting with _ are shared, not pages."""
