-- dlock remove: deletes the entry of one owner, granted, waiting or converting, and wakes the entries it
-- blocked. Owner-only (the member carries the secret owner id) and idempotent.
-- ARGV: member, channel, resource, the conflict sets of all modes ('NL=;CR=EX;...'), value retention in ms
-- The removal of a live entry clears its writer mark (one HMGET on the value key for every removal); an entry whose
-- lease ran out keeps it, so that the value reads as invalid. An announced grant in PW or EX is marked (see
-- common.lua, 'Value blocks').
-- The wake-up names the tickets that left and, on a queue without conversions, with a '+', the later entries
-- granted now, so that those waiters need not ask again.
-- Reply: 1 if the entry existed, 0 if it was already gone
local q, x, c, v = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
local member, channel, resource, matrix, retentionMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local own = redis.call('ZSCORE', q, member)
if own then
	clearWriter(x, v, tonumber(own), member, nil, retentionMs)
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
	local writer = settle(q, x, c, channel, resource, removed, matrix)
	if writer then
		markWriter(q, x, v, writer.ticket, writer.member, nowMs, retentionMs)
	end
end
if own then
	return 1
end
return 0
