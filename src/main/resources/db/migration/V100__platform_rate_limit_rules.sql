-- =============================================================================================
-- V100: the platform rate limiter's rules (docs/adr/0017-rate-limits.md). A rule limits one
-- identifier type (ip, user, api_key, role, email, ip_email, global) to requests_per_window per
-- window_seconds on one endpoint pattern:
--   '<METHOD|*> <path glob>'  a request the HTTP filter sees ('*' one path segment, '**' any
--                            number, '{a,b}' alternatives), e.g. 'POST /auth/v1/token';
--   'action:<name>'          a step the server's own code counts (a password sign-in, a sign-up),
--                            where identifiers such as the e-mail are known.
-- Servers reload the rules when they change (V102), so a limit changes without a restart. Only
-- service_role reads or writes the table. The rows below are the defaults that protect auth.
-- =============================================================================================

CREATE TABLE platform.rate_limit_rules (
    id                  serial PRIMARY KEY,
    name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_.-]{1,100}$'),
    identifier_type     text NOT NULL
        CHECK (identifier_type IN ('ip', 'user', 'api_key', 'role', 'email', 'ip_email', 'global')),
    endpoint_pattern    text NOT NULL CHECK (
        pg_catalog.length(endpoint_pattern) <= 300
        AND (endpoint_pattern ~ '^action:[a-z0-9_.-]+$'
             OR endpoint_pattern ~ '^(\*|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /\S*$')),
    requests_per_window integer NOT NULL CHECK (requests_per_window > 0),
    window_seconds      integer NOT NULL CHECK (window_seconds BETWEEN 1 AND 2678400),
    enabled             boolean NOT NULL DEFAULT true,
    description         text CHECK (pg_catalog.length(description) <= 1000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON platform.rate_limit_rules FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.rate_limit_rules TO service_role;
GRANT USAGE, SELECT ON SEQUENCE platform.rate_limit_rules_id_seq TO service_role;
CALL platform.secure_table('platform.rate_limit_rules');
CALL platform.keep_updated_at('platform.rate_limit_rules');

-- The defaults, after GoTrue's (RATE_LIMIT_ANONYMOUS_USERS 30/h, RATE_LIMIT_TOKEN_REFRESH 150 per
-- 5 min, sign-ins and sign-ups 30 per 5 min per IP, e-mails sent per hour) and the brute-force
-- rule of issue 12: the 6th wrong password for one e-mail from one IP within 15 minutes is refused.
INSERT INTO platform.rate_limit_rules (name, identifier_type, endpoint_pattern, requests_per_window, window_seconds, description)
VALUES
    ('auth.password.ip_email', 'ip_email', 'action:auth.password', 5, 900,
     'Password sign-ins for one e-mail from one address; a successful sign-in starts the count again'),
    ('auth.password.ip', 'ip', 'action:auth.password', 30, 300,
     'Password sign-ins from one address, whatever the e-mail'),
    ('auth.password.email', 'email', 'action:auth.password', 100, 900,
     'Password sign-ins for one e-mail from all addresses: a lock-out needs 20 addresses every 15 minutes'),
    ('auth.signup.ip', 'ip', 'action:auth.signup', 30, 3600,
     'Sign-ups with an e-mail from one address'),
    ('auth.anonymous.ip', 'ip', 'action:auth.anonymous', 30, 3600,
     'Anonymous sign-ins from one address (GoTrue RATE_LIMIT_ANONYMOUS_USERS)'),
    ('auth.anonymous.global', 'global', 'action:auth.anonymous', 3600, 3600,
     'Anonymous sign-ins from everyone'),
    ('auth.refresh.ip', 'ip', 'action:auth.refresh', 150, 300,
     'Token refreshes from one address (GoTrue RATE_LIMIT_TOKEN_REFRESH)'),
    ('auth.email_sent.global', 'global', 'action:auth.email_sent', 30, 3600,
     'E-mails sent by auth (GoTrue RATE_LIMIT_EMAIL_SENT); Atelier sends none yet');
