-- Administrators now change categories and the working calendar from the console (issue 11).
-- A version per category row, per calendar year and on the calendar settings lets two
-- administrators editing the same thing lose cleanly (409) instead of the later save silently
-- overwriting the earlier one; updated_at/by say who changed it last (the audit log has the history).
alter table categories add column version integer not null default 1;
alter table categories add column updated_at timestamptz;
alter table categories add column updated_by uuid references people(id);

alter table calendar_settings add column version integer not null default 1;

-- calendar_days has no row for a year without holidays, so the version of "the days of a year"
-- lives here: a year is prepared ahead by saving its list, which creates the row.
create table calendar_years (
    year        integer primary key check (year between 2000 and 2100),
    version     integer not null default 1,
    updated_at  timestamptz not null default now(),
    updated_by  uuid references people(id)
);
insert into calendar_years (year)
select distinct extract(year from day)::integer from calendar_days
on conflict do nothing;
