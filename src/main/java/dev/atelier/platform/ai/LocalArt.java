package dev.atelier.platform.ai;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.MultipleGradientPaint;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The local provider's pictures, drawn with Java2D: a landscape composed from the words of a
 * prompt and a seed, or abstract art from Algorhythmic's DNA vector. Both take a phase {@code t}
 * in [0, 1) so that video frames move. The work is bounded whatever the size: the number of shapes
 * is fixed by the prompt or the DNA, never by the pixel count, so the cost is the fills of a few
 * hundred shapes plus the PNG encoding.
 */
final class LocalArt {

    private LocalArt() {}

    // ------------------------------------------------------------------------------------------
    // Landscapes from a prompt

    /** What a prompt's words ask of a landscape. */
    record Theme(
            String time, // day, sunset, night
            String ground, // meadow, sea, snow, desert, forest, city, space
            Set<String> extras, // stars, rain, flowers, castle, balloon, animal, rainbow
            float accentHue, // from a colour word, or the prompt's hash
            boolean namedAccent) {}

    private static final Map<String, String> TIME_WORDS = words(
            "night",
            "night moon stars midnight dark sleep bedtime dream noche luna estrellas medianoche sueño nuit lune"
                    + " étoiles etoiles minuit rêve reve nacht mond sterne mitternacht traum notte stelle mezzanotte"
                    + " sogno",
            "sunset",
            "sunset dusk evening twilight sunrise dawn atardecer anochecer amanecer crepúsculo tarde coucher soir"
                    + " crépuscule aube abend dämmerung sonnenuntergang sonnenaufgang tramonto sera alba crepuscolo");

    private static final Map<String, String> GROUND_WORDS = words(
            "space",
            "space planet planets rocket galaxy astronaut espacio planeta cohete galaxia espace planète planete"
                    + " fusée fusee weltraum planet rakete galaxie spazio pianeta razzo galassia",
            "sea",
            "sea ocean beach water lake river wave waves island mar océano oceano playa agua lago río isla mer"
                    + " océan plage eau lac rivière île meer ozean strand wasser see fluss insel mare spiaggia acqua"
                    + " fiume isola",
            "snow",
            "snow winter ice frozen christmas nieve invierno hielo navidad neige hiver glace noël schnee winter"
                    + " eis weihnachten neve inverno ghiaccio natale",
            "desert",
            "desert sand dune dunes camel desierto arena duna désert desert sable dune wüste sand düne deserto"
                    + " sabbia",
            "forest",
            "forest tree trees woods jungle bosque árbol arboles árboles selva forêt foret arbre arbres bois wald"
                    + " baum bäume dschungel bosco albero alberi foresta giungla",
            "city",
            "city town village house houses street school castle ciudad pueblo casa calle escuela castillo ville"
                    + " village maison rue école château stadt dorf haus straße schule schloss burg città citta"
                    + " paese strada scuola castello");

    private static final Map<String, String> EXTRA_WORDS = words(
            "rain",
            "rain storm cloud clouds thunder lluvia tormenta nube pluie orage nuage regen sturm wolke pioggia"
                    + " tempesta nuvola",
            "flowers",
            "flower flowers garden spring flor flores jardín primavera fleur fleurs jardin printemps blume blumen"
                    + " garten frühling fiore fiori giardino primavera",
            "castle",
            "castle palace tower king queen princess prince castillo palacio torre rey reina princesa château"
                    + " palais tour roi reine princesse schloss palast turm könig königin prinzessin castello"
                    + " palazzo re regina principessa",
            "balloon",
            "balloon kite fly flying bird birds globo cometa volar pájaro ballon cerf-volant voler oiseau ballon"
                    + " drachen fliegen vogel palloncino aquilone volare uccello",
            "animal",
            "cat dog fox bear rabbit owl dragon unicorn horse gato perro zorro oso conejo búho dragón unicornio"
                    + " caballo chat chien renard ours lapin hibou dragon licorne cheval katze hund fuchs bär hase"
                    + " eule drache einhorn pferd gatto cane volpe orso coniglio gufo drago unicorno cavallo",
            "rainbow",
            "rainbow magic fairy wizard arcoíris arcoiris magia hada mago arc-en-ciel magie fée sorcier"
                    + " regenbogen zauber fee zauberer arcobaleno magia fata mago");

    private static final Map<String, Float> COLOUR_HUES = colourHues();

    static Theme theme(String prompt) {
        Set<String> tokens = tokens(prompt);
        String time = pick(tokens, TIME_WORDS, "day");
        String ground = pick(tokens, GROUND_WORDS, "meadow");
        Set<String> extras = new HashSet<>();
        for (Map.Entry<String, String> e : EXTRA_WORDS.entrySet()) {
            if (tokens.contains(e.getKey())) {
                extras.add(e.getValue());
            }
        }
        Float hue = null;
        for (String token : tokens) {
            Float h = COLOUR_HUES.get(token);
            if (h != null && hue == null) {
                hue = h;
            }
        }
        boolean named = hue != null;
        float accent = hue != null ? hue : (hash(prompt) & 0xffff) / 65536f;
        return new Theme(time, ground, extras, accent, named);
    }

    /** A landscape for the prompt: sky, light, ground, the prompt's things and a small hero, placed by the seed. */
    static BufferedImage landscape(String prompt, long seed, int w, int h, double t, boolean smooth) {
        return landscape(prompt, seed, w, h, t, smooth, null);
    }

    /**
     * As {@link #landscape(String, long, int, int, double, boolean)}; {@code accentHue}, when given
     * and the prompt names no colour, is the hero's colour (taken from a reference picture, so a
     * story's illustrations keep their hero).
     */
    static BufferedImage landscape(
            String prompt, long seed, int w, int h, double t, boolean smooth, @Nullable Float accentHue) {
        Theme theme = theme(prompt);
        if (accentHue != null && !theme.namedAccent()) {
            theme = new Theme(theme.time(), theme.ground(), theme.extras(), accentHue, false);
        }
        SplittableRandom random = new SplittableRandom(hash(prompt) * 31 + seed);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            hints(g, smooth);
            float horizon = (float) (h * (0.52 + random.nextDouble() * 0.16));
            float jitter = (float) (random.nextDouble() * 0.06 - 0.03);
            sky(g, theme, w, h, horizon, jitter);
            celestial(g, theme, random, w, h, horizon, t);
            if (theme.extras().contains("rainbow")) {
                rainbow(g, random, w, horizon);
            }
            clouds(g, theme, random, w, horizon, t);
            ground(g, theme, random, w, h, horizon, t);
            things(g, theme, random, w, h, horizon, t);
            hero(g, theme, random, w, h, horizon, t);
            if (theme.extras().contains("rain")) {
                rain(g, random, w, h, t);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void sky(Graphics2D g, Theme theme, int w, int h, float horizon, float jitter) {
        Color top;
        Color bottom;
        switch (theme.ground().equals("space") ? "space" : theme.time()) {
            case "space" -> {
                top = new Color(5, 5, 20);
                bottom = new Color(25, 15, 50);
            }
            case "night" -> {
                top = hsb(0.64f + jitter, 0.8f, 0.18f);
                bottom = hsb(0.68f + jitter, 0.6f, 0.38f);
            }
            case "sunset" -> {
                top = hsb(0.75f + jitter, 0.55f, 0.55f);
                bottom = hsb(0.07f + jitter, 0.75f, 1f);
            }
            default -> {
                top = hsb(0.58f + jitter, 0.55f, 0.95f);
                bottom = hsb(0.55f + jitter, 0.2f, 1f);
            }
        }
        g.setPaint(new GradientPaint(0, 0, top, 0, horizon, bottom));
        g.fill(new Rectangle2D.Float(0, 0, w, h)); // below the horizon too: hills may dip under it
    }

    private static void celestial(
            Graphics2D g, Theme theme, SplittableRandom r, int w, int h, float horizon, double t) {
        boolean dark = theme.time().equals("night") || theme.ground().equals("space");
        if (dark || theme.extras().contains("stars")) {
            g.setColor(new Color(255, 255, 230));
            int stars = 40 + r.nextInt(80);
            for (int i = 0; i < stars; i++) {
                float x = (float) (r.nextDouble() * w);
                float y = (float) (r.nextDouble() * horizon * 0.95);
                float s = Math.max(1f, (float) (Math.min(w, h) * (0.002 + r.nextDouble() * 0.004)));
                double twinkle = 0.5 + 0.5 * Math.sin((t + r.nextDouble()) * 2 * Math.PI);
                g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) (0.4 + 0.6 * twinkle)));
                g.fill(new Rectangle2D.Float(x, y, s, s));
            }
            g.setComposite(AlphaComposite.SrcOver);
        }
        if (theme.ground().equals("space")) {
            int planets = 1 + r.nextInt(3);
            for (int i = 0; i < planets; i++) {
                float d = (float) (Math.min(w, h) * (0.08 + r.nextDouble() * 0.2));
                float x = (float) (r.nextDouble() * (w - d) + Math.sin(2 * Math.PI * t) * d * 0.1);
                float y = (float) (r.nextDouble() * (horizon - d));
                Color c = hsb(theme.accentHue() + i * 0.23f, 0.6f, 0.85f);
                g.setPaint(new RadialGradientPaint(
                        new Point2D.Float(x + d * 0.35f, y + d * 0.35f), d, new float[] {0, 1}, new Color[] {
                            c.brighter(), c.darker().darker()
                        }));
                g.fill(new Ellipse2D.Float(x, y, d, d));
            }
            return;
        }
        float d = (float) (Math.min(w, h) * (0.1 + r.nextDouble() * 0.08));
        float x = (float) (w * (0.1 + r.nextDouble() * 0.7) + (t * w * 0.08));
        float y = theme.time().equals("sunset")
                ? horizon - d * 0.7f - (float) (t * d * 0.3)
                : (float) (horizon * (0.12 + r.nextDouble() * 0.25));
        Color light = theme.time().equals("night")
                ? new Color(245, 243, 215)
                : theme.time().equals("sunset") ? new Color(255, 140, 60) : new Color(255, 225, 90);
        g.setPaint(new RadialGradientPaint(
                new Point2D.Float(x + d / 2, y + d / 2), d * 1.6f, new float[] {0f, 0.3f, 1f}, new Color[] {
                    light, withAlpha(light, 120), withAlpha(light, 0)
                }));
        g.fill(new Ellipse2D.Float(x - d * 1.1f, y - d * 1.1f, d * 3.2f, d * 3.2f));
        g.setColor(light);
        if (theme.time().equals("night")) { // a crescent
            java.awt.geom.Area moon = new java.awt.geom.Area(new Ellipse2D.Float(x, y, d, d));
            moon.subtract(new java.awt.geom.Area(new Ellipse2D.Float(x + d * 0.3f, y - d * 0.1f, d, d)));
            g.fill(moon);
        } else {
            g.fill(new Ellipse2D.Float(x, y, d, d));
        }
    }

    private static void rainbow(Graphics2D g, SplittableRandom r, int w, float horizon) {
        float cx = (float) (w * (0.3 + r.nextDouble() * 0.4));
        float radius = (float) (w * (0.35 + r.nextDouble() * 0.15));
        float band = Math.max(2f, radius * 0.05f);
        g.setStroke(new BasicStroke(band));
        for (int i = 0; i < 6; i++) {
            g.setColor(withAlpha(hsb(i / 7f, 0.8f, 1f), 150));
            float rr = radius - i * band;
            g.draw(new Ellipse2D.Float(cx - rr, horizon - rr, rr * 2, rr * 2));
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void clouds(Graphics2D g, Theme theme, SplittableRandom r, int w, float horizon, double t) {
        if (theme.ground().equals("space")) {
            return;
        }
        boolean rainy = theme.extras().contains("rain");
        int n = (rainy ? 5 : 1) + r.nextInt(4);
        Color c = rainy
                ? new Color(120, 125, 140, 220)
                : theme.time().equals("night") ? new Color(90, 90, 130, 120) : new Color(255, 255, 255, 210);
        g.setColor(c);
        for (int i = 0; i < n; i++) {
            float cw = (float) (w * (0.12 + r.nextDouble() * 0.18));
            float x = (float) (((r.nextDouble() + t * 0.2 * (1 + i % 3)) % 1.2 - 0.1) * w);
            float y = (float) (horizon * (0.08 + r.nextDouble() * 0.45));
            for (int k = 0; k < 4; k++) {
                float bw = cw * (0.4f + 0.15f * k % 3);
                g.fill(new Ellipse2D.Float(x + k * cw * 0.2f, y - (k % 2) * cw * 0.12f, bw, bw * 0.55f));
            }
        }
    }

    private static void ground(Graphics2D g, Theme theme, SplittableRandom r, int w, int h, float horizon, double t) {
        Color near;
        Color far;
        boolean night = theme.time().equals("night");
        float dim = night ? 0.45f : theme.time().equals("sunset") ? 0.75f : 1f;
        switch (theme.ground()) {
            case "sea" -> {
                far = hsb(0.55f, 0.7f, 0.8f * dim);
                near = hsb(0.6f, 0.8f, 0.55f * dim);
            }
            case "snow" -> {
                far = hsb(0.6f, 0.06f, 0.98f * dim);
                near = hsb(0.6f, 0.12f, 0.88f * dim);
            }
            case "desert" -> {
                far = hsb(0.1f, 0.45f, 0.95f * dim);
                near = hsb(0.08f, 0.55f, 0.8f * dim);
            }
            case "space" -> {
                far = new Color(90, 80, 100);
                near = new Color(50, 45, 60);
            }
            case "city" -> {
                far = hsb(0.3f, 0.35f, 0.65f * dim);
                near = hsb(0.08f, 0.1f, 0.45f * dim);
            }
            default -> {
                far = hsb(0.28f + (float) r.nextDouble() * 0.05f, 0.55f, 0.75f * dim);
                near = hsb(0.3f, 0.7f, 0.5f * dim);
            }
        }
        if (theme.ground().equals("sea")) {
            g.setPaint(new GradientPaint(0, horizon, far, 0, h, near));
            g.fill(new Rectangle2D.Float(0, horizon, w, h - horizon));
            g.setStroke(new BasicStroke(Math.max(1f, h / 200f)));
            g.setColor(withAlpha(Color.WHITE, 110));
            for (int row = 0; row < 8; row++) {
                float y = horizon + (h - horizon) * (row + 1) / 9f;
                Path2D.Float wave = new Path2D.Float();
                double amp = (h - horizon) * 0.012 * (1 + row * 0.4);
                double phase = r.nextDouble() * 6 + t * 2 * Math.PI;
                for (int i = 0; i <= 48; i++) {
                    float x = w * i / 48f;
                    float yy = (float) (y + Math.sin(phase + i * 0.7) * amp);
                    if (i == 0) {
                        wave.moveTo(x, yy);
                    } else {
                        wave.lineTo(x, yy);
                    }
                }
                g.draw(wave);
            }
            g.setStroke(new BasicStroke(1));
            return;
        }
        for (int layer = 0; layer < 3; layer++) {
            Color c = blend(far, near, layer / 2f);
            float base = horizon + (h - horizon) * layer * 0.22f;
            double amp = (h - horizon) * (0.12 - layer * 0.03) * (theme.ground().equals("desert") ? 1.4 : 1);
            double f1 = 1 + r.nextDouble() * 2;
            double f2 = 3 + r.nextDouble() * 4;
            double p = r.nextDouble() * 6;
            Path2D.Float hill = new Path2D.Float();
            hill.moveTo(0, h);
            for (int i = 0; i <= 64; i++) {
                double x = i / 64.0;
                double y =
                        base - amp * (0.6 * Math.sin(p + x * f1 * Math.PI) + 0.4 * Math.sin(p * 2 + x * f2 * Math.PI));
                hill.lineTo(x * w, y);
            }
            hill.lineTo(w, h);
            hill.closePath();
            g.setPaint(new GradientPaint(0, (float) (base - amp), c, 0, h, c.darker()));
            g.fill(hill);
        }
    }

    private static void things(Graphics2D g, Theme theme, SplittableRandom r, int w, int h, float horizon, double t) {
        float unit = Math.min(w, h);
        switch (theme.ground()) {
            case "forest", "meadow", "snow" -> {
                int trees = theme.ground().equals("forest") ? 9 + r.nextInt(6) : 2 + r.nextInt(4);
                for (int i = 0; i < trees; i++) {
                    float x = (float) (r.nextDouble() * w);
                    float y = (float) (horizon + (h - horizon) * (0.05 + r.nextDouble() * 0.55));
                    float s = unit * (0.06f + (y - horizon) / (h - horizon) * 0.12f);
                    g.setColor(new Color(95, 65, 40));
                    g.fill(new Rectangle2D.Float(x - s * 0.08f, y - s * 0.3f, s * 0.16f, s * 0.4f));
                    Color leaf = theme.ground().equals("snow")
                            ? hsb(0.38f, 0.4f, 0.5f)
                            : hsb(0.3f + (float) r.nextDouble() * 0.08f, 0.65f, 0.45f + (float) r.nextDouble() * 0.2f);
                    g.setColor(leaf);
                    Path2D.Float crown = new Path2D.Float();
                    float sway = (float) (Math.sin(2 * Math.PI * t + i) * s * 0.04);
                    crown.moveTo(x - s * 0.45f, y - s * 0.25f);
                    crown.lineTo(x + sway, y - s * 1.3f);
                    crown.lineTo(x + s * 0.45f, y - s * 0.25f);
                    crown.closePath();
                    g.fill(crown);
                    if (theme.ground().equals("snow")) {
                        g.setColor(new Color(250, 250, 255));
                        Path2D.Float cap = new Path2D.Float();
                        cap.moveTo(x - s * 0.18f + sway, y - s * 0.95f);
                        cap.lineTo(x + sway, y - s * 1.3f);
                        cap.lineTo(x + s * 0.18f + sway, y - s * 0.95f);
                        cap.closePath();
                        g.fill(cap);
                    }
                }
            }
            case "city" -> {
                int houses = 4 + r.nextInt(6);
                for (int i = 0; i < houses; i++) {
                    float bw = unit * (0.08f + (float) r.nextDouble() * 0.1f);
                    float bh = unit * (0.1f + (float) r.nextDouble() * 0.25f);
                    float x = (float) (r.nextDouble() * (w - bw));
                    float y = horizon + (h - horizon) * 0.15f;
                    g.setColor(hsb(theme.accentHue() + (float) r.nextDouble() * 0.3f, 0.35f, 0.75f));
                    g.fill(new Rectangle2D.Float(x, y - bh, bw, bh));
                    g.setColor(hsb(0.02f, 0.6f, 0.5f));
                    Path2D.Float roof = new Path2D.Float();
                    roof.moveTo(x - bw * 0.1f, y - bh);
                    roof.lineTo(x + bw / 2, y - bh - bw * 0.5f);
                    roof.lineTo(x + bw * 1.1f, y - bh);
                    roof.closePath();
                    g.fill(roof);
                    g.setColor(theme.time().equals("day") ? new Color(120, 170, 220) : new Color(255, 220, 120));
                    for (int k = 0; k < 4; k++) {
                        float wx = x + bw * (0.15f + (k % 2) * 0.45f);
                        float wy = y - bh * (0.85f - (k / 2) * 0.4f);
                        g.fill(new Rectangle2D.Float(wx, wy, bw * 0.25f, bh * 0.18f));
                    }
                }
            }
            case "desert" -> {
                int cacti = 1 + r.nextInt(4);
                g.setColor(hsb(0.33f, 0.55f, 0.45f));
                for (int i = 0; i < cacti; i++) {
                    float x = (float) (r.nextDouble() * w);
                    float y = (float) (horizon + (h - horizon) * (0.3 + r.nextDouble() * 0.4));
                    float s = unit * 0.12f;
                    g.fill(new Rectangle2D.Float(x, y - s, s * 0.18f, s));
                    g.fill(new Rectangle2D.Float(x - s * 0.22f, y - s * 0.7f, s * 0.14f, s * 0.35f));
                    g.fill(new Rectangle2D.Float(x + s * 0.26f, y - s * 0.85f, s * 0.14f, s * 0.4f));
                }
            }
            case "sea" -> {
                float x = (float) (w * (0.15 + r.nextDouble() * 0.6) + t * w * 0.05);
                float y = horizon + (h - horizon) * 0.3f;
                float s = unit * 0.12f;
                g.setColor(new Color(120, 70, 40));
                Path2D.Float hull = new Path2D.Float();
                hull.moveTo(x - s, y);
                hull.lineTo(x + s, y);
                hull.lineTo(x + s * 0.7f, y + s * 0.35f);
                hull.lineTo(x - s * 0.7f, y + s * 0.35f);
                hull.closePath();
                g.fill(hull);
                g.setColor(new Color(250, 248, 240));
                Path2D.Float sail = new Path2D.Float();
                sail.moveTo(x, y - s * 1.2f);
                sail.lineTo(x + s * 0.8f, y - s * 0.1f);
                sail.lineTo(x, y - s * 0.1f);
                sail.closePath();
                g.fill(sail);
            }
            default -> {}
        }
        if (theme.extras().contains("castle")) {
            float s = unit * 0.22f;
            float x = (float) (w * (0.55 + r.nextDouble() * 0.3));
            float y = horizon + (h - horizon) * 0.1f;
            g.setColor(hsb(theme.accentHue(), 0.15f, 0.7f));
            g.fill(new Rectangle2D.Float(x - s / 2, y - s, s, s));
            for (int k = 0; k < 2; k++) {
                float tx = x - s / 2 + k * s * 0.8f - s * 0.05f;
                g.fill(new Rectangle2D.Float(tx, y - s * 1.45f, s * 0.3f, s * 1.45f));
                g.setColor(hsb(theme.accentHue(), 0.7f, 0.6f));
                Path2D.Float cone = new Path2D.Float();
                cone.moveTo(tx - s * 0.05f, y - s * 1.45f);
                cone.lineTo(tx + s * 0.15f, y - s * 1.8f);
                cone.lineTo(tx + s * 0.35f, y - s * 1.45f);
                cone.closePath();
                g.fill(cone);
                g.setColor(hsb(theme.accentHue(), 0.15f, 0.7f));
            }
        }
        if (theme.extras().contains("flowers")) {
            int n = 20 + r.nextInt(30);
            for (int i = 0; i < n; i++) {
                float x = (float) (r.nextDouble() * w);
                float y = (float) (horizon + (h - horizon) * (0.3 + r.nextDouble() * 0.7));
                float s = unit * (0.01f + (float) r.nextDouble() * 0.015f);
                g.setColor(hsb((float) r.nextDouble(), 0.6f, 1f));
                g.fill(new Ellipse2D.Float(x, y, s, s));
            }
        }
        if (theme.extras().contains("balloon")) {
            float s = unit * 0.08f;
            float x = (float) (w * (0.1 + r.nextDouble() * 0.8));
            float y = (float) (horizon * (0.3 + r.nextDouble() * 0.4) - t * horizon * 0.1);
            g.setColor(hsb(theme.accentHue(), 0.8f, 0.95f));
            g.fill(new Ellipse2D.Float(x, y, s, s * 1.2f));
            g.setColor(new Color(80, 80, 80));
            g.draw(new java.awt.geom.Line2D.Float(x + s / 2, y + s * 1.2f, x + s / 2, y + s * 2.2f));
        }
    }

    private static void hero(Graphics2D g, Theme theme, SplittableRandom r, int w, int h, float horizon, double t) {
        float s = Math.min(w, h) * (0.1f + (float) r.nextDouble() * 0.06f);
        float x = (float) (w * (0.25 + r.nextDouble() * 0.5));
        float y = horizon + (h - horizon) * 0.55f;
        float bob = (float) (Math.sin(2 * Math.PI * t) * s * 0.06);
        Color body = hsb(theme.accentHue(), 0.75f, 0.85f);
        g.setColor(withAlpha(Color.BLACK, 60));
        g.fill(new Ellipse2D.Float(x - s * 0.4f, y + s * 0.02f, s * 0.8f, s * 0.15f));
        Path2D.Float cloak = new Path2D.Float();
        cloak.moveTo(x - s * 0.35f, y + bob);
        cloak.lineTo(x, y - s * 0.75f + bob);
        cloak.lineTo(x + s * 0.35f, y + bob);
        cloak.closePath();
        g.setColor(body);
        g.fill(cloak);
        if (theme.extras().contains("animal")) { // a companion beside the hero
            g.setColor(hsb(theme.accentHue() + 0.5f, 0.4f, 0.7f));
            float ax = x + s * 0.55f;
            g.fill(new Ellipse2D.Float(ax, y - s * 0.3f - bob, s * 0.45f, s * 0.3f));
            g.fill(new Ellipse2D.Float(ax + s * 0.3f, y - s * 0.48f - bob, s * 0.22f, s * 0.22f));
        }
        g.setColor(new Color(250, 215, 180));
        g.fill(new Ellipse2D.Float(x - s * 0.17f, y - s * 1.05f + bob, s * 0.34f, s * 0.34f));
    }

    private static void rain(Graphics2D g, SplittableRandom r, int w, int h, double t) {
        g.setColor(withAlpha(new Color(200, 210, 255), 140));
        g.setStroke(new BasicStroke(Math.max(1f, w / 400f)));
        for (int i = 0; i < 150; i++) {
            float x = (float) (r.nextDouble() * w);
            float y = (float) (((r.nextDouble() + t) % 1.0) * h);
            g.draw(new java.awt.geom.Line2D.Float(x, y, x - w * 0.01f, y + h * 0.03f));
        }
        g.setStroke(new BasicStroke(1));
    }

    // ------------------------------------------------------------------------------------------
    // Abstract art from a DNA vector (indices: docs/adr/0012-ai-providers.md)

    /** Algorhythmic's art from its 50-point DNA (see the ADR for what each index does), placed by the seed. */
    static BufferedImage fromDna(Dna d, long seed, int w, int h, double t, boolean smooth) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + dnaHash(d));
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            hints(g, smooth);
            double phase = t * (0.25 + d.get(40) * 1.5) + d.get(49); // tempo, phase offset
            Color[] palette = palette(d);
            float unit = Math.min(w, h);
            // Background: a gradient between two palette colours at the DNA's angle.
            double angle = d.get(6) * 2 * Math.PI;
            float cx = w / 2f;
            float cy = h / 2f;
            float dx = (float) Math.cos(angle) * w / 2;
            float dy = (float) Math.sin(angle) * h / 2;
            Color bgA = shade(palette[0], 0.25 + 0.35 * d.get(3));
            Color bgB = shade(hueShift(palette[0], (float) (d.get(5) - 0.5)), 0.15 + 0.3 * d.get(3));
            g.setPaint(new GradientPaint(cx - dx, cy - dy, bgA, cx + dx, cy + dy, bgB));
            g.fillRect(0, 0, w, h);

            float horizon = (float) (h * (0.2 + 0.6 * d.get(34)));
            if (d.get(34) > 0.15 && d.get(34) < 0.85) { // a horizon band
                g.setColor(withAlpha(palette[4], (int) (30 + 60 * d.get(19))));
                g.fill(new Rectangle2D.Float(0, horizon, w, h - horizon));
            }
            rings(g, d, palette, w, h, unit, phase);
            waves(g, d, palette, w, h, unit, phase);
            shapes(g, d, r, palette, w, h, unit, phase);
            flow(g, d, r, palette, w, h, unit, phase);
            int depth = (int) Math.round(d.get(37) * 6);
            if (depth > 0) {
                g.setColor(withAlpha(palette[3], 170));
                branch(g, w * (0.3f + 0.4f * (float) d.get(38)), h, -Math.PI / 2, unit * 0.22f, depth, d, phase);
            }
            particles(g, d, r, palette, w, h, unit, phase);
            if (d.get(33) > 0.05) { // vignette
                g.setPaint(new RadialGradientPaint(
                        new Point2D.Float(cx, cy),
                        (float) Math.hypot(cx, cy),
                        new float[] {0.45f, 1f},
                        new Color[] {new Color(0, 0, 0, 0), new Color(0, 0, 0, (int) (220 * d.get(33)))},
                        MultipleGradientPaint.CycleMethod.NO_CYCLE));
                g.fillRect(0, 0, w, h);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Five colours: base hue (0), spread (1), saturation (2), brightness (3), contrast (4), warmth (7), accent (8, 9), valence (44), loudness (48). */
    static Color[] palette(Dna d) {
        float base = (float) d.get(0);
        float warm = (float) (d.get(7) - 0.5) * 0.15f; // towards orange (0.08) or blue (0.6)
        float spread = (float) (0.05 + d.get(1) * 0.45);
        float sat = (float) (0.25 + d.get(2) * 0.7);
        float bright = (float) Math.min(1, 0.45 + d.get(3) * 0.4 + (d.get(44) - 0.5) * 0.2);
        float contrast = (float) (0.1 + (d.get(4) * 0.6 + d.get(48) * 0.3));
        Color[] c = new Color[5];
        for (int i = 0; i < 4; i++) {
            float hue = base + warm + spread * (i - 1.5f) / 1.5f;
            float b = Math.max(0.1f, Math.min(1f, bright + contrast * ((i % 2 == 0) ? 0.3f : -0.3f)));
            c[i] = hsb(hue, sat, b);
        }
        c[4] = hsb((float) (base + d.get(8)), (float) Math.min(1, sat + d.get(9) * 0.3), Math.min(1f, bright + 0.2f));
        return c;
    }

    private static void rings(Graphics2D g, Dna d, Color[] p, int w, int h, float unit, double phase) {
        int rings = (int) Math.round(d.get(35) * 12);
        if (rings == 0) {
            return;
        }
        float cx = w * (0.5f + (float) (d.get(32) - 0.5) * 0.4f);
        float cy = h * (0.5f + (float) (d.get(38) - 0.5) * 0.4f);
        float stroke = Math.max(1f, unit * (0.002f + (float) d.get(25) * 0.01f));
        g.setStroke(new BasicStroke(stroke));
        for (int i = 1; i <= rings; i++) {
            float radius = (float) (unit * 0.45 * i / rings * (1 + 0.05 * Math.sin(phase * 2 * Math.PI + i)));
            g.setColor(withAlpha(p[i % 5], (int) (60 + 120 * d.get(47))));
            g.draw(new Ellipse2D.Float(cx - radius, cy - radius, radius * 2, radius * 2));
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void waves(Graphics2D g, Dna d, Color[] p, int w, int h, float unit, double phase) {
        double amplitude = d.get(27);
        if (amplitude < 0.1) {
            return;
        }
        int bands = 3 + (int) (d.get(28) * 9);
        double freq = 1 + d.get(28) * 8;
        g.setStroke(new BasicStroke(Math.max(1f, unit * (0.003f + (float) d.get(25) * 0.012f))));
        for (int b = 0; b < bands; b++) {
            float base = h * (b + 0.5f) / bands;
            Path2D.Float wave = new Path2D.Float();
            for (int i = 0; i <= 96; i++) {
                double x = i / 96.0;
                double y = base
                        + Math.sin((x * freq + b * 0.3 * (1 + d.get(29)) + phase) * 2 * Math.PI)
                                * amplitude
                                * h
                                / bands;
                if (i == 0) {
                    wave.moveTo(x * w, y);
                } else {
                    wave.lineTo(x * w, y);
                }
            }
            g.setColor(withAlpha(p[(b + 1) % 5], (int) (70 + 110 * d.get(19))));
            g.draw(wave);
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void shapes(
            Graphics2D g, Dna d, SplittableRandom r, Color[] p, int w, int h, float unit, double phase) {
        int count = 5 + (int) (d.get(11) * 180);
        boolean grid = d.get(30) > 0.5;
        int cells = 3 + (int) (d.get(31) * 9);
        int symmetry = d.get(14) < 0.33 ? 1 : d.get(14) < 0.66 ? 2 : 4;
        double kind = d.get(10);
        float alpha = (float) Math.max(0.15, 1 - d.get(15) * 0.7 - d.get(46) * 0.2);
        double strokeShare = d.get(16);
        float stroke = Math.max(1f, unit * (0.001f + (float) (d.get(17) * 0.012 * (0.5 + d.get(48)))));
        double rotation = d.get(18) * Math.PI;
        double jitter = d.get(45) * unit * 0.03;
        double emptyCentre = d.get(39) * 0.35; // negative space around the centre
        if (grid) {
            count = Math.min(count, cells * cells);
        }
        // Bounded work per pixel: all the shapes together cover the picture at most about five times.
        double meanSide = Math.max(2, unit * (0.02 + d.get(12) * 0.2));
        count = (int) Math.min(count, 5.0 * w * h / (meanSide * meanSide * symmetry) + 1);
        // The bass (41): one large shape behind the rest.
        if (d.get(41) > 0.3) {
            float s = (float) (unit * (0.2 + 0.5 * d.get(41)) * (1 + 0.04 * Math.sin(phase * 2 * Math.PI)));
            g.setColor(withAlpha(p[4], (int) (90 + 100 * d.get(41))));
            g.fill(shape(kind, w / 2f - s / 2, h / 2f - s / 2, s, rotation, 0.5));
        }
        g.setStroke(new BasicStroke(stroke));
        for (int i = 0; i < count; i++) {
            double x;
            double y;
            if (grid) {
                int cx = i % cells;
                int cy = i / cells;
                x = (cx + 0.5) / cells;
                y = (cy + 0.5) / cells;
            } else {
                // Centre focus (32): positions pulled towards the middle.
                double pull = d.get(32);
                x = 0.5 + (r.nextDouble() - 0.5) * (1 - pull * 0.7);
                y = 0.5 + (r.nextDouble() - 0.5) * (1 - pull * 0.7);
            }
            if (Math.hypot(x - 0.5, y - 0.5) < emptyCentre) {
                continue;
            }
            double size = unit * (0.02 + d.get(12) * 0.2) * (1 + (r.nextDouble() - 0.5) * 2 * d.get(13));
            size = Math.max(2, size * (grid ? 1.0 / Math.max(1, cells / 4.0) : 1));
            double drift = Math.sin((phase + i * 0.1) * 2 * Math.PI) * jitter;
            Color c = p[r.nextInt(4)];
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, alpha));
            g.setColor(c);
            boolean outline = r.nextDouble() < strokeShare;
            double rot = rotation + r.nextDouble() * rotation;
            double pick = r.nextDouble();
            for (int s = 0; s < symmetry; s++) {
                double sx = x;
                double sy = y;
                if (s == 1) {
                    sx = d.get(38) < 0.5 ? 1 - x : x;
                    sy = d.get(38) < 0.5 ? y : 1 - y;
                } else if (s >= 2) {
                    sx = s == 2 ? 1 - x : x;
                    sy = s == 2 ? 1 - y : 1 - y;
                    if (s == 3) {
                        sx = 1 - x;
                        sy = y;
                    }
                }
                Shape shape = shape(
                        kind * 0.7 + pick * 0.3,
                        (float) (sx * w - size / 2 + drift),
                        (float) (sy * h - size / 2),
                        (float) size,
                        rot,
                        d.get(47));
                if (outline) {
                    g.draw(shape);
                } else {
                    g.fill(shape);
                }
            }
        }
        g.setComposite(AlphaComposite.SrcOver);
        g.setStroke(new BasicStroke(1));
    }

    /** A shape of a kind chosen by {@code kind} in [0, 1]: circle, square, triangle, star-like polygon or bar. */
    private static Shape shape(double kind, float x, float y, float s, double rotation, double roundness) {
        Shape base;
        if (kind < 0.25) {
            base = new Ellipse2D.Float(x, y, s, s * (float) (0.6 + 0.4 * roundness));
        } else if (kind < 0.45) {
            base = new Rectangle2D.Float(x, y, s, s);
        } else if (kind < 0.65) {
            Path2D.Float tri = new Path2D.Float();
            tri.moveTo(x + s / 2, y);
            tri.lineTo(x + s, y + s);
            tri.lineTo(x, y + s);
            tri.closePath();
            base = tri;
        } else if (kind < 0.85) {
            Path2D.Float star = new Path2D.Float();
            int points = 5 + (int) (roundness * 3);
            for (int i = 0; i < points * 2; i++) {
                double a = Math.PI * i / points;
                double rr = (i % 2 == 0 ? 0.5 : 0.22) * s;
                double px = x + s / 2 + Math.cos(a) * rr;
                double py = y + s / 2 + Math.sin(a) * rr;
                if (i == 0) {
                    star.moveTo(px, py);
                } else {
                    star.lineTo(px, py);
                }
            }
            star.closePath();
            base = star;
        } else {
            base = new Rectangle2D.Float(x, y + s * 0.4f, s * 1.6f, s * 0.2f);
        }
        return AffineTransform.getRotateInstance(rotation, x + s / 2, y + s / 2).createTransformedShape(base);
    }

    private static void flow(
            Graphics2D g, Dna d, SplittableRandom r, Color[] p, int w, int h, float unit, double phase) {
        int lines = (int) Math.round(d.get(24) * 80 * (0.5 + d.get(42)));
        if (lines == 0) {
            return;
        }
        int steps = 4 + (int) (d.get(20) * 28);
        double scale = 1 + d.get(21) * 6;
        double curl = d.get(22) * 4;
        double direction = d.get(23) * 2 * Math.PI;
        double spiral = d.get(26);
        float step = unit * 0.022f;
        g.setStroke(new BasicStroke(
                Math.max(1f, unit * (0.001f + (float) d.get(25) * 0.006f)),
                BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_ROUND));
        for (int i = 0; i < lines; i++) {
            double x = r.nextDouble();
            double y = r.nextDouble();
            Path2D.Float path = new Path2D.Float();
            path.moveTo(x * w, y * h);
            for (int k = 0; k < steps; k++) {
                double field = direction
                        + Math.sin(x * scale * Math.PI + phase * 2 * Math.PI) * curl
                        + Math.cos(y * scale * Math.PI) * curl;
                double toCentre = Math.atan2(0.5 - y, 0.5 - x) + Math.PI / 2;
                double a = field * (1 - spiral) + toCentre * spiral;
                x += Math.cos(a) * step / w;
                y += Math.sin(a) * step / h;
                path.lineTo(x * w, y * h);
            }
            g.setColor(withAlpha(p[i % 5], (int) (60 + 150 * d.get(20))));
            g.draw(path);
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void branch(
            Graphics2D g, float x, float y, double angle, float length, int depth, Dna d, double phase) {
        if (depth == 0 || length < 2) {
            return;
        }
        float x2 = (float) (x + Math.cos(angle) * length);
        float y2 = (float) (y + Math.sin(angle) * length);
        g.setStroke(new BasicStroke(Math.max(1f, depth * 0.8f)));
        g.draw(new java.awt.geom.Line2D.Float(x, y, x2, y2));
        double spread = 0.3 + d.get(22) * 0.6 + Math.sin(phase * 2 * Math.PI) * 0.05;
        branch(g, x2, y2, angle - spread, length * 0.7f, depth - 1, d, phase);
        branch(g, x2, y2, angle + spread, length * 0.7f, depth - 1, d, phase);
        g.setStroke(new BasicStroke(1));
    }

    private static void particles(
            Graphics2D g, Dna d, SplittableRandom r, Color[] p, int w, int h, float unit, double phase) {
        int treble = (int) (d.get(43) * 300);
        int grain = (int) (d.get(36) * 1500);
        for (int i = 0; i < treble; i++) {
            float s = Math.max(1f, unit * (0.003f + (float) r.nextDouble() * 0.006f));
            double x = (r.nextDouble() + Math.sin((phase + i) * 0.7) * 0.01 * d.get(45)) * w;
            g.setColor(withAlpha(p[4], 200));
            g.fill(new Ellipse2D.Float((float) x, (float) (r.nextDouble() * h), s, s));
        }
        for (int i = 0; i < grain; i++) {
            g.setColor(r.nextBoolean() ? new Color(255, 255, 255, 40) : new Color(0, 0, 0, 40));
            g.fillRect(r.nextInt(w), r.nextInt(h), 1, 1);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    /**
     * The dominant hue of the saturated pixels of a picture, read subsampled to about 64 pixels a
     * side (cheap whatever its size); null when it cannot be read or is grey.
     */
    static @Nullable Float dominantHue(byte[] picture) {
        if (picture.length > 32 * 1024 * 1024) {
            return null;
        }
        try (javax.imageio.stream.ImageInputStream in =
                javax.imageio.ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(picture))) {
            java.util.Iterator<javax.imageio.ImageReader> readers = javax.imageio.ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            javax.imageio.ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if ((long) w * h > 64L * 1024 * 1024) {
                    return null;
                }
                javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
                int step = Math.max(1, Math.max(w, h) / 64);
                param.setSourceSubsampling(step, step, 0, 0);
                BufferedImage small = reader.read(0, param);
                double x = 0;
                double y = 0;
                for (int py = 0; py < small.getHeight(); py++) {
                    for (int px = 0; px < small.getWidth(); px++) {
                        int rgb = small.getRGB(px, py);
                        float[] hsb = Color.RGBtoHSB((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, null);
                        if (hsb[1] > 0.45f && hsb[2] > 0.35f) {
                            x += Math.cos(hsb[0] * 2 * Math.PI) * hsb[1];
                            y += Math.sin(hsb[0] * 2 * Math.PI) * hsb[1];
                        }
                    }
                }
                if (Math.hypot(x, y) < 1e-6) {
                    return null;
                }
                double hue = Math.atan2(y, x) / (2 * Math.PI);
                return (float) (hue < 0 ? hue + 1 : hue);
            } finally {
                reader.dispose();
            }
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static void hints(Graphics2D g, boolean smooth) {
        g.setRenderingHint(
                RenderingHints.KEY_ANTIALIASING,
                smooth ? RenderingHints.VALUE_ANTIALIAS_ON : RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_SPEED);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    }

    static long hash(String text) {
        long h = 1125899906842597L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return h ^ (h >>> 29);
    }

    private static long dnaHash(Dna d) {
        long h = 7;
        for (int i = 0; i < Dna.LENGTH; i++) {
            h = h * 1_000_003 + Double.hashCode(d.get(i));
        }
        return h;
    }

    /** Lowercased words of a text, accents kept, split on anything that is not a letter, digit or dash. */
    static Set<String> tokens(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        Set<String> out = new HashSet<>();
        for (String token : normal.split("[^\\p{L}\\p{N}-]+")) {
            if (!token.isEmpty()) {
                out.add(token);
                if (token.endsWith("s") && token.length() > 3) {
                    out.add(token.substring(0, token.length() - 1));
                }
            }
        }
        return out;
    }

    /** word → key, from pairs of (key, space-separated words). */
    private static Map<String, String> words(String... keyThenWords) {
        java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyThenWords.length; i += 2) {
            for (String word : keyThenWords[i + 1].split(" ")) {
                out.putIfAbsent(word, keyThenWords[i]);
            }
        }
        return out;
    }

    private static String pick(Set<String> tokens, Map<String, String> words, String otherwise) {
        // The first key (in the map's order) any token names: "night by the sea" is a night at sea.
        for (String key : new java.util.LinkedHashSet<>(words.values())) {
            for (String token : tokens) {
                if (key.equals(words.get(token))) {
                    return key;
                }
            }
        }
        return otherwise;
    }

    private static Map<String, Float> colourHues() {
        Map<String, Float> out = new java.util.HashMap<>();
        Object[][] table = {
            {0.0f, List.of("red", "rojo", "roja", "rouge", "rot", "rosso", "rossa")},
            {0.08f, List.of("orange", "naranja", "arancione", "arancio")},
            {
                0.15f,
                List.of(
                        "yellow",
                        "gold",
                        "golden",
                        "amarillo",
                        "dorado",
                        "jaune",
                        "doré",
                        "gelb",
                        "gold",
                        "giallo",
                        "oro")
            },
            {0.33f, List.of("green", "verde", "vert", "verte", "grün")},
            {0.6f, List.of("blue", "azul", "bleu", "bleue", "blau", "blu")},
            {0.78f, List.of("purple", "violet", "morado", "violeta", "lila", "viola")},
            {0.9f, List.of("pink", "rosa", "rose")},
        };
        for (Object[] row : table) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) row[1];
            for (String name : names) {
                out.putIfAbsent(name, (Float) row[0]);
            }
        }
        return Map.copyOf(out);
    }

    static Color hsb(float h, float s, float b) {
        float hue = h - (float) Math.floor(h);
        return Color.getHSBColor(hue, Math.max(0, Math.min(1, s)), Math.max(0, Math.min(1, b)));
    }

    private static Color withAlpha(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.max(0, Math.min(255, alpha)));
    }

    private static Color blend(Color a, Color b, float t) {
        return new Color(
                Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }

    private static Color shade(Color c, double brightness) {
        float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
        return hsb(hsb[0], hsb[1], (float) brightness);
    }

    private static Color hueShift(Color c, float by) {
        float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
        return hsb(hsb[0] + by, hsb[1], hsb[2]);
    }
}
