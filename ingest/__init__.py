"""Everything that writes: schema migrations, demo data, bulk loads and the data version."""
