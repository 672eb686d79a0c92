package dev.atelier.platform.jobs;

import java.util.Locale;

/** A job log line's level: Rotation's {@code log_level}, used for every app's job logs. */
public enum LogLevel {
    DEBUG,
    INFO,
    WARNING,
    ERROR,
    CRITICAL;

    /** The word stored in the database. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
