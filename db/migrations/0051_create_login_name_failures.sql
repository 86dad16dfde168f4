-- Failed sign-ins counted per submitted login name, for names that are no active account (unknown
-- or deactivated). Known accounts keep counting in people.failed_logins; with this table an unknown
-- name locks after the same number of failures and answers the same 423, so a lock no longer tells a
-- guesser that the name exists. Names are stored lower-cased, as sign-in compares them.
create table login_name_failures (
    login_name    text primary key check (length(login_name) between 1 and 200),
    failed_logins integer not null default 0,
    locked_until  timestamptz
);
