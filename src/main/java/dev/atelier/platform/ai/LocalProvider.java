package dev.atelier.platform.ai;

import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in provider: everything is computed here, deterministically from the request (the same
 * request gives the same bytes), with no network and no keys. Images are landscapes drawn from the
 * prompt's words and the seed, or Algorhythmic's abstract art drawn from its DNA vector
 * ({@link LocalArt}); video is a looping animated GIF of the same drawing in motion; stories are
 * composed from the hero and the event in five languages ({@link LocalStories}); scenes are cut
 * from the story ({@link LocalScenes}); moderation is a rule list ({@link LocalModeration}); there
 * is no speech. Every call first acts out the faults set for it ({@link LocalFaults}).
 */
final class LocalProvider implements AiProvider {

    static final String NAME = "local";

    /** Pixels a video may draw in all (frames × width × height), so a large clip stays cheap: fewer frames. */
    static final long VIDEO_PIXEL_BUDGET = 12_000_000;

    static final int VIDEO_DELAY_CENTISECONDS = 8; // 12.5 frames per second

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
        BufferedImage image;
        if (!prompt.dna().isEmpty()) {
            Dna dna = Dna.of(prompt.dna());
            image = LocalArt.fromDna(dna, prompt.seed(), prompt.width(), prompt.height(), 0, true);
        } else {
            byte[] reference = prompt.reference();
            Float hue = reference == null ? null : LocalArt.dominantHue(reference);
            image = LocalArt.landscape(prompt.prompt(), prompt.seed(), prompt.width(), prompt.height(), 0, true, hue);
        }
        byte[] png = Encoders.png(image);
        return new Media(png, "image/png", prompt.width(), prompt.height(), usage(tokens(prompt.prompt()), 0, started));
    }

    @Override
    public Media video(AiCall call, VideoPrompt prompt) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        int frames = frames(prompt);
        List<BufferedImage> images = new ArrayList<>(frames);
        for (int i = 0; i < frames; i++) {
            images.add(LocalArt.landscape(
                    prompt.prompt(), prompt.seed(), prompt.width(), prompt.height(), (double) i / frames, false));
        }
        byte[] gif = Encoders.gif(images, VIDEO_DELAY_CENTISECONDS);
        return new Media(gif, "image/gif", prompt.width(), prompt.height(), usage(tokens(prompt.prompt()), 0, started));
    }

    /** The frames drawn: as asked, at least 2 (it moves), at most what the pixel budget allows. */
    static int frames(VideoPrompt prompt) {
        long perFrame = (long) prompt.width() * prompt.height();
        int affordable = (int) Math.max(2, VIDEO_PIXEL_BUDGET / perFrame);
        return Math.max(2, Math.min(prompt.frames(), affordable));
    }

    @Override
    public Text story(AiCall call, StoryPrompt prompt) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        String text = LocalStories.compose(prompt);
        int in = tokens(prompt.heroName() + " " + String.join(" ", prompt.traits()) + " " + prompt.appearance() + " "
                + prompt.ability() + " " + prompt.event());
        return new Text(text, usage(in, tokens(text), started));
    }

    @Override
    public List<Scene> scenes(AiCall call, String story, String language, int maxScenes) throws AiException {
        return scenesWithUsage(call, story, language, maxScenes).scenes();
    }

    @Override
    public Scenes scenesWithUsage(AiCall call, String story, String language, int maxScenes) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        if (maxScenes < 1) {
            throw new AiException(AiException.Kind.REJECTED, "maxScenes must be at least 1");
        }
        List<Scene> scenes = LocalScenes.extract(story, maxScenes);
        int out = 0;
        for (Scene scene : scenes) {
            out += tokens(scene.illustrationPrompt()) + 10;
        }
        return new Scenes(scenes, usage(tokens(story), out, started));
    }

    @Override
    public Moderation moderate(AiCall call, String text) throws AiException {
        faults.apply(call);
        long started = System.nanoTime();
        return LocalModeration.moderate(text, usage(tokens(text), 0, started));
    }

    @Override
    public Media speech(AiCall call, String text, String voice) throws AiException {
        faults.apply(call);
        throw new AiException(AiException.Kind.UNSUPPORTED, "the local provider has no speech");
    }

    /** Tokens as chat models count them, roughly: a token per four characters. */
    static int tokens(String text) {
        return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
    }

    private static Usage usage(int in, int out, long startedNanos) {
        return new Usage(NAME, "local", in, out, BigDecimal.ZERO, (System.nanoTime() - startedNanos) / 1_000_000);
    }
}
