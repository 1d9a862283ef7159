-- dlock watch: marks granted entries of a lock as watching its queue, so that a request or conversion that starts
-- to wait on it publishes '<resource> ?<ticket>' (enqueue.lua, convert.lua); a lock nobody watches has no mark and
-- its waiters publish nothing. The mark ends with the lease given unless marked again (each renewal of a watching
-- entry does), and never shortens a longer one of another watcher.
-- KEYS: q, x, c, w, v of the lock (only w is used)
-- ARGV: lease in ms, then the tickets of the watching entries
local w, leaseMs = KEYS[4], tonumber(ARGV[1])
for i = 2, #ARGV do
	redis.call('SADD', w, ARGV[i])
end
if redis.call('PTTL', w) < leaseMs then
	redis.call('PEXPIRE', w, leaseMs)
end
return 0
