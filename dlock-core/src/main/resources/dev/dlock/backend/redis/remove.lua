-- dlock remove: deletes the entry of one owner, granted or waiting, and wakes the entries it blocked.
-- Owner-only (the member carries the secret owner id) and idempotent.
-- ARGV: member, channel, resource
-- Reply: 1 if the entry existed, 0 if it was already gone
local q, x = KEYS[1], KEYS[2]
local member, channel, resource = ARGV[1], ARGV[2], ARGV[3]
local nowMs = clock()
local removed = {}
sweep(q, x, nowMs, removed)

local own = redis.call('ZSCORE', q, member)
if own then
	removed[#removed + 1] = fmt(tonumber(own))
	redis.call('ZREM', q, member)
	redis.call('ZREM', x, member)
end
if #removed > 0 then
	settle(q, x, channel, resource, removed)
end
if own then
	return 1
end
return 0
