package dev.atelier.platform.ai;

import java.util.List;

/**
 * Algorhythmic's 50-point DNA vector, checked: 50 finite values in [0, 1]. What each index means
 * is in docs/adr/0012-ai-providers.md and the local provider's drawing.
 */
final class Dna {

    static final int LENGTH = 50;

    private final double[] v;

    private Dna(double[] v) {
        this.v = v;
    }

    /** The vector, or {@link AiException.Kind#REJECTED} when it is not 50 finite values in [0, 1]. */
    static Dna of(List<Double> values) throws AiException {
        if (values.size() != LENGTH) {
            throw new AiException(
                    AiException.Kind.REJECTED, "the DNA vector must have " + LENGTH + " values, not " + values.size());
        }
        double[] v = new double[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            Double d = values.get(i);
            if (d == null || !Double.isFinite(d) || d < 0 || d > 1) {
                throw new AiException(
                        AiException.Kind.REJECTED, "DNA value " + i + " must be a number between 0 and 1");
            }
            v[i] = d;
        }
        return new Dna(v);
    }

    double get(int i) {
        return v[i];
    }

    /** Words for a remote image model that cannot read the vector itself. */
    String describe() {
        String warmth = v[0] < 0.33 ? "cool blue and violet" : v[0] < 0.66 ? "green and teal" : "warm red and orange";
        String energy = v[20] < 0.33 ? "calm, slow" : v[20] < 0.66 ? "flowing" : "energetic, swirling";
        String shapes = v[10] < 0.5 ? "soft round shapes" : "sharp geometric shapes";
        String density = v[11] < 0.33 ? "sparse" : v[11] < 0.66 ? "balanced" : "dense";
        return "Abstract generative art: " + warmth + " palette, " + density + " " + shapes + ", " + energy
                + " motion.";
    }
}
