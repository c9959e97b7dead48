"""The office's stock of consumables per service point, apart from what steps consume (that is the case
engine's, engine/cases/stock.py): receipts from the Dinas, the weekly return of spoiled pieces, transfers
between units, and the reconciliation report."""
