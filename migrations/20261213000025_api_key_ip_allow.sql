-- API keys accept requests only from these networks (CIDR text, like postback keys' ip_allow);
-- empty: from anywhere. A rotation hands the list to the successor.
ALTER TABLE api_keys ADD COLUMN ip_allow TEXT[] NOT NULL DEFAULT '{}';

-- Changing a key's networks is recorded like its creation, rotation and revocation.
ALTER TABLE domain_events DROP CONSTRAINT domain_events_kind_check;
ALTER TABLE domain_events ADD CONSTRAINT domain_events_kind_check CHECK (kind IN (
    'click.stored', 'conversion.decided', 'conversion.reversed',
    'offer.status_changed', 'promoter.joined',
    'api_key.created', 'api_key.rotated', 'api_key.revoked', 'api_key.updated',
    'postback_key.created', 'postback_key.revoked',
    'webhook_endpoint.disabled', 'points.level_reached', 'contest.finished'));
