package dev.atelier.platform.ai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local provider's scene extraction: a story cut at paragraphs (merged or split at sentences to
 * give between 3 and the maximum scenes), each scene's start when read aloud at a bedtime pace, its
 * emotion from words in five languages (one of InfiniteStories' seven: joyful, peaceful, exciting,
 * mysterious, heartwarming, adventurous, contemplative), and its importance: the most eventful
 * scene is {@code high}, the opening and the ending {@code medium}, the rest {@code low}.
 */
final class LocalScenes {

    private LocalScenes() {}

    /** Words read aloud per second at a bedtime pace (about 140 a minute). */
    static final double WORDS_PER_SECOND = 140 / 60.0;

    static final List<String> EMOTIONS =
            List.of("joyful", "peaceful", "exciting", "mysterious", "heartwarming", "adventurous", "contemplative");

    private static final Map<String, Set<String>> EMOTION_WORDS = Map.of(
            "joyful",
            words(
                    "happy",
                    "laughed",
                    "laugh",
                    "smiled",
                    "smile",
                    "cheered",
                    "joy",
                    "fun",
                    "feliz",
                    "rieron",
                    "sonrió",
                    "aplaudieron",
                    "alegría",
                    "heureux",
                    "rirent",
                    "sourit",
                    "applaudit",
                    "joie",
                    "glücklich",
                    "lachten",
                    "lächelte",
                    "jubelten",
                    "freude",
                    "felice",
                    "risero",
                    "sorrise",
                    "applaudirono",
                    "gioia"),
            "peaceful",
            words(
                    "sleep",
                    "asleep",
                    "blanket",
                    "quiet",
                    "calm",
                    "dream",
                    "dreamed",
                    "goodnight",
                    "bed",
                    "dormir",
                    "durmió",
                    "manta",
                    "tranquilos",
                    "sueños",
                    "noches",
                    "cama",
                    "endormit",
                    "couverture",
                    "paisibles",
                    "rêver",
                    "rêva",
                    "nuit",
                    "lit",
                    "schlief",
                    "decke",
                    "leisen",
                    "träumen",
                    "träumte",
                    "nacht",
                    "bett",
                    "addormentò",
                    "coperta",
                    "tranquilli",
                    "sognare",
                    "sognò",
                    "buonanotte",
                    "letto"),
            "exciting",
            words(
                    "suddenly",
                    "gust",
                    "wind",
                    "cry",
                    "problem",
                    "frightened",
                    "dark",
                    "repente",
                    "ráfaga",
                    "viento",
                    "llorar",
                    "problema",
                    "oscuro",
                    "miedo",
                    "soudain",
                    "vent",
                    "pleurer",
                    "problème",
                    "sombre",
                    "peur",
                    "plötzlich",
                    "windstoß",
                    "weinen",
                    "problem",
                    "dunkel",
                    "angst",
                    "improvviso",
                    "folata",
                    "vento",
                    "piangere",
                    "buio",
                    "paura"),
            "mysterious",
            words(
                    "strange",
                    "secret",
                    "shadow",
                    "whisper",
                    "mysterious",
                    "extraño",
                    "secreto",
                    "sombra",
                    "susurró",
                    "misterio",
                    "étrange",
                    "secret",
                    "ombre",
                    "murmura",
                    "mystère",
                    "seltsam",
                    "geheim",
                    "schatten",
                    "flüsterte",
                    "geheimnis",
                    "strano",
                    "segreto",
                    "ombra",
                    "sussurrò",
                    "mistero"),
            "heartwarming",
            words(
                    "hug",
                    "together",
                    "friend",
                    "thank",
                    "helped",
                    "love",
                    "abrazo",
                    "juntos",
                    "amigo",
                    "gracias",
                    "ayudaron",
                    "amor",
                    "câlin",
                    "ensemble",
                    "ami",
                    "merci",
                    "entraidèrent",
                    "amour",
                    "umarmte",
                    "gemeinsam",
                    "freund",
                    "danke",
                    "halfen",
                    "liebe",
                    "abbraccio",
                    "insieme",
                    "amico",
                    "grazie",
                    "aiutarono",
                    "amore"),
            "adventurous",
            words(
                    "adventure",
                    "way",
                    "path",
                    "journey",
                    "explore",
                    "brave",
                    "aventura",
                    "camino",
                    "sendero",
                    "viaje",
                    "explorar",
                    "aventure",
                    "chemin",
                    "sentier",
                    "voyage",
                    "explorer",
                    "abenteuer",
                    "weg",
                    "pfad",
                    "reise",
                    "mutig",
                    "avventura",
                    "strada",
                    "sentiero",
                    "viaggio",
                    "esplorare"),
            "contemplative",
            words(
                    "thought",
                    "wonder",
                    "stars",
                    "remember",
                    "learned",
                    "pensó",
                    "estrellas",
                    "recordaban",
                    "aprendió",
                    "pensa",
                    "étoiles",
                    "comprit",
                    "dachte",
                    "sterne",
                    "gelernt",
                    "pensò",
                    "stelle",
                    "imparò",
                    "ricordavano"));

    private static final Set<String> EVENTFUL = Set.of("exciting", "adventurous", "mysterious");

    private static Set<String> words(String... words) {
        return Set.copyOf(java.util.Arrays.asList(words));
    }

    static List<Scene> extract(String story, int maxScenes) {
        int most = Math.max(1, Math.min(maxScenes, 50));
        List<String> segments = new ArrayList<>();
        for (String paragraph : story.strip().split("\\n\\s*\\n")) {
            String p = LocalStories.clean(paragraph, 20_000);
            if (!p.isEmpty()) {
                segments.add(p);
            }
        }
        if (segments.isEmpty()) {
            return List.of();
        }
        int least = Math.min(3, most);
        // Too few: split the longest segment at a sentence boundary near its middle.
        while (segments.size() < least) {
            int longest = 0;
            for (int i = 1; i < segments.size(); i++) {
                if (segments.get(i).length() > segments.get(longest).length()) {
                    longest = i;
                }
            }
            String[] halves = splitAtSentence(segments.get(longest));
            if (halves == null) {
                break;
            }
            segments.set(longest, halves[0]);
            segments.add(longest + 1, halves[1]);
        }
        // Too many: merge the shortest neighbouring pair.
        while (segments.size() > most) {
            int best = 0;
            for (int i = 1; i < segments.size() - 1; i++) {
                if (segments.get(i).length() + segments.get(i + 1).length()
                        < segments.get(best).length() + segments.get(best + 1).length()) {
                    best = i;
                }
            }
            segments.set(best, segments.get(best) + " " + segments.get(best + 1));
            segments.remove(best + 1);
        }
        List<String> emotions = new ArrayList<>();
        int climax = -1;
        int climaxScore = -1;
        for (int i = 0; i < segments.size(); i++) {
            Map.Entry<String, Integer> e = emotion(segments.get(i), i, segments.size());
            emotions.add(e.getKey());
            int score = (EVENTFUL.contains(e.getKey()) ? 10 : 0) + e.getValue();
            boolean inner = i > 0 && i < segments.size() - 1;
            if (inner && score > climaxScore) {
                climax = i;
                climaxScore = score;
            }
        }
        if (climax < 0) {
            climax = segments.size() / 2;
        }
        List<Scene> scenes = new ArrayList<>();
        double at = 0;
        for (int i = 0; i < segments.size(); i++) {
            String text = segments.get(i);
            String importance = i == climax ? "high" : (i == 0 || i == segments.size() - 1) ? "medium" : "low";
            scenes.add(new Scene(
                    i + 1, text, illustrationPrompt(text, emotions.get(i)), round(at), emotions.get(i), importance));
            at += words(text) / WORDS_PER_SECOND;
        }
        return scenes;
    }

    /** The scene's emotion and how many of its words said so; by position when no word does. */
    private static Map.Entry<String, Integer> emotion(String text, int index, int count) {
        java.util.Set<String> tokens = LocalArt.tokens(text);
        String best = null;
        int bestHits = 0;
        for (String emotion : EMOTIONS) { // fixed order: ties go to the first
            int hits = 0;
            for (String token : tokens) {
                if (EMOTION_WORDS.getOrDefault(emotion, Set.of()).contains(token)) {
                    hits++;
                }
            }
            if (hits > bestHits) {
                best = emotion;
                bestHits = hits;
            }
        }
        if (best == null) {
            best = index == 0 ? "mysterious" : index == count - 1 ? "peaceful" : "adventurous";
        }
        return Map.entry(best, bestHits);
    }

    private static String illustrationPrompt(String text, String emotion) {
        String first = text.split("(?<=[.!?…])\\s+", 2)[0];
        if (first.length() > 240) {
            first = first.substring(0, 240).strip() + "…";
        }
        return "A gentle children's book illustration, soft watercolour, " + emotion + " mood: " + first;
    }

    private static String @org.jspecify.annotations.Nullable [] splitAtSentence(String text) {
        List<Integer> cuts = new ArrayList<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("[.!?…»“\"]\\s+").matcher(text);
        while (m.find()) {
            cuts.add(m.end());
        }
        if (cuts.isEmpty()) {
            return null;
        }
        int middle = text.length() / 2;
        int best = cuts.get(0);
        for (int cut : cuts) {
            if (Math.abs(cut - middle) < Math.abs(best - middle)) {
                best = cut;
            }
        }
        return new String[] {
            text.substring(0, best).strip(), text.substring(best).strip()
        };
    }

    private static int words(String text) {
        return text.isBlank() ? 0 : text.strip().split("\\s+").length;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 10) / 10.0;
    }
}
