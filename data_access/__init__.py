"""Everything that talks to PostgreSQL: settings, engine, filters, cache and KPI queries."""
