-- The administrators' console edits people. Two edits of one person from two pages must not both win:
-- each edit names the version it started from and loses with 409 when someone saved in between.
alter table people add column version integer not null default 1;

-- A password set by an administrator (reset, import) is known to him: the person must choose his own
-- at the next sign-in before doing anything else.
alter table people add column must_change_password boolean not null default false;

-- Phones identify staff in the import and on the phone app; the console refuses a duplicate, this
-- index finds them quickly.
create index people_phone_ix on people (phone) where phone is not null;
