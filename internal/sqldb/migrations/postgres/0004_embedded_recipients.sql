-- Embedded recipients sign inside the sender's own application, through
-- signing URLs the sender asks for; GSign emails them nothing. Written in
-- portable SQL: the other engine's migration of the same number is the same
-- file.
ALTER TABLE recipients ADD COLUMN embedded BOOLEAN NOT NULL DEFAULT FALSE;
