-- The map asks for every cell's open and overdue cases on each move. Counting them from cases on
-- every call costs a scan of the whole case table for a city box (228 ms at 1,000,000 cases), so:
-- 1. open cases per cell are kept in cell_case_counts by the change that opens or ends a case.
--    The trigger is deferred to commit, so the counter row of a cell is locked only while its
--    transaction commits, not from the report's first statement: writers in one cell barely wait
--    for each other, writers in different cells never do. Reading it is one row per cell.
-- 2. overdue depends on the clock, not only on changes: it stays a count, but over a partial index
--    of running cases by (cell, deadline), which holds only cases that can be overdue.
-- 3. open cases by place and by age, for the map's case list, on partial indexes that leave out the
--    closed and cancelled majority.
create table cell_case_counts (
    cell_code   text primary key references grid_cells(code) on delete cascade,
    open_cases  integer not null default 0 check (open_cases >= 0)
);

insert into cell_case_counts (cell_code, open_cases)
select cell_code, count(*) from cases where state not in ('closed','cancelled') group by cell_code;

create function cases_count_open() returns trigger language plpgsql as $$
declare
    was_open boolean := tg_op <> 'INSERT' and old.state not in ('closed','cancelled');
    is_open  boolean := tg_op <> 'DELETE' and new.state not in ('closed','cancelled');
begin
    if was_open and is_open and old.cell_code = new.cell_code then
        return null;
    end if;
    if was_open then
        update cell_case_counts set open_cases = open_cases - 1 where cell_code = old.cell_code;
    end if;
    if is_open then
        insert into cell_case_counts (cell_code, open_cases) values (new.cell_code, 1)
        on conflict (cell_code) do update set open_cases = cell_case_counts.open_cases + 1;
    end if;
    return null;
end $$;

create constraint trigger cases_count_open after insert or delete or update of state, cell_code on cases
    deferrable initially deferred for each row execute function cases_count_open();

create index cases_overdue_cell_ix on cases (cell_code, deadline) where state in ('dispatched','in_progress');
create index cases_open_location_gix on cases using gist (location) where state not in ('closed','cancelled');
create index cases_open_created_ix on cases (created_at desc, id desc) where state not in ('closed','cancelled');
