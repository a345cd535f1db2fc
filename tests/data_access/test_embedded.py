"""The embedded server's settings: sized to the machine, and in force on the server it starts."""

from sqlalchemy import create_engine, text

from data_access.embedded import analytics_settings, memory_settings

GB = 2**30


def test_buffer_cache_is_a_quarter_of_memory_within_bounds():
    assert memory_settings(1 * GB) == {"shared_buffers": "256MB"}
    assert memory_settings(24 * GB) == {"shared_buffers": "6GB"}
    assert memory_settings(GB // 4) == {"shared_buffers": "128MB"}  # never below PostgreSQL's default
    assert memory_settings(64 * GB) == {"shared_buffers": "8GB"}
    # Not a whole GB: shown (and compared by _is_tuned) in MB, a multiple of 128MB.
    assert memory_settings(int(23.5 * GB)) == {"shared_buffers": "6016MB"}


def test_the_started_server_runs_with_every_setting(pg_server_url):
    engine = create_engine(pg_server_url)
    with engine.connect() as conn:
        shown = {
            name: conn.execute(text(f"SELECT current_setting('{name}')")).scalar() for name in analytics_settings()
        }
    engine.dispose()
    assert shown == analytics_settings()
