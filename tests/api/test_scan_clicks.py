"""Recorded opens survive a clean stop: clicks are queued in memory, rolled up per code, minute,
source, client and channel, and written in windows; SIGTERM writes what is queued before the
process exits, so a restart shows every open."""
from conftest import Server
from scan_helpers import product, stats

OPENS = 57  # not a multiple of anything the queue batches by
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


def test_clicks_survive_sigterm_and_restart():
    first = Server().start()
    try:
        _, key = first.new_merchant("Clicks")
        c = first.client(key)
        p = product(c)
        anon = first.client()
        for i in range(OPENS):
            r = anon.get(f"/{'PQ'[i % 2]}/{p['code']}?ch=c{i % 3}", headers={"User-Agent": PHONE_UA})
            assert r.status == 200
        anon.close()
        c.close()
    finally:
        # SIGTERM (Server.stop), with no stats call before it: that would flush the queue itself.
        first.assert_clean_exit(keep_database=True)
    second = Server()
    second.db_url = first.db_url
    second.env["HUTONG_DB"] = first.db_url
    second.owned_database, first.owned_database = first.owned_database, None  # the second drops it
    second.start()
    try:
        c = second.client(key)
        s = stats(c, p["code"])
        c.close()
        assert s["total"] == OPENS
        assert s["by_client"]["android_browser"] == OPENS
        assert s["by_source"] == {"link": (OPENS + 1) // 2, "qr": OPENS // 2}
        assert s["by_channel"] == {f"c{k}": len(range(k, OPENS, 3)) for k in range(3)}
        assert s["by_os"] == {"android": OPENS}
        # Rolled up: one row per source, channel and minute with its count (the opens took
        # well under a minute, so they span at most two minutes), not one row per open.
        rows, opens = second.execute("SELECT COUNT(*), SUM(opens) FROM clicks WHERE code = ?", p["code"])[0]
        assert int(opens) == OPENS and int(rows) <= 2 * 2 * 3, rows
    finally:
        second.assert_clean_exit()
