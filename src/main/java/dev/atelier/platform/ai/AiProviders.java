package dev.atelier.platform.ai;

import org.springframework.stereotype.Service;

/**
 * Chooses the provider for a call from configuration (per app and per target). Until a route is
 * configured every call goes to the built-in {@link LocalProvider}, so every flow works with no
 * network and no keys.
 */
@Service
public class AiProviders {

    private final LocalProvider local = new LocalProvider();

    /** The provider that serves this call. */
    public AiProvider forCall(AiCall call) {
        return local;
    }
}
