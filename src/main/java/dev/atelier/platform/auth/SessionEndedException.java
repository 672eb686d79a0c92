package dev.atelier.platform.auth;

/**
 * A valid access token whose session no longer exists: signed out, ended by a password change or
 * by the cap on sessions per user. The client must sign in again.
 */
public final class SessionEndedException extends Exception {

    SessionEndedException() {
        super("the session of this access token has ended (signed out or revoked): sign in again");
    }
}
