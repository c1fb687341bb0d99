-- Refunds and payouts that have no final answer yet are asked again with a growing delay
-- (core/channel_call.h): how many calls were made, and when the next one is due. A new record
-- is due at once.
ALTER TABLE refunds ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN next_attempt_at_ms BIGINT NOT NULL DEFAULT 0;
DROP INDEX refunds_status;
CREATE INDEX refunds_due ON refunds(status, next_attempt_at_ms);
ALTER TABLE payouts ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payouts ADD COLUMN next_attempt_at_ms BIGINT NOT NULL DEFAULT 0;
DROP INDEX payouts_status;
CREATE INDEX payouts_due ON payouts(status, next_attempt_at_ms);
