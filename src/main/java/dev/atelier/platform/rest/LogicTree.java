package dev.atelier.platform.rest;

import java.util.List;

/** The boolean trees of {@code or=(...)} and {@code and=(...)}, nested as deep as the client likes. */
sealed interface LogicTree {

    record Leaf(Filter filter) implements LogicTree {}

    record Node(boolean negated, boolean or, List<LogicTree> children) implements LogicTree {
        public Node {
            children = List.copyOf(children);
        }
    }
}
