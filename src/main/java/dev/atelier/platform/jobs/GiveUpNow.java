package dev.atelier.platform.jobs;

/**
 * Thrown by a handler when no further attempt can succeed (a provider refused the request for
 * good): the job fails at once, whatever attempts remain, and its give-up hook runs.
 */
public final class GiveUpNow extends Exception {

    private static final long serialVersionUID = 1L;

    public GiveUpNow(String message, Throwable cause) {
        super(message, cause);
    }

    public GiveUpNow(String message) {
        super(message);
    }
}
