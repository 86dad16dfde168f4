-- Community scope (社区, issue 11): an operator, dispatcher, shift lead or supervisor may answer for one community
-- instead of a street or the whole district. The community is the 12-digit prefix of its cells' codes, so every
-- scope check that limits by street prefix limits by community the same way. The person keeps his street too
-- (the community's), so what is street-wide about him (the administrators who manage him) stays as it was.
alter table people add column community_code text references communities(code);
alter table people add constraint people_community_in_street
    check (community_code is null or street_code = left(community_code, 9));
