"""Engine behaviour: URLs people paste, and timeouts that become a sentence for the user."""

import pytest
from sqlalchemy import text

from data_access.db import QueryTimeout, _normalize_url, read_connection


@pytest.mark.parametrize(
    "url", ["postgres://u:p@db:5432/shop", "postgresql://u:p@db:5432/shop", "postgresql+psycopg://u:p@db:5432/shop"]
)
def test_urls_are_driven_by_psycopg3(url):
    assert _normalize_url(url) == "postgresql+psycopg://u:p@db:5432/shop"


def test_a_slow_query_is_cancelled_with_a_message_for_the_user():
    with pytest.raises(QueryTimeout, match="narrow the date range or filters"), read_connection(50) as conn:
        conn.execute(text("SELECT pg_sleep(2)"))


def test_reads_cannot_write():
    with pytest.raises(Exception, match="read-only transaction"), read_connection() as conn:
        conn.execute(text("UPDATE data_state SET version = version"))
