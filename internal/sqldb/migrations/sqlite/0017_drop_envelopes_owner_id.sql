-- envelopes_owner_created (owner_id, created_at, id) serves every lookup
-- by owner that envelopes_owner_id (owner_id) did: the listings filtered by
-- owner, handing a member's envelopes over, and the foreign key from
-- users. The narrower index only cost a write on every insert and on every
-- update that cannot stay on its page (a change of status, among others).
DROP INDEX envelopes_owner_id;
