package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.flags.FlagModel.RotationRule;
import java.util.stream.Collectors;

/**
 * How Rotation's four types look to an Unleash SDK in {@code /api/client/features}:
 *
 * <ul>
 *   <li>boolean: the {@code default} strategy;
 *   <li>percentage: {@code flexibleRollout} on userId, then on sessionId only when there is no
 *       userId (a constraint {@code userId STR_STARTS_WITH ""}, inverted), both with the flag key
 *       as groupId: the same buckets as Rotation's stickiness (user id, else session id, else off);
 *   <li>user_list: {@code userWithId} with the listed ids;
 *   <li>condition: a strategy {@code atelierCondition} that SDKs do not know, so off for them;
 *       Atelier's own endpoints and the frontend API evaluate it.
 * </ul>
 */
final class UnleashTranslation {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private UnleashTranslation() {}

    static ArrayNode strategies(String key, RotationRule rule) {
        ArrayNode out = F.arrayNode();
        switch (rule.type()) {
            case BOOLEAN -> out.add(strategy("default"));
            case PERCENTAGE -> {
                ObjectNode byUser = strategy("flexibleRollout");
                ((ObjectNode) byUser.get("parameters"))
                        .put("rollout", Integer.toString(rule.rolloutPercentage()))
                        .put("stickiness", "userId")
                        .put("groupId", key);
                out.add(byUser);
                ObjectNode bySession = strategy("flexibleRollout");
                ((ObjectNode) bySession.get("parameters"))
                        .put("rollout", Integer.toString(rule.rolloutPercentage()))
                        .put("stickiness", "sessionId")
                        .put("groupId", key);
                ObjectNode noUser = F.objectNode()
                        .put("contextName", "userId")
                        .put("operator", "STR_STARTS_WITH")
                        .put("inverted", true)
                        .put("caseInsensitive", false);
                noUser.putArray("values").add("");
                ((ArrayNode) bySession.get("constraints")).add(noUser);
                out.add(bySession);
            }
            case USER_LIST -> {
                ObjectNode s = strategy("userWithId");
                ((ObjectNode) s.get("parameters"))
                        .put(
                                "userIds",
                                rule.targetUsers().stream()
                                        .sorted()
                                        .map(String::valueOf)
                                        .collect(Collectors.joining(",")));
                out.add(s);
            }
            case CONDITION -> {
                ObjectNode s = strategy("atelierCondition");
                ((ObjectNode) s.get("parameters"))
                        .put("condition", rule.conditions().toString());
                out.add(s);
            }
        }
        return out;
    }

    private static ObjectNode strategy(String name) {
        ObjectNode s = F.objectNode().put("name", name);
        s.putObject("parameters");
        s.putArray("constraints");
        return s;
    }
}
