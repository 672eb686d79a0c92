package dev.atelier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code --log-level} to Atelier's own loggers; libraries stay at warnings (logback.xml). */
final class Logging {

    private Logging() {}

    static void setLevel(String level) {
        Level parsed = Level.toLevel(level, Level.INFO);
        for (String name : new String[] {"dev.atelier", "atelier", "atelier.request"}) {
            ((Logger) LoggerFactory.getLogger(name)).setLevel(parsed);
        }
    }
}
