-- Duty rosters per responsible unit too (issue 11): a unit's staff have shifts and leave with a substitute
-- like a cell's post holders. A shift row belongs to a cell or to a unit, never both. Routing falls back to the
-- category's unit when nobody of the cell is on duty; with a unit roster it names the unit's least-loaded
-- person on duty now. A unit without shift rows has no roster: the case goes to the unit without a name.
alter table duty_shifts alter column cell_code drop not null;
alter table duty_shifts add column unit_id text references units(id);
alter table duty_shifts add constraint duty_shifts_cell_or_unit check ((cell_code is null) <> (unit_id is null));
create index duty_shifts_unit_time_ix on duty_shifts (unit_id, starts_at, ends_at) where unit_id is not null;
