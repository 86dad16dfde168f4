-- Device kinds and devices are edited from the console (issue 11): a version per row lets two
-- administrators editing the same kind or device lose cleanly (409, the page shows what the other saved)
-- instead of the later save silently overwriting the earlier one. API clients that send no version keep
-- the old last-writer-wins behaviour.
alter table monitoring_kinds add column version integer not null default 1;
alter table monitoring_devices add column version integer not null default 1;
