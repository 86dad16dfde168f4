-- Hotline status push: an integrated 12345 system registers a callback URL with its API key, and
-- every change of one of ITS tickets (the ones it pushed with that key) is POSTed there, signed with
-- its key. The pull feed (/api/hotline/feed) stays.
--
-- A recurring job turns new case_events into one delivery row per (key, event seq, ticket): the
-- primary key is what makes a change be sent at most once, however often the job or a send job
-- runs; each delivery is then a Hangfire job of its own, retried with back-off by Hangfire and left
-- failed (in the dashboard, and failed_at here) after the last retry.
alter table hotline_tickets add column api_key_id bigint references open311_api_keys(id);  -- null: filed by a call taker
create index hotline_tickets_key_ix on hotline_tickets (api_key_id, case_id) where api_key_id is not null;

create table hotline_callbacks (
    api_key_id     bigint primary key references open311_api_keys(id),
    url            text not null check (length(url) between 8 and 500 and url ~ '^https?://'),
    -- The API key itself, encrypted with the app's data-protection keys: the HMAC key of the
    -- signature (the key table keeps only a hash of it).
    signing_key    text not null,
    registered_at  timestamptz not null,
    cursor_seq     bigint not null                      -- the last case_events seq turned into deliveries
);

create table hotline_deliveries (
    api_key_id    bigint not null references open311_api_keys(id),
    seq           bigint not null,                      -- the case_events seq of the change
    ticket_id     text not null,
    body          jsonb not null,                       -- what is POSTed, fixed when queued so every retry sends the same
    queued_at     timestamptz not null,
    job_id        text,                                 -- the Hangfire job sending it; null until enqueued
    attempts      integer not null default 0,
    last_error    text,
    delivered_at  timestamptz,
    failed_at     timestamptz,                          -- the last retry failed
    primary key (api_key_id, seq, ticket_id)
);
create index hotline_deliveries_unsent_ix on hotline_deliveries (queued_at) where job_id is null;
