-- The daily retention job (Jobs/RetentionJob.cs) deletes old rows in bounded batches, oldest first;
-- these indexes let each batch find them without scanning the tables.
create index patrol_points_at_ix on patrol_points (at);
create index idempotency_keys_created_ix on idempotency_keys (created_at);
create index request_keys_created_ix on request_keys (created_at);
create index open311_key_usage_window_ix on open311_key_usage (window_start);
create index citizen_rate_usage_window_ix on citizen_rate_usage (window_start);
