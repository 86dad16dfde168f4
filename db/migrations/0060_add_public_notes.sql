-- Every step may carry, besides the staff's reason or note (internal, never published), a public
-- note: what the citizen is told (12345 回复, Open311 status_notes, the citizen tracking page).
-- Only this column is ever shown outside the command center.
alter table case_history add column public_note text check (length(public_note) <= 1000);
