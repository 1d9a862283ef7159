-- dlock write-value: writes the value block of a lock for the entry marked as its writer (granted in PW or EX,
-- see common.lua, 'Value blocks'), if that entry is still live; the value is stored valid or invalid as given
-- (invalid: the engine's mark for a writer it lost) and kept a retention time, and at least a retention past
-- the writer's lease while the mark stays. Writing the same value again
-- changes nothing; after the entry left (or lost its mark by leaving PW and EX) nothing is written.
-- KEYS: q, x, c, w, v of the lock (q, x and v are used)
-- ARGV: member, bytes (base64), version, value retention in ms, 1 if valid else 0
-- Reply: 1 if written, 0 if not
local q, x, v = KEYS[1], KEYS[2], KEYS[5]
local member, bytes, version, retentionMs, valid = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
local nowMs = clock()
local ticket = redis.call('ZSCORE', q, member)
local expiry = redis.call('ZSCORE', x, member)
if not ticket or not expiry or tonumber(expiry) < nowMs
		or redis.call('HGET', v, 'w') ~= writerMark(tonumber(ticket), member) then
	return 0
end
redis.call('HSET', v, 'b', bytes, 'n', version, 't', fmt(nowMs))
if valid then
	redis.call('HDEL', v, 'i')
else
	redis.call('HSET', v, 'i', '1')
end
redis.call('PEXPIREAT', v, fmt(tonumber(expiry) + retentionMs))
return 1
