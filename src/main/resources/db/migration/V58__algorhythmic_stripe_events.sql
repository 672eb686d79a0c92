-- =============================================================================================
-- V58: Algorhythmic's subscriptions from Stripe's webhook. The server verifies the signature and
-- hands the event here; it is applied at most once (platform.webhook_events by event id, in the
-- same transaction) to the user with that stripe_customer_id:
--   customer.subscription.created / updated: the tier whose stripe_price_id the subscription's
--     first item bills (active, trialing or past_due), or free when it is canceled or unpaid;
--   customer.subscription.deleted: back to free (a downgrade: at the next cycle);
--   invoice.paid: the paid period's start begins a new billing cycle (the current one ends
--     there and rolls: rollover, decay, the tier's grant), unless the cycle already started then.
-- Returns what was done, for the log and the tests.
-- =============================================================================================

CREATE INDEX users_stripe_customer_id_idx ON algorhythmic.users (stripe_customer_id)
    WHERE stripe_customer_id IS NOT NULL;

CREATE FUNCTION algorhythmic.apply_stripe_event(p_event_id text, p_type text, p_object jsonb, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    app_user     text;
    tier         text;
    status       text := p_object ->> 'status';
    period_start timestamptz;
    account      algorhythmic.user_credits;
BEGIN
    INSERT INTO platform.webhook_events (provider, event_id, event_type) VALUES ('stripe', p_event_id, p_type)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'duplicate';
    END IF;
    IF p_type NOT IN ('customer.subscription.created', 'customer.subscription.updated',
                      'customer.subscription.deleted', 'invoice.paid') THEN
        RETURN 'ignored';
    END IF;
    SELECT u.id INTO app_user FROM algorhythmic.users u WHERE u.stripe_customer_id = p_object ->> 'customer';
    IF NOT FOUND THEN
        RETURN 'unknown customer';
    END IF;

    IF p_type = 'customer.subscription.deleted'
       OR (p_type <> 'invoice.paid' AND status IN ('canceled', 'unpaid', 'incomplete_expired')) THEN
        PERFORM algorhythmic.change_subscription_tier(app_user, 'free', p_now);
        UPDATE algorhythmic.users u SET stripe_subscription_id = NULL WHERE u.id = app_user;
        RETURN 'tier free';
    ELSIF p_type <> 'invoice.paid' THEN
        SELECT t.tier INTO tier FROM algorhythmic.subscription_tiers t
        WHERE t.stripe_price_id = p_object #>> '{items,data,0,price,id}';
        IF NOT FOUND THEN
            RETURN 'unknown price';
        END IF;
        IF status NOT IN ('active', 'trialing', 'past_due') THEN
            RETURN 'not active';
        END IF;
        PERFORM algorhythmic.change_subscription_tier(app_user, tier, p_now);
        UPDATE algorhythmic.users u SET stripe_subscription_id = p_object ->> 'id' WHERE u.id = app_user;
        RETURN 'tier ' || tier;
    END IF;

    period_start := pg_catalog.to_timestamp(coalesce(p_object #>> '{lines,data,0,period,start}',
                                                     p_object ->> 'period_start')::double precision);
    PERFORM algorhythmic.roll_credit_cycle(app_user, p_now);
    SELECT * INTO account FROM algorhythmic.user_credits c WHERE c.user_id = app_user FOR UPDATE;
    IF period_start IS NULL OR period_start <= account.billing_cycle_start OR period_start > p_now THEN
        RETURN 'cycle unchanged';
    END IF;
    UPDATE algorhythmic.user_credits c SET billing_cycle_end = period_start WHERE c.user_id = app_user;
    PERFORM algorhythmic.roll_credit_cycle(app_user, p_now);
    RETURN 'new cycle';
END;
$$;

GRANT EXECUTE ON FUNCTION algorhythmic.apply_stripe_event(text, text, jsonb, timestamptz) TO service_role;
