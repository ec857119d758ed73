package io.switchboard.cli.bench;

/** What every bench run prints, and whether it passed. */
public sealed interface BenchReport permits BenchResult, ConnectResult {

    /** One JSON line. */
    String toJson();

    /** A few lines for a person. */
    String summary();

    /** Nothing was wrong: no message lost, reordered or corrupt, no connection failed. */
    boolean ok();
}
