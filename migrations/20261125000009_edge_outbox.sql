-- Edge config changes waiting to be pushed (DESIGN §5). Triggers on the tables the edge
-- config is made from queue the KV key each change affects, in the same transaction as the
-- change, so no code path can forget to push and a failed push is retried until it lands:
-- the control plane's push job reads these rows, pushes the key's current value (or its
-- deletion) to every edge target, and deletes the rows only once every target took it.

CREATE TABLE edge_outbox (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key       TEXT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An offer's entry depends on its status, URLs, geo rules and owner.
CREATE FUNCTION edge_outbox_offer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR (OLD.status, OLD.url_template, OLD.fallback_url, OLD.geo_allow, OLD.geo_deny,
           OLD.advertiser_id)
          IS DISTINCT FROM
          (NEW.status, NEW.url_template, NEW.fallback_url, NEW.geo_allow, NEW.geo_deny,
           NEW.advertiser_id) THEN
        INSERT INTO edge_outbox (key) VALUES ('offer:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER offers_edge_outbox AFTER INSERT OR UPDATE ON offers
    FOR EACH ROW EXECUTE FUNCTION edge_outbox_offer();

-- Any change to the signing keys (created, activated, revoked) changes the `keys` entry.
CREATE FUNCTION edge_outbox_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO edge_outbox (key) VALUES ('keys');
    RETURN NULL;
END $$;

CREATE TRIGGER signing_keys_edge_outbox AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION edge_outbox_keys();

CREATE FUNCTION edge_outbox_postback_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO edge_outbox (key) VALUES ('pbk:' || encode(OLD.key_hash, 'hex'));
    ELSE
        INSERT INTO edge_outbox (key) VALUES ('pbk:' || encode(NEW.key_hash, 'hex'));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER postback_keys_edge_outbox AFTER INSERT OR UPDATE OR DELETE ON postback_keys
    FOR EACH ROW EXECUTE FUNCTION edge_outbox_postback_key();
