-- The administrators' audit page (issue 11) lists audit_log newest first, filtered by person, kind
-- and time, a page at a time; without indexes every page read the whole log. The log only grows.
create index audit_log_at_ix on audit_log (at desc, id desc);
create index audit_log_actor_at_ix on audit_log (actor_id, at desc);
create index audit_log_action_at_ix on audit_log (action, at desc);
