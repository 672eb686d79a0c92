package dev.atelier.platform.ledger;

/** The concurrency test at the size: 32 threads × 2,000 operations. */
class LedgerConcurrencyIT extends LedgerConcurrencyTest {

    @Override
    int operations() {
        return 2000;
    }
}
