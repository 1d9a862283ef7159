-- dlock unwatch: ends a granted entry's mark on its lock (see watch.lua); the set goes with its last member.
-- Idempotent.
-- KEYS: q, x, c, w, v of the lock (only w is used)
-- ARGV: the ticket of the entry
return redis.call('SREM', KEYS[4], ARGV[1])
