-- dlock renew: extends the leases of a session's entries, granted or waiting, on one or more resources
-- (all in one cluster slot).
-- KEYS: q, x, c and v of each resource, in quadruples
-- ARGV: lease in microseconds, channel, value retention in ms, then per resource: resource, '1' if one of its
-- entries may hold PW or EX (else '0'), member count, members...
-- A renewed entry marked as the value's writer keeps the value key alive a retention past its new lease (see
-- common.lua, 'Value blocks'); resources whose entries never asked for PW or EX skip the look.
-- Reply: the 1-based positions (among all members) of the entries that no longer exist
local leaseUs, channel, retentionMs = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local nowMs, nowUs = clock()
local expiry = fmt(expiryAfter(nowUs, leaseUs))
local missing = {}
local arg = 4
local position = 0
for k = 1, #KEYS, 4 do
	local q, x, c, v = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
	local resource, writing, count = ARGV[arg], ARGV[arg + 1] == '1', tonumber(ARGV[arg + 2])
	arg = arg + 3
	local mark = writing and redis.call('HGET', v, 'w')
	local removed = {}
	sweep(q, x, c, nowMs, removed)
	if #removed > 0 then
		settle(q, x, c, channel, resource, removed)
	end
	local renewed = false
	for i = arg, arg + count - 1 do
		position = position + 1
		-- XX: never adds; CH: counts a changed expiry. An unchanged one (renewed twice in one
		-- millisecond) is told apart from a missing entry by asking again.
		if redis.call('ZADD', x, 'XX', 'CH', expiry, ARGV[i]) == 1 or redis.call('ZSCORE', x, ARGV[i]) then
			renewed = true
			if mark and string.sub(mark, -#ARGV[i] - 1) == ' ' .. ARGV[i] then
				redis.call('PEXPIREAT', v, fmt(tonumber(expiry) + retentionMs))
			end
		else
			missing[#missing + 1] = position
		end
	end
	arg = arg + count
	if renewed then
		expireWithLatest(q, x, c)
	end
end
return missing
