-- The door each event came through (core/src/via.rs): rest, connect, grpc, grpc-web,
-- console, page or system; NULL for events written before it was kept.
ALTER TABLE events ADD COLUMN transport TEXT;
