-- Working periods per year (issue 11): a city changes its office hours from one year to the next
-- (summer hours, a new 7-hour day), and the deadlines of cases dispatched in a year must be counted on
-- that year's periods. working_periods stays as the default for a year that has none of its own.
-- The year's periods have a version of their own on calendar_years (periods_version, 0 = never set), so
-- an administrator editing the periods does not collide with another editing the same year's holidays.
-- A row of calendar_years made by saving periods first keeps version 0: its list of days was never saved.
alter table calendar_years add column periods_version integer not null default 0;

create table calendar_year_periods (
    year       integer not null references calendar_years(year),
    starts_at  time not null,
    ends_at    time not null,
    primary key (year, starts_at),
    check (ends_at > starts_at)
);
