-- What this database was set up with, read by every server before it serves: the fingerprint
-- of the JWT secret (a server with another secret refuses to start) and the login role its
-- servers use (one per Atelier database, since roles are shared by the whole cluster).
-- Written by the server on its first start (LoginRole.claim); only the owner reads it.
CREATE TABLE platform.instance (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    jwt_secret_fingerprint text NOT NULL CHECK (jwt_secret_fingerprint ~ '^[0-9a-f]{64}$'),
    login_role             text NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON platform.instance FROM PUBLIC;
