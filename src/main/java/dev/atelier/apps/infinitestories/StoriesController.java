package dev.atelier.apps.infinitestories;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.net.URI;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/infinitestories}: start a story ({@code POST /stories}), a hero's avatar
 * ({@code POST /heroes/{id}/avatar}, its state at {@code GET /heroes/{id}/avatar/{job}}), and the
 * moderator's review of content flags ({@code GET /moderation/flags},
 * {@code POST /moderation/flags/{id}/review}). A story's progress is its row: {@code status} and
 * its illustrations' {@code status} through {@code /rest/v1}.
 */
@RestController
@RequestMapping(path = "/api/v1/infinitestories", produces = "application/json")
class StoriesController {

    private final StoryRequests requests;
    private final ModerationReview moderation;

    StoriesController(StoryRequests requests, ModerationReview moderation) {
        this.requests = requests;
        this.moderation = moderation;
    }

    @PostMapping(path = "/stories", consumes = "application/json")
    ResponseEntity<Map<String, Object>> createStory(
            Caller caller, @RequestBody(required = false) @Nullable JsonNode body) throws SQLException {
        StoryRequests.AcceptedStory story = requests.createStory(caller, body);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("story_id", story.storyId().toString());
        out.put("status", story.status());
        out.put("moderation", story.moderation());
        out.put("flags", story.flags());
        out.put("job_id", story.jobId());
        return ResponseEntity.accepted()
                .location(URI.create("/rest/v1/stories?id=eq." + story.storyId()))
                .body(out);
    }

    @PostMapping(path = "/heroes/{heroId}/avatar")
    ResponseEntity<Map<String, Object>> createAvatar(
            Caller caller, @PathVariable String heroId, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        UUID hero = uuid(heroId, "hero_id");
        StoryRequests.AcceptedAvatar avatar = requests.createAvatar(caller, hero, body);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", avatar.jobId());
        out.put("generation_id", avatar.generationId());
        out.put("status", avatar.status());
        return ResponseEntity.accepted()
                .location(URI.create("/api/v1/infinitestories/heroes/" + hero + "/avatar/" + avatar.jobId()))
                .body(out);
    }

    @GetMapping(path = "/heroes/{heroId}/avatar/{jobId}")
    ObjectNode avatarStatus(Caller caller, @PathVariable String heroId, @PathVariable String jobId)
            throws SQLException {
        UUID hero = uuid(heroId, "hero_id");
        long job;
        try {
            job = Long.parseLong(jobId);
        } catch (NumberFormatException e) {
            throw Problem.badInput("job_id", "job_id must be a number");
        }
        return requests.avatarStatus(caller, hero, job)
                .orElseThrow(() -> Problem.notFound("no avatar job " + jobId + " of yours for hero " + hero));
    }

    @GetMapping(path = "/moderation/flags")
    ArrayNode flags(
            Caller caller,
            @RequestParam(name = "reviewed", defaultValue = "false") String reviewed,
            @RequestParam(name = "limit", defaultValue = "100") String limit)
            throws SQLException {
        ModerationReview.requireModerator(caller);
        if (!reviewed.equals("true") && !reviewed.equals("false")) {
            throw Problem.badInput("reviewed", "reviewed must be true or false");
        }
        int n;
        try {
            n = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 1000) {
            throw Problem.badInput("limit", "limit must be between 1 and 1000");
        }
        return moderation.list(caller, reviewed.equals("true"), n);
    }

    @PostMapping(path = "/moderation/flags/{flagId}/review")
    ObjectNode review(Caller caller, @PathVariable String flagId, @RequestBody(required = false) @Nullable JsonNode raw)
            throws SQLException {
        ModerationReview.requireModerator(caller);
        UUID flag = uuid(flagId, "flag_id");
        JsonNode body = raw == null || raw.isNull() ? StoryRequests.JSON.createObjectNode() : JsonBody.object(raw);
        String action = JsonBody.text(body, "action_taken");
        String reviewer = JsonBody.text(body, "reviewer_id");
        return moderation.review(caller, flag, action, reviewer == null ? null : uuid(reviewer, "reviewer_id"));
    }

    /** 422, 429 and 503 of this app, as RFC 9457 problems with Retry-After where there is a wait. */
    @ExceptionHandler(Refusal.class)
    ResponseEntity<ProblemDetail> refused(Refusal r) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(r.status), r.getMessage());
        body.setTitle(r.title);
        body.setType(URI.create("about:blank"));
        if (r.field != null) {
            body.setProperty("field", r.field);
        }
        r.properties.forEach(body::setProperty);
        ResponseEntity.BodyBuilder response =
                ResponseEntity.status(r.status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (r.retryAfter != null) {
            body.setProperty("retry_after_seconds", r.retryAfterSeconds());
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(r.retryAfterSeconds()));
        }
        if (r.status == 429 && r.properties.get("function") instanceof String function) {
            // The platform's IETF fields (ADR 17) for this app's own window (ADR 14).
            String policy = "\"infinitestories." + function + "\"";
            response.header(
                    "RateLimit-Policy",
                    policy + ";q=" + r.properties.get("limit") + ";w=" + r.properties.get("window_seconds"));
            response.header("RateLimit", policy + ";r=0;t=" + r.retryAfterSeconds());
        }
        return response.body(body);
    }

    private static UUID uuid(String text, String field) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw Problem.badInput(field, field + " must be a uuid");
        }
    }
}
