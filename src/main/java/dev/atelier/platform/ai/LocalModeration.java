package dev.atelier.platform.ai;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local provider's rule-based moderation: word lists in English, Spanish, French, German and
 * Italian for violence, hate, sexual content, self-harm and profanity, and patterns for personal
 * information (e-mail addresses, phone numbers). Each entry has a severity and a confidence; a
 * text's verdict is {@code reject} when anything high or critical is found, {@code modify} (with
 * the findings masked or softened in {@code sanitized}) when only low or medium things are, and
 * {@code allow} otherwise. The lists are deliberately small: a floor for a machine with no
 * network, not a substitute for a real moderation model.
 */
final class LocalModeration {

    private LocalModeration() {}

    /** One listed term: a regular expression matched on word boundaries, its category, severity, confidence and replacement. */
    private record Rule(Pattern pattern, String type, String severity, double confidence, String replacement) {}

    private static final List<Rule> RULES = new ArrayList<>();

    private static final Pattern EMAIL =
            Pattern.compile("[\\p{L}\\p{N}._%+-]{1,64}@[\\p{L}\\p{N}.-]{1,253}\\.[\\p{L}]{2,24}");
    /** 9 or more digits, with the usual separators and an optional +country prefix. */
    private static final Pattern PHONE = Pattern.compile("(?<![\\p{N}])\\+?\\(?\\d[\\d\\s().-]{7,18}\\d(?![\\p{N}])");

    static {
        // violence: high (refused), medium (masked)
        rules(
                "violence",
                "high",
                0.9,
                "",
                "kill(s|ed|ing|er)?",
                "murder(s|ed|ing)?",
                "blood(y)?",
                "gore",
                "stab(s|bed|bing)?",
                "tortur(e|ed|ing)",
                "behead(ed)?",
                "matar",
                "mató",
                "mataron",
                "asesin(ar|ato|ó)",
                "sangre",
                "apuñal(ar|ó)",
                "tortura(r)?",
                "tuer",
                "tué(e)?",
                "meurtre",
                "assassin(er|at)",
                "poignarder",
                "torturer",
                "töten",
                "getötet",
                "ermord(en|et)",
                "mord",
                "blut(ig)?",
                "erstechen",
                "foltern",
                "uccider(e|lo|la)",
                "uccis[oa]",
                "omicidio",
                "sangue",
                "pugnalare",
                "torturare");
        rules(
                "violence",
                "medium",
                0.6,
                "",
                "fight(s|ing)?",
                "punch(es|ed)?",
                "gun(s)?",
                "weapon(s)?",
                "pelea(r)?",
                "golpe(ar)?",
                "pistola(s)?",
                "disparar",
                "bagarre",
                "frapper",
                "fusil(s)?",
                "prügel(n|ei)?",
                "schlagen",
                "waffe(n)?",
                "erschießen",
                "picchiare",
                "rissa",
                "sparare",
                "pistole");
        // hate: high (refused), low (softened)
        rules(
                "hate",
                "high",
                0.85,
                "",
                "nazi(s)?",
                "subhuman",
                "inferior race",
                "white power",
                "raza inferior",
                "race inférieure",
                "untermensch(en)?",
                "razza inferiore");
        rules("hate", "low", 0.5, "dislike", "hate(s|d)?");
        rules("hate", "low", 0.5, "no me gusta", "odio", "odiar");
        rules("hate", "low", 0.5, "n'aime pas", "déteste(r)?", "haine");
        rules("hate", "low", 0.5, "mag nicht", "hasse(n)?", "hass");
        rules("hate", "low", 0.5, "non mi piace", "odiare");
        // sexual: critical
        rules(
                "sexual",
                "critical",
                0.95,
                "",
                "sex(ual|y)?",
                "porn(o|ography)?",
                "nude(s)?",
                "naked",
                "sexo",
                "desnud[oa]s?",
                "sexe",
                "nudité",
                "nackt",
                "sesso",
                "nud[oa]");
        // self-harm: critical
        rules(
                "self_harm",
                "critical",
                0.95,
                "",
                "suicide",
                "kill myself",
                "self[- ]harm",
                "cut myself",
                "suicidio",
                "suicidarme",
                "hacerme daño",
                "me suicider",
                "me faire du mal",
                "selbstmord",
                "suizid",
                "mich umbringen",
                "suicidarmi",
                "farmi del male");
        // profanity: strong words masked (medium), mild ones softened (low)
        rules(
                "profanity",
                "medium",
                0.8,
                "***",
                "fuck(s|ed|ing)?",
                "shit(ty)?",
                "bitch(es)?",
                "asshole",
                "mierda",
                "joder",
                "put[ao]",
                "cabr[oó]n",
                "merde",
                "putain",
                "connard",
                "salope",
                "schei(ß|ss)e",
                "arschloch",
                "merda",
                "cazzo",
                "stronz[oa]",
                "vaffanculo");
        rules("profanity", "low", 0.6, "silly", "stupid", "idiot(s)?", "dumb", "damn", "crap");
        rules("profanity", "low", 0.6, "tonto", "estúpid[oa]", "idiota");
        rules("profanity", "low", 0.6, "bête", "stupide");
        rules("profanity", "low", 0.6, "albern", "blöd", "dumm", "verdammt");
        rules("profanity", "low", 0.6, "sciocco", "stupid[oa]", "cretino", "scem[oa]");
    }

    private static void rules(String type, String severity, double confidence, String replacement, String... terms) {
        for (String term : terms) {
            Pattern pattern = Pattern.compile(
                    "(?<![\\p{L}\\p{N}])(" + term + ")(?![\\p{L}\\p{N}])",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
            RULES.add(new Rule(pattern, type, severity, confidence, replacement));
        }
    }

    private static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");

    /** The verdict for a text (see the class comment). */
    static Moderation moderate(String input, Usage usage) {
        String text = normalise(input);
        Map<String, String> severityByType = new LinkedHashMap<>();
        Map<String, Double> missByType = new LinkedHashMap<>(); // product of (1 - confidence) of each finding
        for (Rule rule : RULES) {
            Matcher m = rule.pattern().matcher(text);
            while (m.find()) {
                note(severityByType, missByType, rule.type(), rule.severity(), rule.confidence());
            }
        }
        Matcher email = EMAIL.matcher(text);
        while (email.find()) {
            note(severityByType, missByType, "personal_info", "medium", 0.95);
        }
        Matcher phone = PHONE.matcher(text);
        while (phone.find()) {
            if (digits(phone.group()) >= 9) {
                note(severityByType, missByType, "personal_info", "medium", 0.8);
            }
        }
        List<Moderation.Flag> flags = new ArrayList<>();
        boolean severe = false;
        for (Map.Entry<String, String> e : severityByType.entrySet()) {
            double confidence = Math.round((1 - missByType.getOrDefault(e.getKey(), 1.0)) * 100) / 100.0;
            flags.add(new Moderation.Flag(e.getKey(), e.getValue(), Math.min(0.99, confidence)));
            severe |= SEVERITIES.indexOf(e.getValue()) >= 2;
        }
        if (flags.isEmpty()) {
            return new Moderation("allow", flags, null, usage);
        }
        if (severe) {
            return new Moderation("reject", flags, null, usage);
        }
        return new Moderation("modify", flags, sanitize(input), usage);
    }

    private static void note(
            Map<String, String> severities,
            Map<String, Double> misses,
            String type,
            String severity,
            double confidence) {
        String before = severities.get(type);
        if (before == null || SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(before)) {
            severities.put(type, severity);
        }
        misses.merge(type, 1 - confidence, (a, b) -> a * b);
    }

    /** The text with every listed word softened or masked and every e-mail address or phone number removed. */
    static String sanitize(String input) {
        String text = normalise(input);
        text = EMAIL.matcher(text).replaceAll("[email removed]");
        Matcher phone = PHONE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (phone.find()) {
            phone.appendReplacement(
                    out, digits(phone.group()) >= 9 ? "[phone removed]" : Matcher.quoteReplacement(phone.group()));
        }
        phone.appendTail(out);
        text = out.toString();
        for (Rule rule : RULES) {
            String replacement = rule.replacement().isEmpty() ? "***" : rule.replacement();
            text = rule.pattern().matcher(text).replaceAll(Matcher.quoteReplacement(replacement));
        }
        return text;
    }

    private static String normalise(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    private static int digits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }
}
