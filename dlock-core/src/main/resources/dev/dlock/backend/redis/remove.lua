-- dlock remove: deletes the entry of one owner, granted, waiting or converting, and wakes the entries it
-- blocked. Owner-only (the member carries the secret owner id) and idempotent.
-- ARGV: member, channel, resource, the conflict sets of all modes ('NL=;CR=EX;...')
-- The wake-up names the tickets that left and, on a queue without conversions, with a '+', the later entries
-- granted now, so that those waiters need not ask again.
-- Reply: 1 if the entry existed, 0 if it was already gone
local q, x, c = KEYS[1], KEYS[2], KEYS[3]
local member, channel, resource, matrix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local own = redis.call('ZSCORE', q, member)
if own then
	if redis.call('ZCARD', q) == 1 then
		-- the last entry: nothing left to sweep or to wake, and the keys go with it (x holds the
		-- same members as q, c only records about them)
		redis.call('DEL', q, x, c)
		return 1
	end
	redis.call('ZREM', q, member)
	redis.call('ZREM', x, member)
	redis.call('HDEL', c, member)
end
local nowMs = clock()
local removed = {}
sweep(q, x, c, nowMs, removed)
if own then
	removed[#removed + 1] = fmt(tonumber(own))
end
if #removed > 0 then
	settle(q, x, c, channel, resource, removed, matrix)
end
if own then
	return 1
end
return 0
