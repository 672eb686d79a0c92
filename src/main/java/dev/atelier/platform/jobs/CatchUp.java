package dev.atelier.platform.jobs;

/** What a periodic job does about periods that passed while no server ran it. */
public enum CatchUp {
    /** Run every missed period (up to {@link Schedule#MAX_CATCH_UP} of them), oldest first. */
    ALL,
    /** Run the latest missed period once. */
    LATEST,
    /** Run none of them; the next period runs as usual. */
    SKIP
}
