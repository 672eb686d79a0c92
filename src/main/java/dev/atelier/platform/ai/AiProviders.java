package dev.atelier.platform.ai;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Chooses the provider for a call from configuration (per app and per target). Until a route is
 * configured every call goes to the built-in {@link LocalProvider}, so every flow works with no
 * network and no keys.
 */
@Service
public class AiProviders {

    private final LocalFaults faults;
    private final LocalProvider local;

    AiProviders(@Value("${atelier.ai.local.faults:}") String localFaults) {
        this.faults = new LocalFaults(localFaults);
        this.local = new LocalProvider(faults);
    }

    /** The local provider's deliberate failures (see {@link LocalFaults}); tests and evaluators set them. */
    public LocalFaults localFaults() {
        return faults;
    }

    /** The built-in provider on its own, without faults (benchmarks measure it alone). */
    public static AiProvider localProvider() {
        return new LocalProvider(new LocalFaults(""));
    }

    /** The provider that serves this call. */
    public AiProvider forCall(AiCall call) {
        return local;
    }
}
