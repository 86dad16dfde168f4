-- Responsible units (责任单位) are kept from the administrators' console (issue 11).
-- Units are never deleted: cases, categories and people name them, and history must keep the name; a
-- deactivated unit is no longer offered (categories, people, dispatch) but still reads as it was.
-- A unit either serves the whole district (street_code null: only district administrators manage it and
-- its staff) or belongs to one street (a street's own sanitation or inspection team: that street's
-- administrators manage it too). The version makes two edits of one unit lose cleanly (409).
alter table units add column street_code    text references streets(code);
alter table units add column deactivated_at timestamptz;
alter table units add column version        integer not null default 1;
alter table units add column updated_at     timestamptz;
alter table units add column updated_by     uuid references people(id);
