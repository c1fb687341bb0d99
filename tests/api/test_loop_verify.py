"""`hutong ledger verify` on a real database: clean after the loop, and a non-zero exit with a
readable report for each kind of damage planted behind the server's back (a cached balance
edited, an unbalanced transaction, an order whose counters disagree with its escrow, a
negative merchant balance). Each case restores what it broke, so the module ends clean."""
import pytest

from loop import (account_balance, assert_ledger_clean, ledger_clean, ledger_verify, shop)  # noqa: F401


@pytest.fixture
def completed(shop):
    """A merchant with one released order and one paid order (escrow held)."""
    released = shop.shipped_order(shop.product(price_minor=2500))
    assert shop.confirm(released).status == 200
    held = shop.paid_order(shop.product(price_minor=700))
    return shop, released, held


def verify_fails(server, *expected):
    status, out = ledger_verify(server)
    assert status == 1, out
    assert "FAILED" in out and "VIOLATION" in out, out
    for text in expected:
        assert text in out, out
    return out


def test_clean_after_the_loop(server, completed):
    status, out = ledger_verify(server)
    assert status == 0 and out.startswith("ok:") and "0 violation(s)" in out, out


def test_edited_cached_balance(server, completed):
    shop, _, _ = completed
    before = account_balance(server, "merchant_available", shop.merchant_id)
    server.execute("UPDATE ledger_balances SET balance_minor = balance_minor + 1 WHERE account_kind ="
                   " 'merchant_available' AND owner_id = ?", shop.merchant_id)
    try:
        verify_fails(server, f"account merchant_available/{shop.merchant_id}/CNY: cached balance",
                     "differs from recomputed")
    finally:
        server.execute("UPDATE ledger_balances SET balance_minor = ? WHERE account_kind = 'merchant_available'"
                       " AND owner_id = ?", before, shop.merchant_id)
    assert_ledger_clean(server)


def test_unbalanced_transaction(server, completed):
    shop, released, _ = completed
    [[txn]] = server.execute("SELECT id FROM ledger_transactions WHERE kind = 'escrow_released' AND order_id = ?",
                             released["id"])
    [[entry, amount]] = server.execute("SELECT id, amount_minor FROM ledger_entries WHERE txn_id = ?"
                                       " AND account_kind = 'merchant_available'", txn)
    server.execute("UPDATE ledger_entries SET amount_minor = amount_minor + 1 WHERE id = ?", entry)
    try:
        verify_fails(server, f"transaction {txn}: CNY entries sum to 0.01, not 0", "the ledger: CNY entries sum")
    finally:
        server.execute("UPDATE ledger_entries SET amount_minor = ? WHERE id = ?", int(amount), entry)
    assert_ledger_clean(server)


def test_order_counters_disagree_with_escrow(server, completed):
    shop, _, held = completed
    server.execute("UPDATE orders SET paid_minor = paid_minor + 100 WHERE id = ?", held["id"])
    try:
        verify_fails(server, f"order {held['id']}: escrow holds")
    finally:
        server.execute("UPDATE orders SET paid_minor = paid_minor - 100 WHERE id = ?", held["id"])
    assert_ledger_clean(server)


def test_negative_merchant_balance(server, completed):
    """A balanced, cached, but impossible posting: paying out more than was available."""
    shop, _, _ = completed
    available = account_balance(server, "merchant_available", shop.merchant_id)
    too_much = available + 500
    server.execute("INSERT INTO ledger_transactions (kind, order_id, merchant_id, reference, created_at_ms)"
                   " VALUES ('payout_requested', NULL, ?, 'planted', 1)", shop.merchant_id)
    [[txn]] = server.execute("SELECT max(id) FROM ledger_transactions")
    for kind, amount in (("merchant_available", -too_much), ("payouts_payable", too_much)):
        server.execute("INSERT INTO ledger_entries (txn_id, account_kind, owner_id, currency, amount_minor)"
                       " VALUES (?, ?, ?, 'CNY', ?)", int(txn), kind, shop.merchant_id, amount)
        server.execute("INSERT INTO ledger_balances (account_kind, owner_id, currency, balance_minor)"
                       " VALUES (?, ?, 'CNY', ?) ON CONFLICT (account_kind, owner_id, currency)"
                       " DO UPDATE SET balance_minor = ledger_balances.balance_minor + excluded.balance_minor",
                       kind, shop.merchant_id, amount)
    try:
        verify_fails(server, f"account merchant_available/{shop.merchant_id}/CNY: balance -5.00 is negative")
    finally:
        server.execute("DELETE FROM ledger_entries WHERE txn_id = ?", int(txn))
        server.execute("DELETE FROM ledger_transactions WHERE id = ?", int(txn))
        for kind, amount in (("merchant_available", too_much), ("payouts_payable", -too_much)):
            server.execute("UPDATE ledger_balances SET balance_minor = balance_minor + ? WHERE account_kind = ?"
                           " AND owner_id = ?", amount, kind, shop.merchant_id)
        server.execute("DELETE FROM ledger_balances WHERE account_kind = 'payouts_payable' AND owner_id = ?"
                       " AND balance_minor = 0 AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE"
                       " e.account_kind = 'payouts_payable' AND e.owner_id = ?)", shop.merchant_id, shop.merchant_id)
    assert_ledger_clean(server)
