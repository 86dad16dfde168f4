-- ASP.NET Core data-protection keys (they sign the sign-in cookie and antiforgery tokens) live in
-- the database, so every server node reads the same key ring and a cookie issued by one node is
-- accepted by all.
create table data_protection_keys (
    id            bigint generated always as identity primary key,
    friendly_name text not null,
    xml           text not null,
    created_at    timestamptz not null default now()
);
