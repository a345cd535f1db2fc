"""Pure builders of figures, cards and controls: no I/O, no callbacks, no data access."""
