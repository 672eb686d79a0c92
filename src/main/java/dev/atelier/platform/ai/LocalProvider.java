package dev.atelier.platform.ai;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * The built-in provider: everything is computed here, deterministically from the request, with no
 * network and no keys. Images are drawn from the prompt and the seed; stories are composed from
 * the hero and the event; moderation is a word list.
 */
final class LocalProvider implements AiProvider {

    static final String NAME = "local";

    private final LocalFaults faults;

    LocalProvider(LocalFaults faults) {
        this.faults = faults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Media image(AiCall call, ImagePrompt prompt) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        BufferedImage image = draw(prompt.prompt(), prompt.seed(), prompt.width(), prompt.height());
        return new Media(png(image), "image/png", prompt.width(), prompt.height(), usage(started));
    }

    @Override
    public Media video(AiCall call, VideoPrompt prompt) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        BufferedImage frame = draw(prompt.prompt(), prompt.seed(), prompt.width(), prompt.height());
        return new Media(encode(frame, "gif"), "image/gif", prompt.width(), prompt.height(), usage(started));
    }

    @Override
    public Text story(AiCall call, StoryPrompt prompt) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        String traits = String.join(", ", prompt.traits());
        String text = "Once upon a time, " + prompt.heroName() + ", who was " + traits + ", met " + prompt.event()
                + ". " + prompt.heroName() + " used " + prompt.ability() + " to help everyone. "
                + "In the end, everyone was safe, and " + prompt.heroName() + " fell asleep smiling.";
        return new Text(text, usage(started));
    }

    @Override
    public List<Scene> scenes(AiCall call, String story, String language, int maxScenes) throws AiException {
        faults.apply(call);
        String[] sentences = story.split("(?<=[.!?])\\s+");
        List<Scene> scenes = new ArrayList<>();
        double at = 0;
        for (int i = 0; i < sentences.length && scenes.size() < maxScenes; i++) {
            String text = sentences[i].trim();
            if (text.isEmpty()) {
                continue;
            }
            scenes.add(new Scene(
                    scenes.size() + 1, text, "A children's book illustration: " + text, at, "happy", "medium"));
            at += text.split("\\s+").length / 2.5;
        }
        return scenes;
    }

    @Override
    public Moderation moderate(AiCall call, String text) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        String lower = text.toLowerCase(Locale.ROOT);
        List<Moderation.Flag> flags = new ArrayList<>();
        for (String word : List.of("kill", "gore", "blood")) {
            if (lower.contains(word)) {
                flags.add(new Moderation.Flag("violence", "high", 0.9));
            }
        }
        return new Moderation(flags.isEmpty() ? "allow" : "reject", flags, null, usage(started));
    }

    @Override
    public Media speech(AiCall call, String text, String voice) throws AiException {
        throw new AiException(AiException.Kind.UNSUPPORTED, "the local provider has no speech");
    }

    private static BufferedImage draw(String prompt, long seed, int width, int height) {
        CRC32 crc = new CRC32();
        crc.update(prompt.getBytes(StandardCharsets.UTF_8));
        SplittableRandom random = new SplittableRandom(crc.getValue() ^ seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(random.nextInt(1 << 24)));
            g.fillRect(0, 0, width, height);
            for (int i = 0; i < 12; i++) {
                g.setColor(new Color(random.nextInt(1 << 24)));
                int size = 1 + random.nextInt(Math.max(2, Math.min(width, height) / 2));
                g.fillOval(random.nextInt(width), random.nextInt(height), size, size);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Usage usage(long startedNanos) {
        return new Usage(NAME, null, 0, 0, BigDecimal.ZERO, (System.nanoTime() - startedNanos) / 1_000_000);
    }
}
