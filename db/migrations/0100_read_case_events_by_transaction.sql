-- Readers of case_events no longer need writers to commit one after another (0010's advisory lock
-- made every event writer in the city wait for the one before it: 21 of 30 ms of a report).
-- Instead each row records the transaction that wrote it, and a reader only takes rows of
-- transactions older than the oldest one still running (xact_id < pg_snapshot_xmin of its own
-- snapshot). Such a transaction has ended: its rows are all visible or rolled back, and no row with a
-- smaller xact_id can ever appear again (a transaction that has not written yet gets a newer id).
-- So a reader that walks (xact_id, seq) in order and keeps its position never skips a committed row
-- and never reads one twice, while writers commit in any order. See docs/realtime.md.
drop trigger case_events_serialize on case_events;
drop function case_events_serialize();

-- Rows written before this migration were serialised by 0010, so their seq order is their commit
-- order: they all get transaction id 1 (older than any real one) and keep seq as their order. A
-- constant default does not rewrite the table; the real default follows.
alter table case_events add column xact_id xid8 not null default '1';
alter table case_events alter column xact_id set default pg_current_xact_id();
create index case_events_xact_seq_ix on case_events (xact_id, seq);
