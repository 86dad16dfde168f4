-- Readers of case_events (every server node's listener, every reconnecting client) read "rows with
-- seq > the last one I saw". That is only safe if a row can never become visible after a row with a
-- higher seq: an identity value is taken at insert, but transactions commit in any order, so without
-- this a listener could see seq 11, move on, and miss seq 10 committed a moment later.
-- A statement-level BEFORE trigger fires before the identity default is evaluated; it takes a
-- transaction-scoped advisory lock that is released only after commit, so event writers take their
-- seq and commit one after another and seq order is commit order. Rolled-back inserts leave harmless
-- holes. The lock is held only from the event insert (the last statement of a change) to commit.
create function case_events_serialize() returns trigger language plpgsql as $$
begin
    perform pg_advisory_xact_lock(7331, 1);
    return null;
end $$;

create trigger case_events_serialize before insert on case_events
    for each statement execute function case_events_serialize();
