-- The console edits ladders (issue 11): two administrators changing the same rule must not silently
-- overwrite each other, so a change names the version it was made on and a stale one answers 409.
alter table escalation_ladders add column version integer not null default 1;
